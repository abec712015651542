#!/usr/bin/env bash
# Range sync between two libp2pc-node processes in chain mode, over a chain
# of several batches that justifies and finalizes (issue 17's two defects:
# a block imported several times; a sync that stopped at the first batch
# boundary after finality).
#
# DATA is a chaingen directory (config.yaml, genesis.ssz, block_<i>.ssz,
# manifest.txt) of N >= 4*64+1 blocks: the library range-syncs in batches of
# 64 slots. A anchors at genesis and imports the blocks handed to it all at
# once (--import-blocks); B, anchored at the same genesis and peered only
# with A, learns A's head from the status handshake and range-syncs all of
# it. Checks, from the JSON lines each printed:
#   - each node imports every block of the manifest exactly once (root and
#     slot as chaingen made them), and drops or rejects none;
#   - B's head is the last block and its finalized checkpoint is A's (epoch
#     >= 2: finality advanced in the middle of the sync);
#   - B's sync reports "finished N blocks".
set -euo pipefail
NODE=${1:?usage: two_process_sync.sh PATH/TO/libp2pc-node CHAINGEN-DIR}
DATA=${2:?usage: two_process_sync.sh PATH/TO/libp2pc-node CHAINGEN-DIR}
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT

fail() {
  echo "FAIL: $*"
  for f in "$dir"/*.out; do
    echo "--- $f: sync, dropped, invalid, finalized lines; then the last lines"
    grep -E '"event":"(sync_progress|block_dropped|block_invalid|finalized|peer_status)"' "$f" | head -n 40
    tail -n 10 "$f"; tail -n 30 "${f%.out}.err"
  done
  exit 1
}

[ -f "$DATA/manifest.txt" ] || fail "no chain in $DATA (run chaingen)"
grep '^block ' "$DATA/manifest.txt" | awk '{print $3, $4}' | sort > "$dir/want"  # slot root
n=$(wc -l < "$dir/want")
[ "$n" -gt 256 ] || fail "the chain has $n blocks: need more than four batches of 64"
last_root=$(grep '^block ' "$DATA/manifest.txt" | tail -n1 | awk '{print $4}')
# The BeaconState starts with genesis_time (8 bytes) and genesis_validators_root.
gvr=$(python3 -c "import sys; print(open(sys.argv[1],'rb').read()[8:40].hex())" "$DATA/genesis.ssz")
spslot=$(sed -nE 's/^SECONDS_PER_SLOT: *([0-9]+).*/\1/p' "$DATA/config.yaml")
genesis=$(( $(date +%s) - (n + 20) * spslot )) # every block is in the past
chain=(--eth2-config "$DATA/config.yaml" --genesis-time "$genesis" --genesis-validators-root "$gvr"
       --genesis-state "$DATA/genesis.ssz")

# wait_for NAME REGEX SECONDS
wait_for() {
  for _ in $(seq $(( $3 * 10 ))); do
    grep -qsE "$2" "$dir/$1.out" && return 0
    sleep 0.1
  done
  fail "$1: no line matching $2 within $3 s"
}

"$NODE" --listen /ip4/127.0.0.1/tcp/0 "${chain[@]}" --data-dir "$dir/a" --import-blocks "$DATA" \
  --exit-after-s 600 > "$dir/a.out" 2> "$dir/a.err" &
A=$!
wait_for a '"event":"listening"' 30
wait_for a "\"event\":\"head_changed\".*\"slot\":$n," 300
line=$(grep '"event":"listening"' "$dir/a.out")
addr="$(sed -E 's/.*"addrs":\["([^"]+)".*/\1/' <<<"$line")/p2p/$(sed -E 's/.*"peer_id":"([^"]+)".*/\1/' <<<"$line")"

start=$(date +%s)
"$NODE" --peer "$addr" "${chain[@]}" --data-dir "$dir/b" --exit-after-s 600 > "$dir/b.out" 2> "$dir/b.err" &
B=$!
wait_for b "\"event\":\"head_changed\".*\"slot\":$n," 400
wait_for b "\"progress\":\"finished $n blocks\"" 30
took=$(( $(date +%s) - start ))
kill -TERM "$A" "$B"
for p in "$A" "$B"; do wait "$p" || fail "a node exited non-zero"; done

get() { sed -nE "s/.*\"$1\":\"?([^\",}]*)\"?.*/\1/p" <<<"$2"; }
for x in a b; do
  grep '"event":"block_imported"' "$dir/$x.out" | sed -E 's/.*"slot":([0-9]+),"root":"([0-9a-f]+)".*/\1 \2/' | sort > "$dir/$x.got"
  if ! diff -q "$dir/want" "$dir/$x.got" > /dev/null; then
    dups=$(uniq -d "$dir/$x.got" | head -n 3 | tr '\n' ' ')
    fail "$x imported $(wc -l < "$dir/$x.got") blocks ($(sort -u "$dir/$x.got" | wc -l) distinct; repeated: ${dups:-none}), want the $n of the manifest once each"
  fi
  if grep -E '"event":"block_(dropped|invalid)"' "$dir/$x.out" | head -n 3 | grep .; then
    fail "$x gave blocks up"
  fi
done
head_b=$(grep '"event":"head_changed"' "$dir/b.out" | tail -n1)
[ "$(get root "$head_b")" = "$last_root" ] || fail "B's head is $(get root "$head_b"), want $last_root"
fin_a=$(grep '"event":"finalized"' "$dir/a.out" | tail -n1)
fin_b=$(grep '"event":"finalized"' "$dir/b.out" | tail -n1)
[ -n "$fin_b" ] && [ "$(get epoch "$fin_b")" -ge 2 ] || fail "B did not finalize: $fin_b"
[ "$(get epoch "$fin_b")" = "$(get epoch "$fin_a")" ] && [ "$(get root "$fin_b")" = "$(get root "$fin_a")" ] ||
  fail "finalized: A $fin_a, B $fin_b"
echo "OK: B range-synced $n blocks from A in ${took}s (finalized epoch $(get epoch "$fin_b")), each imported once on both nodes"
