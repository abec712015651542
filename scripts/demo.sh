#!/usr/bin/env bash
# make demo: a small local network of libp2pc-node processes doing real work.
#
# Four nodes on 127.0.0.1: a hub listens (TCP and QUIC); three others dial it
# (one over QUIC). All join the gossip topic "demo". Once the hub sees all
# three in the topic, every node publishes a file (SIGUSR1); gossipsub relays
# each file through the hub to everyone. The demo narrates what each node
# reports, then stops them all and prints their stop summaries.
#
# Act 2: three nodes in eth2 mode on a minimal-preset chain (every fork
# through Fulu at genesis, 2-second slots). "boot" listens, validates
# beacon_block gossip on its host (two-phase: a worker thread answers) and
# serves blocks_by_range from a directory; "prop" (a proposer) and "sync" (a
# syncing node) dial it and run the status handshake. sync asks boot for
# slots 0..7 by range; prop publishes a block-sized SSZ blob on
# beacon_block, which boot validates and relays and sync validates and
# receives.
#
# Act 3: discovery. A bootnode and five nodes given only its ENR find each
# other through discv5 and the library's peer manager dials them.
set -euo pipefail
NODE=${1:?usage: demo.sh PATH/TO/libp2pc-node}
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
names=(hub alice bob carol)
declare -A pids

say() { printf '\033[1m%s\033[0m\n' "$*"; }
field() { sed -nE "s/.*\"$1\":\"?([^\",}]*)\"?.*/\1/p" <<<"$2"; }
# The name of a peer id (act 2 records them in $dir/names as nodes start;
# waits a little for one not recorded yet), else its first characters.
who() {
  local n
  for _ in $(seq 20); do
    n=$(awk -v id="$1" '$1 == id { print $2 }' "$dir/names" 2>/dev/null)
    [ -n "$n" ] && { echo "$n"; return; }
    [ -f "$dir/names" ] || break
    sleep 0.1
  done
  echo "$(cut -c1-16 <<<"$1")…"
}
short() { cut -c1-"$1" <<<"$2"; }
proto() { sed -E 's|.*/req/([a-z_]+)/([0-9]+)/.*|\1/\2|' <<<"$1"; }

# Follow a node's JSON events and print them as sentences.
# tail --pid ends the narrator when its node process exits.
narrate() {
  local name=$1 pid=$2
  tail --pid="$pid" -s 0.1 -n +1 -F "$dir/$name.out" 2>/dev/null | while IFS= read -r line; do
    ev=$(field event "$line")
    case $ev in
      listening) printf '%-6s listening as %s\n' "$name" "$(field peer_id "$line" | cut -c1-16)…" ;;
      peer_connected) printf '%-6s connected to %s… (%s)\n' "$name" "$(field peer_id "$line" | cut -c1-16)" "$(field direction "$line")" ;;
      peer_disconnected) printf '%-6s disconnected from %s…\n' "$name" "$(field peer_id "$line" | cut -c1-16)" ;;
      topic_peer_joined) printf '%-6s sees %s… join topic %s\n' "$name" "$(field peer_id "$line" | cut -c1-16)" "$(field topic "$line")" ;;
      publishing) printf '%-6s publishes %s bytes on %s\n' "$name" "$(field size "$line")" "$(field topic "$line")" ;;
      message) printf '%-6s received %5s bytes on %s (msg id %s…, via %s…)\n' "$name" "$(field size "$line")" "$(field topic "$line")" "$(field msg_id "$line" | cut -c1-12)" "$(field from "$line" | cut -c1-16)" ;;
      stopped) printf '%-6s stopped: %s events delivered, %s gossip dropped, %s messages received\n' "$name" "$(field delivered "$line")" "$(field dropped_gossip "$line")" "$(field messages_received "$line")" ;;
    esac
  done
}

# Act 2's narrator: eth2 events, peers by name.
narrate_eth2() {
  local name=$1 pid=$2
  tail --pid="$pid" -s 0.1 -n +1 -F "$dir/$name.out" 2>/dev/null | while IFS= read -r line; do
    ev=$(field event "$line")
    case $ev in
      listening) printf '%-6s listening; slot %s, fork digest %s\n' "$name" "$(field slot "$line")" "$(field fork_digest "$line")" ;;
      peer_connected) printf '%-6s connected to %s (%s)\n' "$name" "$(who "$(field peer_id "$line")")" "$(field direction "$line")" ;;
      peer_status)
        if [ "$(field status "$line")" = 0 ]; then
          printf '%-6s status of %s (%s): fork digest %s (%s), finalized epoch %s, head slot %s\n' "$name" "$(who "$(field peer_id "$line")")" \
            "$(proto "$(field protocol "$line")")" "$(field fork_digest "$line")" \
            "$( [ "$(field digest_match "$line")" = true ] && echo same chain || echo OTHER CHAIN)" "$(field finalized_epoch "$line")" "$(field head_slot "$line")"
        else
          printf '%-6s status handshake with %s failed: %s\n' "$name" "$(who "$(field peer_id "$line")")" "$(field error "$line")"
        fi ;;
      topic_peer_joined) printf '%-6s sees %s join %s\n' "$name" "$(who "$(field peer_id "$line")")" "$(field topic "$line")" ;;
      publishing) printf '%-6s publishes a %s-byte block on %s (msg id %s…)\n' "$name" "$(field size "$line")" "$(field topic "$line")" "$(short 12 "$(field msg_id "$line")")" ;;
      gossip_validate) printf '%-6s validate? %s bytes from %s, msg id %s… (validation %s goes to the worker thread)\n' "$name" "$(field size "$line")" "$(who "$(field from "$line")")" "$(short 12 "$(field msg_id "$line")")" "$(field id "$line")" ;;
      validation) printf '%-6s validation %s answered: %s\n' "$name" "$(field id "$line")" "$(field result "$line" | tr a-z A-Z)" ;;
      message) printf '%-6s received %s bytes on %s (msg id %s…, sha256 %s…, via %s)\n' "$name" "$(field size "$line")" \
        "$(field topic "$line" | cut -d/ -f4)" "$(short 12 "$(field msg_id "$line")")" "$(short 8 "$(field sha256 "$line")")" "$(who "$(field from "$line")")" ;;
      requesting) printf '%-6s requests %s from %s\n' "$name" "$(proto "$(field protocol "$line")")" "$(who "$(field peer_id "$line")")" ;;
      incoming_request)
        if grep -q '"start_slot"' <<<"$line"; then
          local from count
          from=$(field start_slot "$line") count=$(field count "$line")
          printf '%-6s %s asks for the blocks of slots %s..%s\n' "$name" "$(who "$(field peer_id "$line")")" "$from" "$((from + count - 1))"
        fi ;;
      served) printf '%-6s served %s blocks from its directory%s\n' "$name" "$(field chunks "$line")" "$(grep -q resource_unavailable <<<"$line" && echo ' (none: ResourceUnavailable)')" ;;
      response_chunk)
        if [ "$(field code "$line")" = 0 ]; then
          printf '%-6s   block chunk: %6s bytes, context %s, sha256 %s…\n' "$name" "$(field size "$line")" "$(field context "$line")" "$(short 8 "$(field sha256 "$line")")"
        else
          printf '%-6s   error %s: %s\n' "$name" "$(field code "$line")" "$(field message "$line")"
        fi ;;
      request_done)
        if grep -q '"chunks"' <<<"$line"; then printf '%-6s request done: %s chunks\n' "$name" "$(field chunks "$line")"; fi ;;
      peer_goodbye) printf '%-6s %s said goodbye (reason %s)\n' "$name" "$(who "$(field peer_id "$line")")" "$(field reason "$line")" ;;
      stopped) printf '%-6s stopped: %s events; gossip %s accepted, %s rejected, %s ignored; req/resp %s sent, %s answered, %s chunks served, %s received\n' "$name" \
        "$(field delivered "$line")" "$(field gossip_accepted "$line")" "$(field gossip_rejected "$line")" "$(field gossip_ignored "$line")" \
        "$(field requests_sent "$line")" "$(field incoming_requests "$line")" "$(field chunks_served "$line")" "$(field chunks_received "$line")" ;;
    esac
  done
}

say "Act 1: plain gossipsub"
say "Starting hub on 127.0.0.1 (TCP and QUIC)…"
printf 'hello from hub\n%.0s' $(seq 50) > "$dir/hub.txt"
"$NODE" --listen /ip4/127.0.0.1/tcp/0 --listen /ip4/127.0.0.1/udp/0/quic-v1 --key "$dir/hub.key" \
  --subscribe demo --publish demo="$dir/hub.txt" --publish-on-signal > "$dir/hub.out" 2> "$dir/hub.err" &
pids[hub]=$!
narrate hub "${pids[hub]}" &
for _ in $(seq 100); do grep -q '"event":"listening"' "$dir/hub.out" 2>/dev/null && break; sleep 0.1; done
line=$(grep '"event":"listening"' "$dir/hub.out")
peer=$(field peer_id "$line")
tcp=$(grep -oE '/ip4/127.0.0.1/tcp/[0-9]+' <<<"$line" | head -n1)
quic=$(grep -oE '/ip4/127.0.0.1/udp/[0-9]+/quic-v1' <<<"$line" | head -n1)

i=0
for name in alice bob carol; do
  i=$((i + 1))
  head -c $((i * 1000)) /dev/urandom > "$dir/$name.bin"
  addr=$tcp
  [ "$name" = bob ] && addr=$quic   # bob joins over QUIC
  say "Starting $name, dialing the hub over $( [ "$name" = bob ] && echo QUIC || echo TCP)…"
  "$NODE" --peer "$addr/p2p/$peer" --subscribe demo --publish demo="$dir/$name.bin" --publish-on-signal \
    > "$dir/$name.out" 2> "$dir/$name.err" &
  pids[$name]=$!
  narrate "$name" "${pids[$name]}" &
done

for _ in $(seq 150); do
  [ "$(grep -c '"event":"topic_peer_joined"' "$dir/hub.out" || true)" -ge 3 ] && break
  sleep 0.2
done
say "The hub sees all three in the topic: everyone publishes (SIGUSR1)…"
for name in "${names[@]}"; do kill -USR1 "${pids[$name]}"; done

# Each node should receive the other three files.
for _ in $(seq 150); do
  done_all=1
  for name in "${names[@]}"; do
    [ "$(grep -c '"event":"message"' "$dir/$name.out" 2>/dev/null || true)" -ge 3 ] || done_all=0
  done
  [ $done_all = 1 ] && break
  sleep 0.2
done
sleep 0.5
say "Stopping all nodes (SIGTERM)…"
for name in alice bob carol hub; do kill -TERM "${pids[$name]}"; done
status=0
for name in alice bob carol hub; do wait "${pids[$name]}" || { echo "$name exited with an error:"; cat "$dir/$name.err"; status=1; }; done
wait  # the narrators, which end with their nodes
say "Summary"
for name in "${names[@]}"; do
  printf '%-6s received %s messages\n' "$name" "$(grep -c '"event":"message"' "$dir/$name.out" || true)"
  [ "$(grep -c '"event":"message"' "$dir/$name.out" || true)" -ge 3 ] || status=1
done
[ $status = 0 ] && say "Every node received every other node's file." || say "Some files did not arrive (see above)."

# ------------------------------------------------------------------ act 2
echo
say "Act 2: an Ethereum consensus network (minimal preset, 2-second slots, all forks through Fulu at genesis)"
cp "$(dirname "$0")/../examples/tests/chain-minimal.yaml" "$dir/chain.yaml" # all forks at genesis, 2 s slots
genesis=$(( $(date +%s) - 50 ))   # genesis 50 s ago: slot 25, epoch 3
eth2=(--eth2-config "$dir/chain.yaml" --genesis-time "$genesis"
      --genesis-validators-root 4242424242424242424242424242424242424242424242424242424242424242)
mkdir -p "$dir/blocks"
for slot in 1 2 3 5; do head -c $((20000 + slot * 7000)) /dev/urandom > "$dir/blocks/$slot.ssz"; done
head -c 131072 /dev/urandom > "$dir/block.ssz"
: > "$dir/names"
le64() { local v=$1 i; for i in 0 1 2 3 4 5 6 7; do printf '%02x' $(( (v >> (8 * i)) & 255 )); done; }
record_name() { # NAME: waits for its listening line, records its peer id
  for _ in $(seq 100); do grep -qs '"event":"listening"' "$dir/$1.out" && break; sleep 0.1; done
  echo "$(field peer_id "$(grep '"event":"listening"' "$dir/$1.out")") $1" >> "$dir/names"
}

say "Starting boot: validates beacon_block on its host, serves blocks_by_range for slots 1, 2, 3 and 5…"
"$NODE" --listen /ip4/127.0.0.1/tcp/0 "${eth2[@]}" --eth2-topic beacon_block:host --validate accept \
  --serve blocks_by_range --serve-dir "$dir/blocks" > "$dir/boot.out" 2> "$dir/boot.err" &
pids[boot]=$!
narrate_eth2 boot "${pids[boot]}" &
record_name boot
line=$(grep '"event":"listening"' "$dir/boot.out")
boot_addr=$(grep -oE '/ip4/127.0.0.1/tcp/[0-9]+' <<<"$line" | head -n1)/p2p/$(field peer_id "$line")

say "Starting prop (a proposer) and sync (asks boot for slots 0..7 once their status handshake is done)…"
"$NODE" --peer "$boot_addr" "${eth2[@]}" --eth2-topic beacon_block:none --eth2-publish beacon_block:"$dir/block.ssz" \
  --publish-on-signal > "$dir/prop.out" 2> "$dir/prop.err" &
pids[prop]=$!
narrate_eth2 prop "${pids[prop]}" &
"$NODE" --peer "$boot_addr" "${eth2[@]}" --eth2-topic beacon_block:host --validate accept \
  --request "0:blocks_by_range:$(le64 0)$(le64 8)$(le64 1)" > "$dir/sync.out" 2> "$dir/sync.err" &
pids[sync]=$!
narrate_eth2 sync "${pids[sync]}" &
record_name prop
record_name sync

for _ in $(seq 150); do
  [ "$(grep -c '"event":"topic_peer_joined"' "$dir/boot.out" || true)" -ge 2 ] &&
    grep -q '"event":"request_done".*"chunks"' "$dir/sync.out" && break
  sleep 0.2
done
sleep 1.5 # a heartbeat or two: the beacon_block mesh forms
say "prop proposes a block (SIGUSR1); boot and sync validate it on their hosts…"
kill -USR1 "${pids[prop]}"
for _ in $(seq 100); do grep -q '"event":"message"' "$dir/sync.out" && break; sleep 0.2; done
sleep 0.5
say "Stopping the eth2 nodes (SIGTERM)…"
for name in sync prop boot; do kill -TERM "${pids[$name]}"; done
for name in sync prop boot; do wait "${pids[$name]}" || { echo "$name exited with an error:"; cat "$dir/$name.err"; status=1; }; done
wait
say "Summary"
ok2=1
for name in boot sync; do
  n=$(grep -c '"event":"message"' "$dir/$name.out" || true)
  printf '%-6s validated and received %s block(s) by gossip\n' "$name" "$n"
  [ "$n" -ge 1 ] || ok2=0
done
chunks=$(grep -c '"event":"response_chunk".*"code":0' "$dir/sync.out" || true)
printf '%-6s received %s blocks by range from boot\n' sync "$chunks"
[ "$chunks" = 4 ] || ok2=0
for name in boot prop sync; do grep -q '"event":"peer_status".*"digest_match":true' "$dir/$name.out" || ok2=0; done
if [ $ok2 = 1 ]; then
  say "Status handshakes on one fork digest, a host-validated block relayed by gossip, blocks served by range."
else
  say "Act 2 did not complete (see above)."
  status=1
fi

# ------------------------------------------------------------------ act 3
echo
say "Act 3: discovery (discv5). A bootnode and five nodes that know only its ENR; each wants 2 peers."
"$NODE" --listen /ip4/127.0.0.1/tcp/0 "${eth2[@]}" --discovery-port 0 --target-peers 2 \
  > "$dir/d0.out" 2> "$dir/d0.err" &
pids[d0]=$!
enr=""
for _ in $(seq 100); do
  enr=$(grep -s '"event":"listening"' "$dir/d0.out" | grep -oE '"enr":"[^"]+"' | cut -d'"' -f4 || true)
  [ -n "$enr" ] && break
  sleep 0.1
done
printf 'bootnode ENR: %s…\n' "${enr:0:60}"
for i in 1 2 3 4 5; do
  "$NODE" --listen /ip4/127.0.0.1/tcp/0 "${eth2[@]}" --discovery-port 0 --bootnode "$enr" --target-peers 2 \
    > "$dir/d$i.out" 2> "$dir/d$i.err" &
  pids[d$i]=$!
done
# The net peer count of node i: connects minus disconnects.
peers_of() { echo $(( $(grep -c '"event":"peer_connected"' "$dir/d$1.out" || true) - $(grep -c '"event":"peer_disconnected"' "$dir/d$1.out" || true) )); }
for _ in $(seq 150); do
  done3=1
  for i in 1 2 3 4 5; do [ "$(peers_of $i)" -ge 2 ] || done3=0; done
  [ $done3 = 1 ] && break
  sleep 0.2
done
ok3=1
for i in 1 2 3 4 5; do
  out=$(grep -c '"event":"peer_connected".*"direction":"outbound"' "$dir/d$i.out" || true)
  printf 'node %s: %s peers now; %s connections it dialled itself after discovery (no --peer given)\n' "$i" "$(peers_of $i)" "$out"
  [ "$(peers_of $i)" -ge 2 ] || ok3=0
done
for i in 0 1 2 3 4 5; do kill -TERM "${pids[d$i]}"; done
for i in 0 1 2 3 4 5; do wait "${pids[d$i]}" || { echo "d$i exited with an error:"; cat "$dir/d$i.err"; status=1; }; done
if [ $ok3 = 1 ]; then
  say "Every node found its peers through discv5 alone and the peer manager dialled them."
else
  say "Act 3 did not complete (see above)."
  status=1
fi
exit $status
