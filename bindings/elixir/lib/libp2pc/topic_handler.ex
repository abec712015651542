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

  @doc """
  Validates one message of an eth2 topic subscribed with mode `:host`
  (`Libp2pc.Server.eth2_subscribe/4`), before it is forwarded: `:accept`
  (then `handle/2` gets it), `:reject` (its sender is penalised) or
  `:ignore`. Runs in the server's process: answer within the validation
  timeout (4 s by default), or the library ignores the message.
  """
  @callback validate(message(), arg :: term()) :: :accept | :reject | :ignore
  @optional_callbacks validate: 2
end
