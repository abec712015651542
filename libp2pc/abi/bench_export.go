//go:build libp2pc_bench

// Bench-only exports for the event-delivery benchmark (`make bench-events`,
// examples/bench/event_bench.c). Built only with -tags libp2pc_bench into
// build/bench/libp2pc_bench.so; the production library never contains them,
// and include/libp2pc.h does not declare them (examples/bench/bench.h does).
//
// The benchmark measures what happens after gossip reaches a node's event
// queue: a Go publisher goroutine queues Message events through
// node.InjectGossip (the queue's gossip class, as the event loop does for
// real gossip), and they travel the production path to a consumer:
//
//   - libp2pc_bench_inject: the node is the host's (libp2pc_node_new in
//     callback mode); events go through the delivery thread, the ABI
//     marshalling (marshal.go) and the host's C callback. The host measures.
//   - libp2pc_bench_go: the same node, queue and delivery thread with a Go
//     Sink doing the same work as the C callback (copy the payload into a
//     bounded ring read by another goroutine): the in-process limit.
//   - libp2pc_bench_pipe: the same node with a Go Sink that writes each event
//     as one length-prefixed frame ({packet,4}: 4-byte big-endian length,
//     then the event) to a child process's stdin, as a Go port program feeds
//     an Erlang VM over a pipe.
//
// Each payload starts with the publisher's CLOCK_MONOTONIC stamp and a
// sequence number (see examples/bench/bench.h); consumers compute the
// delivery latency as their clock minus the stamp.
//
// Unlike the public API, libp2pc_bench_go and libp2pc_bench_pipe block until
// their run is over.
package main

/*
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
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

static inline uint64_t libp2pc__bench_mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
*/
import "C"

import (
	"bufio"
	"encoding/binary"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// benchTopic is a realistically long gossip topic name.
const benchTopic = "/eth2/4a26c58b/beacon_attestation_17/ssz_snappy"

// minPayload holds the stamp and the sequence number.
const minPayload = 16

// The publisher's clock. Go's monotonic clock is CLOCK_MONOTONIC read
// through the vDSO, but Go does not expose its raw value; monoNow is
// CLOCK_MONOTONIC as C reads it at one calibration instant plus the Go
// monotonic time elapsed since (calibration error: under half of the
// shortest time.Now/clock_gettime/time.Since bracket, a few hundred ns at
// worst). It costs one vDSO read, not a cgo call.
var (
	clockOnce sync.Once
	clockT0   time.Time
	clockM0   int64
)

func monoNow() uint64 {
	clockOnce.Do(func() {
		best := time.Duration(1 << 62)
		for i := 0; i < 20; i++ {
			t := time.Now()
			m := int64(C.libp2pc__bench_mono())
			d := time.Since(t)
			if d < best {
				best, clockT0, clockM0 = d, t, m-int64(d/2)
			}
		}
	})
	return uint64(clockM0 + int64(time.Since(clockT0)))
}

// publish queues count Message events of size bytes into n, as gossip
// would reach the queue. Pacing keeps the publisher from outrunning the
// consumer so far that the queue drops: with window > 0 it waits while the
// gossip queue holds window events or more (until it is down to half);
// with interval > 0 it sleeps that long between events (light load, for
// latency). The stamp is written last, just before the event is queued.
func publish(n *node.Node, count uint64, size int, window int, interval time.Duration) uint64 {
	peer := n.ID().String()
	var sent uint64
	for i := uint64(0); i < count; i++ {
		if window > 0 && i%32 == 0 && n.QueueStats().GossipLen >= window {
			for n.QueueStats().GossipLen > window/2 {
				time.Sleep(20 * time.Microsecond) // ~1 ms in practice (timer granularity)
			}
		}
		if interval > 0 && i > 0 {
			time.Sleep(interval)
		}
		// One allocation per message, as a decoded gossip message has its
		// own data and id.
		buf := make([]byte, size+20)
		data, id := buf[:size:size], buf[size:]
		binary.LittleEndian.PutUint64(data[8:], i)
		binary.LittleEndian.PutUint64(id, i)
		binary.LittleEndian.PutUint64(data[0:], monoNow())
		if _, err := n.InjectGossip(events.Event{Type: events.Message, Topic: benchTopic,
			PeerID: peer, MsgID: id, Data: data}); err != nil {
			panic(err)
		}
		sent++
	}
	return sent
}

func benchArgs(count C.uint64_t, size C.uint32_t) error {
	if count == 0 {
		return status.Errorf(status.InvalidArgument, "bench: count must be positive")
	}
	if size < minPayload {
		return status.Errorf(status.InvalidArgument, "bench: payload_size must be at least %d", minPayload)
	}
	return nil
}

//export libp2pc_bench_inject
func libp2pc_bench_inject(h C.libp2pc_node, count C.uint64_t, size C.uint32_t, window C.uint32_t,
	intervalNs C.uint64_t, startNs *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	if err := benchArgs(count, size); err != nil {
		return fail(err)
	}
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	if e.cb == nil {
		return failf(status.Unsupported, "bench_inject: benchmark a callback-mode node")
	}
	start := monoNow()
	if startNs != nil {
		*startNs = C.uint64_t(start)
	}
	go publish(e.n, uint64(count), int(size), int(window), time.Duration(intervalNs))
	return 0
}

// latencies records per-event delivery latencies and sequence checks, as
// the C consumers do. The samples live in C memory, as the C consumer's do:
// a measurement artifact of 8 MB in the Go heap would make the Go case
// collect garbage less often than the others (the heap goal grows with it).
type latencies struct {
	lat       []uint64
	mem       unsafe.Pointer
	next      uint64
	seqErrors uint64
	bytes     uint64
}

func newLatencies(count uint64) *latencies {
	mem := C.malloc(C.size_t(count * 8))
	if mem == nil {
		panic("bench: out of memory")
	}
	return &latencies{lat: unsafe.Slice((*uint64)(mem), count)[:0], mem: mem}
}

func (l *latencies) free() { C.free(l.mem) }

func (l *latencies) take(data []byte, now uint64) {
	stamp := binary.LittleEndian.Uint64(data[0:])
	if seq := binary.LittleEndian.Uint64(data[8:]); seq != l.next {
		l.seqErrors++
		l.next = seq
	}
	l.next++
	l.bytes += uint64(len(data))
	if len(l.lat) < cap(l.lat) { // never reallocate into the Go heap
		l.lat = append(l.lat, now-stamp)
	}
}

func (l *latencies) fill(out *C.libp2pc_bench_stats) {
	out.received = C.uint64_t(len(l.lat))
	out.seq_errors = C.uint64_t(l.seqErrors)
	out.bytes = C.uint64_t(l.bytes)
	if len(l.lat) == 0 {
		return
	}
	slices.Sort(l.lat)
	n := len(l.lat)
	out.p50_ns = C.uint64_t(l.lat[(n-1)/2])
	out.p99_ns = C.uint64_t(l.lat[(n-1)*99/100])
	out.max_ns = C.uint64_t(l.lat[n-1])
}

func checkStats(out *C.libp2pc_bench_stats) error {
	if out == nil || out.struct_size != C.uint64_t(unsafe.Sizeof(C.libp2pc_bench_stats{})) {
		return status.Errorf(status.InvalidArgument, "bench: stats must be non-NULL with struct_size %d",
			unsafe.Sizeof(C.libp2pc_bench_stats{}))
	}
	return nil
}

// spinBeforeSleep is how often a ring side re-checks before it blocks (the
// C ring in event_bench.c spins as long).
const spinBeforeSleep = 200

// goRing is the Go twin of the C callback's ring: a bounded single-producer
// single-consumer ring of fixed-size slots; the producer copies each
// payload in, the consumer reads it in place. A side that finds it full
// (empty) spins briefly, then blocks on a channel that the other side
// signals only when a waiter is flagged (the Go analogue of the futex the C
// ring uses).
type goRing struct {
	_        [64]byte
	head     atomic.Uint64 // consumer position
	_        [56]byte
	tail     atomic.Uint64 // producer position
	_        [56]byte
	consWait atomic.Uint32
	prodWait atomic.Uint32
	consWake chan struct{}
	prodWake chan struct{}
	slots    [][]byte
	lens     []int
	n        uint64
}

func newGoRing(slots, size int) *goRing {
	r := &goRing{consWake: make(chan struct{}, 1), prodWake: make(chan struct{}, 1),
		slots: make([][]byte, slots), lens: make([]int, slots), n: uint64(slots)}
	for i := range r.slots {
		r.slots[i] = make([]byte, size)
	}
	return r
}

func wake(flag *atomic.Uint32, ch chan struct{}) {
	if flag.Load() != 0 && flag.Swap(0) != 0 {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (r *goRing) push(b []byte) {
	t := r.tail.Load()
	for spins := 0; t-r.head.Load() >= r.n; spins++ {
		if spins >= spinBeforeSleep {
			r.prodWait.Store(1)
			if t-r.head.Load() >= r.n {
				<-r.prodWake
			}
			r.prodWait.Store(0)
			spins = 0
		}
	}
	i := t % r.n
	r.lens[i] = copy(r.slots[i], b)
	r.tail.Store(t + 1)
	wake(&r.consWait, r.consWake)
}

// kick wakes the consumer so it re-checks its exit condition.
func (r *goRing) kick() {
	r.consWait.Store(0)
	select {
	case r.consWake <- struct{}{}:
	default:
	}
}

// consume takes events until received + dropped() reaches count.
func (r *goRing) consume(count uint64, dropped *atomic.Uint64, l *latencies) (endNs uint64) {
	for h := r.head.Load(); uint64(len(l.lat))+dropped.Load() < count; {
		for spins := 0; h == r.tail.Load(); spins++ {
			if uint64(len(l.lat))+dropped.Load() >= count {
				return monoNow()
			}
			if spins >= spinBeforeSleep {
				r.consWait.Store(1)
				if h == r.tail.Load() {
					select {
					case <-r.consWake:
					case <-time.After(time.Second):
					}
				}
				r.consWait.Store(0)
				spins = 0
			}
		}
		i := h % r.n
		l.take(r.slots[i][:r.lens[i]], monoNow())
		h++
		r.head.Store(h)
		wake(&r.prodWait, r.prodWake)
	}
	return monoNow()
}

// benchNode makes a node whose Go sink is sink (callback mode, never
// started: injected events reach the sink through the delivery thread).
func benchNode(queueCap int, sink func(*events.Event)) (*node.Node, error) {
	return node.New(node.Config{Queue: events.Capacities{Gossip: queueCap}, Sink: sink})
}

// finishNode destroys n and waits for its delivery thread to end.
func finishNode(n *node.Node, out *C.libp2pc_bench_stats) {
	out.dropped = C.uint64_t(n.QueueStats().Dropped.Gossip)
	n.Destroy()
	<-n.DeliveryFinished()
}

//export libp2pc_bench_go
func libp2pc_bench_go(count C.uint64_t, size C.uint32_t, window C.uint32_t, intervalNs C.uint64_t,
	queueCap C.uint32_t, ringSlots C.uint32_t, out *C.libp2pc_bench_stats) (rc C.int) {
	defer guard(&rc)
	if err := benchArgs(count, size); err != nil {
		return fail(err)
	}
	if err := checkStats(out); err != nil {
		return fail(err)
	}
	if ringSlots == 0 {
		return failf(status.InvalidArgument, "bench_go: ring_slots must be positive")
	}
	ring := newGoRing(int(ringSlots), int(size))
	var dropped atomic.Uint64
	n, err := benchNode(int(queueCap), func(e *events.Event) {
		switch e.Type {
		case events.Message:
			ring.push(e.Data)
		case events.Drops:
			dropped.Store(e.DropCounts.Gossip)
			ring.kick()
		}
	})
	if err != nil {
		return fail(err)
	}
	// Consumer and publisher are plain goroutines (as in the C case): this
	// export's own goroutine is locked to the host's thread, and waking a
	// locked goroutine costs an extra thread switch.
	l := newLatencies(uint64(count))
	defer l.free()
	out.start_ns = C.uint64_t(monoNow())
	sent, end := make(chan uint64, 1), make(chan uint64, 1)
	go func() { end <- ring.consume(uint64(count), &dropped, l) }()
	go func() { sent <- publish(n, uint64(count), int(size), int(window), time.Duration(intervalNs)) }()
	out.end_ns = C.uint64_t(<-end)
	out.sent = C.uint64_t(<-sent)
	l.fill(out)
	finishNode(n, out)
	return 0
}

// frameEvent appends e as the pipe case's frame: a 4-byte big-endian length
// of the rest, then type (1), seq (8), topic (2+n), peer id (2+n), message
// id (2+n), data (4+n), dropped gossip (8), all big-endian.
func frameEvent(b []byte, e *events.Event) []byte {
	n := 1 + 8 + 2 + len(e.Topic) + 2 + len(e.PeerID) + 2 + len(e.MsgID) + 4 + len(e.Data) + 8
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	b = append(b, byte(e.Type))
	b = binary.BigEndian.AppendUint64(b, e.Seq)
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.Topic)))
	b = append(b, e.Topic...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.PeerID)))
	b = append(b, e.PeerID...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.MsgID)))
	b = append(b, e.MsgID...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(e.Data)))
	b = append(b, e.Data...)
	b = binary.BigEndian.AppendUint64(b, e.DropCounts.Gossip)
	return b
}

// writeAll writes b to the blocking descriptor fd: one write(2) per frame
// unless the pipe takes it in parts.
func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

//export libp2pc_bench_pipe
func libp2pc_bench_pipe(readerPath *C.char, count C.uint64_t, size C.uint32_t, window C.uint32_t,
	intervalNs C.uint64_t, queueCap C.uint32_t, out *C.libp2pc_bench_stats) (rc C.int) {
	defer guard(&rc)
	if err := benchArgs(count, size); err != nil {
		return fail(err)
	}
	if err := checkStats(out); err != nil {
		return fail(err)
	}
	path, err := goString(readerPath, "reader_path")
	if err != nil {
		return fail(err)
	}
	if err := benchPipe(path, uint64(count), int(size), int(window), time.Duration(intervalNs), int(queueCap), out); err != nil {
		return fail(err)
	}
	return 0
}

func benchPipe(path string, count uint64, size, window int, interval time.Duration, queueCap int,
	out *C.libp2pc_bench_stats) error {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil { // blocking ends
		return status.Errorf(status.IO, "bench_pipe: pipe: %v", err)
	}
	rd := os.NewFile(uintptr(p[0]), "bench-pipe-r")
	wfd := p[1]
	cmd := exec.Command(path, strconv.FormatUint(count, 10))
	cmd.Stdin = rd
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		rd.Close()
		syscall.Close(wfd)
		return status.Errorf(status.IO, "bench_pipe: %v", err)
	}
	if err := cmd.Start(); err != nil {
		rd.Close()
		syscall.Close(wfd)
		return status.Errorf(status.IO, "bench_pipe: start %s: %v", path, err)
	}
	rd.Close()
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || lines.Text() != "ready" {
		syscall.Close(wfd)
		cmd.Wait()
		return status.Errorf(status.IO, "bench_pipe: %s did not say ready", path)
	}

	var writeErr atomic.Value
	frame := make([]byte, 0, size+256)
	n, err := benchNode(queueCap, func(e *events.Event) {
		if writeErr.Load() != nil {
			return
		}
		frame = frameEvent(frame[:0], e)
		if err := writeAll(wfd, frame); err != nil {
			writeErr.Store(err)
		}
	})
	if err != nil {
		syscall.Close(wfd)
		cmd.Wait()
		return err
	}
	out.start_ns = C.uint64_t(monoNow())
	sent := make(chan uint64, 1)
	go func() { sent <- publish(n, count, size, window, interval) }()
	out.sent = C.uint64_t(<-sent)
	// The reader exits once it has count messages (or drops covering the
	// rest); its last line is its result.
	var result string
	for lines.Scan() {
		result = lines.Text()
	}
	finishNode(n, out)
	syscall.Close(wfd)
	if err := cmd.Wait(); err != nil {
		return status.Errorf(status.IO, "bench_pipe: reader: %v", err)
	}
	if err, _ := writeErr.Load().(error); err != nil {
		return status.Errorf(status.IO, "bench_pipe: write: %v", err)
	}
	// received bytes seq_errors first_ns last_ns p50 p99 max
	f := strings.Fields(result)
	if len(f) != 8 {
		return status.Errorf(status.IO, "bench_pipe: reader result %q", result)
	}
	v := make([]uint64, len(f))
	for i, s := range f {
		if v[i], err = strconv.ParseUint(s, 10, 64); err != nil {
			return status.Errorf(status.IO, "bench_pipe: reader result %q", result)
		}
	}
	out.received, out.bytes, out.seq_errors = C.uint64_t(v[0]), C.uint64_t(v[1]), C.uint64_t(v[2])
	out.end_ns = C.uint64_t(v[4])
	out.p50_ns, out.p99_ns, out.max_ns = C.uint64_t(v[5]), C.uint64_t(v[6]), C.uint64_t(v[7])
	return nil
}
