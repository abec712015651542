package node

import (
	"fmt"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossip"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// TestEth2PublishNoWait: fire-and-forget publishes arrive like ordinary
// ones but produce no completion; a topic the node is not in is NotFound at
// once; a full worker queue refuses with QueueFull and counts the drop; a
// stopped node refuses.
func TestEth2PublishNoWait(t *testing.T) {
	c := testEth2Config(time.Now(), config.FarFutureEpoch, config.FarFutureEpoch)
	a, ra := startEth2Node(t, c, nil)
	b, rb := startEth2Node(t, c, nil)
	if err := a.Eth2PublishNoWait("voluntary_exit", []byte("x")); status.CodeOf(err) != status.NotFound {
		t.Fatalf("publish before subscribing: %v, want NotFound", err)
	}
	if err := a.Eth2PublishNoWait("no_such_topic", []byte("x")); status.CodeOf(err) != status.InvalidArgument {
		t.Fatalf("publish on an unknown name: %v, want InvalidArgument", err)
	}
	connectPair(t, a, ra, b, rb, "/tcp/")
	eth2SubOK(t, a, ra, "voluntary_exit", ValidateNone)
	eth2SubOK(t, b, rb, "voluntary_exit", ValidateNone)
	topic := gossip.FormatTopic(digestOf(t, c, 0), "voluntary_exit")
	ra.waitFor(t, "b in topic", joinedTopic(b.ID(), topic))
	doneBefore := countType(ra, events.RequestDone)
	const n = 50
	for i := 0; i < n; i++ {
		if err := a.Eth2PublishNoWait("voluntary_exit", []byte(fmt.Sprintf("exit %d", i))); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	for i := 0; i < n; i++ {
		want := fmt.Sprintf("exit %d", i)
		rb.waitFor(t, want, func(e events.Event) bool { return e.Type == events.Message && string(e.Data) == want })
	}
	if got := a.Counters(); got.MessagesPublished != n || got.PublishNoWaitFailed != 0 || got.PublishNoWaitDropped != 0 {
		t.Fatalf("counters %+v", got)
	}
	if got := countType(ra, events.RequestDone); got != doneBefore {
		t.Fatalf("%d RequestDone events after fire-and-forget publishes, want none", got-doneBefore)
	}
	// A full queue refuses and counts (the bound lowered to what is queued).
	v, _ := a.publishers.Load(topic)
	p := v.(*publisher)
	p.noWaitCap = p.noWait.Load()
	if err := a.Eth2PublishNoWait("voluntary_exit", []byte("one too many")); status.CodeOf(err) != status.QueueFull {
		t.Fatalf("publish on a full queue: %v, want QueueFull", err)
	}
	if got := a.Counters().PublishNoWaitDropped; got != 1 {
		t.Fatalf("dropped %d, want 1", got)
	}
	req, err := a.Stop()
	if err != nil {
		t.Fatal(err)
	}
	ra.waitFor(t, "stop", doneFor(req))
	if err := a.Eth2PublishNoWait("voluntary_exit", []byte("late")); status.CodeOf(err) != status.BadState {
		t.Fatalf("publish after stop: %v, want BadState", err)
	}
}
