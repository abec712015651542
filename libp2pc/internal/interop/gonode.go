//go:build interop

package interop

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/node"
)

// GoNode is a libp2pc node in callback mode whose events are recorded.
type GoNode struct {
	*node.Node
	mu     sync.Mutex
	cond   *sync.Cond
	events []events.Event
}

// StartGoNode creates and starts a node listening on loopback TCP (mod may
// change the config), waits for it to listen, and stops it when the test
// ends.
func StartGoNode(t testing.TB, mod func(*node.Config)) *GoNode {
	t.Helper()
	return StartGoNodeWith(t, mod, nil)
}

// StartGoNodeWith is StartGoNode with a step between New and Start (for
// settings allowed only before Start, such as ConfigureEth2).
func StartGoNodeWith(t testing.TB, mod func(*node.Config), beforeStart func(*node.Node) error) *GoNode {
	t.Helper()
	g := &GoNode{}
	g.cond = sync.NewCond(&g.mu)
	cfg := node.Config{
		ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"},
		Sink:        g.record,
		StopGrace:   2 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	n, err := node.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	g.Node = n
	t.Cleanup(func() {
		if n.State() == node.StateRunning {
			n.Stop()
		}
		n.Destroy()
		if ch := n.DeliveryFinished(); ch != nil {
			select {
			case <-ch:
			case <-time.After(30 * time.Second):
				t.Errorf("libp2pc node did not finish stopping")
			}
		}
		if t.Failed() {
			t.Logf("---- libp2pc node events ----\n%s", g.Summary())
		}
	})
	if beforeStart != nil {
		if err := beforeStart(n); err != nil {
			n.Destroy()
			t.Fatal(err)
		}
	}
	req, err := n.Start()
	g.MustOK(t, req, err, "start")
	return g
}

func (g *GoNode) record(e *events.Event) {
	c := *e
	c.Data = append([]byte(nil), e.Data...)
	c.MsgID = append([]byte(nil), e.MsgID...)
	c.Context = append([]byte(nil), e.Context...)
	c.Addrs = append([]string(nil), e.Addrs...)
	g.mu.Lock()
	g.events = append(g.events, c)
	g.cond.Broadcast()
	g.mu.Unlock()
}

// Events returns the events recorded so far.
func (g *GoNode) Events() []events.Event {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]events.Event(nil), g.events...)
}

// Find returns the recorded events matching pred.
func (g *GoNode) Find(pred func(events.Event) bool) []events.Event {
	var out []events.Event
	for _, e := range g.Events() {
		if pred(e) {
			out = append(out, e)
		}
	}
	return out
}

// WaitFor waits up to d for an event matching pred (events recorded before
// the call count) and returns it.
func (g *GoNode) WaitFor(t testing.TB, d time.Duration, what string, pred func(events.Event) bool) events.Event {
	t.Helper()
	deadline := time.Now().Add(d)
	timer := time.AfterFunc(d, func() { g.mu.Lock(); g.cond.Broadcast(); g.mu.Unlock() })
	defer timer.Stop()
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := 0; ; {
		for ; i < len(g.events); i++ {
			if pred(g.events[i]) {
				return g.events[i]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("libp2pc node: timed out after %s waiting for %s", d, what)
		}
		g.cond.Wait()
	}
}

// MustOK checks an async call was accepted and waits for its successful
// RequestDone.
func (g *GoNode) MustOK(t testing.TB, req uint64, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if e := g.WaitFor(t, 30*time.Second, what+" done", IsDone(req)); e.Status != 0 {
		t.Fatalf("%s failed: status %d: %s", what, e.Status, e.Text)
	}
}

// ListenAddr is the node's first TCP listen address with /p2p/.
func (g *GoNode) ListenAddr(t testing.TB) string {
	t.Helper()
	e := g.WaitFor(t, 10*time.Second, "listening", IsType(events.Listening))
	for _, a := range e.Addrs {
		if strings.Contains(a, "/tcp/") {
			return a + "/p2p/" + g.ID().String()
		}
	}
	t.Fatalf("no TCP listen address in %v", e.Addrs)
	return ""
}

// Muxer is the stream multiplexer of the node's (first) connection to p, as
// go-libp2p negotiated it ("" when not connected).
func (g *GoNode) Muxer(p string) string {
	id, err := peer.Decode(p)
	if err != nil || g.Host() == nil {
		return ""
	}
	for _, c := range g.Host().Network().ConnsToPeer(id) {
		return string(c.ConnState().StreamMultiplexer)
	}
	return ""
}

// Summary renders the recorded events, one per line (payloads shortened).
func (g *GoNode) Summary() string {
	var b strings.Builder
	for _, e := range g.Events() {
		fmt.Fprintf(&b, "#%d %s", e.Seq, e.Type)
		if e.RequestID != 0 {
			fmt.Fprintf(&b, " req=%d", e.RequestID)
		}
		if e.Status != 0 {
			fmt.Fprintf(&b, " status=%d", e.Status)
		}
		for _, kv := range [][2]string{{"peer", e.PeerID}, {"dir", e.Direction}, {"addr", e.Addr}, {"topic", e.Topic}, {"proto", e.Protocol}, {"text", e.Text}} {
			if kv[1] != "" {
				fmt.Fprintf(&b, " %s=%s", kv[0], kv[1])
			}
		}
		if len(e.Data) > 0 {
			fmt.Fprintf(&b, " data=%d bytes", len(e.Data))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// IsType matches events of type typ.
func IsType(typ events.Type) func(events.Event) bool {
	return func(e events.Event) bool { return e.Type == typ }
}

// IsDone matches the RequestDone of req.
func IsDone(req uint64) func(events.Event) bool {
	return func(e events.Event) bool { return e.Type == events.RequestDone && e.RequestID == req }
}

// IsPeer matches events of type typ about peer p.
func IsPeer(typ events.Type, p string) func(events.Event) bool {
	return func(e events.Event) bool { return e.Type == typ && e.PeerID == p }
}
