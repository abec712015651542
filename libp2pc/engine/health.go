package engine

import (
	"sync"
	"sync/atomic"
	"time"
)

// State is the execution client's health as the client last saw it.
type State int

const (
	// StateUnknown: nothing asked yet.
	StateUnknown State = iota
	// StateOnline: the last call got a regular answer (a VALID or INVALID
	// verdict, a payload, capabilities).
	StateOnline
	// StateSyncing: the execution client answered SYNCING or ACCEPTED: it
	// is reachable but cannot give verdicts yet (optimistic import).
	StateSyncing
	// StateOffline: unreachable or not answering in time.
	StateOffline
	// StateAuthFailed: the execution client refuses our JWT (wrong secret,
	// or clocks more than 60 s apart).
	StateAuthFailed
)

var stateNames = [...]string{"unknown", "online", "syncing", "offline", "auth_failed"}

func (s State) String() string {
	if int(s) >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state(?)"
}

// StateChange is one transition of the health state machine.
type StateChange struct {
	From, To State
	// Method is the call whose outcome caused the change.
	Method string
	// Err is the failure behind a change to offline or auth_failed.
	Err  error
	Time time.Time
}

// stateChangeQueueLen bounds the queue between the calls that change the
// state and the host's callback; a callback slower than the changes loses
// the oldest-undelivered ones, counted in HealthSnapshot.ChangesDropped.
const stateChangeQueueLen = 64

// health is the state machine plus the delivery of its changes.
type health struct {
	mu      sync.Mutex
	state   State
	lastErr error
	since   time.Time

	onChange func(StateChange)
	queue    chan StateChange
	dropped  atomic.Uint64
	panics   atomic.Uint64
	done     chan struct{}
	wg       sync.WaitGroup
}

func newHealth(onChange func(StateChange)) *health {
	h := &health{onChange: onChange, since: time.Now(), done: make(chan struct{})}
	if onChange != nil {
		h.queue = make(chan StateChange, stateChangeQueueLen)
		h.wg.Add(1)
		go h.deliver()
	}
	return h
}

// set moves to state to; it reports a change (and queues it for the
// callback) only when the state differs.
func (h *health) set(to State, method string, err error) {
	h.mu.Lock()
	from := h.state
	if to == StateOffline || to == StateAuthFailed {
		h.lastErr = err
	} else {
		h.lastErr = nil
	}
	if from == to {
		h.mu.Unlock()
		return
	}
	h.state = to
	h.since = time.Now()
	change := StateChange{From: from, To: to, Method: method, Err: err, Time: h.since}
	// Queue under the lock so changes are delivered in the order they
	// happened.
	if h.queue != nil {
		select {
		case h.queue <- change:
		default:
			h.dropped.Add(1)
		}
	}
	h.mu.Unlock()
}

func (h *health) get() (State, error, time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state, h.lastErr, h.since
}

func (h *health) deliver() {
	defer h.wg.Done()
	for {
		select {
		case c := <-h.queue:
			h.call(c)
		case <-h.done:
			return
		}
	}
}

// call runs the host's callback; a panic in it must not take the client
// down.
func (h *health) call(c StateChange) {
	defer func() {
		if recover() != nil {
			h.panics.Add(1)
		}
	}()
	h.onChange(c)
}

func (h *health) close() {
	close(h.done)
	h.wg.Wait()
}
