# Consensus core (libp2pc/consensus): SSZ code generation, spec vectors and
# benchmarks. Included by the main Makefile; also usable on its own:
#   make -f mk/consensus.mk spec-test [PRESET=minimal|mainnet] [SPEC_TESTS_DIR=DIR]
#
# PRESET selects the compiled preset: `minimal` builds with -tags minimal,
# `mainnet` builds without tags (the default preset of the Go code).

GO ?= go
PRESET ?= minimal

CONSENSUS_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
CONSENSUS_PKGS := ./libp2pc/consensus/...
CONSENSUS_TAGS = $(if $(filter minimal,$(PRESET)),-tags minimal,)

# The vectors tree: DIR/tests/<preset>/phase0/..., DIR/configs, DIR/presets.
# Only the default location is unpacked automatically; a tree given on the
# command line is used as it is.
SPEC_TESTS_DEFAULT_DIR := $(CONSENSUS_ROOT)/build/spec-tests
SPEC_TESTS_DIR ?= $(SPEC_TESTS_DEFAULT_DIR)
SPEC_TESTS_ARCHIVE ?= $(CONSENSUS_ROOT)/../shared/spec-tests/phase0-v1.1.0-alpha.8.tar.zst
# altair..fulu minimal vectors (used for SSZ/hash_tree_root checks of those
# forks' types); unpacked next to the phase0 tree when it is the default one.
STF_TESTS_DEFAULT_DIR := $(CONSENSUS_ROOT)/build/spec-tests-stf
STF_TESTS_DIR ?= $(STF_TESTS_DEFAULT_DIR)
STF_TESTS_ARCHIVE ?= $(CONSENSUS_ROOT)/../shared/spec-tests/stf-altair-fulu-minimal.tar.zst

# The mainnet-scale inputs (65,536 validators; phase0, deneb, electra, fulu
# sanity/blocks and sanity/slots with post-states, configs/mainnet_<fork>.yaml):
# spec-test-mainnet-scale (Makefile) runs spec-test on them, bench-consensus
# times them.
MAINNET_BENCH_ARCHIVE ?= $(CONSENSUS_ROOT)/../shared/bench/stf-bench-mainnet.tar.zst
MAINNET_BENCH_DIR ?= $(CONSENSUS_ROOT)/build/bench-mainnet

SSZGEN_VERSION := v0.1.4
SSZGEN ?= $(shell $(GO) env GOPATH)/bin/sszgen

.PHONY: spec-test spec-test-unpack mainnet-bench-unpack ssz-generate ssz-check sszgen-install state-generate state-check bench-consensus consensus-test consensus-typescheck

spec-test-unpack:
	@if [ "$(abspath $(SPEC_TESTS_DIR))" = "$(SPEC_TESTS_DEFAULT_DIR)" ] && [ ! -d "$(SPEC_TESTS_DIR)/tests" ]; then \
		echo "unpacking $(SPEC_TESTS_ARCHIVE) into $(SPEC_TESTS_DIR)"; \
		mkdir -p "$(SPEC_TESTS_DIR)" && tar --zstd -C "$(SPEC_TESTS_DIR)" -xf "$(SPEC_TESTS_ARCHIVE)"; \
	fi
	@if [ "$(abspath $(STF_TESTS_DIR))" = "$(STF_TESTS_DEFAULT_DIR)" ] && [ ! -d "$(STF_TESTS_DIR)/tests" ] && [ -f "$(STF_TESTS_ARCHIVE)" ]; then \
		echo "unpacking $(STF_TESTS_ARCHIVE) into $(STF_TESTS_DIR)"; \
		mkdir -p "$(STF_TESTS_DIR)" && tar --zstd -C "$(STF_TESTS_DIR)" -xf "$(STF_TESTS_ARCHIVE)"; \
	fi

# Unpacked only when absent; an archive that is not there is not an error
# here (the tests and benchmarks that need it skip, saying so).
mainnet-bench-unpack:
	@if [ ! -d "$(MAINNET_BENCH_DIR)/tests" ] && [ -f "$(MAINNET_BENCH_ARCHIVE)" ]; then \
		echo "unpacking $(MAINNET_BENCH_ARCHIVE) into $(MAINNET_BENCH_DIR)"; \
		mkdir -p "$(MAINNET_BENCH_DIR)" && tar --zstd -C "$(MAINNET_BENCH_DIR)" -xf "$(MAINNET_BENCH_ARCHIVE)"; \
	fi

# Runs the spec-test runner for PRESET over SPEC_TESTS_DIR: every fork
# (phase0..fulu) and runner found in the tree, with the config of the tree
# for each fork (configs/<preset>_<fork>.yaml, else configs/<preset>.yaml).
# Prints a per-runner/handler summary and a per-fork coverage report, and
# fails on any failing case, when the tree yields no case of PRESET, or when
# it holds a runner/handler directory that nothing ran and no skip rule
# names (libp2pc/consensus/spectest: TestMain, CheckTree). The altair..fulu
# minimal tree (STF_TESTS_DIR) joins the default tree only; a tree named on
# the command line runs alone unless STF_TESTS_DIR is given too. `go test`
# runs in directory mode (no package argument) so the summary is shown even
# when every case passes.
SPEC_TESTS_RUN_STF_DIR = $(if $(filter $(abspath $(SPEC_TESTS_DIR)),$(SPEC_TESTS_DEFAULT_DIR)),$(STF_TESTS_DIR),$(if $(filter command line environment,$(origin STF_TESTS_DIR)),$(STF_TESTS_DIR),$(SPEC_TESTS_DIR)))
spec-test: spec-test-unpack
	@[ -d "$(SPEC_TESTS_DIR)/tests" ] || { echo "spec-test: no vector tree at $(SPEC_TESTS_DIR) (expected $(SPEC_TESTS_DIR)/tests/...)"; exit 1; }
	cd $(CONSENSUS_ROOT)/libp2pc/consensus/spectest && SPEC_TESTS_DIR="$(abspath $(SPEC_TESTS_DIR))" \
		STF_TESTS_DIR="$(abspath $(SPEC_TESTS_RUN_STF_DIR))" \
		$(GO) test $(CONSENSUS_TAGS) -count=1 -timeout 60m

# Unit tests of the consensus packages for PRESET (race detector on).
consensus-test: spec-test-unpack
	cd $(CONSENSUS_ROOT) && SPEC_TESTS_DIR="$(abspath $(SPEC_TESTS_DIR))" STF_TESTS_DIR="$(abspath $(STF_TESTS_DIR))" \
		$(GO) test $(CONSENSUS_TAGS) -race -count=1 -timeout 60m $(CONSENSUS_PKGS)

# Differential check of the altair..fulu containers against
# attestantio/go-eth2-client v0.29.0, for both presets. It lives in its own
# module (libp2pc/consensus/typescheck) so that dependency stays out of the
# main go.mod.
consensus-typescheck:
	cd $(CONSENSUS_ROOT)/libp2pc/consensus/typescheck && $(GO) test -count=1 . && $(GO) test -tags minimal -count=1 .

sszgen-install:
	@[ -x "$(SSZGEN)" ] || $(GO) install github.com/ferranbt/fastssz/sszgen@$(SSZGEN_VERSION)

# Regenerates the committed *_encoding.go files of libp2pc/consensus/types.
ssz-generate: sszgen-install
	$(CONSENSUS_ROOT)/libp2pc/consensus/types/sszgen.sh "$(SSZGEN)" "$(GO)" "$(CONSENSUS_ROOT)/libp2pc/consensus/types"

# Fails if the committed generated files differ from a fresh generation.
ssz-check: sszgen-install
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(CONSENSUS_ROOT)/libp2pc/consensus/types/sszgen.sh "$(SSZGEN)" "$(GO)" "$$tmp" && \
	status=0 && cd "$$tmp" && for f in $$(find . -name '*_encoding.go' -o -name '*_mainnet.go' -o -name '*_minimal.go' | sort); do \
		if ! cmp -s "$$f" "$(CONSENSUS_ROOT)/libp2pc/consensus/types/$$f"; then \
			echo "ssz-check: libp2pc/consensus/types/$${f#./} is stale; run make ssz-generate"; status=1; \
		fi; \
	done; \
	for f in $$(cd "$(CONSENSUS_ROOT)/libp2pc/consensus/types" && find . -name '*_encoding.go' -o -name '*_mainnet.go' -o -name '*_minimal.go' | sort); do \
		[ -e "$$f" ] || { echo "ssz-check: libp2pc/consensus/types/$${f#./} is not produced by the generator"; status=1; }; \
	done; \
	[ $$status -eq 0 ] && echo "ssz-check: generated SSZ code is up to date"; exit $$status

# Regenerates libp2pc/consensus/state/convert_gen.go, the conversions between
# the fork-generic state/block and each fork's containers (generator:
# libp2pc/consensus/state/gen).
state-generate:
	cd $(CONSENSUS_ROOT)/libp2pc/consensus/state && $(GO) run ./gen -dir . -o convert_gen.go

# Fails if the committed convert_gen.go differs from a fresh generation.
state-check:
	@tmp=$$(mktemp) && trap 'rm -f "$$tmp"' EXIT && \
	cd $(CONSENSUS_ROOT)/libp2pc/consensus/state && $(GO) run ./gen -dir . -o - >"$$tmp" && \
	if cmp -s "$$tmp" convert_gen.go; then echo "state-check: convert_gen.go is up to date"; \
	else echo "state-check: libp2pc/consensus/state/convert_gen.go is stale; run make state-generate"; exit 1; fi

# Go benchmarks for both presets (minimal, then mainnet), with allocation
# counts: state hash_tree_root (plain and incremental), state copy,
# process_slots across an epoch boundary, and state_transition with every
# signature verified, on the largest sanity/blocks vectors of the tree and on
# synthetic chains (phase0); and per fork (BenchmarkFork*, bench_forks_test.go)
# state_transition / process_block with every signature verified and the
# epoch transition, cold and warm: phase0..fulu on the minimal vectors,
# phase0/deneb/electra/fulu on the mainnet-scale inputs (MAINNET_BENCH_DIR).
# BENCH_COUNT runs each benchmark that many times (BENCHMARKS.md reports the
# median of 3); BENCH_FILTER narrows the -bench pattern.
BENCH_PKGS := ./libp2pc/consensus/spectest ./libp2pc/consensus/transition
BENCH_COUNT ?= 1
BENCH_FILTER ?= .
bench-consensus: spec-test-unpack mainnet-bench-unpack
	cd $(CONSENSUS_ROOT) && for preset in minimal mainnet; do \
		tags=$$( [ $$preset = minimal ] && echo minimal ); \
		echo "== preset $$preset"; \
		SPEC_TESTS_DIR="$(abspath $(SPEC_TESTS_DIR))" STF_TESTS_DIR="$(abspath $(STF_TESTS_DIR))" \
		MAINNET_BENCH_DIR="$(abspath $(MAINNET_BENCH_DIR))" \
			$(GO) test -tags "$$tags" -run '^$$' -bench '$(BENCH_FILTER)' -benchmem -count=$(BENCH_COUNT) -timeout 60m $(BENCH_PKGS) || exit 1; \
	done
