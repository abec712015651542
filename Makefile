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


.PHONY: all lib examples test test-bindings test-go test-c test-c-asan test-c-valgrind header-check \
        demo bench bench-events bench-erlang bench-membership spec-test-mainnet-scale deps fmt-check clean

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

examples: $(SO)
	$(CMAKE) -S . -B $(BUILD)/cmake -DLIBP2PC_LIB_DIR=$(ROOT)/$(LIB_DIR) >/dev/null
	$(CMAKE) --build $(BUILD)/cmake -j2
	@mkdir -p $(BUILD)/bin
	cp $(BUILD)/cmake/libp2pc-node $(BUILD)/bin/

# ---------------------------------------------------------------- tests --

test: fmt-check test-go fuzz-short header-check test-c test-c-asan test-c-valgrind spec-test spec-test-mainnet-scale consensus-typescheck ssz-check test-bindings test-interop
	@echo "make test: all suites passed"

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

$(BUILD)/go.mod:
	@mkdir -p $(BUILD)
	printf 'module libp2pc.invalid/build-outputs\n' > $@

header-check: $(SO)
	$(GO) run ./libp2pc/internal/cmd/headercheck include/libp2pc.h $(BUILD)/cgo/libp2pc_cgo.h libp2pc/abi/abi.go
	@# the header must compile warning-free as a plain (non-system) include, in C and C++
	printf '#include "libp2pc.h"\nint main(void) { return 0; }\n' | $(CC) -std=c11 -fsyntax-only -Wall -Wextra -Werror -pedantic -Iinclude -x c -
	printf '#include "libp2pc.h"\nint main() { return 0; }\n' | $(CXX) -fsyntax-only -Wall -Wextra -Werror -Iinclude -x c++ -

test-c: examples
	$(CTEST) --test-dir $(BUILD)/cmake --output-on-failure -E _valgrind

test-c-asan: $(SO)
	$(CMAKE) -S . -B $(BUILD)/cmake-asan -DLIBP2PC_LIB_DIR=$(ROOT)/$(LIB_DIR) -DLIBP2PC_SANITIZE=address >/dev/null
	$(CMAKE) --build $(BUILD)/cmake-asan -j2
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 LSAN_OPTIONS=suppressions=$(ROOT)/examples/tests/lsan.supp \
		$(CTEST) --test-dir $(BUILD)/cmake-asan --output-on-failure -E two_process

test-c-valgrind: $(SO)
	$(CMAKE) -S . -B $(BUILD)/cmake-valgrind -DLIBP2PC_LIB_DIR=$(ROOT)/$(LIB_DIR) -DLIBP2PC_VALGRIND=ON >/dev/null
	$(CMAKE) --build $(BUILD)/cmake-valgrind -j2
	$(CTEST) --test-dir $(BUILD)/cmake-valgrind --output-on-failure -R _valgrind

# The mainnet-preset build against the mainnet-scale inputs in
# ../shared/bench (65,536 validators; phase0, deneb, electra and fulu
# sanity/blocks and sanity/slots, every case with its post-state). phase0 is
# staged into the layout the phase0 runner reads (configs/mainnet.yaml =
# mainnet_phase0.yaml); the later forks are read in place from the unpacked
# archive by TestForkStateTransitionsPreset (MAINNET_BENCH_DIR), each with
# its configs/mainnet_<fork>.yaml. MAINNET_BENCH_DIR and its unpacking
# (mainnet-bench-unpack) are in mk/consensus.mk. About 15 s on 2 cores.
MAINNET_TREE := $(BUILD)/mainnet-phase0-tree
spec-test-mainnet-scale: spec-test-unpack mainnet-bench-unpack
	rm -rf $(MAINNET_TREE) && mkdir -p $(MAINNET_TREE)/tests/mainnet $(MAINNET_TREE)/configs $(MAINNET_TREE)/presets/mainnet
	ln -s $(MAINNET_BENCH_DIR)/tests/mainnet/phase0 $(MAINNET_TREE)/tests/mainnet/phase0
	cp $(MAINNET_BENCH_DIR)/configs/mainnet_phase0.yaml $(MAINNET_TREE)/configs/mainnet.yaml
	cp $(BUILD)/spec-tests/presets/mainnet/phase0.yaml $(MAINNET_TREE)/presets/mainnet/
	MAINNET_BENCH_DIR=$(MAINNET_BENCH_DIR) $(MAKE) spec-test PRESET=mainnet SPEC_TESTS_DIR=$(ROOT)/$(MAINNET_TREE)

fmt-check:
	@out=$$(gofmt -l libp2pc); [ -z "$$out" ] || { echo "gofmt needed:"; echo "$$out"; exit 1; }

# ------------------------------------------------------------ demo/bench --

demo: examples
	bash scripts/demo.sh $(BUILD)/bin/libp2pc-node

bench: bench-events bench-consensus bench-membership bench-erlang bench-wire bench-pipeline

# Erlang port driver vs out-of-process port program, event throughput.
bench-erlang: $(SO)
	$(MAKE) -C bindings/erlang bench LIBP2PC_LIB_DIR=$(ROOT)/$(LIB_DIR) LIBP2PC_INCLUDE_DIR=$(ROOT)/include

bench-membership:
	$(GO) test -run '^$$' -bench BenchmarkThroughput -benchtime 2s -count 3 ./libp2pc/membership/

# Installs what the build and tests need on Debian (used by .ci/run).
deps:
	bash scripts/install-deps.sh

clean:
	rm -rf $(BUILD)

-include mk/consensus.mk
-include mk/bench.mk
-include mk/fuzz.mk
-include mk/interop.mk
-include mk/devnet.mk
