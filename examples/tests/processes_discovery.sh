#!/usr/bin/env bash
# Nine libp2pc-node processes on 127.0.0.1 find each other through discv5
# only: a bootnode (--discovery-port 0) and eight nodes given nothing but
# the bootnode's ENR (--bootnode) and --target-peers 3; no --peer anywhere.
# Checks, from the JSON events each printed:
#   - every "listening" line carries an ENR ("enr:-..."), and no multiaddr
#     in "addrs" is an ENR;
#   - the eight reach, all at the same time, between their target of 3
#     connected peers (peer_connected minus peer_disconnected) and their
#     max_peers (2 x target = 6), and each has dialed at least one peer
#     itself (outbound): discovery, not only inbound connections;
#   - a ninth node on another network (other genesis validators root),
#     given the same bootnode, is connected to none of them at the end: its
#     ENR's fork digest differs, so nobody dials it, and its own discovery
#     yields none of them. (Bans of a wrong-network peer that dials anyway
#     are tested in Go: TestDiscoveryNetwork.)
set -euo pipefail
NODE=${1:?usage: processes_discovery.sh PATH/TO/libp2pc-node}
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT

# consensus-specs minimal config values, phase0 only.
sed -E 's/^([A-Z]+_FORK_EPOCH): 0$/\1: 18446744073709551615/' "$(dirname "$0")/chain-minimal.yaml" > "$dir/chain.yaml"
genesis=$(( $(date +%s) - 20 ))
gvr=$(printf '%02x' $(seq 0 31))
other=$(printf '%02x' $(seq 1 32))
eth2=(--eth2-config "$dir/chain.yaml" --genesis-time "$genesis")

"$NODE" --listen /ip4/127.0.0.1/tcp/0 "${eth2[@]}" --genesis-validators-root "$gvr" \
	--discovery-port 0 --target-peers 3 --exit-after-s 80 > "$dir/boot.log" 2> "$dir/boot.err" &
enr=""
for _ in $(seq 1 100); do
	enr=$(python3 -c '
import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e["event"]=="listening": print(e.get("enr","")); break' "$dir/boot.log" 2>/dev/null || true)
	[ -n "$enr" ] && break
	sleep 0.1
done
[[ "$enr" == enr:* ]] || { echo "FAIL: bootnode printed no ENR"; cat "$dir/boot.log" "$dir/boot.err"; exit 1; }
echo "bootnode ENR: ${enr:0:40}..."

for i in $(seq 1 8); do
	"$NODE" --listen /ip4/127.0.0.1/tcp/0 "${eth2[@]}" --genesis-validators-root "$gvr" \
		--discovery-port 0 --bootnode "$enr" --target-peers 3 --exit-after-s 60 > "$dir/n$i.log" 2> "$dir/n$i.err" &
done
"$NODE" --listen /ip4/127.0.0.1/tcp/0 "${eth2[@]}" --genesis-validators-root "$other" \
	--discovery-port 0 --bootnode "$enr" --target-peers 3 --exit-after-s 60 > "$dir/wrong.log" 2> "$dir/wrong.err" &

# Poll until every node holds >= 3 peers (at most 50 s), then let them exit.
python3 - "$dir" <<'PY'
import json, sys, time, os
d = sys.argv[1]
def state(name):
    peers, outbound, enr, bad_addr = {}, set(), None, False
    try:
        lines = open(os.path.join(d, name)).read().splitlines()
    except FileNotFoundError:
        return peers, outbound, enr, bad_addr
    for l in lines:
        try:
            e = json.loads(l)
        except ValueError:
            continue  # a line being written
        if e["event"] == "listening":
            enr = e.get("enr")
            bad_addr = any(a.startswith("enr:") for a in e["addrs"])
        elif e["event"] == "peer_connected":
            peers[e["peer_id"]] = True
            if e["direction"] == "outbound":
                outbound.add(e["peer_id"])
        elif e["event"] == "peer_disconnected":
            peers.pop(e["peer_id"], None)
    return peers, outbound, enr, bad_addr
names = ["n%d.log" % i for i in range(1, 9)]
deadline = time.time() + 50
start = time.time()
while True:
    st = {n: state(n) for n in names}
    counts = [len(st[n][0]) for n in names]
    # Within [target, max_peers] everywhere at once (a node may pass
    # max_peers for a tick before its manager prunes).
    if all(3 <= c <= 6 for c in counts) and all(st[n][1] for n in names):
        break
    if time.time() > deadline:
        print("FAIL: not every node within [3, 6] peers with an outbound dial:", counts, [len(st[n][1]) for n in names])
        sys.exit(1)
    time.sleep(0.5)
print("converged in %.1f s: peers %s" % (time.time() - start, counts))
for n in names:
    peers, outbound, enr, bad = st[n]
    if not enr or not enr.startswith("enr:") or bad:
        print("FAIL: %s listening line: enr %r, ENR among addrs %s" % (n, enr, bad)); sys.exit(1)
# The wrong-network node is not among anyone's peers now.
wrong_id = None
for l in open(os.path.join(d, "wrong.log")):
    e = json.loads(l)
    if e["event"] == "listening":
        wrong_id = e["peer_id"]; break
if wrong_id is None:
    print("FAIL: the wrong-network node did not start"); sys.exit(1)
time.sleep(3)
for n in names:
    if wrong_id in state(n)[0]:
        print("FAIL: %s keeps the wrong-network node" % n); sys.exit(1)
print("wrong-network node kept by none of the 8")
PY
echo "processes_discovery: ok"
