package events

import (
	"sync"
)

// Capacities sizes a Queue. Every field must be positive.
type Capacities struct {
	// Gossip bounds queued Message and TopicPeer* events. When it is full the
	// oldest of them is dropped to make room (drop-oldest, as the seed-003
	// dispatcher does): a host that fell behind gets the freshest gossip.
	Gossip int
	// Control bounds events that must not be lost. They are admitted only
	// against a reservation (Reserve), taken before the work that produces
	// them starts; a call that cannot reserve fails at once with QueueFull,
	// so the host learns it synchronously and nothing is lost silently.
	Control int
	// Errors bounds unsolicited Error events; when full, new ones are dropped
	// (the first errors of a burst carry the cause) and counted.
	Errors int
}

// ring is a fixed-capacity FIFO of events.
type ring struct {
	buf        []Event
	head, size int
	high       int // high-water mark of size
}

func newRing(capacity int) ring { return ring{buf: make([]Event, capacity)} }

func (r *ring) full() bool { return r.size == len(r.buf) }

func (r *ring) push(e Event) {
	r.buf[(r.head+r.size)%len(r.buf)] = e
	r.size++
	if r.size > r.high {
		r.high = r.size
	}
}

func (r *ring) front() *Event { return &r.buf[r.head] }

func (r *ring) pop() Event {
	e := r.buf[r.head]
	r.buf[r.head] = Event{} // release payload memory
	r.head = (r.head + 1) % len(r.buf)
	r.size--
	return e
}

// Queue is a node's bounded event queue. Producers (the node's event loop)
// never block on it; one consumer drains it, either the node's delivery
// thread or the host itself in poll mode.
type Queue struct {
	mu      sync.Mutex
	waker   threadWaker // the consumer sleeps here (WaitDrain)
	waiting bool        // the consumer is asleep or about to be

	seq      uint64
	gossip   ring
	control  ring
	errs     ring
	reserved int    // control slots promised but not yet used
	drops    *Event // pending Drops report (at most one), in seq order with the rest

	dropCounts DropCounts
	delivered  uint64
	closed     bool

	// onReady runs (under the lock) when the queue goes from empty to
	// non-empty, onEmpty when a drain leaves it empty. Poll mode uses them to
	// keep a readiness fd readable exactly while events are waiting.
	onReady, onEmpty func()
}

// NewQueue makes an empty queue with the given capacities.
func NewQueue(c Capacities) *Queue {
	q := &Queue{
		gossip:  newRing(c.Gossip),
		control: newRing(c.Control),
		errs:    newRing(c.Errors),
	}
	q.waker.init()
	return q
}

// SetReadinessHooks installs the poll-mode hooks (see Queue.onReady). It is
// called once, before any event is pushed.
func (q *Queue) SetReadinessHooks(onReady, onEmpty func()) {
	q.mu.Lock()
	q.onReady, q.onEmpty = onReady, onEmpty
	q.mu.Unlock()
}

func (q *Queue) lenLocked() int {
	n := q.gossip.size + q.control.size + q.errs.size
	if q.drops != nil {
		n++
	}
	return n
}

// Reserve promises room for n future must-not-lose events. It fails when
// the control capacity is used up or the queue is closed.
func (q *Queue) Reserve(n int) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.control.size+q.reserved+n > len(q.control.buf) {
		return false
	}
	q.reserved += n
	return true
}

// Unreserve returns n reserved slots that will not be used.
func (q *Queue) Unreserve(n int) {
	q.mu.Lock()
	q.reserved -= n
	if q.reserved < 0 {
		panic("events: more slots unreserved than reserved")
	}
	q.mu.Unlock()
}

// stamp gives e the next sequence number.
func (q *Queue) stamp(e *Event) {
	q.seq++
	e.Seq = q.seq
}

// afterPushLocked runs the readiness hook and reports whether the consumer
// must be woken; the caller does that (wakeConsumer) after unlocking.
func (q *Queue) afterPushLocked(wasEmpty bool) (wake bool) {
	if wasEmpty && q.onReady != nil {
		q.onReady()
	}
	if q.waiting {
		q.waiting = false // one wake per sleep: later pushes find it awake
		q.waker.arm()
		return true
	}
	return false
}

func (q *Queue) wakeConsumer(wake bool) {
	if wake {
		q.waker.wake()
	}
}

// PushReserved appends a must-not-lose event, using one reserved slot.
// Pushing without a reservation is a bug and panics (the node loop's panic
// guard turns it into an Error event).
func (q *Queue) PushReserved(e Event) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	if q.reserved <= 0 {
		q.mu.Unlock()
		panic("events: PushReserved without a reservation")
	}
	q.reserved--
	wasEmpty := q.lenLocked() == 0
	q.stamp(&e)
	q.control.push(e)
	wake := q.afterPushLocked(wasEmpty)
	q.mu.Unlock()
	q.wakeConsumer(wake)
}

// PushGossip appends a gossip event, dropping the oldest queued gossip event
// when the gossip class is full. It reports whether something was dropped.
func (q *Queue) PushGossip(e Event) (dropped bool) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	wasEmpty := q.lenLocked() == 0
	if q.gossip.full() {
		q.gossip.pop()
		q.dropCounts.Gossip++
		q.noteDropLocked()
		dropped = true
	}
	q.stamp(&e)
	q.gossip.push(e)
	wake := q.afterPushLocked(wasEmpty)
	q.mu.Unlock()
	q.wakeConsumer(wake)
	return dropped
}

// PushError appends an unsolicited Error event, or drops it (counted) when
// the error class is full.
func (q *Queue) PushError(e Event) (dropped bool) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	wasEmpty := q.lenLocked() == 0
	if q.errs.full() {
		q.dropCounts.Errors++
		q.noteDropLocked()
		dropped = true
	} else {
		q.stamp(&e)
		q.errs.push(e)
	}
	wake := q.afterPushLocked(wasEmpty)
	q.mu.Unlock()
	q.wakeConsumer(wake)
	return dropped
}

// noteDropLocked queues a Drops report unless one is already waiting; the
// report's counts are filled in when it is drained, so one report covers
// every drop until the host sees it.
func (q *Queue) noteDropLocked() {
	if q.drops != nil {
		return
	}
	e := Event{Type: Drops}
	q.stamp(&e)
	q.drops = &e
}

// Close marks the end of the stream: nothing more is accepted, and the
// consumer drains what is left and then sees the queue as finished.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	wake := q.waiting
	if wake {
		q.waiting = false
		q.waker.arm()
	}
	q.mu.Unlock()
	q.wakeConsumer(wake)
}

// Drain moves up to max events, in sequence order, into dst and returns it.
// done is true when the queue is closed and nothing is left: no event will
// ever follow.
func (q *Queue) Drain(dst []Event, max int) (out []Event, done bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	out = q.drainLocked(dst, max)
	return out, q.closed && q.lenLocked() == 0
}

// WaitDrain blocks until at least one event is queued or the queue is
// closed, then drains like Drain. One consumer at a time: it sleeps on its
// own OS thread (threadWaker), not in the Go scheduler.
func (q *Queue) WaitDrain(dst []Event, max int) (out []Event, done bool) {
	q.mu.Lock()
	for q.lenLocked() == 0 && !q.closed {
		q.waiting = true
		ticket := q.waker.ticket()
		q.mu.Unlock()
		q.waker.sleep(ticket) // returns at once if a push armed the waker since
		q.mu.Lock()
	}
	q.waiting = false
	out = q.drainLocked(dst, max)
	done = q.closed && q.lenLocked() == 0
	q.mu.Unlock()
	return out, done
}

func (q *Queue) drainLocked(dst []Event, max int) []Event {
	for n := 0; n < max; n++ {
		// pick the source whose head has the smallest sequence number
		var best *ring
		bestSeq := ^uint64(0)
		for _, r := range []*ring{&q.control, &q.gossip, &q.errs} {
			if r.size > 0 && r.front().Seq < bestSeq {
				best, bestSeq = r, r.front().Seq
			}
		}
		if q.drops != nil && q.drops.Seq < bestSeq {
			e := *q.drops
			q.drops = nil
			e.DropCounts = q.dropCounts
			dst = append(dst, e)
		} else if best != nil {
			dst = append(dst, best.pop())
		} else {
			break
		}
		q.delivered++
	}
	if q.lenLocked() == 0 && q.onEmpty != nil {
		q.onEmpty()
	}
	return dst
}

// Stats is a snapshot of the queue's counters.
type Stats struct {
	Delivered uint64 // events handed to the host (drained)
	Dropped   DropCounts

	GossipLen, GossipCap, GossipHighWater    int
	ControlLen, ControlCap, ControlHighWater int
	ControlReserved                          int
	ErrorLen, ErrorCap, ErrorHighWater       int
}

// Stats returns the current counters.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return Stats{
		Delivered:        q.delivered,
		Dropped:          q.dropCounts,
		GossipLen:        q.gossip.size,
		GossipCap:        len(q.gossip.buf),
		GossipHighWater:  q.gossip.high,
		ControlLen:       q.control.size,
		ControlCap:       len(q.control.buf),
		ControlHighWater: q.control.high,
		ControlReserved:  q.reserved,
		ErrorLen:         q.errs.size,
		ErrorCap:         len(q.errs.buf),
		ErrorHighWater:   q.errs.high,
	}
}
