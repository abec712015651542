defmodule Libp2pc do
  @moduledoc """
  Elixir API over the Erlang `:libp2pc` module.

  `open/1` returns a handle (a port in `mode: :driver`, a pid in
  `mode: :port_program`); events reach the calling process as
  `{:libp2pc, handle, event}` (see the Erlang README for the event shapes).
  Asynchronous calls return `{:ok, req_id}` at once and complete with
  `{:libp2pc, handle, {:request_done, req_id, :ok | {:error, code, msg}}}`;
  `await/2` waits for that. For a supervised process with one handler
  module per topic, use `Libp2pc.Node` and `Libp2pc.TopicHandler`.
  """

  @type handle :: port() | pid()
  @type error :: {:error, atom(), binary()}

  @doc "Options: listen: [multiaddr], key_file: path, mode: :driver | :port_program, start: bool."
  @spec open(keyword()) :: {:ok, handle()} | error()
  def open(opts \\ []), do: :libp2pc.open(with_priv(opts))

  @spec start_link(keyword()) :: {:ok, handle()} | error()
  def start_link(opts \\ []), do: :libp2pc.start_link(with_priv(opts))

  defdelegate stop(h), to: :libp2pc
  defdelegate close(h), to: :libp2pc
  defdelegate dial(h, addr), to: :libp2pc
  defdelegate disconnect(h, peer_id), to: :libp2pc
  defdelegate subscribe(h, topic), to: :libp2pc
  defdelegate unsubscribe(h, topic), to: :libp2pc
  defdelegate publish(h, topic, data), to: :libp2pc
  defdelegate peers(h), to: :libp2pc
  defdelegate peer_id(h), to: :libp2pc
  defdelegate counters(h), to: :libp2pc
  defdelegate debug_panic(h), to: :libp2pc
  defdelegate await(h, req), to: :libp2pc
  defdelegate await(h, req, timeout), to: :libp2pc
  defdelegate controlling_process(h, pid), to: :libp2pc

  defp with_priv(opts) do
    case Application.get_env(:libp2pc, :priv_dir) do
      nil -> opts
      dir -> Keyword.put_new(opts, :priv_dir, dir)
    end
  end
end
