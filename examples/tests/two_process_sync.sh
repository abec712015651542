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
# Then checkpoint sync from the command line (when DATA has the epoch
# boundary states: chaingen -checkpoint-states): a small beacon-API server
# (python3 http.server) serves the state of A's finalized checkpoint and its
# block; C starts from it (--checkpoint-sync-url, --ws-checkpoint), range-
# syncs the blocks after it from A, each imported once, and backfills the
# history down to genesis; a wrong --ws-checkpoint and a state given with
# another block (--checkpoint-state/--checkpoint-block) make the program
# exit with the check that failed. The chain's genesis is years ago (fixed
# genesis time: the fixture is written once), so its checkpoints are far
# outside their weak subjectivity period: without --allow-stale-checkpoint
# the program exits with that check (the epochs in the message), and C
# runs with the override.
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
# The state's genesis_time when set (a checkpoint state must be of this
# network); else one that puts every block in the past.
genesis=$(python3 -c "import struct,sys; print(struct.unpack('<Q', open(sys.argv[1],'rb').read()[:8])[0])" "$DATA/genesis.ssz")
[ "$genesis" -gt 0 ] || genesis=$(( $(date +%s) - (n + 20) * spslot ))
[ $(( $(date +%s) - genesis )) -gt $(( (n + 1) * spslot )) ] || fail "genesis $genesis: the chain is not in the past"
net=(--eth2-config "$DATA/config.yaml" --genesis-time "$genesis" --genesis-validators-root "$gvr")
chain=("${net[@]}" --genesis-state "$DATA/genesis.ssz")

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
kill -TERM "$B"
wait "$B" || fail "B exited non-zero"

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

# --- Checkpoint sync from the command line -------------------------------
spe=$(sed -nE 's/^preset (.*)/\1/p' "$DATA/manifest.txt")
[ "$spe" = minimal ] && spe=8 || spe=32
cp_epoch=$(get epoch "$fin_a")
cp_slot=$(( cp_epoch * spe ))
if [ ! -f "$DATA/state_$cp_slot.ssz" ]; then
  echo "SKIP checkpoint part: no $DATA/state_$cp_slot.ssz (chaingen -checkpoint-states)"
  kill -TERM "$A"; wait "$A" || true
  exit 0
fi
cp_root=$(awk -v s="$cp_slot" '$1 == "block" && $3 == s {print $4}' "$DATA/manifest.txt")
[ "$cp_root" = "$(get root "$fin_a")" ] || fail "A's finalized root $(get root "$fin_a") is not the manifest's block at slot $cp_slot"
python3 - "$DATA" "$cp_slot" "$dir/api.port" > "$dir/api.log" 2>&1 <<'PY' &
import http.server, os, sys
data, cp, port_file = sys.argv[1], sys.argv[2], sys.argv[3]
class API(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name = None
        if self.path == "/eth/v2/debug/beacon/states/finalized":
            name = "state_%s.ssz" % cp
        elif self.path.startswith("/eth/v2/beacon/blocks/"):
            name = "block_%s.ssz" % self.path.rsplit("/", 1)[1]
        path = os.path.join(data, name) if name else None
        if not path or not os.path.isfile(path):
            self.send_error(404)
            return
        body = open(path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
srv = http.server.HTTPServer(("127.0.0.1", 0), API)
open(port_file + ".tmp", "w").write(str(srv.server_port))
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
PY
for _ in $(seq 100); do [ -f "$dir/api.port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$dir/api.port")"

# Refused: a wrong weak-subjectivity root; a state with another block.
wrong=$(awk '$1 == "block" && $3 == 1 {print $4}' "$DATA/manifest.txt")
if "$NODE" "${net[@]}" --data-dir "$dir/c1" --checkpoint-sync-url "$url" --ws-checkpoint "0x$wrong:$cp_epoch" \
    --exit-after-s 30 > "$dir/c1.out" 2> "$dir/c1.err"; then
  fail "a wrong --ws-checkpoint was accepted"
fi
grep -q "weak subjectivity checkpoint not satisfied" "$dir/c1.err" || fail "wrong ws: $(cat "$dir/c1.err")"
if "$NODE" "${net[@]}" --data-dir "$dir/c2" --checkpoint-state "$DATA/state_$cp_slot.ssz" \
    --checkpoint-block "$DATA/block_$(( cp_slot - 1 )).ssz" --exit-after-s 30 > "$dir/c2.out" 2> "$dir/c2.err"; then
  fail "a state with another block was accepted"
fi
grep -q "block and state do not match" "$dir/c2.err" || fail "mismatch: $(cat "$dir/c2.err")"
if "$NODE" "${net[@]}" --data-dir "$dir/c3" --checkpoint-sync-url "$url" --exit-after-s 30 > "$dir/c3.out" 2> "$dir/c3.err"; then
  fail "a checkpoint outside its weak subjectivity period was accepted"
fi
grep -q "anchor outside the weak subjectivity period: the checkpoint is at epoch $cp_epoch, its weak subjectivity period is [0-9]* epochs" "$dir/c3.err" ||
  fail "stale: $(cat "$dir/c3.err")"

start=$(date +%s)
"$NODE" --peer "$addr" "${net[@]}" --data-dir "$dir/c" --checkpoint-sync-url "$url" --ws-checkpoint "0x$cp_root:$cp_epoch" \
  --allow-stale-checkpoint --exit-after-s 600 > "$dir/c.out" 2> "$dir/c.err" &
C=$!
wait_for c "\"progress\":\"checkpoint: anchored at epoch $cp_epoch, block $cp_root.*OUTSIDE its weak subjectivity period" 60
wait_for c "\"event\":\"head_changed\".*\"slot\":$n," 300
wait_for c '"progress":"backfill: done at slot 0' 300
took=$(( $(date +%s) - start ))
kill -TERM "$A" "$C"
for p in "$A" "$C"; do wait "$p" || fail "a node exited non-zero"; done
awk -v s="$cp_slot" '$1 > s' "$dir/want" > "$dir/want_c"
grep '"event":"block_imported"' "$dir/c.out" | sed -E 's/.*"slot":([0-9]+),"root":"([0-9a-f]+)".*/\1 \2/' | sort > "$dir/c.got"
diff -q "$dir/want_c" "$dir/c.got" > /dev/null ||
  fail "C imported $(wc -l < "$dir/c.got") blocks, want the $(wc -l < "$dir/want_c") after slot $cp_slot once each"
if grep -E '"event":"block_(dropped|invalid)"' "$dir/c.out" | head -n 3 | grep .; then fail "C gave blocks up"; fi
backfilled=$(grep -o '"progress":"backfill: done at slot 0 ([0-9]* blocks' "$dir/c.out" | grep -o '[0-9]* blocks' | cut -d' ' -f1)
[ "$backfilled" = $(( cp_slot - 1 )) ] || fail "C backfilled $backfilled blocks, want $(( cp_slot - 1 ))"
echo "OK: C started from the checkpoint at epoch $cp_epoch over REST, imported the $(wc -l < "$dir/want_c") blocks after it and backfilled $backfilled to genesis in ${took}s; a wrong ws root, a mismatched block and a stale checkpoint (without the override) were refused"
