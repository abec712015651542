#!/bin/bash
# Starts a Lodestar 1.5.1 minimal-preset dev chain (8 validators) on 127.0.0.1.
# Adapted from ../shared/interop/lodestar/run-dev.sh: ports and data dir come
# from the environment so tests can choose free ones (not LODESTAR_*: Lodestar
# reads those as command-line options).
#
# usage: lodestar-run.sh LOGFILE TIMEOUT_S [extra lodestar args...]
#   INTEROP_P2P_PORT (9000), INTEROP_REST_PORT (9596), INTEROP_DATA_DIR
#   (<this dir>/data), INTEROP_MUXERS ("yamux,mplex"; see lodestar-muxers.mjs)
log=$1; t=$2; shift 2
cd "$(dirname "$0")"
p2p=${INTEROP_P2P_PORT:-9000}
rest=${INTEROP_REST_PORT:-9596}
data=${INTEROP_DATA_DIR:-$PWD/data}
rm -rf "$data"
exec timeout -k 5 "$t" ./node_modules/.bin/lodestar dev --genesisValidators 8 --startValidators 0..7 --reset \
  --dataDir "$data" --listenAddress 127.0.0.1 --port "$p2p" --discv5 false \
  --rest.address 127.0.0.1 --rest.port "$rest" --beaconNodes "http://127.0.0.1:$rest" \
  --logFile none "$@" > "$log" 2>&1
