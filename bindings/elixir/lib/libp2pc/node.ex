defmodule Libp2pc.Node do
  @moduledoc """
  A GenServer that owns a libp2pc node.

      {:ok, node} = Libp2pc.Node.start_link(
        listen: ["/ip4/127.0.0.1/tcp/0"],
        handlers: [{"blocks", MyApp.BlockHandler}, {"attestations", {MyApp.AttHandler, arg}}],
        owner: self())   # optional: also receive every event as {:libp2pc, node, event}

  Calls that complete asynchronously in libp2pc (`dial/2`, `subscribe/2`,
  `publish/3`, ...) reply when their `request_done` arrives, without
  blocking the server meanwhile.
  """
  use GenServer

  @timeout 20_000

  def start_link(opts, gen_opts \\ []), do: GenServer.start_link(__MODULE__, opts, gen_opts)

  def peer_id(node), do: GenServer.call(node, :peer_id)
  def addrs(node), do: GenServer.call(node, :addrs)
  def peers(node), do: GenServer.call(node, :peers)
  def counters(node), do: GenServer.call(node, :counters)
  def dial(node, addr), do: GenServer.call(node, {:async, :dial, [addr]}, @timeout)
  def publish(node, topic, data), do: GenServer.call(node, {:async, :publish, [topic, data]}, @timeout)
  def unsubscribe(node, topic), do: GenServer.call(node, {:async, :unsubscribe, [topic]}, @timeout)

  @doc "Subscribes to `topic` and routes its messages to `handler` (Module or {Module, arg})."
  def subscribe(node, topic, handler),
    do: GenServer.call(node, {:subscribe, topic, handler}, @timeout)

  def stop(node), do: GenServer.stop(node, :normal, @timeout)

  @impl true
  def init(opts) do
    {handlers, opts} = Keyword.pop(opts, :handlers, [])
    {owner, opts} = Keyword.pop(opts, :owner)
    Process.flag(:trap_exit, true)

    case Libp2pc.open(opts) do
      {:ok, h} ->
        {id, addrs} =
          receive do
            {:libp2pc, ^h, {:listening, id, addrs}} -> {id, addrs}
          after
            0 -> {nil, []}
          end

        state = %{h: h, owner: owner, handlers: %{}, pending: %{}, peer_id: id, addrs: addrs}

        state =
          Enum.reduce(handlers, state, fn {topic, handler}, st ->
            topic = IO.iodata_to_binary(topic)

            case Libp2pc.await(h, Libp2pc.subscribe(h, topic)) do
              :ok -> put_in(st.handlers[topic], handler)
              err -> throw({:stop, {:subscribe_failed, topic, err}})
            end
          end)

        {:ok, state}

      {:error, code, msg} ->
        {:stop, {code, msg}}
    end
  catch
    {:stop, reason} -> {:stop, reason}
  end

  @impl true
  def handle_call(:peer_id, _from, st), do: {:reply, Libp2pc.peer_id(st.h), st}
  def handle_call(:addrs, _from, st), do: {:reply, {:ok, st.addrs}, st}
  def handle_call(:peers, _from, st), do: {:reply, Libp2pc.peers(st.h), st}
  def handle_call(:counters, _from, st), do: {:reply, Libp2pc.counters(st.h), st}

  def handle_call({:subscribe, topic, handler}, from, st) do
    topic = IO.iodata_to_binary(topic)
    pending(Libp2pc.subscribe(st.h, topic), from, {:subscribed, topic, handler}, st)
  end

  def handle_call({:async, fun, args}, from, st) do
    pending(apply(Libp2pc, fun, [st.h | args]), from, {fun, args}, st)
  end

  defp pending({:ok, req}, from, what, st),
    do: {:noreply, put_in(st.pending[req], {from, what})}

  defp pending(err, _from, _what, st), do: {:reply, err, st}

  @impl true
  def handle_info({:libp2pc, h, event}, %{h: h} = st) do
    if st.owner, do: send(st.owner, {:libp2pc, self(), event})
    {:noreply, event(event, st)}
  end

  def handle_info({:EXIT, h, reason}, %{h: h} = st), do: {:stop, reason, st}
  def handle_info(_other, st), do: {:noreply, st}

  @impl true
  def terminate(_reason, st), do: Libp2pc.stop(st.h)

  defp event({:request_done, req, result}, st) do
    case Map.pop(st.pending, req) do
      {nil, _} ->
        st

      {{from, what}, pending} ->
        GenServer.reply(from, result)
        st = %{st | pending: pending}

        case {what, result} do
          {{:subscribed, topic, handler}, :ok} -> put_in(st.handlers[topic], handler)
          {{:unsubscribe, [topic]}, :ok} -> %{st | handlers: Map.delete(st.handlers, IO.iodata_to_binary(topic))}
          _ -> st
        end
    end
  end

  defp event({:listening, id, addrs}, st), do: %{st | peer_id: id, addrs: addrs}

  defp event({:message, topic, from, msg_id, data}, st) do
    case Map.get(st.handlers, topic) do
      nil ->
        st

      handler ->
        {mod, arg} = if is_atom(handler), do: {handler, nil}, else: handler
        mod.handle(%{topic: topic, from: from, msg_id: msg_id, data: data}, arg)
        st
    end
  end

  defp event(_other, st), do: st
end
