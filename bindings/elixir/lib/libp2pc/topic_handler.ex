defmodule Libp2pc.TopicHandler do
  @moduledoc """
  One handler module per gossip topic. `Libp2pc.Node` subscribes to every
  topic it has a handler for and calls `handle/2` for each message on it,
  in the node's process (hand long work to another process).

      defmodule MyApp.BlockHandler do
        @behaviour Libp2pc.TopicHandler
        @impl true
        def handle(%{data: data, from: peer}, _arg), do: MyApp.Blocks.import(data, peer)
      end
  """

  @typedoc "A gossip message: topic, forwarding peer, message id, payload."
  @type message :: %{topic: binary(), from: binary(), msg_id: binary(), data: binary()}

  @doc "Handles one message. `arg` is what was given with the handler ({Module, arg}); nil otherwise."
  @callback handle(message(), arg :: term()) :: any()
end
