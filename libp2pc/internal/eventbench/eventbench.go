// Package eventbench is the event-delivery benchmark harness (`make
// bench-events`, examples/bench/event_bench.c): what the libp2pc_bench_*
// exports of the bench build of the library (libp2pc/abi/bench_export.go,
// -tags libp2pc_bench) run. The production library never links it: only
// that tagged file imports it.
//
// The benchmark measures what happens after gossip reaches a node's event
// queue: a Go publisher goroutine queues Message events through
// node.InjectGossip (bench builds only: the queue's gossip class, as the
// event loop does for real gossip), and they travel the production path to
// a consumer:
//
//   - Inject: the node is the host's (callback mode); events go through the
//     delivery thread, the ABI marshalling and the host's C callback. The
//     host measures.
//   - RunGo: a node of its own with a Go Sink doing the same work as the C
//     callback (copy the payload into a bounded ring read by another
//     goroutine: Ring): the in-process limit.
//   - RunPipe: a node of its own whose Go Sink writes each event as one
//     length-prefixed frame (AppendFrame) to a child process's stdin, as a
//     Go port program feeds an Erlang VM over a pipe.
//
// Each payload starts with the publisher's CLOCK_MONOTONIC stamp (MonoNow)
// and a sequence number (see examples/bench/bench.h); consumers compute the
// delivery latency as their clock minus the stamp (Latencies).
//
// This file holds the parts that need no node (clock, latencies, ring,
// framing), tested on their own; run.go drives nodes.
package eventbench

/*
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static inline uint64_t eventbench_mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
*/
import "C"

import (
	"encoding/binary"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// Topic is a realistically long gossip topic name.
const Topic = "/eth2/4a26c58b/beacon_attestation_17/ssz_snappy"

// MinPayload is the smallest payload: the stamp and the sequence number.
const MinPayload = 16

// ErrParams reports unusable benchmark parameters.
var ErrParams = errors.New("eventbench: bad parameters")

// Params are the parameters of one run.
type Params struct {
	Count uint64 // messages to publish
	Size  int    // payload bytes, at least MinPayload
	// Window > 0: the publisher waits while the gossip queue holds Window
	// events or more (until it is down to half). Interval > 0: it sleeps
	// that long between events (light load, for latency).
	Window   int
	Interval time.Duration
	QueueCap int // the node's gossip queue capacity (0: the default)
	// RingSlots is the Go consumer's ring size (RunGo only).
	RingSlots int
}

// Check validates the parameters every run needs (INVALID_ARGUMENT).
func (p Params) Check() error {
	if p.Count == 0 {
		return status.Errorf(status.InvalidArgument, "bench: %w: count must be positive", ErrParams)
	}
	if p.Size < MinPayload {
		return status.Errorf(status.InvalidArgument, "bench: %w: payload_size must be at least %d", ErrParams, MinPayload)
	}
	return nil
}

// Stats is the result of a run (the fields of libp2pc_bench_stats).
type Stats struct {
	Sent, Received, Dropped, SeqErrors uint64
	StartNs, EndNs                     uint64 // CLOCK_MONOTONIC
	Bytes                              uint64
	P50Ns, P99Ns, MaxNs                uint64
}

// The publisher's clock. Go's monotonic clock is CLOCK_MONOTONIC read
// through the vDSO, but Go does not expose its raw value; MonoNow is
// CLOCK_MONOTONIC as C reads it at one calibration instant plus the Go
// monotonic time elapsed since (calibration error: under half of the
// shortest time.Now/clock_gettime/time.Since bracket, a few hundred ns at
// worst). It costs one vDSO read, not a cgo call.
var (
	clockOnce sync.Once
	clockT0   time.Time
	clockM0   int64
)

// MonoNow is CLOCK_MONOTONIC in nanoseconds, as the C consumers read it.
func MonoNow() uint64 {
	clockOnce.Do(func() {
		best := time.Duration(1 << 62)
		for i := 0; i < 20; i++ {
			t := time.Now()
			m := int64(C.eventbench_mono())
			d := time.Since(t)
			if d < best {
				best, clockT0, clockM0 = d, t, m-int64(d/2)
			}
		}
	})
	return uint64(clockM0 + int64(time.Since(clockT0)))
}

// Latencies records per-event delivery latencies and sequence checks, as
// the C consumers do. The samples live in C memory, as the C consumer's do:
// a measurement artifact of 8 MB in the Go heap would make the Go case
// collect garbage less often than the others (the heap goal grows with it).
// Free must be called.
type Latencies struct {
	lat       []uint64
	mem       unsafe.Pointer
	next      uint64
	seqErrors uint64
	bytes     uint64
}

// NewLatencies makes room for count samples.
func NewLatencies(count uint64) *Latencies {
	mem := C.malloc(C.size_t(max(count, 1) * 8))
	if mem == nil {
		panic("eventbench: out of memory")
	}
	return &Latencies{lat: unsafe.Slice((*uint64)(mem), count)[:0], mem: mem}
}

// Free releases the samples.
func (l *Latencies) Free() { C.free(l.mem) }

// Len is the number of samples taken.
func (l *Latencies) Len() uint64 { return uint64(len(l.lat)) }

// Take records the payload data received at now: its latency, and a
// sequence error when its sequence number is not the one expected.
func (l *Latencies) Take(data []byte, now uint64) {
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

// Fill sets the received, bytes, sequence-error and percentile fields of
// out (sorting the samples).
func (l *Latencies) Fill(out *Stats) {
	out.Received = uint64(len(l.lat))
	out.SeqErrors = l.seqErrors
	out.Bytes = l.bytes
	if len(l.lat) == 0 {
		return
	}
	slices.Sort(l.lat)
	n := len(l.lat)
	out.P50Ns = l.lat[(n-1)/2]
	out.P99Ns = l.lat[(n-1)*99/100]
	out.MaxNs = l.lat[n-1]
}

// spinBeforeSleep is how often a ring side re-checks before it blocks (the
// C ring in event_bench.c spins as long).
const spinBeforeSleep = 200

// Ring is the Go twin of the C callback's ring: a bounded single-producer
// single-consumer ring of fixed-size slots; the producer copies each
// payload in, the consumer reads it in place. A side that finds it full
// (empty) spins briefly, then blocks on a channel that the other side
// signals only when a waiter is flagged (the Go analogue of the futex the C
// ring uses).
type Ring struct {
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

// NewRing makes a ring of slots slots of size bytes (a longer payload is
// truncated to size).
func NewRing(slots, size int) *Ring {
	r := &Ring{consWake: make(chan struct{}, 1), prodWake: make(chan struct{}, 1),
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

// Push copies b into the next slot, waiting while the ring is full.
func (r *Ring) Push(b []byte) {
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

// Kick wakes the consumer so it re-checks its exit condition.
func (r *Ring) Kick() {
	r.consWait.Store(0)
	select {
	case r.consWake <- struct{}{}:
	default:
	}
}

// Consume takes events into l until l.Len() + dropped reaches count, and
// returns the MonoNow of its end.
func (r *Ring) Consume(count uint64, dropped *atomic.Uint64, l *Latencies) (endNs uint64) {
	for h := r.head.Load(); l.Len()+dropped.Load() < count; {
		for spins := 0; h == r.tail.Load(); spins++ {
			if l.Len()+dropped.Load() >= count {
				return MonoNow()
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
		l.Take(r.slots[i][:r.lens[i]], MonoNow())
		h++
		r.head.Store(h)
		wake(&r.prodWait, r.prodWake)
	}
	return MonoNow()
}

// AppendFrame appends e as the pipe case's frame: a 4-byte big-endian
// length of the rest, then type (1), seq (8), topic (2+n), peer id (2+n),
// message id (2+n), data (4+n), dropped gossip (8), all big-endian
// (examples/bench/pipe_reader.c reads it).
func AppendFrame(b []byte, e *events.Event) []byte {
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
