#!/usr/bin/env bash
# A copy of ../shared/interop/prysm-devnet/run-devnet.sh (which it still uses for mkconfig.sh,
# mkgenesis.py and geth.toml: DEVNET_SCRIPTS) with one change: BEACON_VERBOSITY (default info) sets
# Prysm's beacon-node log level, so that test-devnet-follow can run it at debug and read why Prysm
# disconnects or downscores a libp2pc peer (at info it logs nothing about single peers).
#
# Starts a 1-node devnet on 127.0.0.1: geth v1.17.10 + Prysm v7.1.2 beacon-chain + validator (64 interop
# keys), mainnet preset. Run build.sh first. Every process is bounded by `timeout DURATION`.
# env: FORK (fork of the genesis state: electra|fulu), FULU (Fulu fork epoch), SPS (seconds per slot),
#      DELAY (seconds until genesis), DURATION (seconds), RUN_DIR (data, logs, pids; default $DEVNET_HOME/run)
# Ports: geth http 8545, engine 8551 (JWT), p2p 30303 (no peers); beacon REST 3500, gRPC 4000, metrics 8080,
#        libp2p tcp+quic 13000, discv5 udp 12000; validator metrics 8081.
set -euo pipefail
here=${DEVNET_SCRIPTS:?DEVNET_SCRIPTS: the shared prysm-devnet directory}
H=${DEVNET_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/libp2pc-prysm-devnet}; export DEVNET_HOME=$H
FORK=${FORK:-electra}; FULU=${FULU:-1}; SPS=${SPS:-6}; DELAY=${DELAY:-40}; DURATION=${DURATION:-1800}
B=$H/bin; D=${RUN_DIR:-$H/run}
rm -rf "$D"; mkdir -p "$D"
"$here/mkconfig.sh" "$FULU" "$SPS" > "$D/config.yaml"
GT=$(( $(date +%s) + DELAY ))
echo "$GT" > "$D/genesis_time"
python3 "$here/mkgenesis.py" "$D/genesis.template.json" "$GT" "$FULU" "$SPS" >/dev/null
python3 -c 'import secrets;print(secrets.token_hex(32))' > "$D/jwt.hex"
"$B/prysmctl" testnet generate-genesis --chain-config-file "$D/config.yaml" --num-validators 64 \
  --genesis-time "$GT" --fork "$FORK" \
  --geth-genesis-json-in "$D/genesis.template.json" --geth-genesis-json-out "$D/genesis.json" \
  --output-ssz "$D/genesis.ssz" > "$D/prysmctl.log" 2>&1 || { cat "$D/prysmctl.log"; exit 1; }
"$B/geth" init --datadir "$D/el" "$D/genesis.json" > "$D/geth-init.log" 2>&1 || { cat "$D/geth-init.log"; exit 1; }

timeout "$DURATION" "$B/geth" --config "$here/geth.toml" --datadir "$D/el" --networkid 32382 --syncmode full \
  --http --http.addr 127.0.0.1 --http.port 8545 --http.api eth,net,web3,txpool,admin \
  --authrpc.addr 127.0.0.1 --authrpc.port 8551 --authrpc.jwtsecret "$D/jwt.hex" \
  --ipcdisable --nat none --verbosity 3 > "$D/geth.log" 2>&1 &
echo $! > "$D/geth.pid"

timeout "$DURATION" "$B/beacon-chain" --datadir "$D/cl" --chain-config-file "$D/config.yaml" \
  --genesis-state "$D/genesis.ssz" --execution-endpoint http://127.0.0.1:8551 --jwt-secret "$D/jwt.hex" \
  --accept-terms-of-use --force-clear-db --min-sync-peers 0 --minimum-peers-per-subnet 0 \
  --p2p-local-ip 127.0.0.1 --p2p-host-ip 127.0.0.1 --p2p-static-id \
  --p2p-tcp-port 13000 --p2p-quic-port 13000 --p2p-udp-port 12000 \
  --rpc-host 127.0.0.1 --rpc-port 4000 --http-host 127.0.0.1 --http-port 3500 \
  --monitoring-host 127.0.0.1 --monitoring-port 8080 \
  --contract-deployment-block 0 --deposit-contract 0x4242424242424242424242424242424242424242 \
  --suggested-fee-recipient 0x878705ba3f8bc32fcf7f4caa1a35e72af65cf766 \
  --supernode --subscribe-all-subnets --verbosity "${BEACON_VERBOSITY:-info}" > "$D/beacon.log" 2>&1 &
echo $! > "$D/beacon.pid"

timeout "$DURATION" "$B/validator" --datadir "$D/vc" --chain-config-file "$D/config.yaml" \
  --accept-terms-of-use --force-clear-db --interop-num-validators 64 --interop-start-index 0 \
  --beacon-rpc-provider 127.0.0.1:4000 --rpc-host 127.0.0.1 --http-host 127.0.0.1 \
  --monitoring-host 127.0.0.1 --monitoring-port 8081 \
  --suggested-fee-recipient 0x878705ba3f8bc32fcf7f4caa1a35e72af65cf766 --verbosity info > "$D/validator.log" 2>&1 &
echo $! > "$D/validator.pid"
echo "prysm-devnet: genesis_time=$GT run_dir=$D pids geth=$(cat $D/geth.pid) beacon=$(cat $D/beacon.pid) validator=$(cat $D/validator.pid)"
