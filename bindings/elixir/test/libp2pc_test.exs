defmodule Libp2pcTest.Handler do
  @behaviour Libp2pc.TopicHandler
  @impl true
  def handle(msg, test_pid), do: send(test_pid, {:handled, __MODULE__, msg})
end

defmodule Libp2pcTest.OtherHandler do
  @behaviour Libp2pc.TopicHandler
  @impl true
  def handle(msg, test_pid), do: send(test_pid, {:handled, __MODULE__, msg})
end

defmodule Libp2pcTest do
  use ExUnit.Case

  for mode <- [:driver, :port_program] do
    @mode mode

    test "panic guard turns a Go panic into an error term (#{mode})" do
      {:ok, h} = Libp2pc.open(mode: @mode, start: false)
      assert {:error, :internal, msg} = Libp2pc.debug_panic(h)
      assert is_binary(msg) and msg != ""
      assert {:ok, _id} = Libp2pc.peer_id(h)
      :ok = Libp2pc.close(h)
    end

    test "plain API: two nodes gossip (#{mode})" do
      {:ok, a} = Libp2pc.open(mode: @mode)
      {:ok, b} = Libp2pc.open(mode: @mode)
      assert_receive {:libp2pc, ^b, {:listening, id_b, [addr_b | _]}}, 15_000
      assert :ok = Libp2pc.await(a, Libp2pc.dial(a, addr_b <> "/p2p/" <> id_b))
      assert :ok = Libp2pc.await(a, Libp2pc.subscribe(a, "t"))
      assert :ok = Libp2pc.await(b, Libp2pc.subscribe(b, "t"))
      assert_receive {:libp2pc, ^a, {:topic_peer_joined, "t", ^id_b}}, 15_000
      assert :ok = Libp2pc.await(a, Libp2pc.publish(a, "t", "plain #{@mode}"))
      assert_receive {:libp2pc, ^b, {:message, "t", _from, _id, "plain " <> _}}, 10_000
      :ok = Libp2pc.stop(a)
      :ok = Libp2pc.stop(b)
    end

    test "Libp2pc.Node routes each topic to its TopicHandler (#{mode})" do
      me = self()

      {:ok, a} =
        Libp2pc.Node.start_link(mode: @mode, owner: me,
          handlers: [{"blocks", {Libp2pcTest.Handler, me}}])

      {:ok, b} =
        Libp2pc.Node.start_link(mode: @mode,
          handlers: [{"blocks", {Libp2pcTest.Handler, me}}, {"atts", {Libp2pcTest.OtherHandler, me}}])

      {:ok, id_a} = Libp2pc.Node.peer_id(a)
      {:ok, id_b} = Libp2pc.Node.peer_id(b)
      {:ok, [addr_b | _]} = Libp2pc.Node.addrs(b)
      assert :ok = Libp2pc.Node.dial(a, addr_b <> "/p2p/" <> id_b)
      assert_receive {:libp2pc, ^a, {:peer_connected, ^id_b, :outbound, _}}, 10_000
      # subscribe at runtime, with a handler
      assert :ok = Libp2pc.Node.subscribe(a, "atts", {Libp2pcTest.OtherHandler, me})
      assert_receive {:libp2pc, ^a, {:topic_peer_joined, "blocks", ^id_b}}, 15_000
      assert_receive {:libp2pc, ^a, {:topic_peer_joined, "atts", ^id_b}}, 15_000

      publish_until(a, "blocks", "block", Libp2pcTest.Handler, id_a)
      publish_until(a, "atts", "att", Libp2pcTest.OtherHandler, id_a)
      publish_until(b, "blocks", "back", Libp2pcTest.Handler, id_b)

      assert {:ok, [%{peer_id: ^id_b}]} = Libp2pc.Node.peers(a)
      assert {:ok, %{messages_published: n}} = Libp2pc.Node.counters(a)
      assert n >= 2
      assert {:error, :not_found, _} = Libp2pc.Node.publish(a, "nope", "x")
      :ok = Libp2pc.Node.stop(a)
      :ok = Libp2pc.Node.stop(b)
    end
  end

  # Publishes unique payloads until the handler module reports one.
  defp publish_until(node, topic, prefix, mod, from, n \\ 10) do
    if n == 0, do: flunk("#{prefix} on #{topic} not delivered")
    payload = "#{prefix} #{n}"
    assert :ok = Libp2pc.Node.publish(node, topic, payload)

    receive do
      {:handled, ^mod, %{topic: ^topic, data: ^payload, from: ^from, msg_id: id}} ->
        assert byte_size(id) == 20
    after
      2_000 -> publish_until(node, topic, prefix, mod, from, n - 1)
    end
  end
end
