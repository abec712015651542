//go:build libp2pc_bench

package eventbench

import (
	"bufio"
	"encoding/binary"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// The runs drive nodes through node.InjectGossip, which only bench builds
// (-tags libp2pc_bench) have.

// publish queues p.Count Message events of p.Size bytes into n, as gossip
// would reach the queue, paced by p.Window / p.Interval (see Params) so the
// publisher does not outrun the consumer so far that the queue drops. The
// stamp is written last, just before the event is queued.
func publish(n *node.Node, p Params) uint64 {
	peer := n.ID().String()
	var sent uint64
	for i := uint64(0); i < p.Count; i++ {
		if p.Window > 0 && i%32 == 0 && n.QueueStats().GossipLen >= p.Window {
			for n.QueueStats().GossipLen > p.Window/2 {
				time.Sleep(20 * time.Microsecond) // ~1 ms in practice (timer granularity)
			}
		}
		if p.Interval > 0 && i > 0 {
			time.Sleep(p.Interval)
		}
		// One allocation per message, as a decoded gossip message has its
		// own data and id.
		buf := make([]byte, p.Size+20)
		data, id := buf[:p.Size:p.Size], buf[p.Size:]
		binary.LittleEndian.PutUint64(data[8:], i)
		binary.LittleEndian.PutUint64(id, i)
		binary.LittleEndian.PutUint64(data[0:], MonoNow())
		if _, err := n.InjectGossip(events.Event{Type: events.Message, Topic: Topic,
			PeerID: peer, MsgID: id, Data: data}); err != nil {
			panic(err)
		}
		sent++
	}
	return sent
}

// Inject starts publishing into the host's node n (callback mode) and
// returns the MonoNow of the start; the host's callback measures.
func Inject(n *node.Node, p Params) (startNs uint64, err error) {
	if err := p.Check(); err != nil {
		return 0, err
	}
	start := MonoNow()
	go publish(n, p)
	return start, nil
}

// benchNode makes a node whose Go sink is sink (callback mode, never
// started: injected events reach the sink through the delivery thread).
func benchNode(queueCap int, sink func(*events.Event)) (*node.Node, error) {
	return node.New(node.Config{Queue: events.Capacities{Gossip: queueCap}, Sink: sink})
}

// finishNode destroys n and waits for its delivery thread to end.
func finishNode(n *node.Node, out *Stats) {
	out.Dropped = n.QueueStats().Dropped.Gossip
	n.Destroy()
	<-n.DeliveryFinished()
}

// RunGo runs the in-process case: a node of its own, a Go Sink copying
// each payload into a Ring of p.RingSlots slots, a consumer goroutine
// taking the latencies. It blocks until the run is over.
func RunGo(p Params) (Stats, error) {
	var out Stats
	if err := p.Check(); err != nil {
		return out, err
	}
	if p.RingSlots <= 0 {
		return out, status.Errorf(status.InvalidArgument, "bench_go: %w: ring_slots must be positive", ErrParams)
	}
	ring := NewRing(p.RingSlots, p.Size)
	var dropped atomic.Uint64
	n, err := benchNode(p.QueueCap, func(e *events.Event) {
		switch e.Type {
		case events.Message:
			ring.Push(e.Data)
		case events.Drops:
			dropped.Store(e.DropCounts.Gossip)
			ring.Kick()
		}
	})
	if err != nil {
		return out, err
	}
	// Consumer and publisher are plain goroutines (as in the C case): the
	// calling export's goroutine is locked to the host's thread, and waking
	// a locked goroutine costs an extra thread switch.
	l := NewLatencies(p.Count)
	defer l.Free()
	out.StartNs = MonoNow()
	sent, end := make(chan uint64, 1), make(chan uint64, 1)
	go func() { end <- ring.Consume(p.Count, &dropped, l) }()
	go func() { sent <- publish(n, p) }()
	out.EndNs = <-end
	out.Sent = <-sent
	l.Fill(&out)
	finishNode(n, &out)
	return out, nil
}

// RunPipe runs the pipe case: the reader program at path is started with
// the count as its argument, reads the frames (AppendFrame) on its stdin,
// says "ready" first and prints its result as its last line: received
// bytes seq_errors first_ns last_ns p50 p99 max. It blocks until the run
// is over.
func RunPipe(path string, p Params) (Stats, error) {
	var out Stats
	if err := p.Check(); err != nil {
		return out, err
	}
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil { // blocking ends
		return out, status.Errorf(status.IO, "bench_pipe: pipe: %w", err)
	}
	rd := os.NewFile(uintptr(fds[0]), "bench-pipe-r")
	wfd := fds[1]
	cmd := exec.Command(path, strconv.FormatUint(p.Count, 10))
	cmd.Stdin = rd
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		rd.Close()
		syscall.Close(wfd)
		return out, status.Errorf(status.IO, "bench_pipe: %w", err)
	}
	if err := cmd.Start(); err != nil {
		rd.Close()
		syscall.Close(wfd)
		return out, status.Errorf(status.IO, "bench_pipe: start %s: %w", path, err)
	}
	rd.Close()
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || lines.Text() != "ready" {
		syscall.Close(wfd)
		cmd.Wait()
		return out, status.Errorf(status.IO, "bench_pipe: %s did not say ready", path)
	}

	var writeErr atomic.Value
	frame := make([]byte, 0, p.Size+256)
	n, err := benchNode(p.QueueCap, func(e *events.Event) {
		if writeErr.Load() != nil {
			return
		}
		frame = AppendFrame(frame[:0], e)
		if err := writeAll(wfd, frame); err != nil {
			writeErr.Store(err)
		}
	})
	if err != nil {
		syscall.Close(wfd)
		cmd.Wait()
		return out, err
	}
	out.StartNs = MonoNow()
	sent := make(chan uint64, 1)
	go func() { sent <- publish(n, p) }()
	out.Sent = <-sent
	// The reader exits once it has count messages (or drops covering the
	// rest); its last line is its result.
	var result string
	for lines.Scan() {
		result = lines.Text()
	}
	finishNode(n, &out)
	syscall.Close(wfd)
	if err := cmd.Wait(); err != nil {
		return out, status.Errorf(status.IO, "bench_pipe: reader: %w", err)
	}
	if err, _ := writeErr.Load().(error); err != nil {
		return out, status.Errorf(status.IO, "bench_pipe: write: %w", err)
	}
	f := strings.Fields(result)
	if len(f) != 8 {
		return out, status.Errorf(status.IO, "bench_pipe: reader result %q", result)
	}
	v := make([]uint64, len(f))
	for i, s := range f {
		if v[i], err = strconv.ParseUint(s, 10, 64); err != nil {
			return out, status.Errorf(status.IO, "bench_pipe: reader result %q", result)
		}
	}
	out.Received, out.Bytes, out.SeqErrors = v[0], v[1], v[2]
	out.EndNs = v[4]
	out.P50Ns, out.P99Ns, out.MaxNs = v[5], v[6], v[7]
	return out, nil
}
