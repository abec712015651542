#!/bin/sh
# Regenerates the consensus types' generated code, in two steps:
#   1. presetgen renders every <fork>/<name>.go.tmpl into <name>_mainnet.go
#      and <name>_minimal.go (build tags !minimal / minimal);
#   2. sszgen (fastssz) writes <file>_encoding.go for every struct file.
#
# usage: sszgen.sh SSZGEN GO OUTDIR
#   SSZGEN  path of the sszgen binary (github.com/ferranbt/fastssz/sszgen@v0.1.4)
#   GO      the go command (to run presetgen)
#   OUTDIR  the types directory itself (ssz-generate), or a scratch directory
#           (ssz-check) into which the hand-written sources are copied first
#
# sszgen does not evaluate build tags, so each preset's file is generated on
# its own, with the files it references passed as --include, and the build
# tag is copied onto the generated file.
set -eu
SSZGEN=$1
GO=$2
OUT=$3
TYPES=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$TYPES/../../.." && pwd)
FORKS="phase0 altair bellatrix capella deneb electra fulu"

if [ "$(cd "$OUT" && pwd)" != "$TYPES" ]; then
	for fork in $FORKS; do
		mkdir -p "$OUT/$fork"
		for f in "$TYPES/$fork"/*.go "$TYPES/$fork"/*.go.tmpl; do
			[ -e "$f" ] || continue
			case $f in
			*_encoding.go | *_mainnet.go | *_minimal.go | *_test.go) ;;
			*) cp "$f" "$OUT/$fork/" ;;
			esac
		done
	done
fi
OUT=$(cd "$OUT" && pwd)

(cd "$ROOT" && "$GO" run ./libp2pc/consensus/types/internal/presetgen "$OUT" "$OUT")

cd "$OUT"
gen() { # gen FILE INCLUDES(comma-separated, may be empty)
	file=$1 inc=$2
	dst="${file%.go}_encoding.go"
	if [ -n "$inc" ]; then
		"$SSZGEN" --path "$file" --include "$inc" --output "$dst" >/dev/null
	else
		"$SSZGEN" --path "$file" --output "$dst" >/dev/null
	fi
	tag=$(sed -n '1s|^//go:build .*|&|p' "$file")
	if [ -n "$tag" ]; then
		{ printf '%s\n\n' "$tag"; cat "$dst"; } >"$dst.tmp" && mv "$dst.tmp" "$dst"
	fi
}

# Each fork may reference every earlier fork's containers and, for the
# preset-dependent files, the same preset's files of earlier forks.
earlier=""
for fork in $FORKS; do
	[ -d "$fork" ] || continue
	plain=$(echo $earlier | tr ' ' '\n' | grep -v '_mainnet.go$\|_minimal.go$' | tr '\n' ',' | sed 's/,$//' || true)
	if [ -e "$fork/containers.go" ]; then gen "$fork/containers.go" "$plain"; fi
	for preset in mainnet minimal; do
		for f in "$fork"/*_"$preset".go; do
			case $f in *_encoding.go) continue ;; esac
			[ -e "$f" ] || continue
			inc=$(echo $earlier "$fork/containers.go" | tr ' ' '\n' | grep -v "_$([ $preset = mainnet ] && echo minimal || echo mainnet).go\$" | tr '\n' ',' | sed 's/,$//')
			gen "$f" "$inc"
		done
	done
	for f in "$fork/containers.go" "$fork"/*_mainnet.go "$fork"/*_minimal.go; do
		case $f in *_encoding.go) continue ;; esac
		if [ -e "$f" ]; then earlier="$earlier $f"; fi
	done
done
