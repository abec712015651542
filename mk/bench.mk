# Event-delivery benchmark (issue 2). Included by the main Makefile, which
# sets GO and BUILD; usable on its own too:
#   make -f mk/bench.mk bench-events [BENCH_ARGS="--small 200000 --reps 1"]
#
# Builds a bench variant of the library (-tags libp2pc_bench: adds the
# libp2pc_bench_* exports of libp2pc/abi/bench_export.go, thin wrappers over
# the harness in libp2pc/internal/eventbench, and node.InjectGossip; the
# production build/lib/libp2pc.so never has them: make shipped-symbols-check)
# and the C programs of examples/bench,
# all under $(BUILD)/bench, then runs them: a markdown table goes to stdout
# and to $(BUILD)/bench/events.md, per-run progress to stderr.

GO ?= go
BUILD ?= build
CC ?= cc

BENCH_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
BENCH_DIR := $(BUILD)/bench
BENCH_LIB := $(BENCH_DIR)/libp2pc_bench.so
BENCH_CFLAGS ?= -O2 -Wall -Wextra -Werror -std=c11 -pthread
# Extra event_bench options, e.g. --small 200000 --large 5000 --reps 1
BENCH_ARGS ?=

.PHONY: bench-events bench-events-build bench-events-test

bench-events-build: $(BENCH_DIR)/event_bench $(BENCH_DIR)/pipe_reader

# Go decides whether the library is up to date (its build cache makes a
# no-change rebuild a relink of a few seconds), so this always runs.
.PHONY: $(BENCH_LIB)
$(BENCH_LIB):
	@mkdir -p $(BENCH_DIR)
	$(GO) build -tags libp2pc_bench -buildmode=c-shared -o $@ ./libp2pc/abi

$(BENCH_DIR)/event_bench: $(BENCH_ROOT)/examples/bench/event_bench.c $(BENCH_ROOT)/examples/bench/bench.h \
		$(BENCH_ROOT)/include/libp2pc.h $(BENCH_LIB)
	$(CC) $(BENCH_CFLAGS) -I$(BENCH_ROOT)/include -o $@ $< \
		-L$(BENCH_DIR) -l:libp2pc_bench.so -Wl,-rpath,'$$ORIGIN'

$(BENCH_DIR)/pipe_reader: $(BENCH_ROOT)/examples/bench/pipe_reader.c $(BENCH_ROOT)/examples/bench/bench.h
	@mkdir -p $(BENCH_DIR)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

bench-events: bench-events-build
	$(BENCH_DIR)/event_bench --reader $(BENCH_DIR)/pipe_reader --out $(BENCH_DIR)/events.md \
		--cmd "make bench-events$(if $(BENCH_ARGS), BENCH_ARGS='$(BENCH_ARGS)')" \
		--go "$$($(GO) version | cut -d' ' -f3)" $(BENCH_ARGS)

# The harness's own tests, the node-driving ones included (bench tag), the
# pipe case with the real reader.
bench-events-test: $(BENCH_DIR)/pipe_reader
	EVENTBENCH_PIPE_READER=$(abspath $(BENCH_DIR)/pipe_reader) \
		$(GO) test -race -count=1 -tags libp2pc_bench ./libp2pc/internal/eventbench/

# Wire protocol (issue 4): message-id + snappy decode of a 128 KiB
# block-sized gossip payload, and req/resp blocks_by_range on loopback.
WIRE_BENCH_PKGS ?= ./libp2pc/eth2/gossip/ ./libp2pc/eth2/reqrespnet/
.PHONY: bench-wire
bench-wire:
	$(GO) test -run '^$$' -bench . -benchtime 2s -count 3 $(WIRE_BENCH_PKGS)

# Block import (issue 7): blocks/s sequentially and with two forks in
# parallel on the minimal preset (signatures checked, each import synced).
.PHONY: bench-pipeline
bench-pipeline:
	$(GO) test -tags minimal -run '^$$' -bench Import -benchtime 10x -count 3 ./libp2pc/pipeline/

# Engine API (issue 16): engine_newPayloadV4 round trip against go-ethereum
# run in process (two gethtest nodes: one builds payloads of 20 transfers,
# the other imports them; and a payload geth already has, the round trip
# alone). Reports ns/op and p50/p99 in ms.
.PHONY: bench-engine
bench-engine:
	$(GO) test -run '^$$' -bench NewPayload -benchtime 50x -count 3 ./libp2pc/engine/
	@# Block import with geth in the loop: newPayload during (concurrent) vs
	@# after (sequential) the state transition, 22 electra blocks of 20
	@# transfers into a fresh geth per iteration; reports ms/block.
	$(GO) test -run '^$$' -bench ImportWithEngine -benchtime 3x -count 2 ./libp2pc/pipeline/

# Small-message gossip (issue 19): two libp2pc nodes on loopback against two
# plain go-libp2p-pubsub v0.15.0 hosts with the same consensus settings, in
# one run: 100 B, 10 KiB and 128 KiB; host validation (answered from the
# event callback), Go validation, and the fire-and-forget publish. Prints a
# markdown table (rate with 500 in flight, ratio, CPU per message, p50 with
# one in flight). GOSSIP_BENCH_SMALL/MEDIUM/LARGE/LATENCY set the message
# counts; GOSSIP_BENCH_SIZES (e.g. 100) restricts the payload sizes.
.PHONY: bench-gossip
bench-gossip:
	$(GO) test -run '^$$' -bench GossipVsPubsub -benchtime 1x ./libp2pc/node/
