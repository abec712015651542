//go:build libp2pc_bench

// Bench-only exports for the event-delivery benchmark (`make bench-events`,
// examples/bench/event_bench.c): thin wrappers over the harness in
// libp2pc/internal/eventbench, which says what each case measures. Built
// only with -tags libp2pc_bench into build/bench/libp2pc_bench.so; the
// production library never contains them (nor the harness, nor
// node.InjectGossip), and include/libp2pc.h does not declare them
// (examples/bench/bench.h does).
//
// Unlike the public API, libp2pc_bench_go and libp2pc_bench_pipe block until
// their run is over.
package main

/*
#include <stdint.h>
#include "libp2pc.h"

// Identical to examples/bench/bench.h.
typedef struct libp2pc_bench_stats {
    uint64_t struct_size;
    uint64_t sent;
    uint64_t received;
    uint64_t dropped;
    uint64_t seq_errors;
    uint64_t start_ns;
    uint64_t end_ns;
    uint64_t bytes;
    uint64_t p50_ns;
    uint64_t p99_ns;
    uint64_t max_ns;
} libp2pc_bench_stats;
*/
import "C"

import (
	"time"
	"unsafe"

	"github.com/libp2pc/libp2pc/libp2pc/internal/eventbench"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

func benchParams(count C.uint64_t, size, window C.uint32_t, intervalNs C.uint64_t, queueCap, ringSlots C.uint32_t) eventbench.Params {
	return eventbench.Params{Count: uint64(count), Size: int(size), Window: int(window),
		Interval: time.Duration(intervalNs), QueueCap: int(queueCap), RingSlots: int(ringSlots)}
}

func checkStats(out *C.libp2pc_bench_stats) error {
	if out == nil || out.struct_size != C.uint64_t(unsafe.Sizeof(C.libp2pc_bench_stats{})) {
		return status.Errorf(status.InvalidArgument, "bench: stats must be non-NULL with struct_size %d",
			unsafe.Sizeof(C.libp2pc_bench_stats{}))
	}
	return nil
}

func fillStats(out *C.libp2pc_bench_stats, s eventbench.Stats) {
	out.sent, out.received, out.dropped, out.seq_errors = C.uint64_t(s.Sent), C.uint64_t(s.Received), C.uint64_t(s.Dropped), C.uint64_t(s.SeqErrors)
	out.start_ns, out.end_ns, out.bytes = C.uint64_t(s.StartNs), C.uint64_t(s.EndNs), C.uint64_t(s.Bytes)
	out.p50_ns, out.p99_ns, out.max_ns = C.uint64_t(s.P50Ns), C.uint64_t(s.P99Ns), C.uint64_t(s.MaxNs)
}

//export libp2pc_bench_inject
func libp2pc_bench_inject(h C.libp2pc_node, count C.uint64_t, size C.uint32_t, window C.uint32_t,
	intervalNs C.uint64_t, startNs *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	p := benchParams(count, size, window, intervalNs, 0, 0)
	if err := p.Check(); err != nil {
		return fail(err)
	}
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	if e.cb == nil {
		return failf(status.Unsupported, "bench_inject: benchmark a callback-mode node")
	}
	start, err := eventbench.Inject(e.n, p)
	if err != nil {
		return fail(err)
	}
	if startNs != nil {
		*startNs = C.uint64_t(start)
	}
	return 0
}

//export libp2pc_bench_go
func libp2pc_bench_go(count C.uint64_t, size C.uint32_t, window C.uint32_t, intervalNs C.uint64_t,
	queueCap C.uint32_t, ringSlots C.uint32_t, out *C.libp2pc_bench_stats) (rc C.int) {
	defer guard(&rc)
	p := benchParams(count, size, window, intervalNs, queueCap, ringSlots)
	if err := p.Check(); err != nil {
		return fail(err)
	}
	if err := checkStats(out); err != nil {
		return fail(err)
	}
	stats, err := eventbench.RunGo(p)
	if err != nil {
		return fail(err)
	}
	fillStats(out, stats)
	return 0
}

//export libp2pc_bench_pipe
func libp2pc_bench_pipe(readerPath *C.char, count C.uint64_t, size C.uint32_t, window C.uint32_t,
	intervalNs C.uint64_t, queueCap C.uint32_t, out *C.libp2pc_bench_stats) (rc C.int) {
	defer guard(&rc)
	p := benchParams(count, size, window, intervalNs, queueCap, 0)
	if err := p.Check(); err != nil {
		return fail(err)
	}
	if err := checkStats(out); err != nil {
		return fail(err)
	}
	path, err := goString(readerPath, "reader_path")
	if err != nil {
		return fail(err)
	}
	stats, err := eventbench.RunPipe(path, p)
	if err != nil {
		return fail(err)
	}
	fillStats(out, stats)
	return 0
}
