# libp2pc — build, test, demo and benchmarks.
#
#   make            the library (shared + static), header, pkg-config and
#                   CMake package files, and the C examples
#   make test       everything a change must pass (see README.md)
#   make demo       a small local network of libp2pc-node processes
#   make bench      benchmarks (results go to BENCHMARKS.md by hand)
#
# Variables: GO, PRESET (minimal|mainnet, for the consensus packages), BUILD,
# LIB_TAGS (Go build tags of the library: empty = mainnet preset, the one
# real networks use; LIB_TAGS=minimal for minimal-preset dev chains — use
# another BUILD directory, the outputs do not record their tags).

GO      ?= go
BUILD   ?= build
PRESET  ?= minimal
CMAKE   ?= cmake
CTEST   ?= ctest
VERSION := 0.1.0
ROOT    := $(abspath .)

LIB_DIR := $(BUILD)/lib
SO      := $(LIB_DIR)/libp2pc.so
ARCHIVE := $(LIB_DIR)/libp2pc.a
GO_SRC  := $(shell find libp2pc -name '*.go' -not -name '*_test.go') $(wildcard libp2pc/abi/*.c) go.mod go.sum
# The library records its soname so hosts link against "libp2pc.so".
LDFLAGS := -ldflags "-extldflags -Wl,-soname,libp2pc.so"


.PHONY: all lib examples test test-bindings test-go test-engine-blobs test-c test-c-asan test-c-valgrind test-abi-growth header-check shipped-symbols-check \
        demo test-demo-chain bench bench-events bench-erlang bench-membership spec-test-mainnet-scale deps fmt-check clean

all: lib examples

lib: $(SO) $(ARCHIVE) $(BUILD)/include/libp2pc.h $(LIB_DIR)/pkgconfig/libp2pc.pc \
     $(LIB_DIR)/cmake/libp2pc/libp2pc-config.cmake

# cgo writes its own header next to the library; it goes to $(BUILD)/cgo so
# nobody includes it by mistake (include/libp2pc.h is the public one).
$(SO): $(GO_SRC) include/libp2pc.h
	@mkdir -p $(LIB_DIR) $(BUILD)/cgo
	$(GO) build -buildmode=c-shared -tags '$(LIB_TAGS)' $(LDFLAGS) -o $@ ./libp2pc/abi
	mv $(LIB_DIR)/libp2pc.h $(BUILD)/cgo/libp2pc_cgo.h

$(ARCHIVE): $(GO_SRC) include/libp2pc.h
	@mkdir -p $(LIB_DIR) $(BUILD)/cgo
	$(GO) build -buildmode=c-archive -tags '$(LIB_TAGS)' -o $@ ./libp2pc/abi
	mv $(LIB_DIR)/libp2pc.h $(BUILD)/cgo/libp2pc_cgo_archive.h

$(BUILD)/include/libp2pc.h: include/libp2pc.h
	@mkdir -p $(dir $@)
	cp $< $@

$(LIB_DIR)/pkgconfig/libp2pc.pc: packaging/libp2pc.pc.in
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(ROOT)/$(BUILD)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

$(LIB_DIR)/cmake/libp2pc/libp2pc-config.cmake: packaging/libp2pc-config.cmake
	@mkdir -p $(dir $@)
	cp $< $@

# The C tests read the mainnet-size anchor state of test_nonblocking from
# MAINNET_BENCH_DIR (mk/consensus.mk; unpacked by mainnet-bench-unpack).
CMAKE_TEST_DEFS = -DLIBP2PC_LIB_DIR=$(ROOT)/$(LIB_DIR) -DLIBP2PC_MAINNET_BENCH_DIR=$(abspath $(MAINNET_BENCH_DIR))

examples: $(SO) | deps
	$(CMAKE) -S . -B $(BUILD)/cmake $(CMAKE_TEST_DEFS) >/dev/null
	$(CMAKE) --build $(BUILD)/cmake -j2
	@mkdir -p $(BUILD)/bin
	cp $(BUILD)/cmake/libp2pc-node $(BUILD)/bin/

# ---------------------------------------------------------------- tests --

test: deps fmt-check test-go test-da fuzz-short header-check test-c test-demo-chain test-c-asan test-c-valgrind spec-test spec-test-mainnet-scale consensus-typescheck ssz-check bindings-coverage test-bindings test-interop state-check test-engine-blobs shipped-symbols-check
	@echo "make test: all suites passed"

# Every function and event kind of include/libp2pc.h reached by each binding, READMEs current.
bindings-coverage: ; $(GO) run ./libp2pc/internal/cmd/bindingscoverage

# Each binding's own suite, against the library built here.
BINDINGS ?= rust zig erlang elixir
test-bindings: $(SO)
	@for b in $(BINDINGS); do \
		echo "== bindings/$$b"; \
		$(MAKE) -C bindings/$$b test LIBP2PC_LIB_DIR=$(ROOT)/$(LIB_DIR) LIBP2PC_INCLUDE_DIR=$(ROOT)/include || exit 1; \
	done

# Every Go package with the race detector (the consensus packages with the
# minimal preset, matching the vectors shipped in ../shared/spec-tests).
# $(BUILD)/go.mod makes build/ a module of its own, so ./... never walks into
# build outputs (Lodestar's node_modules ships blst's Go bindings).
test-go: spec-test-unpack $(BUILD)/go.mod
	SPEC_TESTS_DIR=$(ROOT)/$(BUILD)/spec-tests STF_TESTS_DIR=$(ROOT)/$(BUILD)/spec-tests-stf \
		$(GO) test -race -count=1 -timeout 30m -tags $(PRESET) ./...

# The geth-backed blob test of libp2pc/engine (getBlobsV2, a payload with a
# blob) without -race: the race detector makes geth's pure-Go KZG take
# minutes, so test-go skips it.
test-engine-blobs:
	$(GO) test -count=1 -timeout 5m -tags $(PRESET) -run TestGethBlobs ./libp2pc/engine/

$(BUILD)/go.mod:
	@mkdir -p $(BUILD)
	printf 'module libp2pc.invalid/build-outputs\n' > $@

header-check: $(SO)
	$(GO) run ./libp2pc/internal/cmd/headercheck include/libp2pc.h $(BUILD)/cgo/libp2pc_cgo.h libp2pc/abi/abi.go
	@# the header must compile warning-free as a plain (non-system) include, in C and C++;
	@# -Wpadded: no struct may have hidden padding (THE GROWTH RULE in the header)
	printf '#include "libp2pc.h"\nint main(void) { return 0; }\n' | $(CC) -std=c11 -fsyntax-only -Wall -Wextra -Wpadded -Werror -pedantic -Iinclude -x c -
	printf '#include "libp2pc.h"\nint main() { return 0; }\n' | $(CXX) -fsyntax-only -Wall -Wextra -Wpadded -Werror -Iinclude -x c++ -
	@# the frozen headers of every major stay valid C too
	for h in examples/tests/frozen/libp2pc-*.h; do \
		printf '#include "%s"\nint main(void) { return 0; }\n' "$$h" | $(CC) -std=c11 -fsyntax-only -Wall -Wextra -Wpadded -Werror -pedantic -I. -x c - || exit 1; \
	done

# The shipped library carries none of the event-delivery bench harness
# (libp2pc_bench_* exports, libp2pc/internal/eventbench, node.InjectGossip:
# bench builds only, -tags libp2pc_bench; see mk/bench.mk) and does carry
# the public exports.
shipped-symbols-check: $(SO)
	@syms=$$($(GO) tool nm $(SO)) || exit 1; \
	echo "$$syms" | grep -q ' T libp2pc_node_new$$' || { echo "shipped-symbols-check: libp2pc_node_new missing from $(SO)"; exit 1; }; \
	bad=$$(echo "$$syms" | grep -E 'libp2pc_bench_|internal/eventbench|InjectGossip'); \
	if [ -n "$$bad" ]; then echo "shipped-symbols-check: bench code in $(SO):"; echo "$$bad"; exit 1; fi; \
	echo "shipped-symbols-check: no bench code in $(SO)"

test-c: examples mainnet-bench-unpack test-abi-growth
	$(CTEST) --test-dir $(BUILD)/cmake --output-on-failure -E _valgrind

# THE GROWTH RULE (include/libp2pc.h), proven: the library built with
# -tags abigrowth_test has one more field at the end of libp2pc_config and
# of libp2pc_counters (libp2pc/abi/growth_on.go,
# examples/tests/growth/libp2pc_growth.h). Against it run the frozen ABI 2.0
# host, unchanged, and a new host that sets the new field.
GROWTH := $(BUILD)/abigrowth
GROWTH_CFLAGS := -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -g
$(GROWTH)/lib/libp2pc.so: $(GO_SRC) include/libp2pc.h examples/tests/growth/libp2pc_growth.h
	@mkdir -p $(GROWTH)/lib
	$(GO) build -buildmode=c-shared -tags 'abigrowth_test $(LIB_TAGS)' $(LDFLAGS) -o $@ ./libp2pc/abi

test-abi-growth: $(GROWTH)/lib/libp2pc.so
	$(CC) $(GROWTH_CFLAGS) -Iexamples/tests/frozen examples/tests/frozen/host_2_0.c \
		-L$(GROWTH)/lib -Wl,-rpath,$(ROOT)/$(GROWTH)/lib -lp2pc -lpthread -o $(GROWTH)/host_2_0
	$(CC) $(GROWTH_CFLAGS) -Iinclude -Iexamples/tests -Iexamples/tests/growth examples/tests/growth/host_grown.c \
		-L$(GROWTH)/lib -Wl,-rpath,$(ROOT)/$(GROWTH)/lib -lp2pc -lpthread -o $(GROWTH)/host_grown
	$(GO) run ./libp2pc/internal/testchain/cmd/chaingen -out $(GROWTH)/chaindata
	$(GROWTH)/host_grown
	$(GROWTH)/host_2_0 $(GROWTH)/chaindata

test-c-asan: $(SO) mainnet-bench-unpack | deps
	$(CMAKE) -S . -B $(BUILD)/cmake-asan $(CMAKE_TEST_DEFS) -DLIBP2PC_SANITIZE=address >/dev/null
	$(CMAKE) --build $(BUILD)/cmake-asan -j2
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 LSAN_OPTIONS=suppressions=$(ROOT)/examples/tests/lsan.supp \
		$(CTEST) --test-dir $(BUILD)/cmake-asan --output-on-failure -E two_process

test-c-valgrind: $(SO) mainnet-bench-unpack | deps
	$(CMAKE) -S . -B $(BUILD)/cmake-valgrind $(CMAKE_TEST_DEFS) -DLIBP2PC_VALGRIND=ON >/dev/null
	$(CMAKE) --build $(BUILD)/cmake-valgrind -j2
	$(CTEST) --test-dir $(BUILD)/cmake-valgrind --output-on-failure -R _valgrind

# The mainnet-preset build against the mainnet-scale inputs in
# ../shared/bench (65,536 validators; phase0, deneb, electra and fulu
# sanity/blocks and sanity/slots, every case with its post-state), run as
# any other tree: `make spec-test PRESET=mainnet SPEC_TESTS_DIR=<the tree>`
# (each fork with its configs/mainnet_<fork>.yaml). MAINNET_BENCH_DIR and its
# unpacking (mainnet-bench-unpack) are in mk/consensus.mk. About 1 min on 2
# busy cores.
spec-test-mainnet-scale: mainnet-bench-unpack
	$(MAKE) spec-test PRESET=mainnet SPEC_TESTS_DIR=$(MAINNET_BENCH_DIR)

fmt-check:
	@out=$$(gofmt -l libp2pc); [ -z "$$out" ] || { echo "gofmt needed:"; echo "$$out"; exit 1; }

# ------------------------------------------------------------ demo/bench --

# The demo's chain is a minimal-preset one (8-slot epochs: finality within
# half a minute of 1-second slots), so it runs on a library built with
# -tags minimal, in a directory of its own (the outputs do not record their
# tags), with libp2pc-node compiled against it and chaingen built with the
# same preset. Only what the demo needs is built: no CMake tree.
DEMO_BUILD := $(BUILD)/demo-minimal
DEMO_NODE  := $(DEMO_BUILD)/bin/libp2pc-node
DEMO_CHAINGEN := $(DEMO_BUILD)/bin/chaingen

$(DEMO_BUILD)/lib/libp2pc.so: $(GO_SRC) include/libp2pc.h
	@mkdir -p $(DEMO_BUILD)/lib $(DEMO_BUILD)/cgo
	$(GO) build -buildmode=c-shared -tags minimal $(LDFLAGS) -o $@ ./libp2pc/abi
	mv $(DEMO_BUILD)/lib/libp2pc.h $(DEMO_BUILD)/cgo/libp2pc_cgo.h

$(DEMO_NODE): examples/node/libp2pc_node.c include/libp2pc.h $(DEMO_BUILD)/lib/libp2pc.so
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude $< \
		-L$(DEMO_BUILD)/lib -Wl,-rpath,$(ROOT)/$(DEMO_BUILD)/lib -lp2pc -lpthread -o $@

$(DEMO_CHAINGEN): $(GO_SRC)
	@mkdir -p $(dir $@)
	$(GO) build -tags minimal -o $@ ./libp2pc/internal/testchain/cmd/chaingen

demo: deps $(DEMO_NODE) $(DEMO_CHAINGEN)
	bash scripts/demo.sh $(DEMO_NODE) $(DEMO_CHAINGEN)

# The demo's chain act alone, as a test: exits non-zero unless every node
# imported every block, the late node range-synced, finality advanced and
# the metrics endpoint agreed (about 45 s).
test-demo-chain: deps $(DEMO_NODE) $(DEMO_CHAINGEN)
	DEMO_ACTS=chain bash scripts/demo.sh $(DEMO_NODE) $(DEMO_CHAINGEN)

bench: bench-events bench-consensus bench-membership bench-erlang bench-wire bench-pipeline bench-da bench-engine bench-gossip

# Erlang port driver vs out-of-process port program, event throughput.
bench-erlang: $(SO)
	$(MAKE) -C bindings/erlang bench LIBP2PC_LIB_DIR=$(ROOT)/$(LIB_DIR) LIBP2PC_INCLUDE_DIR=$(ROOT)/include

bench-membership:
	$(GO) test -run '^$$' -bench BenchmarkThroughput -benchtime 2s -count 3 ./libp2pc/membership/

# Installs what the build, tests and demo need on Debian (cmake, valgrind,
# zstd, a C toolchain; Go modules). make test and make demo run it first, so
# the README's two commands are the whole setup; it does nothing when all is
# there already.
deps:
	bash scripts/install-deps.sh

clean:
	rm -rf $(BUILD)

-include mk/consensus.mk
-include mk/bench.mk
-include mk/fuzz.mk
-include mk/interop.mk
-include mk/da.mk
-include mk/devnet.mk
