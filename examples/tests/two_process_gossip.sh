#!/usr/bin/env bash
# Two libp2pc-node processes gossip to each other: A listens, B dials A, both
# subscribe; each publishes a file when the other joins the topic. Checks the
# JSON events each printed, and that both stop cleanly.
set -euo pipefail
NODE=${1:?usage: two_process_gossip.sh PATH/TO/libp2pc-node}
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
head -c 3000 /dev/urandom > "$dir/a.bin"
head -c 5000 /dev/urandom > "$dir/b.bin"

"$NODE" --listen /ip4/127.0.0.1/tcp/0 --subscribe demo --publish demo="$dir/a.bin" \
  --exit-after-s 20 > "$dir/a.out" 2> "$dir/a.err" &
A=$!
for _ in $(seq 100); do grep -q '"event":"listening"' "$dir/a.out" 2>/dev/null && break; sleep 0.1; done
line=$(grep '"event":"listening"' "$dir/a.out")
peer=$(sed -E 's/.*"peer_id":"([^"]+)".*/\1/' <<<"$line")
addr=$(sed -E 's/.*"addrs":\["([^"]+)".*/\1/' <<<"$line")
"$NODE" --peer "$addr/p2p/$peer" --subscribe demo --publish demo="$dir/b.bin" \
  --exit-after-s 60 > "$dir/b.out" 2> "$dir/b.err" &
B=$!
# Wait until each has the other's message, then stop both with SIGTERM.
for _ in $(seq 300); do
  grep -q '"event":"message".*"size":5000' "$dir/a.out" && grep -q '"event":"message".*"size":3000' "$dir/b.out" && break
  sleep 0.1
done
kill -TERM "$A" "$B"
wait "$A" || { echo "node A exited non-zero"; cat "$dir/a.err"; exit 1; }
wait "$B" || { echo "node B exited non-zero"; cat "$dir/b.err"; exit 1; }
fail() { echo "FAIL: $*"; echo "--- A"; cat "$dir/a.out" "$dir/a.err"; echo "--- B"; cat "$dir/b.out" "$dir/b.err"; exit 1; }
grep -q "\"event\":\"message\",.*\"topic\":\"demo\",\"from\":\"" "$dir/a.out" || fail "A got no message"
grep -q '"event":"message".*"size":5000' "$dir/a.out" || fail "A did not get B's 5000-byte file"
grep -q '"event":"message".*"size":3000' "$dir/b.out" || fail "B did not get A's 3000-byte file"
grep -q "\"event\":\"peer_connected\",.*\"peer_id\":\"$peer\"" "$dir/b.out" || fail "B did not report A's connect"
for f in a b; do
  head -n1 "$dir/$f.out" | grep -q '"event":"listening","seq":1' || fail "$f: first line is not listening with seq 1"
  tail -n1 "$dir/$f.out" | grep -q '"event":"stopped".*"delivered":' || fail "$f: last line is not stopped with counts"
done
echo "two_process_gossip: both processes exchanged their files and stopped cleanly"
