package membership

import (
	"bufio"
	"context"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// dispatcher owns the outgoing stream to one member: a bounded drop-oldest
// queue that Send fills without ever blocking, and a goroutine that
// (re)connects with exponential backoff and writes the queue in order.
type dispatcher struct {
	m      *Module
	stats  *peerStats
	member atomic.Pointer[Member]

	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	q        ring
	inFlight int
	stream   Stream        // current stream, nil when not connected
	connDone chan struct{} // closed when the current stream must be abandoned
	notify   chan struct{} // cap 1: queue became non-empty
	kick     chan struct{} // cap 1: address changed, skip the backoff wait
}

func newDispatcher(m *Module, mem Member, stats *peerStats) *dispatcher {
	parent := m.cfg.Context
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	d := &dispatcher{
		m:      m,
		stats:  stats,
		ctx:    ctx,
		cancel: cancel,
		q:      newRing(m.cfg.QueueMaxMsgs, m.cfg.QueueMaxBytes),
		notify: make(chan struct{}, 1),
		kick:   make(chan struct{}, 1),
	}
	d.member.Store(&mem)
	return d
}

// enqueue adds a framed message; never blocks (beyond a short mutex).
func (d *dispatcher) enqueue(frame []byte) {
	d.mu.Lock()
	dropped, _ := d.q.push(frame)
	d.mu.Unlock()
	d.stats.enqueued.Add(1)
	d.m.tot.enqueued.Add(1)
	if dropped > 0 {
		d.stats.dropped.Add(uint64(dropped))
		d.m.tot.dropped.Add(uint64(dropped))
	}
	select {
	case d.notify <- struct{}{}:
	default:
	}
}

// reconnect abandons the current stream (if any) and skips the backoff wait,
// so that the next connection uses the member's new address.
func (d *dispatcher) reconnect() {
	d.abandon()
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// stop destroys the dispatcher: its goroutine exits promptly and counts what
// is left in the queue as Discarded.
func (d *dispatcher) stop() {
	d.cancel()
	d.abandon()
}

// abandon closes the current stream, if any; this unblocks a pending Write.
func (d *dispatcher) abandon() { d.abandonIf(nil) }

// abandonIf abandons the current stream; if done is not nil, only when the
// current stream is the one whose done channel is given.
func (d *dispatcher) abandonIf(done chan struct{}) {
	d.mu.Lock()
	if done != nil && d.connDone != done {
		d.mu.Unlock()
		return
	}
	s, cur := d.stream, d.connDone
	d.stream, d.connDone = nil, nil
	d.mu.Unlock()
	if cur != nil {
		close(cur)
	}
	if s != nil {
		s.Close()
	}
}

func (d *dispatcher) snapshot() (qlen, qbytes, inflight int, connected bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.q.len(), d.q.bytes, d.inFlight, d.stream != nil
}

func (d *dispatcher) run() {
	defer d.m.wg.Done()
	cfg := &d.m.cfg
	backoff := cfg.BackoffMin
	everConnected := false
	for d.ctx.Err() == nil {
		mem := *d.member.Load()
		dctx, cancel := context.WithTimeout(d.ctx, cfg.DialTimeout)
		s, err := d.m.tr.Dial(dctx, mem)
		cancel()
		if err == nil {
			done := make(chan struct{})
			d.mu.Lock()
			if d.ctx.Err() != nil {
				d.mu.Unlock()
				s.Close()
				break
			}
			d.stream, d.connDone = s, done
			d.mu.Unlock()
			d.m.connected.Add(1)
			if everConnected {
				d.stats.reconnects.Add(1)
				d.m.tot.reconnects.Add(1)
			}
			everConnected = true
			connectedAt := time.Now()
			productive := d.serve(s, done)
			d.m.connected.Add(-1)
			d.abandon()
			// A connection that carried messages, or lived long, was healthy:
			// start the backoff over. One that failed at once (the remote
			// refuses us, say) keeps growing it.
			if productive || time.Since(connectedAt) > cfg.BackoffMax {
				backoff = cfg.BackoffMin
			}
		} else {
			d.stats.dialFailures.Add(1)
			d.m.tot.dialFailures.Add(1)
		}
		if d.ctx.Err() != nil {
			break
		}
		// Wait before the next attempt: full jitter in [backoff/2, backoff].
		wait := backoff/2 + time.Duration(rand.Int64N(int64(backoff/2)+1))
		t := time.NewTimer(wait)
		select {
		case <-d.ctx.Done():
		case <-d.kick:
			backoff = cfg.BackoffMin
		case <-t.C:
			backoff = min(2*backoff, cfg.BackoffMax)
		}
		t.Stop()
	}
	d.mu.Lock()
	left := d.q.drain()
	d.mu.Unlock()
	d.m.tot.discarded.Add(uint64(len(left)))
}

// serve writes queued messages to s until the stream fails or is abandoned.
// It returns whether at least one batch was written successfully.
func (d *dispatcher) serve(s Stream, done chan struct{}) (productive bool) {
	// Watch the stream: the remote never writes, so Read returns only when
	// the remote closes or resets it (or it breaks). Abandon it at once so a
	// dead connection is noticed while idle rather than by losing a message.
	d.m.wg.Add(1)
	go func() {
		defer d.m.wg.Done()
		io.Copy(io.Discard, s)
		d.abandonIf(done)
	}()

	cfg := &d.m.cfg
	if cfg.WriteTimeout > 0 {
		s.SetWriteDeadline(time.Now().Add(cfg.WriteTimeout))
	}
	if _, err := s.Write(encodePreamble(streamEpoch{d.m.boot, d.m.streamSeq.Add(1)})); err != nil {
		return false
	}
	bw := bufio.NewWriterSize(s, 64<<10)
	var batch [][]byte
	for {
		d.mu.Lock()
		for d.q.len() == 0 {
			d.mu.Unlock()
			select {
			case <-done:
				return productive
			case <-d.notify:
			}
			d.mu.Lock()
		}
		select {
		case <-done:
			d.mu.Unlock()
			return productive
		default:
		}
		batch = d.q.popBatch(batch[:0], cfg.BatchBytes)
		d.inFlight = len(batch)
		d.mu.Unlock()

		if cfg.WriteTimeout > 0 {
			s.SetWriteDeadline(time.Now().Add(cfg.WriteTimeout))
		}
		var err error
		var bytes uint64
		for _, f := range batch {
			if _, err = bw.Write(f); err != nil {
				break
			}
			bytes += uint64(len(f) - FrameHeaderLen)
		}
		if err == nil {
			err = bw.Flush()
		}
		n := uint64(len(batch))
		for i := range batch {
			batch[i] = nil
		}
		d.mu.Lock()
		d.inFlight = 0
		d.mu.Unlock()
		if err != nil {
			d.stats.writeFailed.Add(n)
			d.m.tot.writeFailed.Add(n)
			return productive
		}
		productive = true
		d.stats.sent.Add(n)
		d.stats.sentBytes.Add(bytes)
		d.m.tot.sent.Add(n)
		d.m.tot.sentBytes.Add(bytes)
	}
}
