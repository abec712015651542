#!/usr/bin/env bash
# make demo: a small local network of libp2pc-node processes doing real work.
#
# Four nodes on 127.0.0.1: a hub listens (TCP and QUIC); three others dial it
# (one over QUIC). All join the gossip topic "demo". Once the hub sees all
# three in the topic, every node publishes a file (SIGUSR1); gossipsub relays
# each file through the hub to everyone. The demo narrates what each node
# reports, then stops them all and prints their stop summaries.
set -euo pipefail
NODE=${1:?usage: demo.sh PATH/TO/libp2pc-node}
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
names=(hub alice bob carol)
declare -A pids

say() { printf '\033[1m%s\033[0m\n' "$*"; }
field() { sed -nE "s/.*\"$1\":\"?([^\",}]*)\"?.*/\1/p" <<<"$2"; }

# Follow a node's JSON events and print them as sentences.
# tail --pid ends the narrator when its node process exits.
narrate() {
  local name=$1 pid=$2
  tail --pid="$pid" -n +1 -F "$dir/$name.out" 2>/dev/null | while IFS= read -r line; do
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
exit $status
