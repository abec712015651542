package chainsvc

// Test helpers for running real nodes (copies of node's own test helpers:
// a package's _test files cannot be imported).

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/eth2"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossipparams"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/node"
)

// recorder is a Go sink that keeps every event and lets tests wait for one.
type recorder struct {
	mu     sync.Mutex
	cond   *sync.Cond
	events []events.Event
}

func newRecorder() *recorder {
	r := &recorder{}
	r.cond = sync.NewCond(&r.mu)
	return r
}

func (r *recorder) sink(e *events.Event) {
	r.mu.Lock()
	r.events = append(r.events, *e)
	r.cond.Broadcast()
	r.mu.Unlock()
}

// waitFor blocks until pred matches an event (at most 30 s).
func (r *recorder) waitFor(t *testing.T, what string, pred func(events.Event) bool) events.Event {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		for _, e := range r.events {
			if pred(e) {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; have %s", what, summarize(r.events))
		}
		waitTimeout(r.cond, time.Second)
	}
}

func (r *recorder) snapshot() []events.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]events.Event(nil), r.events...)
}

func waitTimeout(c *sync.Cond, d time.Duration) {
	t := time.AfterFunc(d, c.Broadcast)
	c.Wait()
	t.Stop()
}

func summarize(es []events.Event) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "[%d %s %s %s] ", e.Seq, e.Type, e.PeerID, e.Text)
	}
	return b.String()
}

func isType(t events.Type) func(events.Event) bool {
	return func(e events.Event) bool { return e.Type == t }
}

func doneFor(req uint64) func(events.Event) bool {
	return func(e events.Event) bool { return e.Type == events.RequestDone && e.RequestID == req }
}

func stopAndWait(t *testing.T, n *node.Node, rec *recorder) {
	if n.State() == node.StateRunning {
		n.Stop()
	}
	n.Destroy()
	if rec != nil && n.DeliveryFinished() != nil {
		select {
		case <-n.DeliveryFinished():
		case <-time.After(30 * time.Second):
			t.Errorf("node did not finish stopping")
		}
	}
}

func listenAddr(t *testing.T, n *node.Node, rec *recorder, proto string) string {
	e := rec.waitFor(t, "listening", isType(events.Listening))
	for _, a := range e.Addrs {
		if strings.Contains(a, proto) {
			return a + "/p2p/" + n.ID().String()
		}
	}
	t.Fatalf("no %s address in %v", proto, e.Addrs)
	return ""
}

func mustOK(t *testing.T, rec *recorder, req uint64, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if e := rec.waitFor(t, what, doneFor(req)); e.Status != 0 {
		t.Fatalf("%s failed: %s", what, e.Text)
	}
}

func connectPair(t *testing.T, a *node.Node, ra *recorder, b *node.Node, rb *recorder, proto string) {
	t.Helper()
	req, err := a.Dial(listenAddr(t, b, rb, proto))
	mustOK(t, ra, req, err, "dial "+proto)
	rb.waitFor(t, "inbound connect", func(e events.Event) bool {
		return e.Type == events.PeerConnected && e.PeerID == a.ID().String()
	})
}

// testEth2Config: 1 s slots, 2 slots per epoch, genesis at genesis;
// Altair and Bellatrix at the given epochs (FAR_FUTURE_EPOCH: never).
func testEth2Config(genesis time.Time, altair, bellatrix uint64) node.Eth2Config {
	s := &forkdigest.Schedule{GenesisValidatorsRoot: [32]byte{1, 2, 3}, Forks: []forkdigest.ForkEntry{
		{Fork: eth2.Phase0, Version: [4]byte{0, 0, 0, 9}, Epoch: 0},
		{Fork: eth2.Altair, Version: [4]byte{1, 0, 0, 9}, Epoch: altair},
		{Fork: eth2.Bellatrix, Version: [4]byte{2, 0, 0, 9}, Epoch: bellatrix},
	}}
	return node.Eth2Config{GenesisTime: genesis, Schedule: s,
		Chain:              gossipparams.Chain{SlotDuration: time.Second, SlotsPerEpoch: 2, ActiveValidators: 64},
		ValidationTimeout:  2 * time.Second,
		ScoreInspectPeriod: 200 * time.Millisecond}
}

func startEth2Node(t *testing.T, c node.Eth2Config, sink func(*recorder) func(*events.Event)) (*node.Node, *recorder) {
	t.Helper()
	rec := newRecorder()
	cfg := node.Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Sink: rec.sink, StopGrace: 2 * time.Second}
	if sink != nil {
		cfg.Sink = sink(rec)
	}
	n, err := node.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.ConfigureEth2(c); err != nil {
		t.Fatal(err)
	}
	req, err := n.Start()
	if err != nil {
		t.Fatal(err)
	}
	if e := rec.waitFor(t, "start", doneFor(req)); e.Status != 0 {
		t.Fatalf("start failed: %s", e.Text)
	}
	t.Cleanup(func() { stopAndWait(t, n, rec) })
	return n, rec
}

func digestOf(t *testing.T, c node.Eth2Config, epoch uint64) forkdigest.Digest {
	d, err := c.Schedule.Digest(epoch)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func joinedTopic(p peer.ID, topic string) func(events.Event) bool {
	return func(e events.Event) bool {
		return e.Type == events.TopicPeerJoined && e.PeerID == p.String() && e.Topic == topic
	}
}

func eth2SubOK(t *testing.T, n *node.Node, r *recorder, name string, mode node.ValidationMode) {
	t.Helper()
	req, err := n.Eth2Subscribe(name, mode)
	mustOK(t, r, req, err, "eth2 subscribe "+name)
}

func eventually(t *testing.T, what string, d time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s: %s", d, what, state)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
