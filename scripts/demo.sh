#!/usr/bin/env bash
# make demo: a small local network of libp2pc-node processes doing real work.
#
# Four nodes on 127.0.0.1: a hub listens (TCP and QUIC); three others dial it
# (one over QUIC). All join the gossip topic "demo". Once the hub sees all
# three in the topic, every node publishes a file (SIGUSR1); gossipsub relays
# each file through the hub to everyone. The demo narrates what each node
# reports, then stops them all and prints their stop summaries.
#
# Act 2, the main job: four nodes in chain mode on a minimal-preset phase0
# chain with 1-second slots and genesis a few seconds ahead. chaingen (the
# project's chain generator) writes the genesis state and real signed
# blocks, each carrying the previous slot's attestations; "prop" proposes
# them live, one per slot (--propose-blocks: its own chain imports each,
# then it publishes it on beacon_block). "boot" and "val" validate them on
# gossip (the chain's Go validator: proposer signature, parent, slot),
# run the state transition and import them; finality reaches epoch 2 at
# slot 32. "late" starts at slot 12 with only the genesis state, learns
# boot's head from the status handshake, range-syncs the blocks it missed
# and then follows gossip. One line per slot (block root, which nodes
# imported it, head, finality), then the key numbers scraped from the
# metrics endpoints. Fails unless every node imported every block exactly
# once, agrees on the head and finalized epoch >= 2, and the late node's
# range sync finished.
#
# Act 3: discovery. A bootnode and five nodes given only its ENR find each
# other through discv5 and the library's peer manager dials them.
#
# DEMO_ACTS picks acts (default "gossip chain discovery"); make
# test-demo-chain runs "chain" alone. DEMO_BLOCKS (default 34) and
# DEMO_LATE_SLOT (12) shape act 2.
set -euo pipefail
NODE=${1:?usage: demo.sh PATH/TO/libp2pc-node PATH/TO/chaingen}
CHAINGEN=${2:?usage: demo.sh PATH/TO/libp2pc-node PATH/TO/chaingen}
acts=" ${DEMO_ACTS:-gossip chain discovery} "
want() { [[ $acts == *" $1 "* ]]; }
nblocks=${DEMO_BLOCKS:-34}
late_slot=${DEMO_LATE_SLOT:-12}
status=0
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

# Act 2's narrator: what a chain node does besides importing blocks (the
# per-slot lines show those): its peers, status handshakes, range syncs,
# finality, and any block it gave up.
narrate_chain() {
  local name=$1 pid=$2
  local -A statused
  tail --pid="$pid" -s 0.1 -n +1 -F "$dir/$name.out" 2>/dev/null | while IFS= read -r line; do
    ev=$(field event "$line")
    case $ev in
      peer_status) # the first of each peer (the library re-asks every few slots)
        local peer
        peer=$(field peer_id "$line")
        if [ "$(field status "$line")" = 0 ] && [ -z "${statused[$peer]:-}" ]; then
          statused[$peer]=1
          printf '%-5s status of %s: head slot %s, finalized epoch %s%s\n' "$name" "$(who "$(field peer_id "$line")")" \
            "$(field head_slot "$line")" "$(field finalized_epoch "$line")" \
            "$( [ "$(field digest_match "$line")" = true ] || echo ' (OTHER CHAIN)')"
        fi ;;
      sync_progress) printf '%-5s range sync from %s: %s\n' "$name" "$(who "$(field peer_id "$line")")" "$(field progress "$line")" ;;
      finalized) printf '%-5s finalized epoch %s (checkpoint block %s…)\n' "$name" "$(field epoch "$line")" "$(short 12 "$(field root "$line")")" ;;
      block_invalid) printf '%-5s INVALID block at slot %s: %s\n' "$name" "$(field slot "$line")" "$(field rule "$line")" ;;
      block_dropped) printf '%-5s dropped the block of slot %s: %s\n' "$name" "$(field slot "$line")" "$(field reason "$line")" ;;
    esac
  done
}

# Act 3's network: the chain of examples/tests/chain-minimal.yaml (every fork
# through Fulu at genesis, 2-second slots), genesis 50 s ago.
eth2=(--eth2-config "$(dirname "$0")/../examples/tests/chain-minimal.yaml" --genesis-time $(( $(date +%s) - 50 ))
      --genesis-validators-root 4242424242424242424242424242424242424242424242424242424242424242)
record_name() { # NAME: waits for its listening line, records its peer id
  for _ in $(seq 100); do grep -qs '"event":"listening"' "$dir/$1.out" && break; sleep 0.1; done
  echo "$(field peer_id "$(grep '"event":"listening"' "$dir/$1.out")") $1" >> "$dir/names"
}

if want gossip; then
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
sleep 1.2 # a heartbeat: the hub grafts them into its mesh (it forwards to mesh peers only)
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
for name in alice bob carol hub; do wait "${pids[$name]}" || { echo "$name exited with an error:"; cat "$dir/$name.err"; status=1; }; done
wait  # the narrators, which end with their nodes
say "Summary"
for name in "${names[@]}"; do
  printf '%-6s received %s messages\n' "$name" "$(grep -c '"event":"message"' "$dir/$name.out" || true)"
  [ "$(grep -c '"event":"message"' "$dir/$name.out" || true)" -ge 3 ] || status=1
done
[ $status = 0 ] && say "Every node received every other node's file." || say "Some files did not arrive (see above)."
fi

# ------------------------------------------------------------------ act 2
if want chain; then
echo
say "Act 2: the main job. A minimal-preset chain (phase0, 8-slot epochs, 1-second slots, 64 validators)."
say "prop proposes chaingen's real signed blocks, one per slot (each carries the previous slot's attestations);"
say "boot and val validate them on gossip, run the state transition and import them; late joins at slot $late_slot and range-syncs."
genesis=$(( $(date +%s) + 5 ))
"$CHAINGEN" -out "$dir/chain" -blocks "$nblocks" -states=false -genesis-time "$genesis" -seconds-per-slot 1 > "$dir/chaingen.log" 2>&1 ||
  { cat "$dir/chaingen.log"; exit 1; }
# The BeaconState starts with genesis_time (8 bytes), then genesis_validators_root.
gvr=$(od -An -tx1 -j8 -N32 "$dir/chain/genesis.ssz" | tr -d ' \n')
chain=(--eth2-config "$dir/chain/config.yaml" --genesis-time "$genesis" --genesis-validators-root "$gvr"
       --genesis-state "$dir/chain/genesis.ssz")
: > "$dir/names"
chain_nodes=(prop boot val late)
start_chain_node() { # NAME ARGS...: a node in chain mode with a store of its own
  local name=$1
  shift
  "$NODE" "${chain[@]}" --data-dir "$dir/$name.db" "$@" > "$dir/$name.out" 2> "$dir/$name.err" &
  pids[$name]=$!
  narrate_chain "$name" "${pids[$name]}" &
}
printf 'genesis in 5 s (%s), genesis validators root %s…; %s blocks written by chaingen\n' \
  "$(date -d "@$genesis" +%T)" "${gvr:0:16}" "$nblocks"
start_chain_node boot --listen /ip4/127.0.0.1/tcp/0 --metrics-addr 127.0.0.1:0
record_name boot
line=$(grep '"event":"listening"' "$dir/boot.out")
boot_addr=$(grep -oE '/ip4/127.0.0.1/tcp/[0-9]+' <<<"$line" | head -n1)/p2p/$(field peer_id "$line")
start_chain_node prop --peer "$boot_addr" --propose-blocks "$dir/chain"
start_chain_node val --peer "$boot_addr"
record_name prop
record_name val

# One line per slot, printed near its end: the proposed block and who imported it.
imported_by() { # ROOT: the nodes whose output has it imported
  local n out=""
  for n in "${chain_nodes[@]}"; do
    grep -qs "\"event\":\"block_imported\".*\"root\":\"$1\"" "$dir/$n.out" && out+="$n "
  done
  echo "${out% }"
}
last_of() { grep -s "\"event\":\"$1\"" "$dir/$2.out" | tail -n1 || true; }
for s in $(seq 1 "$nblocks"); do
  # 0.6 s into slot s: imports take tens of ms, and the line still comes
  # before the next block on a busy machine (head and finality are boot's,
  # as of the moment the line is printed).
  until [ "$(date +%s%3N)" -ge $(( (genesis + s) * 1000 + 600 )) ]; do sleep 0.05; done
  p=$(grep -s "\"event\":\"block_proposed\",\"slot\":$s," "$dir/prop.out" || true)
  if [ -z "$p" ]; then
    printf 'slot %2d: no block proposed\n' "$s"
  elif grep -q '"error"' <<<"$p"; then
    printf 'slot %2d: the proposal failed: %s\n' "$s" "$(field message "$p")"
  else
    root=$(field root "$p")
    fin=$(last_of finalized boot)
    printf 'slot %2d  epoch %d  block %s…  imported by %-19s  head %s  finalized epoch %s\n' "$s" $(( s / 8 )) "${root:0:12}" \
      "$(imported_by "$root")" "$(field slot "$(last_of head_changed boot)")" "$( [ -n "$fin" ] && field epoch "$fin" || echo 0)"
  fi
  if [ "$s" = "$late_slot" ]; then
    say "late starts (it has only the genesis state) and dials boot…"
    start_chain_node late --peer "$boot_addr" --metrics-addr 127.0.0.1:0
    record_name late
  fi
done
sleep 1 # the last block's imports, the late node's last gossip

say "Key numbers from the metrics endpoints (curl http://…/metrics):"
ok2=1
for name in boot late; do
  addr=$(field addr "$(grep '"event":"metrics"' "$dir/$name.out")")
  curl -s --max-time 5 "http://$addr/metrics" > "$dir/$name.metrics" || { echo "$name: no metrics at $addr"; ok2=0; }
  metric() { awk -v m="$1" '$1 == m { print $2 }' "$dir/$name.metrics"; }
  count=$(metric libp2pc_block_import_seconds_count) sum=$(metric libp2pc_block_import_seconds_sum)
  mean=$(awk -v s="${sum:-0}" -v c="${count:-0}" 'BEGIN { printf "%.1f", (c > 0 ? s / c * 1000 : 0) }')
  printf '%-5s %s: beacon_head_slot %s, beacon_finalized_epoch %s, beacon_current_justified_epoch %s, libp2p_peers %s,\n' \
    "$name" "$addr" "$(metric beacon_head_slot)" "$(metric beacon_finalized_epoch)" "$(metric beacon_current_justified_epoch)" "$(metric libp2p_peers)"
  printf '      imports %s (mean %s ms from arrival to import), gossip blocks accepted %s, range syncs %s, beacon_sync_state %s\n' \
    "${count:-0}" "$mean" "$(metric 'libp2pc_gossip_blocks_total{verdict="accepted"}')" \
    "$(metric 'libp2pc_range_syncs_total{outcome="started"}')" "$(metric beacon_sync_state)"
  [ "$(metric beacon_head_slot)" = "$nblocks" ] || { echo "$name: beacon_head_slot $(metric beacon_head_slot), want $nblocks"; ok2=0; }
done

say "Stopping the chain nodes (SIGTERM)…"
for name in "${chain_nodes[@]}"; do kill -TERM "${pids[$name]}" 2>/dev/null || true; done
for name in "${chain_nodes[@]}"; do wait "${pids[$name]}" || { echo "$name exited with an error:"; tail -n 5 "$dir/$name.err"; ok2=0; }; done
wait

say "Summary"
grep '^block ' "$dir/chain/manifest.txt" | awk '{print $3, $4}' | sort > "$dir/want" # slot root
last_root=$(grep '^block ' "$dir/chain/manifest.txt" | tail -n1 | awk '{print $4}')
for name in "${chain_nodes[@]}"; do
  grep '"event":"block_imported"' "$dir/$name.out" | sed -E 's/.*"slot":([0-9]+),"root":"([0-9a-f]+)".*/\1 \2/' | sort > "$dir/$name.got"
  head_line=$(last_of head_changed "$name") fin=$(last_of finalized "$name")
  bad=$(grep -cE '"event":"block_(invalid|dropped)"' "$dir/$name.out" || true)
  printf '%-5s imported %2d blocks (%d distinct), head slot %s (%s…), finalized epoch %s, %s invalid or dropped\n' "$name" \
    "$(wc -l < "$dir/$name.got")" "$(sort -u "$dir/$name.got" | wc -l)" "$(field slot "$head_line")" "$(field root "$head_line" | cut -c1-12)" \
    "$( [ -n "$fin" ] && field epoch "$fin" || echo 0)" "$bad"
  diff -q "$dir/want" "$dir/$name.got" > /dev/null || { echo "      want each of the $nblocks blocks of chaingen's manifest once"; ok2=0; }
  [ "$(field root "$head_line")" = "$last_root" ] || { echo "      want head $last_root"; ok2=0; }
  [ -n "$fin" ] && [ "$(field epoch "$fin")" -ge 2 ] || { echo "      want finality at epoch 2 or later"; ok2=0; }
  [ "$bad" = 0 ] || ok2=0
done
grep -q '"progress":"finished' "$dir/late.out" || { echo "late: no finished range sync"; ok2=0; }
if [ $ok2 = 1 ]; then
  say "Every node imported every block once, by gossip or by range sync; one head, one finalized checkpoint."
else
  say "Act 2 did not complete (see above)."
  status=1
fi
fi

# ------------------------------------------------------------------ act 3
if want discovery; then
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
fi
exit $status
