package node

import (
	"fmt"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/identity"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// recorder is a Go sink that keeps every event and lets tests wait for one.
type recorder struct {
	mu     sync.Mutex
	cond   *sync.Cond
	events []events.Event
	tids   map[int]bool
	gate   atomic.Pointer[chan struct{}] // when set, each delivery waits for a token
}

func (r *recorder) setGate(g chan struct{}) { r.gate.Store(&g) }

func newRecorder() *recorder {
	r := &recorder{tids: map[int]bool{}}
	r.cond = sync.NewCond(&r.mu)
	return r
}

func (r *recorder) sink(e *events.Event) {
	if g := r.gate.Load(); g != nil {
		<-*g
	}
	r.mu.Lock()
	r.events = append(r.events, *e)
	r.tids[syscall.Gettid()] = true
	r.cond.Broadcast()
	r.mu.Unlock()
}

// waitFor blocks until pred matches an event (bounded by the test deadline
// through a watchdog in waitTimeout).
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

// startNode starts a callback-mode node on loopback TCP and QUIC and waits
// for it to listen.
func startNode(t *testing.T, mod func(*Config)) (*Node, *recorder) {
	t.Helper()
	rec := newRecorder()
	cfg := Config{
		ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"},
		Sink:        rec.sink,
		StopGrace:   2 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	n, err := New(cfg)
	if err != nil {
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

func stopAndWait(t *testing.T, n *Node, rec *recorder) {
	if n.State() == StateRunning {
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

func listenAddr(t *testing.T, n *Node, rec *recorder, proto string) string {
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

func connectPair(t *testing.T, a *Node, ra *recorder, b *Node, rb *recorder, proto string) {
	t.Helper()
	req, err := a.Dial(listenAddr(t, b, rb, proto))
	mustOK(t, ra, req, err, "dial "+proto)
	rb.waitFor(t, "inbound connect", func(e events.Event) bool {
		return e.Type == events.PeerConnected && e.PeerID == a.ID().String()
	})
}

func TestTwoNodesGossipOverTCPAndQUIC(t *testing.T) {
	for _, proto := range []string{"/tcp/", "/quic-v1"} {
		t.Run(strings.Trim(proto, "/"), func(t *testing.T) {
			a, ra := startNode(t, nil)
			b, rb := startNode(t, nil)
			connectPair(t, a, ra, b, rb, proto)
			if e := ra.waitFor(t, "outbound connect", isType(events.PeerConnected)); e.Direction != "outbound" {
				t.Fatalf("direction %q", e.Direction)
			}
			for _, nr := range []struct {
				n *Node
				r *recorder
			}{{a, ra}, {b, rb}} {
				req, err := nr.n.Subscribe("demo")
				mustOK(t, nr.r, req, err, "subscribe")
			}
			// Publish once b is known to be subscribed, as a host would.
			ra.waitFor(t, "b joins topic", func(e events.Event) bool {
				return e.Type == events.TopicPeerJoined && e.PeerID == b.ID().String()
			})
			publishUntilReceived(t, a, ra, rb, "demo", []byte("hello from a"))
			m := rb.waitFor(t, "message", isType(events.Message))
			if string(m.Data) != "hello from a#0" || m.Topic != "demo" || m.PeerID != a.ID().String() {
				t.Fatalf("message %+v", m)
			}
			if want := DefaultMessageID("demo", m.Data); string(m.MsgID) != string(want) {
				t.Fatalf("msg id %x, want %x", m.MsgID, want)
			}
			if got := b.Peers(); len(got) != 1 || got[0].ID != a.ID().String() {
				t.Fatalf("b.Peers() = %+v", got)
			}
			if b.Counters().MessagesReceived < 1 || a.Counters().MessagesPublished < 1 {
				t.Fatalf("counters a=%+v b=%+v", a.Counters(), b.Counters())
			}
		})
	}
}

// publishUntilReceived publishes data (with a counter appended after a
// '#', since equal payloads share a message id and are deduplicated) until
// the receiver has a Message event starting with it. Bounded in time.
func publishUntilReceived(t *testing.T, from *Node, rf, rto *recorder, topic string, data []byte) {
	t.Helper()
	has := func() bool {
		for _, e := range rto.snapshot() {
			if e.Type == events.Message && strings.HasPrefix(string(e.Data), string(data)+"#") {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; !has(); i++ {
		if time.Now().After(deadline) {
			t.Fatalf("%q never arrived; sender %+v; receiver has %s", data, from.Counters(), summarize(rto.snapshot()))
		}
		req, err := from.Publish(topic, []byte(fmt.Sprintf("%s#%d", data, i)))
		mustOK(t, rf, req, err, "publish")
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDuplicateConnectionsAreOnePeer connects two nodes that share one
// identity key to b: b has two simultaneous connections to the same peer id
// and must report one connect, and one disconnect only when both are gone.
func TestDuplicateConnectionsAreOnePeer(t *testing.T) {
	key, _ := identityKey(t)
	b, rb := startNode(t, nil)
	a1, ra1 := startNode(t, func(c *Config) { c.Key = key })
	a2, ra2 := startNode(t, func(c *Config) { c.Key = key })
	connectPair(t, a1, ra1, b, rb, "/tcp/")
	req, err := a2.Dial(listenAddr(t, b, rb, "/quic-v1"))
	mustOK(t, ra2, req, err, "second dial")
	deadline := time.Now().Add(20 * time.Second)
	for b.Counters().DuplicateConnsSeen < 1 {
		if time.Now().After(deadline) {
			t.Fatal("b never saw the second connection")
		}
		time.Sleep(10 * time.Millisecond)
	}
	count := func() (conn, disc int) {
		for _, e := range rb.snapshot() {
			switch e.Type {
			case events.PeerConnected:
				conn++
			case events.PeerDisconnected:
				disc++
			}
		}
		return
	}
	if c, d := count(); c != 1 || d != 0 {
		t.Fatalf("after two connections b saw %d connects, %d disconnects", c, d)
	}
	stopAndWait(t, a1, ra1) // first connection gone, second still up
	for len(b.Host().Network().ConnsToPeer(a1.ID())) != 1 {
		time.Sleep(10 * time.Millisecond)
	}
	if c, d := count(); c != 1 || d != 0 {
		t.Fatalf("with one connection left b saw %d connects, %d disconnects", c, d)
	}
	if len(b.Peers()) != 1 {
		t.Fatalf("b.Peers() = %+v", b.Peers())
	}
	stopAndWait(t, a2, ra2)
	rb.waitFor(t, "disconnect", isType(events.PeerDisconnected))
	if c, d := count(); c != 1 || d != 1 {
		t.Fatalf("after both closed b saw %d connects, %d disconnects", c, d)
	}
	checkOrder(t, "b", rb.snapshot())
}

// TestEventOrderPerPeer floods gossip while the peer disconnects and checks
// the total order: sequence numbers increase by one, and no message from a
// peer follows its disconnect (until it reconnects).
func TestEventOrderPerPeer(t *testing.T) {
	a, ra := startNode(t, nil)
	b, rb := startNode(t, nil)
	for round := 0; round < 3; round++ {
		connectPair(t, a, ra, b, rb, "/tcp/")
		if round == 0 {
			for _, nr := range []struct {
				n *Node
				r *recorder
			}{{a, ra}, {b, rb}} {
				req, err := nr.n.Subscribe("flood")
				mustOK(t, nr.r, req, err, "subscribe")
			}
		}
		publishUntilReceived(t, a, ra, rb, "flood", []byte(fmt.Sprintf("r%d-first", round)))
		for i := 0; i < 200; i++ {
			if _, err := a.Publish("flood", []byte(fmt.Sprintf("r%d-m%d", round, i))); err != nil {
				t.Fatal(err)
			}
		}
		req, err := b.Disconnect(a.ID().String())
		mustOK(t, rb, req, err, "disconnect")
		since := lastSeq(ra, events.PeerConnected)
		ra.waitFor(t, "a sees disconnect", func(e events.Event) bool {
			return e.Type == events.PeerDisconnected && e.Seq > since
		})
	}
	for name, r := range map[string]*recorder{"a": ra, "b": rb} {
		checkOrder(t, name, r.snapshot())
	}
	if rb.snapshot()[0].Seq != 1 {
		t.Fatal("sequence must start at 1")
	}
}

func lastSeq(r *recorder, typ events.Type) uint64 {
	var s uint64
	for _, e := range r.snapshot() {
		if e.Type == typ {
			s = e.Seq
		}
	}
	return s
}

// checkOrder asserts consecutive sequence numbers (no drops in these tests)
// and that peer-scoped events only occur between a peer's connect and
// disconnect.
func checkOrder(t *testing.T, name string, es []events.Event) {
	t.Helper()
	connected := map[string]bool{}
	for i, e := range es {
		if i > 0 && e.Seq != es[i-1].Seq+1 {
			t.Fatalf("%s: seq %d follows %d", name, e.Seq, es[i-1].Seq)
		}
		switch e.Type {
		case events.PeerConnected:
			if connected[e.PeerID] {
				t.Fatalf("%s: second connect for %s without disconnect", name, e.PeerID)
			}
			connected[e.PeerID] = true
		case events.PeerDisconnected:
			if !connected[e.PeerID] {
				t.Fatalf("%s: disconnect for %s that is not connected", name, e.PeerID)
			}
			delete(connected, e.PeerID)
		case events.Message, events.TopicPeerJoined, events.TopicPeerLeft:
			if !connected[e.PeerID] {
				t.Fatalf("%s: %s from %s at seq %d outside its connection", name, e.Type, e.PeerID, e.Seq)
			}
		}
	}
}

// TestSlowCallbackDoesNotStallGossip blocks b's callback completely while a
// publishes through b to c (a - b - c, no direct link). c receiving the
// messages proves b's gossipsub keeps relaying: the host's callback does not
// run on gossipsub's loop. b's gossip queue overflows and counts drops.
func TestSlowCallbackDoesNotStallGossip(t *testing.T) {
	gate := make(chan struct{})
	a, ra := startNode(t, nil)
	b, rb := startNode(t, func(c *Config) { c.Queue.Gossip = 8 })
	c, rc := startNode(t, nil)
	connectPair(t, a, ra, b, rb, "/tcp/")
	connectPair(t, c, rc, b, rb, "/tcp/")
	for _, nr := range []struct {
		n *Node
		r *recorder
	}{{a, ra}, {b, rb}, {c, rc}} {
		req, err := nr.n.Subscribe("relay")
		mustOK(t, nr.r, req, err, "subscribe")
	}
	// The route a -> b -> c works (b has c in its mesh) before b's host
	// gets stuck.
	publishUntilReceived(t, a, ra, rc, "relay", []byte("route check"))
	// From here on b's host is stuck inside its callback.
	rb.setGate(gate)
	released := false
	defer func() {
		if !released {
			close(gate)
		}
	}()
	const total = 50
	for i := 0; i < total; i++ {
		if _, err := a.Publish("relay", []byte(fmt.Sprintf("m%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	before := countType(rc, events.Message)
	for b.QueueStats().Dropped.Gossip == 0 || countType(rc, events.Message) < before+total {
		if time.Now().After(deadline) {
			t.Fatalf("c got %d/%d messages, b dropped %d; counters a=%+v b=%+v c=%+v", countType(rc, events.Message)-before, total,
				b.QueueStats().Dropped.Gossip, a.Counters(), b.Counters(), c.Counters())
		}
		time.Sleep(20 * time.Millisecond)
	}
	released = true
	close(gate) // release b's host
	rb.waitFor(t, "drop report", isType(events.Drops))
}

func countType(r *recorder, typ events.Type) int {
	n := 0
	for _, e := range r.snapshot() {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// TestCallsNeverWaitOnTheCallback: with the callback blocked (it waits for
// a token the test sends only after every call has returned), every call
// must still return. If one waited on delivery the test would deadlock and
// the go test timeout would fail it.
func TestCallsNeverWaitOnTheCallback(t *testing.T) {
	a, ra := startNode(t, nil)
	gate := make(chan struct{})
	rec := newRecorder()
	rec.setGate(gate)
	b, err := New(Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Sink: rec.sink})
	if err != nil {
		t.Fatal(err)
	}
	startReq, err := b.Start() // its events wait behind the blocked callback
	if err != nil {
		t.Fatal(err)
	}
	for b.State() != StateRunning {
		time.Sleep(time.Millisecond)
	}
	addr := listenAddr(t, a, ra, "/tcp/")
	var reqs []uint64
	for _, call := range []func() (uint64, error){
		func() (uint64, error) { return b.Dial(addr) },
		func() (uint64, error) { return b.Subscribe("t") },
		func() (uint64, error) { return b.Publish("t", []byte("x")) },
		func() (uint64, error) { return b.Disconnect(a.ID().String()) },
		func() (uint64, error) { return b.Unsubscribe("t") },
		func() (uint64, error) { return b.Stop() },
	} {
		req, err := call()
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, req)
	}
	_ = b.Peers()
	_ = b.Counters()
	_ = b.QueueStats()
	if err := b.Destroy(); err != nil {
		t.Fatal(err)
	}
	close(gate) // only now can the callback run
	reqs = append(reqs, startReq)
	select {
	case <-b.DeliveryFinished():
	case <-time.After(30 * time.Second):
		var stacks strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&stacks, 2)
		t.Fatalf("node did not stop; goroutines:\n%s", stacks.String())
	}
	for _, r := range reqs {
		found := false
		for _, e := range rec.snapshot() {
			if e.Type == events.RequestDone && e.RequestID == r {
				found = true
			}
		}
		if !found {
			t.Fatalf("request %d never completed: %s", r, summarize(rec.snapshot()))
		}
	}
	es := rec.snapshot()
	if last := es[len(es)-1]; last.Type != events.Stopped {
		t.Fatalf("last event %s, want stopped", last.Type)
	}
	if len(rec.tids) != 1 || rec.tids[syscall.Gettid()] {
		t.Fatalf("callback threads %v: want exactly one, not the test's", rec.tids)
	}
}

func TestMisuseGetsSpecificErrors(t *testing.T) {
	n, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error, want status.Code) {
		t.Helper()
		if status.CodeOf(err) != want {
			t.Fatalf("%s: got %v (%d), want %s", what, err, status.CodeOf(err), want)
		}
	}
	_, err = n.Publish("t", nil)
	check("publish before start", err, status.BadState)
	_, err = n.Stop()
	check("stop before start", err, status.BadState)
	_, err = n.Dial("/ip4/127.0.0.1/tcp/1")
	check("dial without peer id", err, status.InvalidArgument)
	_, err = n.Dial("garbage")
	check("dial garbage", err, status.InvalidArgument)
	_, err = n.Dial("/ip4/127.0.0.1/tcp/1/p2p/" + n.ID().String())
	check("dial self", err, status.InvalidArgument)
	_, err = n.Disconnect("not-a-peer-id")
	check("disconnect bad id", err, status.InvalidArgument)
	_, _, err = n.Poll(func(*events.Event) {}, 0)
	check("poll max 0", err, status.InvalidArgument)
	_, err = New(Config{ListenAddrs: []string{"/not/an/addr"}})
	check("bad listen addr", err, status.InvalidArgument)
	_, err = New(Config{Queue: events.Capacities{Control: 1}})
	check("tiny control queue", err, status.InvalidArgument)
	check("destroy", n.Destroy(), status.OK)
	check("double destroy", n.Destroy(), status.BadHandle)
	_, err = n.Start()
	check("start after destroy", err, status.BadHandle)

	// Stop twice, publish to an unknown topic, too-large payload.
	m, rm := startNode(t, func(c *Config) { c.MaxMessageSize = 16 })
	_, err = m.Publish("t", make([]byte, 17))
	check("oversized publish", err, status.TooLarge)
	req, err := m.Publish("nowhere", []byte("x"))
	check("publish unknown topic (call)", err, status.OK)
	if e := rm.waitFor(t, "publish completion", doneFor(req)); e.Status != int32(status.NotFound) {
		t.Fatalf("publish to unknown topic completed with %d %s", e.Status, e.Text)
	}
	req, err = m.Disconnect(n.ID().String())
	check("disconnect unknown (call)", err, status.OK)
	if e := rm.waitFor(t, "disconnect completion", doneFor(req)); e.Status != int32(status.NotFound) {
		t.Fatalf("disconnect of unknown peer completed with %d", e.Status)
	}
	_, err = m.Stop()
	check("stop", err, status.OK)
	_, err = m.Stop()
	check("second stop", err, status.BadState)
	_, err = m.Start()
	check("restart", err, status.BadState)
}

func TestFailedStartStopsTheNode(t *testing.T) {
	rec := newRecorder()
	// Port 1 on a non-local address cannot be bound.
	n, err := New(Config{ListenAddrs: []string{"/ip4/192.0.2.1/tcp/1"}, Sink: rec.sink})
	if err != nil {
		t.Fatal(err)
	}
	req, err := n.Start()
	if err != nil {
		t.Fatal(err)
	}
	e := rec.waitFor(t, "start completion", doneFor(req))
	if e.Status != int32(status.Network) {
		t.Fatalf("start completed with %d %q, want a network error", e.Status, e.Text)
	}
	rec.waitFor(t, "stopped", isType(events.Stopped))
	n.Destroy()
	<-n.DeliveryFinished()
}

// TestControlQueueNeverLosesCompletions: with the host not draining, calls
// succeed until the control queue's capacity is promised, then fail at once
// with QueueFull; every accepted call's completion is delivered.
func TestControlQueueNeverLosesCompletions(t *testing.T) {
	n, err := New(Config{Queue: events.Capacities{Control: 10, Gossip: 4, Errors: 4}})
	if err != nil {
		t.Fatal(err)
	}
	fd, err := n.EventFD()
	if err != nil || fd < 0 {
		t.Fatalf("event fd: %v", err)
	}
	if _, err := n.Start(); err != nil {
		t.Fatal(err)
	}
	for n.State() != StateRunning {
		time.Sleep(time.Millisecond)
	}
	var accepted []uint64
	for i := 0; i < 100; i++ {
		req, err := n.Subscribe(fmt.Sprintf("t%d", i))
		if status.CodeOf(err) == status.QueueFull {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		accepted = append(accepted, req)
	}
	// 10 slots: 2 kept for stop, 2 used by start.
	if len(accepted) != 6 {
		t.Fatalf("accepted %d calls, want 6", len(accepted))
	}
	if n.Counters().CallsRefusedBusy != 1 {
		t.Fatalf("refused counter %d", n.Counters().CallsRefusedBusy)
	}
	stopReq, err := n.Stop() // always possible: its slots were kept
	if err != nil {
		t.Fatal(err)
	}
	var got []events.Event
	deadline := time.Now().Add(30 * time.Second)
	for done := false; !done; {
		if time.Now().After(deadline) {
			t.Fatalf("poll never finished: %s", summarize(got))
		}
		waitReadable(t, fd)
		_, done, err = n.Poll(func(e *events.Event) { got = append(got, *e) }, 3)
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range append(accepted, stopReq) {
		found := false
		for _, e := range got {
			found = found || (e.Type == events.RequestDone && e.RequestID == r)
		}
		if !found {
			t.Fatalf("completion of %d lost: %s", r, summarize(got))
		}
	}
	if got[len(got)-1].Type != events.Stopped {
		t.Fatal("stopped must be last")
	}
	if st := n.QueueStats(); st.ControlHighWater > st.ControlCap {
		t.Fatalf("control queue exceeded its capacity: %+v", st)
	}
	n.Destroy()
}

func waitReadable(t *testing.T, fd int) {
	t.Helper()
	fds := []unixPollFd{{fd: int32(fd), events: pollIn}}
	if _, err := poll(fds, 5000); err != nil {
		t.Fatal(err)
	}
}

func TestPollModeRefusesReentryAndReportsInCallback(t *testing.T) {
	n, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Start(); err != nil {
		t.Fatal(err)
	}
	fd, _ := n.EventFD()
	waitReadable(t, fd)
	var inCb bool
	var reentry error
	n.Poll(func(e *events.Event) {
		inCb = n.InOwnCallback()
		_, _, reentry = n.Poll(func(*events.Event) {}, 1)
	}, 1)
	if !inCb || status.CodeOf(reentry) != status.BadState {
		t.Fatalf("in callback=%v reentry=%v", inCb, reentry)
	}
	if n.InOwnCallback() {
		t.Fatal("outside Poll the thread is not in the callback")
	}
	n.Destroy()
}

func identityKey(t *testing.T) (crypto.PrivKey, peer.ID) {
	k, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	id, _ := peer.IDFromPrivateKey(k)
	return k, id
}
