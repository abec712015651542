# Follows a chain: starts a node (Libp2pc.Server over the OTP application)
# with the chain anchored at a genesis state, hands it the chain's blocks,
# prints every imported block and head change, and stops cleanly.
#
#     mix run examples/follow_chain.exs DIR
#
# DIR is what the project's chain generator writes
# (go run ./libp2pc/internal/testchain/cmd/chaingen -out DIR). Exits
# non-zero unless every block is imported and the head is the last one.
defmodule FollowChain do
  def main([dir]) do
    yaml = File.read!(Path.join(dir, "config.yaml"))
    genesis = File.read!(Path.join(dir, "genesis.ssz"))

    blocks =
      Stream.iterate(1, &(&1 + 1))
      |> Stream.map(&Path.join(dir, "block_#{&1}.ssz"))
      |> Enum.take_while(&File.exists?/1)

    <<_::binary-size(8), gvr::binary-size(32), _::binary>> = genesis

    {:ok, s} = Libp2pc.Server.start_link(listen: ["/ip4/127.0.0.1/tcp/0"], owner: self())

    :ok =
      Libp2pc.Server.eth2_configure(s, %{
        genesis_time: System.os_time(:second) - 3600,
        genesis_validators_root: gvr,
        config_yaml: yaml
      })

    :ok = Libp2pc.Server.start(s)
    data_dir = Path.join(System.tmp_dir!(), "libp2pc-follow-chain-#{System.os_time()}")

    :ok =
      Libp2pc.Server.chain_start(s, %{
        data_dir: data_dir,
        anchor_state: genesis,
        config_yaml: yaml
      })

    {:ok, anchor, slot} = Libp2pc.Server.chain_head(s)
    IO.puts("anchored at #{Base.encode16(anchor, case: :lower)} (slot #{slot})")

    roots = for b <- blocks, do: elem(Libp2pc.Server.chain_submit_block(s, File.read!(b)), 1)
    follow(s, MapSet.new(roots), List.last(roots))
    {:ok, status} = Libp2pc.Server.chain_sync_status(s)
    IO.puts("sync status: head slot #{status.head_slot}, #{status.blocks_imported} imported")
    :ok = Libp2pc.Server.stop(s)

    receive do
      {:libp2pc, ^s, %{type: :stopped}} -> :ok
    after
      20_000 -> raise "no STOPPED"
    end

    :ok = Libp2pc.Server.destroy(s)
    File.rm_rf!(data_dir)
    IO.puts("stopped: #{length(roots)} blocks imported")
  end

  # Until every submitted block is imported and the head is the last one.
  defp follow(s, pending, last, head \\ nil) do
    if MapSet.size(pending) == 0 and head == last do
      :ok
    else
      receive do
        {:libp2pc, ^s,
         %{
           type: :block_imported,
           code: slot,
           data: <<root::binary-size(32), parent::binary-size(32), _::binary>>
         }} ->
          IO.puts("imported slot #{slot} block #{hex(root)} parent #{hex(parent)}")
          follow(s, MapSet.delete(pending, root), last, head)

        {:libp2pc, ^s, %{type: :head_changed, code: slot, data: root}} ->
          IO.puts("head slot #{slot} block #{hex(root)}")
          follow(s, pending, last, root)

        {:libp2pc, ^s, %{type: type, code: slot, text: why}}
        when type in [:block_invalid, :block_dropped] ->
          raise "block at slot #{slot}: #{type}: #{why}"

        {:libp2pc, ^s, _other} ->
          follow(s, pending, last, head)
      after
        60_000 -> raise "timed out following the chain"
      end
    end
  end

  defp hex(b), do: Base.encode16(b, case: :lower)
end

FollowChain.main(System.argv())
