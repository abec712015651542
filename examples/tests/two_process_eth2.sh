#!/usr/bin/env bash
# Two libp2pc-node processes in eth2 mode on 127.0.0.1, on a minimal-preset
# chain (every fork through Fulu at genesis, 2-second slots). A listens and
# serves blocks_by_range from a directory; B dials A. Checks, from the JSON
# events each printed:
#   - the status handshake: both report the other's Status with the fork
#     digest computed here independently (python3 hashlib), which is also
#     the digest of the gossip topic the library joined;
#   - a block-sized SSZ file A publishes on beacon_block is validated by B's
#     host (GOSSIP_VALIDATE answered ACCEPT by B's worker thread) and
#     delivered with the message id computed here and A's payload;
#   - B's blocks_by_range request is answered with A's files, in slot order,
#     byte-identical (size and SHA-256), and an empty range with
#     ResourceUnavailable;
#   - with --validate reject (a second pair), the message is validated and
#     not delivered;
#   - --fork-digest with a wrong digest makes the program fail.
set -euo pipefail
NODE=${1:?usage: two_process_eth2.sh PATH/TO/libp2pc-node}
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT

# The chain: consensus-specs minimal config values, all forks at genesis.
cp "$(dirname "$0")/chain-minimal.yaml" "$dir/chain.yaml"
genesis=$(( $(date +%s) - 20 ))
gvr=$(printf '%02x' $(seq 0 31))
# Fulu compute_fork_digest: fork data root XOR hash(blob parameters (0, 12)).
digest=$(python3 - "$gvr" <<'EOF'
import hashlib, struct, sys
root = hashlib.sha256(bytes.fromhex("06000001") + bytes(28) + bytes.fromhex(sys.argv[1])).digest()
mask = hashlib.sha256(struct.pack("<QQ", 0, 12)).digest()
print(bytes(a ^ b for a, b in zip(root[:4], mask[:4])).hex())
EOF
)
topic="/eth2/$digest/beacon_block/ssz_snappy"
eth2=(--eth2-config "$dir/chain.yaml" --genesis-time "$genesis" --genesis-validators-root "$gvr")

# A block-sized payload to gossip and three blocks to serve (slots 2, 4, 5).
mkdir -p "$dir/blocks"
head -c 120000 /dev/urandom > "$dir/block.ssz"
head -c 90000 /dev/urandom > "$dir/block2.ssz"
for s in 2 4 5; do head -c $((1000 + s * 777)) /dev/urandom > "$dir/blocks/$s.ssz"; done
le64() { python3 -c "import struct,sys; print(struct.pack('<Q', int(sys.argv[1])).hex())" "$1"; }
range_1_6=$(le64 1)$(le64 6)$(le64 1)
range_100_2=$(le64 100)$(le64 2)$(le64 1)
sha8() { python3 -c "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest()[:16])" "$1"; }
msgid() { python3 -c "
import hashlib,struct,sys
t=sys.argv[1].encode(); d=open(sys.argv[2],'rb').read()
print(hashlib.sha256(b'\x01\x00\x00\x00'+struct.pack('<Q',len(t))+t+d).digest()[:20].hex())" "$1" "$2"; }

fail() {
  echo "FAIL: $*"
  for f in "$dir"/*.out; do echo "--- $f"; cat "$f" "${f%.out}.err"; done
  exit 1
}

# A wrong --fork-digest is refused before anything starts.
if "$NODE" "${eth2[@]}" --fork-digest 00000000 --exit-after-s 1 > "$dir/wrong.out" 2> "$dir/wrong.err"; then
  fail "--fork-digest 00000000 was accepted"
fi
grep -q "gives $digest" "$dir/wrong.err" || fail "wrong digest message: $(cat "$dir/wrong.err")"

# start_a NAME FILE: a listening node publishing FILE on beacon_block
# (validation none: see examples/node/README.md) and serving blocks.
start_a() {
  "$NODE" --listen /ip4/127.0.0.1/tcp/0 "${eth2[@]}" --fork-digest "$digest" \
    --eth2-topic beacon_block:none --eth2-publish "beacon_block:$2" \
    --serve blocks_by_range --serve-dir "$dir/blocks" --exit-after-s 60 > "$dir/$1.out" 2> "$dir/$1.err" &
}
# dial_addr NAME: the multiaddr of NAME's listener.
dial_addr() {
  for _ in $(seq 100); do grep -q '"event":"listening"' "$dir/$1.out" 2>/dev/null && break; sleep 0.1; done
  local line
  line=$(grep '"event":"listening"' "$dir/$1.out") || fail "$1 did not listen"
  echo "$(sed -E 's/.*"addrs":\["([^"]+)".*/\1/' <<<"$line")/p2p/$(sed -E 's/.*"peer_id":"([^"]+)".*/\1/' <<<"$line")"
}

start_a a "$dir/block.ssz"; A=$!
start_a ra "$dir/block2.ssz"; RA=$!
"$NODE" --peer "$(dial_addr a)" "${eth2[@]}" --eth2-topic beacon_block --validate accept \
  --request "0:blocks_by_range:$range_1_6" --request "0:blocks_by_range:$range_100_2" \
  --exit-after-s 60 > "$dir/b.out" 2> "$dir/b.err" &
B=$!
"$NODE" --peer "$(dial_addr ra)" "${eth2[@]}" --eth2-topic beacon_block --validate reject \
  --exit-after-s 60 > "$dir/rb.out" 2> "$dir/rb.err" &
RB=$!

# Wait for B's message and both requests, and for RB's rejection.
for _ in $(seq 300); do
  grep -qs '"event":"message"' "$dir/b.out" && [ "$(grep -cs '"chunks":' "$dir/b.out" || true)" -ge 2 ] &&
    grep -qs '"event":"validation".*"result":"reject"' "$dir/rb.out" && break
  sleep 0.1
done
sleep 1 # a message wrongly delivered after the rejection would show now
kill -TERM "$A" "$B" "$RA" "$RB"
for p in "$A" "$B" "$RA" "$RB"; do wait "$p" || fail "a node exited non-zero"; done

get() { sed -nE "s/.*\"$1\":\"?([^\",}]*)\"?.*/\1/p" <<<"$2"; }

# Status handshake: each side reports the other's Status, with our digest.
for n in a b ra rb; do
  grep -q "\"event\":\"listening\".*\"fork_digest\":\"$digest\"" "$dir/$n.out" || fail "$n: listening digest is not $digest"
  st=$(grep '"event":"peer_status"' "$dir/$n.out" | head -n1)
  [ -n "$st" ] || fail "$n: no peer_status"
  [ "$(get status "$st")" = 0 ] || fail "$n: handshake failed: $st"
  [ "$(get fork_digest "$st")" = "$digest" ] || fail "$n: peer's digest $(get fork_digest "$st")"
  [ "$(get digest_match "$st")" = true ] || fail "$n: digest_match"
  grep -q '"protocol":"/eth2/beacon_chain/req/status/2/ssz_snappy"' <<<"$st" || fail "$n: not status/2"
  [ "$(get finalized_epoch "$st")" = 0 ] || fail "$n: finalized epoch"
  slot=$(get head_slot "$st")
  [ "$slot" -ge 9 ] && [ "$slot" -le 60 ] || fail "$n: head slot $slot (genesis 20 s ago, 2 s slots)"
done

# Gossip: A's block, validated on B's host, delivered with its id and payload.
pub=$(grep '"event":"publishing"' "$dir/a.out") || fail "A did not publish"
[ "$(get full_topic "$pub")" = "$topic" ] || fail "A published on $(get full_topic "$pub")"
want_id=$(msgid "$topic" "$dir/block.ssz")
[ "$(get msg_id "$pub")" = "$want_id" ] || fail "A's msg id $(get msg_id "$pub"), expected $want_id"
grep '"event":"request_done"' "$dir/a.out" | grep -q "\"request_id\":$(get request_id "$pub"),\"status\":0" ||
  fail "A's publish did not complete"
val=$(grep '"event":"gossip_validate"' "$dir/b.out" | head -n1)
[ -n "$val" ] || fail "B was not asked to validate"
[ "$(get topic "$val")" = "$topic" ] && [ "$(get msg_id "$val")" = "$want_id" ] || fail "B's validation: $val"
grep -q "\"event\":\"validation\",\"id\":$(get id "$val"),.*\"result\":\"accept\"" "$dir/b.out" || fail "B did not answer accept"
msg=$(grep '"event":"message"' "$dir/b.out")
[ "$(grep -c '"event":"message"' "$dir/b.out")" = 1 ] || fail "B got more than one message"
[ "$(get topic "$msg")" = "$topic" ] || fail "message topic $(get topic "$msg")"
[ "$(get msg_id "$msg")" = "$want_id" ] || fail "message id $(get msg_id "$msg"), expected $want_id"
[ "$(get size "$msg")" = 120000 ] && [ "$(get sha256 "$msg")" = "$(sha8 "$dir/block.ssz")" ] || fail "payload differs: $msg"

# Req/resp: slots 1..6 give the files of slots 2, 4, 5 in order.
req1=$(grep '"event":"requesting"' "$dir/b.out" | sed -n 1p)
req2=$(grep '"event":"requesting"' "$dir/b.out" | sed -n 2p)
r1=$(get request_id "$req1")
r2=$(get request_id "$req2")
[ -n "$r1" ] && [ -n "$r2" ] || fail "B did not send both requests"
mapfile -t chunks < <(grep "\"event\":\"response_chunk\",\"seq\":[0-9]*,\"request_id\":$r1," "$dir/b.out")
[ "${#chunks[@]}" = 3 ] || fail "expected 3 chunks, got ${#chunks[@]}"
i=0
for s in 2 4 5; do
  c=${chunks[$i]}
  [ "$(get code "$c")" = 0 ] && [ "$(get context "$c")" = "$digest" ] || fail "chunk $i: $c"
  [ "$(get size "$c")" = "$(stat -c %s "$dir/blocks/$s.ssz")" ] && [ "$(get sha256 "$c")" = "$(sha8 "$dir/blocks/$s.ssz")" ] ||
    fail "chunk $i is not blocks/$s.ssz: $c"
  i=$((i + 1))
done
grep -q "\"event\":\"request_done\",\"seq\":[0-9]*,\"request_id\":$r1,\"status\":0,\"chunks\":3" "$dir/b.out" || fail "request 1 not done with 3 chunks"
c=$(grep "\"event\":\"response_chunk\",\"seq\":[0-9]*,\"request_id\":$r2," "$dir/b.out") || fail "no answer to the empty range"
[ "$(get code "$c")" = 3 ] || fail "empty range: $c"
grep -q "\"event\":\"request_done\",\"seq\":[0-9]*,\"request_id\":$r2,\"status\":0,\"chunks\":1" "$dir/b.out" || fail "request 2 not done"
grep -q '"event":"incoming_request".*"start_slot":1,"count":6,"step":1' "$dir/a.out" || fail "A did not see the request"
grep -q '"event":"served".*"chunks":3' "$dir/a.out" || fail "A did not serve 3 chunks"
grep -q '"event":"served".*"chunks":0,"answer":"resource_unavailable"' "$dir/a.out" || fail "A did not refuse the empty range"

# Reject: validated, answered reject, never delivered.
grep -q '"event":"gossip_validate"' "$dir/rb.out" || fail "RB was not asked to validate"
grep -q '"event":"validation".*"result":"reject"' "$dir/rb.out" || fail "RB did not reject"
! grep -q '"event":"message"' "$dir/rb.out" || fail "RB delivered a rejected message"
grep -q '"event":"stopped".*"gossip_accepted":0,"gossip_rejected":1' "$dir/rb.out" || fail "RB counters"

for n in a b ra rb; do
  head -n1 "$dir/$n.out" | grep -q '"event":"listening","seq":1' || fail "$n: first line is not listening"
  tail -n1 "$dir/$n.out" | grep -q '"event":"stopped".*"delivered":' || fail "$n: last line is not stopped"
done
echo "two_process_eth2: status handshake ($digest), host-validated block gossip, blocks_by_range served, reject not delivered"
