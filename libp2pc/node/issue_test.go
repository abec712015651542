package node

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// The request-id rule (header, "Request ids"; Node.Issue): an event
// carrying a request id is never delivered before Issue's store has run,
// even when the completion is queued at once and the store is slow. Here
// the store sleeps; a publish to a topic the node is not in completes
// (NotFound) on the loop within microseconds, so without the delivery
// barrier the completion would reach the sink during the sleep.
const slowStore = 100 * time.Millisecond

func issueSlowly(t *testing.T, n *Node, stored *atomic.Uint64) uint64 {
	t.Helper()
	var id uint64
	err := n.Issue(func() (uint64, error) { return n.Publish("nobody-subscribed", []byte{1}) },
		func(req uint64) {
			time.Sleep(slowStore)
			id = req
			stored.Store(req)
		})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestIssueStoresIDBeforeDeliveryCallbackMode(t *testing.T) {
	var stored atomic.Uint64
	var early atomic.Int64
	n, rec := startNode(t, func(c *Config) {
		sink := c.Sink
		c.Sink = func(e *events.Event) {
			if e.Type == events.RequestDone && status.Code(e.Status) == status.NotFound && stored.Load() != e.RequestID {
				early.Add(1)
			}
			sink(e)
		}
	})
	for i := 0; i < 3; i++ {
		id := issueSlowly(t, n, &stored)
		rec.waitFor(t, "publish completion", doneFor(id))
	}
	if k := early.Load(); k != 0 {
		t.Fatalf("%d completions were delivered before Issue stored their id", k)
	}
}

func TestIssueStoresIDBeforeDeliveryPollMode(t *testing.T) {
	n, err := New(Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, StopGrace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Destroy()
	var stored atomic.Uint64
	var early, seen atomic.Int64
	var want atomic.Uint64
	sink := func(e *events.Event) {
		if e.Type != events.RequestDone {
			return
		}
		if e.RequestID == want.Load() || status.Code(e.Status) == status.NotFound {
			seen.Add(1)
			if stored.Load() != e.RequestID {
				early.Add(1)
			}
		}
	}
	// Start with Issue too: its completion is checked like the others.
	if err := n.Issue(n.Start, func(req uint64) { want.Store(req); stored.Store(req) }); err != nil {
		t.Fatal(err)
	}
	// Another thread polls all the time, as a host's event loop would.
	stop := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, _, err := n.Poll(sink, 64); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for seen.Load() < 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for i := 0; i < 3; i++ {
		issueSlowly(t, n, &stored)
	}
	for seen.Load() < 4 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	<-polled
	if seen.Load() != 4 {
		t.Fatalf("saw %d of 4 completions", seen.Load())
	}
	if k := early.Load(); k != 0 {
		t.Fatalf("%d completions were delivered before Issue stored their id", k)
	}
}
