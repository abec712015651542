package membership_test

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/membership"
)

func seqRange(from, to uint64) []uint64 {
	var out []uint64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

// TestTentativeEvictionAndPromotion: five non-members connect one after the
// other, each sending 10 messages, to a node allowing M=3 tentative receivers
// with N=4 buffered messages each. Only the 4 most recent messages of each
// are kept; the two least recently created tentative receivers are evicted
// and their streams closed. When the membership grows to include all five,
// the three surviving ones flush their buffers in order and become
// receivers, delivering later messages directly.
func TestTentativeEvictionAndPromotion(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env netEnv) {
		cfg := fastCfg()
		cfg.MaxTentative = 3
		cfg.TentativeBufferMsgs = 4
		target := startNode(t, env.newIdent(t), cfg, newRecorder())
		if err := target.mod.SetMembership(members(target)); err != nil {
			t.Fatal(err)
		}
		var raws []*rawSender
		for i := range 5 {
			r := dialRaw(t, env, target.self)
			for s := uint64(1); s <= 10; s++ {
				r.send(t, s, 64)
			}
			eventually(t, "non-member messages read", func() bool {
				return target.mod.Counters().TentativeReceived == uint64(10*(i+1))
			})
			if c := target.mod.Counters(); c.Tentative > 3 {
				t.Fatalf("%d tentative receivers, limit 3", c.Tentative)
			}
			raws = append(raws, r)
		}
		raws[0].waitClosedByRemote(t)
		raws[1].waitClosedByRemote(t)
		// Drops: 6 per sender by buffer overflow, plus the 4 buffered by each
		// of the two evicted receivers.
		eventually(t, "drops counted", func() bool { return target.mod.Counters().TentativeDropped == 5*6+2*4 })
		c := target.mod.Counters()
		if c.TentativeCreated != 5 || c.TentativeEvictions != 2 || c.Tentative != 3 || c.Received != 0 {
			t.Fatalf("counters before promotion: %+v", c)
		}

		mem := members(target)
		for _, r := range raws {
			mem = append(mem, membership.Member{ID: r.id(), Addr: r.idAddr(t, env)})
		}
		if err := target.mod.SetMembership(mem); err != nil {
			t.Fatal(err)
		}
		for _, r := range raws[2:] {
			eventually(t, "flush", func() bool { return target.rec.count(r.id()) == 4 })
			if got := target.rec.got(r.id()); !slices.Equal(got, seqRange(7, 10)) {
				t.Errorf("flushed %v, want 7..10", got)
			}
		}
		for _, r := range raws[:2] {
			if n := target.rec.count(r.id()); n != 0 {
				t.Errorf("evicted sender delivered %d messages", n)
			}
		}
		c = target.mod.Counters()
		if c.TentativePromoted != 3 || c.TentativeFlushed != 12 || c.Tentative != 0 || c.Receivers != 3 {
			t.Errorf("counters after promotion: %+v", c)
		}
		// Promoted receivers now deliver directly, after what they flushed.
		for s := uint64(11); s <= 15; s++ {
			raws[2].send(t, s, 64)
		}
		eventually(t, "direct delivery", func() bool { return target.rec.count(raws[2].id()) == 9 })
		if got := target.rec.got(raws[2].id()); !slices.Equal(got, seqRange(7, 15)) {
			t.Errorf("got %v, want 7..15", got)
		}
		target.rec.check(t)
	})
}

// TestTentativeReplacedByNewStream: a non-member that opens a second stream
// keeps one tentative receiver; the new stream takes over the buffer of the
// old one (which is closed), and promotion flushes both in order.
func TestTentativeReplacedByNewStream(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env netEnv) {
		target := startNode(t, env.newIdent(t), fastCfg(), newRecorder())
		r := dialRaw(t, env, target.self)
		for s := uint64(1); s <= 3; s++ {
			r.send(t, s, 64)
		}
		eventually(t, "first stream read", func() bool { return target.mod.Counters().TentativeReceived == 3 })
		first := r.s
		r.s = r.dialStream(t, target.self, 0)
		for s := uint64(4); s <= 5; s++ {
			r.send(t, s, 64)
		}
		eventually(t, "second stream read", func() bool { return target.mod.Counters().TentativeReceived == 5 })
		(&rawSender{s: first}).waitClosedByRemote(t)
		c := target.mod.Counters()
		if c.Tentative != 1 || c.TentativeCreated != 2 || c.TentativeEvictions != 0 || c.TentativeDropped != 0 {
			t.Fatalf("counters: %+v", c)
		}
		if err := target.mod.SetMembership(append(members(target), membership.Member{ID: r.id(), Addr: r.idAddr(t, env)})); err != nil {
			t.Fatal(err)
		}
		eventually(t, "flush", func() bool { return target.rec.count(r.id()) == 5 })
		if got := target.rec.got(r.id()); !slices.Equal(got, seqRange(1, 5)) {
			t.Errorf("got %v, want 1..5", got)
		}
	})
}

// TestNonMemberFlood: many non-members write concurrently as fast as they
// can. At no time are there more than M tentative receivers, each buffer
// holds at most N messages, nothing reaches the sink, evictions are counted,
// and the node's own members are still served afterwards.
func TestNonMemberFlood(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env netEnv) {
		const flooders, m, n = 8, 3, 8
		cfg := fastCfg()
		cfg.MaxTentative = m
		cfg.TentativeBufferMsgs = n
		target := startNode(t, env.newIdent(t), cfg, newRecorder())
		friend := startNode(t, env.newIdent(t), fastCfg(), newRecorder())
		for _, x := range []*node{target, friend} {
			if err := x.mod.SetMembership(members(target, friend)); err != nil {
				t.Fatal(err)
			}
		}
		var raws []*rawSender
		for range flooders {
			raws = append(raws, dialRaw(t, env, target.self))
		}
		var maxTentative atomic.Int64
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			for {
				if v := int64(target.mod.Counters().Tentative); v > maxTentative.Load() {
					maxTentative.Store(v)
				}
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
			}
		}()
		var wg sync.WaitGroup
		for _, r := range raws {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for s := uint64(1); s <= 300; s++ {
					if _, err := r.s.Write(membership.EncodeFrame(payload(s, 256))); err != nil {
						return // evicted: the target closed the stream
					}
				}
			}()
		}
		wg.Wait()
		eventually(t, "all flooders seen", func() bool { return target.mod.Counters().TentativeCreated == flooders })
		close(stop)
		<-sampled
		c := target.mod.Counters()
		if maxTentative.Load() > m || c.Tentative > m {
			t.Errorf("tentative receivers: max seen %d, now %d, limit %d", maxTentative.Load(), c.Tentative, m)
		}
		if c.TentativeEvictions != flooders-m {
			t.Errorf("evictions %d, want %d", c.TentativeEvictions, flooders-m)
		}
		if c.Received != 0 {
			t.Errorf("%d non-member messages reached the sink", c.Received)
		}
		// Buffers are bounded: whatever was read and not dropped is at most
		// N per live tentative receiver.
		eventually(t, "drop accounting settles", func() bool {
			c := target.mod.Counters()
			return c.TentativeReceived-c.TentativeDropped <= uint64(c.Tentative*n)
		})
		// Members are unaffected.
		for s := uint64(1); s <= 20; s++ {
			if err := friend.mod.Send(target.id(), payload(s, 100)); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, "member traffic", func() bool { return target.rec.count(friend.id()) == 20 })
		target.rec.check(t)
	})
}

// TestStreamPreamble: streams are ordered by their preamble epoch, so a stream
// whose handler runs after a newer one of the same sender is closed as stale
// instead of replacing it; a malformed or missing preamble closes the stream;
// at most MaxPendingStreams streams may wait for their preamble.
func TestStreamPreamble(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env netEnv) {
		cfg := fastCfg()
		cfg.MaxPendingStreams = 2
		target := startNode(t, env.newIdent(t), cfg, newRecorder())
		r := dialRaw(t, env, target.self)
		eventually(t, "first stream registered", func() bool { return target.mod.Counters().TentativeCreated == 1 })
		r.s = r.dialStream(t, target.self, 1<<40) // newer: replaces the first
		r.send(t, 1, 64)
		eventually(t, "newest stream read", func() bool { return target.mod.Counters().TentativeReceived == 1 })
		stale := r.dialStream(t, target.self, 1<<39) // older than the current one
		(&rawSender{s: stale}).waitClosedByRemote(t)
		r.send(t, 2, 64) // the current stream is unaffected
		eventually(t, "current stream still read", func() bool { return target.mod.Counters().TentativeReceived == 2 })
		if c := target.mod.Counters(); c.StaleStreams != 1 || c.TentativeCreated != 2 || c.Tentative != 1 {
			t.Errorf("counters: stale=%d created=%d tentative=%d", c.StaleStreams, c.TentativeCreated, c.Tentative)
		}

		raw := func() membership.Stream {
			s, err := r.tr.Dial(t.Context(), target.self)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		bad := raw()
		bad.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		(&rawSender{s: bad}).waitClosedByRemote(t)
		eventually(t, "bad preamble counted", func() bool { return target.mod.Counters().BadPreambles == 1 })

		// Two streams stuck in the middle of their preamble fill the slots.
		var stuck []membership.Stream
		for range 2 {
			s := raw()
			s.Write([]byte("L"))
			stuck = append(stuck, s)
		}
		eventually(t, "pending streams", func() bool { return target.mod.Counters().Pending == 2 })
		extra := raw()
		extra.Write([]byte("L"))
		(&rawSender{s: extra}).waitClosedByRemote(t)
		for _, s := range stuck {
			s.Close()
		}
		eventually(t, "pending released", func() bool {
			c := target.mod.Counters()
			return c.Pending == 0 && c.BadPreambles == 3
		})
		if c := target.mod.Counters(); c.PendingRejected != 1 {
			t.Errorf("pending rejected %d", c.PendingRejected)
		}

		// A stream that never completes its preamble is closed after
		// PreambleTimeout.
		cfg2 := fastCfg()
		cfg2.PreambleTimeout = 50 * time.Millisecond
		target2 := startNode(t, env.newIdent(t), cfg2, newRecorder())
		s, err := r.tr.Dial(t.Context(), target2.self)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.Write([]byte("L"))
		(&rawSender{s: s}).waitClosedByRemote(t)
		eventually(t, "timeout counted", func() bool { return target2.mod.Counters().BadPreambles == 1 })
	})
}
