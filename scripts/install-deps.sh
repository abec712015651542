#!/usr/bin/env bash
# Installs what `make`, `make test` and `make demo` need on a Debian machine
# with Go already present. The bindings' own Makefiles install their
# toolchains (Zig from npm, Erlang/Elixir from Debian) when they run.
set -euo pipefail
need=()
for tool in cmake valgrind zstd gcc make; do
  command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
if [ ${#need[@]} -gt 0 ]; then
  pkgs=()
  for t in "${need[@]}"; do
    case $t in gcc|make) pkgs+=(build-essential) ;; *) pkgs+=("$t") ;; esac
  done
  echo "install-deps: installing ${pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi
command -v go >/dev/null 2>&1 || { echo "install-deps: Go is required (https://go.dev/dl/), not found on PATH"; exit 1; }
go mod download
echo "install-deps: ok ($(go version | cut -d' ' -f3), $(cmake --version | head -n1))"
