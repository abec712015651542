package node

import (
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// deliveryBatch is how many events one delivery step takes from the queue
// at a time (one lock round-trip per batch, not per event).
const deliveryBatch = 256

// deliveryState records which OS threads are currently inside the host's
// callback for this node, so that calls made from there can be recognised.
type deliveryState struct {
	threadID atomic.Int64 // the delivery thread's id (callback mode)
	pollTID  atomic.Int64 // the thread inside Poll, 0 when none (poll mode)
	finished chan struct{}
	// idGate keeps the request-id rule (see Issue): held shared by a call
	// from before its work is handed on until its id is stored, and taken
	// exclusively for an instant by delivery between draining a batch and
	// handing it to the host.
	idGate sync.RWMutex
}

// Issue runs call, a method that returns a request id, and gives the id to
// store before any event can be delivered that was queued after call began:
// a completion (or response chunk) carrying the id never reaches the host
// before store has run. The C ABI stores the id in the host's variable
// there. Delivery waits at most for calls in progress, which never wait.
func (n *Node) Issue(call func() (uint64, error), store func(id uint64)) error {
	n.delivery.idGate.RLock()
	defer n.delivery.idGate.RUnlock()
	id, err := call()
	if err != nil {
		return err
	}
	store(id)
	return nil
}

// idBarrier waits until every call that may have queued an event of the
// batch just drained has stored its id (see Issue).
func (n *Node) idBarrier() {
	n.delivery.idGate.Lock()
	n.delivery.idGate.Unlock() // empty on purpose: a barrier, not a critical section
}

// startDelivery runs the delivery goroutine, locked to its own OS thread for
// its whole life, so the host's callback always runs on one library-owned
// thread: never on a host thread, never on libp2p's or gossipsub's
// goroutines. A slow callback slows only this thread; the queue in front of
// it absorbs (and, for gossip, drops and counts) what piles up.
func (n *Node) startDelivery() {
	n.delivery.finished = make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		defer close(n.delivery.finished)
		n.delivery.threadID.Store(int64(syscall.Gettid()))
		buf := make([]events.Event, 0, deliveryBatch)
		for {
			var done bool
			buf, done = n.drain(buf[:0], deliveryBatch, true)
			if n.cfg.BatchSink != nil {
				n.deliverBatch(buf)
			} else {
				for i := range buf {
					n.deliverOne(n.cfg.Sink, &buf[i])
				}
			}
			clear(buf) // release payloads
			if done {
				return
			}
		}
	}()
}

// deliverOne calls sink, containing a panic in a Go sink.
func (n *Node) deliverOne(sink func(*events.Event), e *events.Event) {
	defer func() {
		if r := recover(); r != nil {
			n.recovered("event sink", r)
		}
	}()
	sink(e)
}

// deliverBatch calls the batch sink, containing a panic in it.
func (n *Node) deliverBatch(buf []events.Event) {
	defer func() {
		if r := recover(); r != nil {
			n.recovered("event sink", r)
		}
	}()
	n.cfg.BatchSink(buf)
}

// DeliveryFinished is closed when the delivery thread has delivered the
// Stopped event and exited (callback mode; nil in poll mode).
func (n *Node) DeliveryFinished() <-chan struct{} { return n.delivery.finished }

// InOwnCallback reports whether the calling OS thread is currently running
// this node's callback (the delivery thread, or a host thread inside Poll).
func (n *Node) InOwnCallback() bool {
	runtime.LockOSThread() // read the thread id of the thread we are on
	defer runtime.UnlockOSThread()
	tid := int64(syscall.Gettid())
	if n.delivery.finished != nil {
		return n.delivery.threadID.Load() == tid
	}
	return n.delivery.pollTID.Load() == tid
}

// Poll delivers up to max queued events to sink on the calling thread (poll
// mode only) and returns how many it delivered; done is true once the
// Stopped event has been delivered. Poll never waits.
func (n *Node) Poll(sink func(*events.Event), max int) (delivered int, done bool, err error) {
	if n.delivery.finished != nil {
		return 0, false, status.Errorf(status.Unsupported, "poll: node delivers through its callback")
	}
	if max <= 0 {
		return 0, false, status.Errorf(status.InvalidArgument, "poll: max must be positive")
	}
	// Pin the goroutine to its thread for the call, so the thread identity
	// InOwnCallback compares against stays true inside the callback (cgo
	// callers are pinned already; Go callers are not).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := int64(syscall.Gettid())
	if !n.delivery.pollTID.CompareAndSwap(0, tid) {
		return 0, false, status.Errorf(status.BadState, "poll: already polling on another thread (or re-entered from the callback)")
	}
	defer n.delivery.pollTID.Store(0)
	batch := max
	if batch > deliveryBatch {
		batch = deliveryBatch
	}
	buf := make([]events.Event, 0, batch)
	for delivered < max && !done {
		want := max - delivered
		if want > batch {
			want = batch
		}
		buf, done = n.drain(buf[:0], want, false)
		if len(buf) == 0 {
			break
		}
		for i := range buf {
			n.deliverOne(sink, &buf[i])
		}
		delivered += len(buf)
	}
	return delivered, done, nil
}

// EventFD returns the poll-mode readiness descriptor: readable exactly
// while events are waiting. Unsupported in callback mode.
func (n *Node) EventFD() (int, error) {
	if n.fd == nil {
		return -1, status.Errorf(status.Unsupported, "event fd: node delivers through its callback")
	}
	return n.fd.readFD(), nil
}

func (n *Node) closeFD() {
	if n.fd != nil {
		n.fd.close()
	}
}
