package membership

import (
	"bufio"
	"container/list"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// sender groups the incoming streams of one remote node. At most one of them
// is current (the newest: a new stream from the same node replaces the old
// one and inherits its buffered messages). mu serialises everything that
// emits events for this node, which gives per-sender ordering across stream
// replacements and promotions.
type sender struct {
	id NodeID
	mu sync.Mutex // serialises emission; guards inbound.tentative, .buf, .prev

	// Guarded by Module.mu.
	newest  streamEpoch   // epoch of the newest stream accepted
	cur     *inbound      // current stream, nil if none
	readers int           // live reader goroutines for this node
	lru     *list.Element // non-nil while cur is a tentative receiver
}

// inbound is one incoming stream: a Receiver, or a TentativeReceiver while
// tentative is true.
type inbound struct {
	sd    *sender
	s     Stream
	br    *bufio.Reader
	epoch streamEpoch

	closed   atomic.Bool // closed by the module: evicted, removed, replaced or shut down
	replaced atomic.Bool // closed because a newer stream from the same node took over
	promoted atomic.Bool // its node became a member while it was tentative
	stats    atomic.Pointer[peerStats]

	// Guarded by sd.mu.
	tentative bool
	buf       ring
	prev      *inbound // replaced predecessor whose buffer is still to be taken over
}

// accept is the Transport callback for an incoming stream: it reads the
// preamble, registers the stream as a receiver or tentative receiver, then
// runs its read loop on the calling goroutine.
func (m *Module) accept(from NodeID, s Stream) {
	m.mu.Lock()
	if m.closed || from == m.local || from == "" {
		m.mu.Unlock()
		s.Close()
		return
	}
	if len(m.pending) >= m.cfg.MaxPendingStreams {
		m.mu.Unlock()
		m.tot.pendingRejected.Add(1)
		s.Close()
		return
	}
	ps := &s // map key: streams need not be comparable
	m.pending[ps] = struct{}{}
	m.mu.Unlock()

	s.SetReadDeadline(time.Now().Add(m.cfg.PreambleTimeout))
	br := bufio.NewReaderSize(s, 64<<10)
	epoch, err := readPreamble(br)
	s.SetReadDeadline(time.Time{})

	var closeS []Stream
	m.mu.Lock()
	delete(m.pending, ps)
	if err != nil || m.closed {
		if err != nil && !m.closed {
			m.tot.badPreamble.Add(1)
		}
		m.mu.Unlock()
		s.Close()
		return
	}
	if sd := m.senders[from]; sd != nil && !sd.newest.less(epoch) {
		// Older than (or same as) a stream already accepted: its handler ran
		// late. The sender has abandoned it.
		m.mu.Unlock()
		m.tot.stale.Add(1)
		s.Close()
		return
	}
	sd := m.senders[from]
	if sd == nil {
		sd = &sender{id: from}
		m.senders[from] = sd
	}
	sd.newest = epoch
	in := &inbound{sd: sd, s: s, br: br, epoch: epoch}
	if old := sd.cur; old != nil {
		old.replaced.Store(true)
		old.closed.Store(true)
		closeS = append(closeS, old.s)
		in.prev = old
	}
	sd.cur = in
	sd.readers++
	if p := m.peers[from]; p != nil {
		in.stats.Store(p.stats)
		if sd.lru != nil { // cannot happen (promotion removes it), kept for safety
			m.lru.Remove(sd.lru)
			sd.lru = nil
		}
	} else {
		in.tentative = true
		in.buf = newRing(m.cfg.TentativeBufferMsgs, m.cfg.TentativeBufferBytes)
		m.tot.tCreated.Add(1)
		if sd.lru != nil {
			m.lru.MoveToBack(sd.lru)
		} else {
			sd.lru = m.lru.PushBack(sd)
		}
		for m.lru.Len() > m.cfg.MaxTentative {
			victim := m.lru.Remove(m.lru.Front()).(*sender)
			victim.lru = nil
			if v := victim.cur; v != nil {
				v.closed.Store(true)
				closeS = append(closeS, v.s)
				victim.cur = nil
			}
			m.tot.tEvicted.Add(1)
		}
	}
	m.wg.Add(1)
	m.mu.Unlock()
	for _, c := range closeS {
		c.Close()
	}
	m.readLoop(in)
}

func (m *Module) readLoop(in *inbound) {
	defer m.wg.Done()
	sd := in.sd

	// Take over what replaced predecessors had buffered, oldest first.
	sd.mu.Lock()
	var chain []*inbound
	for p := in.prev; p != nil; p = p.prev {
		chain = append(chain, p)
	}
	in.prev = nil
	for i := len(chain) - 1; i >= 0; i-- {
		p := chain[i]
		p.prev = nil
		for _, msg := range p.buf.drain() {
			m.deliverLocked(in, msg, true)
		}
	}
	sd.mu.Unlock()

	for {
		p, err := ReadFrame(in.br, m.cfg.MaxMessageSize)
		if err != nil {
			if errors.Is(err, ErrMessageTooLarge) {
				m.tot.oversized.Add(1)
			}
			break
		}
		sd.mu.Lock()
		m.deliverLocked(in, p, false)
		sd.mu.Unlock()
	}
	in.s.Close()

	sd.mu.Lock()
	if !in.replaced.Load() {
		if in.tentative && in.promoted.Load() && !in.closed.Load() {
			// Promoted but the stream ended before the flush ran.
			m.flushLocked(in)
		} else if n := in.buf.len(); n > 0 {
			in.buf.drain()
			m.tot.tDropped.Add(uint64(n))
		}
	}
	sd.mu.Unlock()

	m.mu.Lock()
	if sd.cur == in {
		sd.cur = nil
		if sd.lru != nil {
			m.lru.Remove(sd.lru)
			sd.lru = nil
		}
	}
	sd.readers--
	if sd.readers == 0 && sd.cur == nil && m.senders[sd.id] == sd {
		delete(m.senders, sd.id)
	}
	m.mu.Unlock()
}

// deliverLocked handles one message read from (or inherited by) in; sd.mu is
// held.
func (m *Module) deliverLocked(in *inbound, msg []byte, inherited bool) {
	switch {
	case in.closed.Load():
		if inherited {
			m.tot.tDropped.Add(1)
		} else {
			m.tot.rxDiscarded.Add(1)
		}
	case in.tentative:
		if !inherited {
			m.tot.tReceived.Add(1)
		}
		if d, _ := in.buf.push(msg); d > 0 {
			m.tot.tDropped.Add(uint64(d))
		}
	default:
		m.emit(in, msg)
	}
}

// flushLocked turns a promoted tentative receiver into a receiver, delivering
// its buffer first; sd.mu is held.
func (m *Module) flushLocked(in *inbound) {
	if !in.tentative || in.replaced.Load() {
		return // already flushed, or the newer stream will take the buffer over
	}
	in.tentative = false
	msgs := in.buf.drain()
	if in.closed.Load() {
		m.tot.tDropped.Add(uint64(len(msgs)))
		return
	}
	for _, msg := range msgs {
		m.tot.tFlushed.Add(1)
		m.emit(in, msg)
	}
}

func (m *Module) emit(in *inbound, msg []byte) {
	m.tot.received.Add(1)
	m.tot.receivedBytes.Add(uint64(len(msg)))
	if s := in.stats.Load(); s != nil {
		s.received.Add(1)
		s.receivedBytes.Add(uint64(len(msg)))
	}
	defer func() {
		if r := recover(); r != nil {
			m.tot.sinkPanic.Add(1)
		}
	}()
	m.cfg.Sink(Event{From: in.sd.id, Payload: msg})
}
