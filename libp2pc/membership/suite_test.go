package membership_test

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/membership"
)

// fastCfg keeps reconnection quick in tests.
func fastCfg() membership.Config {
	return membership.Config{BackoffMin: 10 * time.Millisecond, BackoffMax: 200 * time.Millisecond}
}

// TestSendBroadcastInOrder: three members exchange unicast and broadcast
// messages; every message arrives, in send order per sender, and the counters
// agree on both sides.
func TestSendBroadcastInOrder(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env netEnv) {
		var ns []*node
		for range 3 {
			ns = append(ns, startNode(t, env.newIdent(t), fastCfg(), newRecorder()))
		}
		all := members(ns...)
		for _, n := range ns {
			if err := n.mod.SetMembership(all); err != nil {
				t.Fatal(err)
			}
		}
		const k = 200
		for seq := uint64(1); seq <= k; seq++ {
			for i, n := range ns {
				var err error
				if seq%2 == 0 {
					err = n.mod.Broadcast(payload(seq, 100))
				} else {
					err = n.mod.Send(ns[(i+1)%3].id(), payload(seq, 100))
				}
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		// Node i receives from i-1: all k; from i+1: only the broadcasts.
		for i, n := range ns {
			prev, next := ns[(i+2)%3], ns[(i+1)%3]
			eventually(t, "all messages", func() bool {
				return n.rec.count(prev.id()) == k && n.rec.count(next.id()) == k/2
			})
		}
		for i, n := range ns {
			prev := ns[(i+2)%3]
			n.rec.check(t)
			// Sent is counted when the write returns, possibly just after the
			// receiver got the bytes.
			eventually(t, "sent counted", func() bool { return n.mod.Counters().Sent == k+k/2 })
			c := n.mod.Counters()
			if c.Enqueued != k+k/2 || c.Received != k+k/2 || c.Dropped != 0 {
				t.Errorf("node %d counters: %+v", i, c)
			}
			if pc := c.Peers[prev.id()]; pc.Received != k || pc.ReceivedBytes != k*100 {
				t.Errorf("node %d per-peer received from prev: %+v", i, pc)
			}
			if len(c.Peers) != 2 || c.Members != 3 || c.Receivers != 2 || c.Tentative != 0 {
				t.Errorf("node %d gauges: peers=%d members=%d receivers=%d tentative=%d", i, len(c.Peers), c.Members, c.Receivers, c.Tentative)
			}
		}
	})
}

// TestBadInput: every misuse gets its specific error and changes nothing.
func TestBadInput(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env netEnv) {
		cfg := fastCfg()
		cfg.MaxMessageSize = 1000
		a := startNode(t, env.newIdent(t), cfg, newRecorder())
		b := startNode(t, env.newIdent(t), cfg, newRecorder())
		good := members(a, b)
		if err := a.mod.SetMembership(good); err != nil {
			t.Fatal(err)
		}
		check := func(what string, err, want error) {
			t.Helper()
			if !errors.Is(err, want) {
				t.Errorf("%s: got %v, want %v", what, err, want)
			}
		}
		check("oversized send", a.mod.Send(b.id(), make([]byte, 1001)), membership.ErrMessageTooLarge)
		check("oversized broadcast", a.mod.Broadcast(make([]byte, 1001)), membership.ErrMessageTooLarge)
		check("max-size send", a.mod.Send(b.id(), make([]byte, 1000)), nil)
		check("send to self", a.mod.Send(a.id(), []byte("x")), membership.ErrSendToSelf)
		check("send to stranger", a.mod.Send("stranger", []byte("x")), membership.ErrUnknownPeer)
		check("empty id", a.mod.SetMembership([]membership.Member{{ID: "", Addr: b.self.Addr}}), membership.ErrInvalidMember)
		check("duplicate id", a.mod.SetMembership([]membership.Member{b.self, b.self}), membership.ErrInvalidMember)
		check("bad address", a.mod.SetMembership([]membership.Member{{ID: b.id(), Addr: "not an address"}}), membership.ErrInvalidMember)
		if got := a.mod.Membership(); len(got) != 2 {
			t.Errorf("membership changed by a rejected update: %v", got)
		}
		c := a.mod.Counters()
		if c.SendTooLarge != 2 || c.Enqueued != 1 {
			t.Errorf("counters: SendTooLarge=%d Enqueued=%d", c.SendTooLarge, c.Enqueued)
		}
		_, err := membership.New(membership.Config{Transport: nil, Sink: func(membership.Event) {}})
		check("nil transport", err, membership.ErrInvalidConfig)

		// A fresh module to test calls after Close.
		tr, _, release := env.newIdent(t).start(t)
		defer release()
		m, err := membership.New(membership.Config{Transport: tr, Sink: func(membership.Event) {}})
		if err != nil {
			t.Fatal(err)
		}
		check("first close", m.Close(), nil)
		check("second close", m.Close(), membership.ErrClosed)
		check("send after close", m.Send(b.id(), []byte("x")), membership.ErrClosed)
		check("broadcast after close", m.Broadcast([]byte("x")), membership.ErrClosed)
		check("membership after close", m.SetMembership(good), membership.ErrClosed)
	})
}

// TestOversizedFrameOnWire: a peer announcing a frame larger than
// MaxMessageSize gets its stream closed and the event is counted; what it
// sent before is delivered, and the receiver keeps working.
func TestOversizedFrameOnWire(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env netEnv) {
		cfg := fastCfg()
		cfg.MaxMessageSize = 1000
		b := startNode(t, env.newIdent(t), cfg, newRecorder())
		raw := dialRaw(t, env, b.self)
		if err := b.mod.SetMembership(append(members(b), membership.Member{ID: raw.id(), Addr: raw.idAddr(t, env)})); err != nil {
			t.Fatal(err)
		}
		raw.send(t, 1, 1000)
		eventually(t, "first message", func() bool { return b.rec.count(raw.id()) == 1 })
		raw.send(t, 2, 1001) // header announces 1001 > 1000
		raw.waitClosedByRemote(t)
		eventually(t, "oversized counted", func() bool { return b.mod.Counters().OversizedFrames == 1 })
		if got := b.rec.got(raw.id()); len(got) != 1 || got[0] != 1 {
			t.Errorf("received %v, want [1]", got)
		}
		// The receiver still accepts a new, well-behaved stream.
		raw2 := dialRaw(t, env, b.self)
		raw2.send(t, 7, 10)
		eventually(t, "tentative message from second raw peer", func() bool {
			return b.mod.Counters().TentativeReceived == 1
		})
	})
}

// idAddr returns a syntactically valid address for the raw sender's id (it is
// never dialed in these tests: the raw sender does not listen for messages).
func (r *rawSender) idAddr(t testing.TB, env netEnv) string {
	if env.name == "tcp" {
		return "127.0.0.1:9"
	}
	return "/ip4/127.0.0.1/tcp/9"
}

// TestMemberKilledAndRestarted: A streams numbered messages to B; B crashes
// and comes back on the same address with the same identity. A never blocks
// meanwhile, its dispatcher reconnects (counted) and delivery resumes, in
// order, with messages sent after the restart.
func TestMemberKilledAndRestarted(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env netEnv) {
		a := startNode(t, env.newIdent(t), fastCfg(), newRecorder())
		recB := newRecorder()
		b := startNode(t, env.newIdent(t), fastCfg(), recB)
		all := members(a, b)
		for _, n := range []*node{a, b} {
			if err := n.mod.SetMembership(all); err != nil {
				t.Fatal(err)
			}
		}
		var seq atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // producer: Send must never block, whatever B's state
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := a.mod.Send(b.id(), payload(seq.Add(1), 512)); err != nil {
					t.Error(err)
					return
				}
				time.Sleep(200 * time.Microsecond)
			}
		}()
		defer func() { close(stop); wg.Wait() }()

		for round := 1; round <= 2; round++ {
			eventually(t, "delivery before kill", func() bool { return recB.count(a.id()) > 50*round })
			b.kill()
			killedAt := seq.Load()
			// A keeps sending while B is down; its dispatcher fails to dial.
			eventually(t, "dial failures while down", func() bool {
				return a.mod.Counters().Peers[b.id()].DialFailures > 0 && seq.Load() > killedAt+100
			})
			b.start()
			if err := b.mod.SetMembership(all); err != nil {
				t.Fatal(err)
			}
			restartedAt := seq.Load()
			eventually(t, "delivery after restart", func() bool { return recB.last(a.id()) > restartedAt })
			eventually(t, "reconnect counted", func() bool {
				return a.mod.Counters().Peers[b.id()].Reconnects >= uint64(round)
			})
		}
		recB.check(t) // strictly increasing across both incarnations
		c := a.mod.Counters()
		if c.Reconnects < 2 || c.DialFailures == 0 {
			t.Errorf("counters: reconnects=%d dialFailures=%d", c.Reconnects, c.DialFailures)
		}
		t.Logf("sent=%d received=%d dropped=%d writeFailed=%d reconnects=%d dialFailures=%d",
			c.Sent, recB.count(a.id()), c.Dropped, c.WriteFailed, c.Reconnects, c.DialFailures)
	})
}

// TestMemberNeverReads: B's sink never returns, so B stops reading and the
// transport's flow control stalls A's writes. A sends far more than every
// buffer on the way could hold (queue, socket/yamux buffers): if Send waited
// for the network this test would deadlock and the watchdog would fail it.
// Drops are counted, the queue stays within its bounds, the heap does not
// grow with the amount sent, and every message is accounted for.
func TestMemberNeverReads(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env netEnv) {
		cfg := fastCfg()
		cfg.MaxMessageSize = 128 << 10
		cfg.QueueMaxMsgs = 64
		cfg.QueueMaxBytes = 1 << 20
		cfg.WriteTimeout = -1 // a stalled peer is not abandoned: keep the pressure on
		a := startNode(t, env.newIdent(t), cfg, newRecorder())
		release := make(chan struct{})
		var stuck atomic.Int32
		bcfg := fastCfg()
		bcfg.Sink = func(membership.Event) {
			stuck.Add(1)
			<-release
		}
		b := startNode(t, env.newIdent(t), bcfg, nil)
		var once sync.Once
		unblock := func() { once.Do(func() { close(release) }) }
		defer unblock() // before b's cleanup Close, which waits for the sink
		for _, n := range []*node{a, b} {
			if err := n.mod.SetMembership(members(a, b)); err != nil {
				t.Fatal(err)
			}
		}
		const size, count = 64 << 10, 4000 // 256 MiB in total
		msg := payload(1, size)
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var maxQueue, maxQueueBytes int
		noBlock(t, "Send to a member that never reads", func() {
			for i := 0; i < count; i++ {
				if err := a.mod.Send(b.id(), msg); err != nil {
					t.Error(err)
					return
				}
				if i%100 == 0 {
					pc := a.mod.Counters().Peers[b.id()]
					maxQueue = max(maxQueue, pc.QueueLen)
					maxQueueBytes = max(maxQueueBytes, pc.QueueBytes)
				}
			}
		})
		var after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&after)
		if stuck.Load() != 1 {
			t.Errorf("sink entered %d times, want 1 (it never returns)", stuck.Load())
		}
		pc := a.mod.Counters().Peers[b.id()]
		if pc.Dropped == 0 {
			t.Errorf("no drops counted: %+v", pc)
		}
		if maxQueue > cfg.QueueMaxMsgs || maxQueueBytes > cfg.QueueMaxBytes {
			t.Errorf("queue exceeded its bounds: %d msgs, %d bytes", maxQueue, maxQueueBytes)
		}
		growth := int64(after.HeapInuse) - int64(before.HeapInuse)
		t.Logf("sent=%d dropped=%d queue=%d inflight=%d heap growth=%d MiB",
			pc.Sent, pc.Dropped, pc.QueueLen, pc.InFlight, growth>>20)
		// Bound: A's queue (1 MiB) + one batch + the receiving side's transport
		// buffers (yamux window up to 16 MiB), far below the 256 MiB sent.
		if growth > 96<<20 {
			t.Errorf("heap grew by %d MiB while sending 256 MiB to a stalled peer", growth>>20)
		}
		// Conservation: after Close every enqueued message is in exactly one
		// of Sent, Dropped, WriteFailed, Discarded.
		unblock()
		a.kill()
		c := a.closed.Counters()
		if c.Enqueued != count || c.Sent+c.Dropped+c.WriteFailed+c.Discarded != c.Enqueued {
			t.Errorf("accounting: enqueued=%d sent=%d dropped=%d writeFailed=%d discarded=%d",
				c.Enqueued, c.Sent, c.Dropped, c.WriteFailed, c.Discarded)
		}
	})
}

// TestMemberChangesAddress: B restarts on another port; once A's membership
// carries the new address, A's dispatcher (same queue, same counters)
// reconnects without waiting for its backoff and delivery resumes in order.
func TestMemberChangesAddress(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env netEnv) {
		cfg := fastCfg()
		cfg.BackoffMax = 5 * time.Second // a reconnection must not wait for it
		a := startNode(t, env.newIdent(t), cfg, newRecorder())
		b := startNode(t, env.newIdent(t), fastCfg(), newRecorder())
		for _, n := range []*node{a, b} {
			if err := n.mod.SetMembership(members(a, b)); err != nil {
				t.Fatal(err)
			}
		}
		for s := uint64(1); s <= 50; s++ {
			a.mod.Send(b.id(), payload(s, 100))
		}
		eventually(t, "before move", func() bool { return b.rec.count(a.id()) == 50 })
		oldAddr := b.self.Addr
		b.kill()
		b.ident.move()
		b.start()
		if b.self.Addr == oldAddr {
			t.Fatalf("restarted on the same address %s", oldAddr)
		}
		for _, n := range []*node{a, b} {
			if err := n.mod.SetMembership(members(a, b)); err != nil {
				t.Fatal(err)
			}
		}
		// Keep sending until messages sent after the move arrive: the first
		// ones may be written into the old connection before A's host
		// notices it is dead (delivery is at most once).
		seq := uint64(50)
		eventuallyf(t, func() string {
			return fmt.Sprintf("after move: got %v; A counters %+v; B counters %+v", b.rec.got(a.id()), a.mod.Counters(), b.mod.Counters())
		}, func() bool {
			seq++
			if err := a.mod.Send(b.id(), payload(seq, 100)); err != nil {
				t.Fatal(err)
			}
			return b.rec.last(a.id()) > 50
		})
		b.rec.check(t)
		if pc := a.mod.Counters().Peers[b.id()]; pc.Reconnects < 1 || pc.Enqueued != seq {
			t.Errorf("peer counters: %+v", pc)
		}
		t.Logf("sent after the move: %d, delivered: %d", seq-50, b.rec.count(a.id())-50)
	})
}
