package membership

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Module. Zero values take the documented defaults;
// negative values are rejected with ErrInvalidConfig unless stated otherwise.
type Config struct {
	// Transport carries the streams (required). The module owns it.
	Transport Transport

	// Context is the parent of the module's goroutines (its node's); nil
	// means context.Background(). Close still ends them.
	Context context.Context

	// Sink receives every message event (required). Contract:
	//   - it is called on the module's goroutines (one per incoming stream,
	//     plus short-lived flush goroutines), never on the goroutine of a
	//     Send/Broadcast/SetMembership/Counters call;
	//   - calls for one sender are serialised and in that sender's send order;
	//     calls for different senders may run concurrently;
	//   - it must not block: a blocked sink stops the reading of that sender's
	//     stream (transport back-pressure, then drop-oldest at the sender) and
	//     delays Close. Queue events into a bounded queue of your own and
	//     count what you drop;
	//   - it may call Send, Broadcast, SetMembership and Counters, but must
	//     not call Close (Close waits for sink calls to return);
	//   - Event.Payload belongs to the sink;
	//   - a panic in the sink is recovered and counted (SinkPanics);
	//   - it is never called after Close has returned.
	Sink func(Event)

	// MaxMessageSize is the largest payload accepted by Send/Broadcast and
	// read from the wire. Default 1 MiB; at most MaxFrameLimit.
	MaxMessageSize int

	// QueueMaxMsgs and QueueMaxBytes bound each dispatcher queue (bytes are
	// counted as framed bytes: payload + 4). When either bound would be
	// exceeded the oldest queued messages are dropped (counted in Dropped).
	// Defaults 1024 messages and max(16 MiB, MaxMessageSize+4) bytes.
	QueueMaxMsgs  int
	QueueMaxBytes int

	// MaxTentative (M) bounds the number of tentative receivers; creating
	// one more destroys the least recently created one. Default 16.
	MaxTentative int
	// TentativeBufferMsgs (N) and TentativeBufferBytes bound the buffer of
	// each tentative receiver, which keeps only the most recent messages.
	// Defaults 64 messages and max(4 MiB, MaxMessageSize+4) bytes.
	TentativeBufferMsgs  int
	TentativeBufferBytes int

	// DialTimeout bounds one connection attempt. Default 5s.
	DialTimeout time.Duration
	// WriteTimeout bounds one batch write; when it expires the stream is
	// abandoned and re-established (the batch counts as WriteFailed).
	// Default 10s; negative disables it.
	WriteTimeout time.Duration
	// BackoffMin and BackoffMax bound the exponential (jittered) delay
	// between connection attempts. Defaults 50ms and 5s.
	BackoffMin time.Duration
	BackoffMax time.Duration

	// BatchBytes is how many queued bytes a dispatcher writes per flush.
	// Default 256 KiB.
	BatchBytes int

	// PreambleTimeout bounds the wait for the preamble of an incoming
	// stream, and MaxPendingStreams the number of incoming streams waiting
	// for theirs (more are closed at once and counted). Defaults 10s, 64.
	PreambleTimeout   time.Duration
	MaxPendingStreams int
}

func (c *Config) normalize() error {
	bad := func(f string, args ...any) error {
		return fmt.Errorf("%w: "+f, append([]any{ErrInvalidConfig}, args...)...)
	}
	if c.Transport == nil {
		return bad("Transport is nil")
	}
	if c.Sink == nil {
		return bad("Sink is nil")
	}
	for name, v := range map[string]int64{
		"MaxMessageSize": int64(c.MaxMessageSize), "QueueMaxMsgs": int64(c.QueueMaxMsgs),
		"QueueMaxBytes": int64(c.QueueMaxBytes), "MaxTentative": int64(c.MaxTentative),
		"TentativeBufferMsgs": int64(c.TentativeBufferMsgs), "TentativeBufferBytes": int64(c.TentativeBufferBytes),
		"DialTimeout": int64(c.DialTimeout), "BackoffMin": int64(c.BackoffMin),
		"BackoffMax": int64(c.BackoffMax), "BatchBytes": int64(c.BatchBytes),
		"PreambleTimeout": int64(c.PreambleTimeout), "MaxPendingStreams": int64(c.MaxPendingStreams),
	} {
		if v < 0 {
			return bad("%s is negative", name)
		}
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.MaxMessageSize, 1<<20)
	if c.MaxMessageSize > MaxFrameLimit {
		return bad("MaxMessageSize %d > %d", c.MaxMessageSize, MaxFrameLimit)
	}
	frame := c.MaxMessageSize + FrameHeaderLen
	def(&c.QueueMaxMsgs, 1024)
	def(&c.QueueMaxBytes, max(16<<20, frame))
	def(&c.MaxTentative, 16)
	def(&c.TentativeBufferMsgs, 64)
	def(&c.TentativeBufferBytes, max(4<<20, frame))
	def(&c.BatchBytes, 256<<10)
	def(&c.MaxPendingStreams, 64)
	defd(&c.PreambleTimeout, 10*time.Second)
	defd(&c.DialTimeout, 5*time.Second)
	defd(&c.WriteTimeout, 10*time.Second)
	defd(&c.BackoffMin, 50*time.Millisecond)
	defd(&c.BackoffMax, 5*time.Second)
	if c.QueueMaxBytes < frame {
		return bad("QueueMaxBytes %d cannot hold one maximal frame (%d)", c.QueueMaxBytes, frame)
	}
	if c.TentativeBufferBytes < frame {
		return bad("TentativeBufferBytes %d cannot hold one maximal frame (%d)", c.TentativeBufferBytes, frame)
	}
	if c.BackoffMax < c.BackoffMin {
		return bad("BackoffMax %v < BackoffMin %v", c.BackoffMax, c.BackoffMin)
	}
	return nil
}

// Module is the membership transport of one node. All methods are safe for
// concurrent use and none of them waits for the network.
type Module struct {
	cfg   Config
	tr    Transport
	local NodeID

	mu      sync.RWMutex
	closed  bool
	members []Member             // current membership, as given
	peers   map[NodeID]*peer     // current members other than the local node
	senders map[NodeID]*sender   // remote nodes with at least one live incoming stream
	lru     *list.List           // of *sender: tentative receivers, least recently created first
	pending map[*Stream]struct{} // incoming streams waiting for their preamble

	boot      uint64        // start time, first half of the stream epochs
	streamSeq atomic.Uint64 // second half

	wg        sync.WaitGroup
	tot       totals
	connected atomic.Int64
}

type peer struct {
	disp  *dispatcher
	stats *peerStats
}

// New creates a module on cfg.Transport and starts accepting incoming
// streams. The membership is empty until SetMembership is called (incoming
// streams meanwhile become tentative receivers). On error the caller keeps
// ownership of cfg.Transport; on success the module owns it.
func New(cfg Config) (*Module, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	m := &Module{
		cfg:     cfg,
		tr:      cfg.Transport,
		local:   cfg.Transport.LocalID(),
		peers:   make(map[NodeID]*peer),
		senders: make(map[NodeID]*sender),
		lru:     list.New(),
		pending: make(map[*Stream]struct{}),
		boot:    uint64(time.Now().UnixNano()),
	}
	if err := m.tr.Start(m.accept); err != nil {
		return nil, err
	}
	return m, nil
}

// LocalID is the local node's id (from the transport).
func (m *Module) LocalID() NodeID { return m.local }

// Membership returns a copy of the current membership.
func (m *Module) Membership() []Member {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return append([]Member(nil), m.members...)
}

// SetMembership replaces the membership. Entries are validated first (ids,
// addresses via Transport.CheckMember, no duplicate ids); on error nothing
// changes and the error wraps ErrInvalidMember. The local node may be listed:
// it gets no dispatcher. Then:
//   - new members get a dispatcher (connecting in the background);
//   - removed members lose their dispatcher (its queue is discarded and
//     counted) and their receiver (its stream is closed);
//   - a member whose address changed keeps its queue and reconnects;
//   - tentative receivers of new members become receivers and flush their
//     buffer, in order, before any later message of theirs.
//
// It does not wait for the network nor for the sink.
func (m *Module) SetMembership(members []Member) error {
	next := make(map[NodeID]Member, len(members))
	for i, mem := range members {
		if mem.ID == "" || len(mem.ID) > MaxNodeIDLen {
			return fmt.Errorf("%w: entry %d: id length %d (want 1..%d)", ErrInvalidMember, i, len(mem.ID), MaxNodeIDLen)
		}
		if _, dup := next[mem.ID]; dup {
			return fmt.Errorf("%w: entry %d: duplicate id %q", ErrInvalidMember, i, mem.ID)
		}
		if mem.ID != m.local {
			if err := m.tr.CheckMember(mem); err != nil {
				return fmt.Errorf("entry %d: %w", i, err)
			}
		}
		next[mem.ID] = mem
	}

	var (
		stop     []*dispatcher
		readdr   []*dispatcher
		closeS   []Stream
		promoted []*inbound
	)
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	for id, p := range m.peers {
		mem, keep := next[id]
		if !keep {
			stop = append(stop, p.disp)
			delete(m.peers, id)
			if sd := m.senders[id]; sd != nil && sd.cur != nil {
				sd.cur.closed.Store(true)
				closeS = append(closeS, sd.cur.s)
				sd.cur = nil
			}
			continue
		}
		if old := p.disp.member.Load(); old.Addr != mem.Addr {
			p.disp.member.Store(&mem)
			readdr = append(readdr, p.disp)
		}
	}
	for _, mem := range members {
		if mem.ID == m.local {
			continue
		}
		if _, ok := m.peers[mem.ID]; ok {
			continue
		}
		p := &peer{stats: new(peerStats)}
		p.disp = newDispatcher(m, mem, p.stats)
		m.peers[mem.ID] = p
		m.wg.Add(1)
		go p.disp.run()
		if sd := m.senders[mem.ID]; sd != nil && sd.lru != nil {
			m.lru.Remove(sd.lru)
			sd.lru = nil
			in := sd.cur
			in.stats.Store(p.stats)
			in.promoted.Store(true)
			promoted = append(promoted, in)
			m.tot.tPromoted.Add(1)
			m.wg.Add(1)
		}
	}
	m.members = append([]Member(nil), members...)
	m.mu.Unlock()

	for _, d := range stop {
		d.stop()
	}
	for _, d := range readdr {
		d.reconnect()
	}
	for _, s := range closeS {
		s.Close()
	}
	for _, in := range promoted {
		go func() {
			defer m.wg.Done()
			in.sd.mu.Lock()
			m.flushLocked(in)
			in.sd.mu.Unlock()
		}()
	}
	return nil
}

// Send queues payload for member to. It never blocks: when the member's queue
// is full the oldest queued message is dropped (and counted). The payload is
// copied. Errors: ErrMessageTooLarge, ErrUnknownPeer, ErrSendToSelf, ErrClosed.
// A nil error means queued, not delivered.
func (m *Module) Send(to NodeID, payload []byte) error {
	if len(payload) > m.cfg.MaxMessageSize {
		m.tot.sendTooLarge.Add(1)
		return fmt.Errorf("%w: %d bytes, limit %d", ErrMessageTooLarge, len(payload), m.cfg.MaxMessageSize)
	}
	frame := EncodeFrame(payload)
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return ErrClosed
	}
	p := m.peers[to]
	if p == nil {
		if to == m.local {
			return ErrSendToSelf
		}
		return fmt.Errorf("%w: %q", ErrUnknownPeer, to)
	}
	p.disp.enqueue(frame)
	return nil
}

// Broadcast queues payload for every current member except the local node,
// with the same policy as Send. Errors: ErrMessageTooLarge, ErrClosed.
func (m *Module) Broadcast(payload []byte) error {
	if len(payload) > m.cfg.MaxMessageSize {
		m.tot.sendTooLarge.Add(1)
		return fmt.Errorf("%w: %d bytes, limit %d", ErrMessageTooLarge, len(payload), m.cfg.MaxMessageSize)
	}
	frame := EncodeFrame(payload) // shared read-only by all dispatchers
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return ErrClosed
	}
	for _, p := range m.peers {
		p.disp.enqueue(frame)
	}
	return nil
}

// Counters returns a snapshot of the counters.
func (m *Module) Counters() Counters {
	t := &m.tot
	c := Counters{
		Enqueued: t.enqueued.Load(), Sent: t.sent.Load(), SentBytes: t.sentBytes.Load(),
		Dropped: t.dropped.Load(), WriteFailed: t.writeFailed.Load(), Discarded: t.discarded.Load(),
		Reconnects: t.reconnects.Load(), DialFailures: t.dialFailures.Load(), SendTooLarge: t.sendTooLarge.Load(),
		Received: t.received.Load(), ReceivedBytes: t.receivedBytes.Load(), OversizedFrames: t.oversized.Load(),
		ReceiveDiscarded: t.rxDiscarded.Load(), SinkPanics: t.sinkPanic.Load(),
		TentativeCreated: t.tCreated.Load(), TentativeReceived: t.tReceived.Load(), TentativeEvictions: t.tEvicted.Load(), TentativeDropped: t.tDropped.Load(),
		TentativePromoted: t.tPromoted.Load(), TentativeFlushed: t.tFlushed.Load(),
		BadPreambles: t.badPreamble.Load(), StaleStreams: t.stale.Load(), PendingRejected: t.pendingRejected.Load(),
		Connected: int(m.connected.Load()),
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	c.Members = len(m.members)
	c.Tentative = m.lru.Len()
	c.Pending = len(m.pending)
	for _, sd := range m.senders {
		if sd.cur != nil && sd.lru == nil {
			c.Receivers++
		}
	}
	c.Peers = make(map[NodeID]PeerCounters, len(m.peers))
	for id, p := range m.peers {
		s := p.stats
		pc := PeerCounters{
			Enqueued: s.enqueued.Load(), Sent: s.sent.Load(), SentBytes: s.sentBytes.Load(),
			Dropped: s.dropped.Load(), WriteFailed: s.writeFailed.Load(), Reconnects: s.reconnects.Load(),
			DialFailures: s.dialFailures.Load(), Received: s.received.Load(), ReceivedBytes: s.receivedBytes.Load(),
		}
		pc.QueueLen, pc.QueueBytes, pc.InFlight, pc.Connected = p.disp.snapshot()
		c.Peers[id] = pc
	}
	return c
}

// Close stops the module: dispatchers are destroyed (queued messages counted
// as Discarded), all streams are closed, the transport is closed. It returns
// once every goroutine of the module has exited, so the sink is not called
// afterwards; it waits for sink calls in progress but never for the network.
// A second Close returns ErrClosed. Close must not be called from the sink.
func (m *Module) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	m.closed = true
	var stop []*dispatcher
	var closeS []Stream
	for _, p := range m.peers {
		stop = append(stop, p.disp)
	}
	for _, sd := range m.senders {
		if sd.cur != nil {
			sd.cur.closed.Store(true)
			closeS = append(closeS, sd.cur.s)
		}
	}
	for s := range m.pending {
		closeS = append(closeS, *s)
	}
	m.mu.Unlock()
	for _, d := range stop {
		d.stop()
	}
	for _, s := range closeS {
		s.Close()
	}
	err := m.tr.Close()
	m.wg.Wait()
	return err
}
