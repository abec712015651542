defmodule Libp2pcServerTest.Validator do
  @behaviour Libp2pc.TopicHandler
  # Accepts blocks whose first byte is even... of the test's choosing: the
  # arg says which payload to reject.
  @impl true
  def validate(%{data: data}, {_pid, reject}), do: if(data == reject, do: :reject, else: :accept)
  @impl true
  def handle(msg, {pid, _}), do: send(pid, {:handled, msg})
end

defmodule Libp2pcServerTest do
  use ExUnit.Case
  alias Libp2pc.Server

  @bbr "/eth2/beacon_chain/req/beacon_blocks_by_range/2/ssz_snappy"

  defp chain_dir do
    System.get_env("LIBP2PC_CHAIN_DIR") ||
      flunk("LIBP2PC_CHAIN_DIR is not set: run `make test` (it runs chaingen)")
  end

  defp chain(name), do: File.read!(Path.join(chain_dir(), name))

  defp eth2_config do
    <<_::binary-size(8), gvr::binary-size(32), _::binary>> = chain("genesis.ssz")

    %{
      genesis_time: System.os_time(:second) - 3600,
      genesis_validators_root: gvr,
      config_yaml: chain("config.yaml")
    }
  end

  # The first event of server s matching pred; the others are put back in
  # the mailbox for later waits.
  defp wait(s, pred, skipped \\ []) do
    receive do
      {:libp2pc, ^s, ev} = m ->
        if pred.(ev) do
          Enum.each(Enum.reverse(skipped), &send(self(), &1))
          ev
        else
          wait(s, pred, [m | skipped])
        end
    after
      20_000 -> flunk("no matching event from #{inspect(s)}")
    end
  end

  test "the chain: anchor, submit, imported blocks and head changes as events" do
    genesis = chain("genesis.ssz")
    {:ok, s} = Server.start_link(listen: ["/ip4/127.0.0.1/tcp/0"], owner: self())
    :ok = Server.eth2_configure(s, eth2_config())
    :ok = Server.start(s)
    assert {:error, :bad_state, _} = Server.chain_head(s)
    assert {:error, :bad_state, _} = Server.chain_da_counters(s)
    dir = Path.join(System.tmp_dir!(), "libp2pc-ex-chain-#{System.os_time()}")

    :ok =
      Server.chain_start(s, %{
        data_dir: dir,
        anchor_state: genesis,
        config_yaml: chain("config.yaml")
      })

    {:ok, anchor, 0} = Server.chain_head(s)
    assert {:ok, ^anchor, 0} = Server.chain_finalized(s)
    assert {:ok, ^genesis} = Server.get_state(s, anchor)
    blocks = for i <- 1..3, do: chain("block_#{i}.ssz")
    roots = for b <- blocks, do: elem(Server.chain_submit_block(s, b), 1)

    Enum.reduce(Enum.zip(1..3, roots), anchor, fn {slot, root}, parent ->
      %{code: ^slot, data: <<^root::binary-size(32), ^parent::binary-size(32), _::binary>>} =
        wait(
          s,
          &match?(%{type: :block_imported, data: <<^root::binary-size(32), _::binary>>}, &1)
        )

      root
    end)

    last = List.last(roots)
    wait(s, &match?(%{type: :head_changed, data: ^last, code: 3}, &1))
    assert {:ok, hd(blocks)} == Server.get_block(s, hd(roots))
    assert {:ok, %{blocks_imported: 3}} = Server.chain_sync_status(s)
    assert {:error, :invalid_argument, _} = Server.chain_submit_block(s, "not a block")
    # Data availability (ABI 2.2): a phase0 chain stores no sidecars and its
    # blocks carry no blobs.
    assert {:ok, %{blocks_waited: 0, waiting: 0, sidecars_stored: 0}} =
             Server.chain_da_counters(s)

    assert {:error, :not_found, _} = Server.get_sidecars(s, hd(roots))
    assert {:error, :invalid_argument, _} = Server.chain_propose_blobs(s, "", [])

    assert {:error, :invalid_argument, _} =
             Server.chain_propose_blobs(s, hd(blocks), [:binary.copy(<<0>>, 131_072)])

    :ok = Server.stop(s)
    wait(s, &match?(%{type: :stopped}, &1))
    :ok = Server.destroy(s)
    File.rm_rf!(dir)
  end

  test "eth2 gossip validated by a topic handler, req/resp answered from events" do
    {:ok, a} = Server.start_link(listen: ["/ip4/127.0.0.1/tcp/0"], owner: self())
    {:ok, b} = Server.start_link(listen: ["/ip4/127.0.0.1/tcp/0"], owner: self())
    for s <- [a, b], do: :ok = Server.eth2_configure(s, eth2_config())
    {:ok, digest} = Server.fork_digest(a)
    for s <- [a, b], do: :ok = Server.set_status(s, %{fork_digest: digest})
    :ok = Server.serve(b, @bbr, :by_host)
    :ok = Server.start(a)
    :ok = Server.start(b)
    %{peer_id: id_a} = wait(a, &match?(%{type: :listening}, &1))
    %{peer_id: id_b, addrs: addrs} = wait(b, &match?(%{type: :listening}, &1))
    addr = Enum.find(addrs, &String.contains?(&1, "/tcp/"))
    block = chain("block_1.ssz")
    bad = chain("block_2.ssz")

    :ok =
      Server.eth2_subscribe(
        a,
        "beacon_block",
        :host,
        {Libp2pcServerTest.Validator, {self(), bad}}
      )

    :ok = Server.eth2_subscribe(b, "beacon_block", :none)
    :ok = Server.dial(a, "#{addr}/p2p/#{id_b}")

    # Req/resp: a's request runs in a task; this process answers for b.
    req =
      Task.async(fn ->
        Server.request(a, id_b, @bbr, <<1::little-64, 1::little-64, 1::little-64>>)
      end)

    %{request_id: in_id, peer_id: ^id_a} = wait(b, &match?(%{type: :incoming_request}, &1))
    :ok = Server.respond_chunk(b, in_id, digest, block)
    :ok = Server.respond_end(b, in_id)
    assert {:ok, [%{code: 0, context: ^digest, data: ^block}]} = Task.await(req, 20_000)

    # Gossip: the handler accepts one message (handle/2 gets it) and rejects the other.
    wait(b, &match?(%{type: :topic_peer_joined, peer_id: ^id_a}, &1))
    :ok = Server.eth2_publish(b, "beacon_block", block)
    assert_receive {:handled, %{data: ^block, from: ^id_b}}, 20_000
    :ok = Server.eth2_publish(b, "beacon_block", bad)
    wait(a, &match?(%{type: :gossip_validate, data: ^bad}, &1))
    refute_receive {:handled, %{data: ^bad}}, 500
    {:ok, %{topics: [%{accepted: 1} | _]}} = Server.eth2_counters(a)
    :ok = Server.destroy(a)
    :ok = Server.destroy(b)
  end

  test "plain gossip topics routed to their handlers" do
    topic = "/libp2pc/ex-server-test"

    {:ok, a} =
      Server.start_link(
        listen: ["/ip4/127.0.0.1/tcp/0"],
        owner: self(),
        handlers: [{topic, {Libp2pcServerTest.Validator, {self(), nil}}}]
      )

    {:ok, b} = Server.start_link(listen: ["/ip4/127.0.0.1/tcp/0"], owner: self())
    :ok = Server.start(a)
    :ok = Server.start(b)
    {:ok, id_a} = Server.peer_id(a)
    %{addrs: [addr | _]} = wait(a, &match?(%{type: :listening}, &1))
    :ok = Server.subscribe(b, topic)
    :ok = Server.dial(b, "#{addr}/p2p/#{id_a}")
    wait(b, &match?(%{type: :topic_peer_joined, peer_id: ^id_a}, &1))
    :ok = Server.publish(b, topic, "hello")
    assert_receive {:handled, %{topic: ^topic, data: "hello"}}, 20_000
    :ok = Server.unsubscribe(a, topic)
    :ok = Server.destroy(a)
    :ok = Server.destroy(b)
  end

  test "timeouts are errors, and a server's node goes with it" do
    {:ok, s} = Server.start_link(listen: ["/ip4/127.0.0.1/tcp/0"])
    assert {:error, :timeout, _} = Server.start(s, 0)
    node = Server.node(s)
    ref = Process.monitor(node)
    :ok = Server.destroy(s)
    assert_receive {:DOWN, ^ref, :process, ^node, _}, 20_000
    assert {2, _} = Server.abi_version()
  end
end
