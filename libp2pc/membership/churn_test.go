package membership_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/membership"
)

// TestMembershipChurnDuringTraffic: four members broadcast continuously while
// their memberships are changed at random (members removed and re-added).
// Nothing blocks or panics, per-sender order is never violated, the sink is
// never called concurrently for one sender, and once the full membership is
// restored every node hears from every other again.
func TestMembershipChurnDuringTraffic(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env netEnv) {
		var ns []*node
		for range 4 {
			ns = append(ns, startNode(t, env.newIdent(t), fastCfg(), newRecorder()))
		}
		all := members(ns...)
		for _, n := range ns {
			if err := n.mod.SetMembership(all); err != nil {
				t.Fatal(err)
			}
		}
		seqs := make([]atomic.Uint64, len(ns))
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for i, n := range ns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := n.mod.Broadcast(payload(seqs[i].Add(1), 256)); err != nil {
						t.Error(err)
						return
					}
					time.Sleep(500 * time.Microsecond)
				}
			}()
		}
		stopped := false
		stopTraffic := func() {
			if !stopped {
				stopped = true
				close(stop)
				wg.Wait()
			}
		}
		defer stopTraffic()

		rng := rand.New(rand.NewPCG(1, 2))
		noBlock(t, "membership churn", func() {
			for range 150 {
				i := rng.IntN(len(ns))
				var sub []membership.Member
				for j, m := range all {
					if j == i || rng.IntN(2) == 0 {
						sub = append(sub, m)
					}
				}
				if err := ns[i].mod.SetMembership(sub); err != nil {
					t.Error(err)
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
		for _, n := range ns {
			if err := n.mod.SetMembership(all); err != nil {
				t.Fatal(err)
			}
		}
		mark := make([]uint64, len(ns))
		for i := range ns {
			mark[i] = seqs[i].Load()
		}
		for _, n := range ns {
			for j, o := range ns {
				if n == o {
					continue
				}
				eventually(t, "traffic after churn", func() bool { return n.rec.last(o.id()) > mark[j] })
			}
		}
		stopTraffic()
		var tc membership.Counters
		for _, n := range ns {
			n.rec.check(t)
			c := n.mod.Counters()
			if c.SinkPanics != 0 {
				t.Errorf("sink panics: %d", c.SinkPanics)
			}
			tc.Sent += c.Sent
			tc.Received += c.Received
			tc.Discarded += c.Discarded
			tc.TentativeCreated += c.TentativeCreated
			tc.TentativePromoted += c.TentativePromoted
			tc.Reconnects += c.Reconnects
		}
		t.Logf("sent=%d received=%d discarded=%d tentativeCreated=%d promoted=%d reconnects=%d",
			tc.Sent, tc.Received, tc.Discarded, tc.TentativeCreated, tc.TentativePromoted, tc.Reconnects)
	})
}

// TestSinkReentrant: sinks that call Send, Broadcast, Counters and
// SetMembership from inside the callback, in a ping-pong storm between two
// members with small queues. Any lock held across the sink call, or any Send
// that waited for the network, would deadlock here; the watchdog catches it.
func TestSinkReentrant(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env netEnv) {
		cfg := fastCfg()
		cfg.QueueMaxMsgs = 16
		var mods [2]atomic.Pointer[membership.Module]
		var seqs [2]atomic.Uint64
		var all atomic.Pointer[[]membership.Member]
		recs := [2]*recorder{newRecorder(), newRecorder()}
		var ns [2]*node
		for i := range 2 {
			c := cfg
			c.Sink = func(e membership.Event) {
				recs[i].sink(e)
				m := mods[i].Load()
				if m == nil {
					return
				}
				m.Send(e.From, payload(seqs[i].Add(1), 64))
				m.Broadcast(payload(seqs[i].Add(1), 64))
				m.Counters()
				if seqOf(e.Payload)%50 == 0 {
					if mem := all.Load(); mem != nil {
						m.SetMembership(*mem)
					}
				}
			}
			ns[i] = startNode(t, env.newIdent(t), c, recs[i])
			mods[i].Store(ns[i].mod)
		}
		mem := members(ns[0], ns[1])
		all.Store(&mem)
		for _, n := range ns {
			if err := n.mod.SetMembership(mem); err != nil {
				t.Fatal(err)
			}
		}
		if err := ns[0].mod.Send(ns[1].id(), payload(seqs[0].Add(1), 64)); err != nil {
			t.Fatal(err)
		}
		eventually(t, "storm", func() bool {
			return recs[0].count(ns[1].id()) > 2000 && recs[1].count(ns[0].id()) > 2000
		})
		for i, n := range ns {
			mods[i].Store(nil)
			n.kill() // watchdog: Close while sinks are busy
			recs[i].check(t)
		}
	})
}

// TestCloseReleasesGoroutines: after Close (and the transport's Close, which
// Module.Close calls) no goroutine of the module or of the raw TCP transport
// is left, even with a dispatcher stuck on an unreachable member, a tentative
// receiver and traffic in flight. (Raw TCP only: libp2p hosts run goroutines
// of their own.)
func TestCloseReleasesGoroutines(t *testing.T) {
	env := envs[0]
	if env.name != "tcp" {
		t.Fatal("envs[0] must be tcp")
	}
	func() {
		a := startNode(t, env.newIdent(t), fastCfg(), newRecorder())
		b := startNode(t, env.newIdent(t), fastCfg(), newRecorder())
		ghost := membership.Member{ID: "ghost", Addr: "127.0.0.1:9"}
		for _, n := range []*node{a, b} {
			if err := n.mod.SetMembership(append(members(a, b), ghost)); err != nil {
				t.Fatal(err)
			}
		}
		r := dialRaw(t, env, a.self) // a tentative receiver on a
		r.send(t, 1, 10)
		for s := uint64(1); s <= 200; s++ {
			a.mod.Broadcast(payload(s, 1000))
			b.mod.Broadcast(payload(s, 1000))
		}
		eventually(t, "traffic", func() bool { return b.rec.count(a.id()) > 0 && a.mod.Counters().TentativeReceived == 1 })
		if n := len(moduleGoroutines()); n < 6 {
			t.Errorf("detector sees only %d module goroutines while running", n)
		}
		r.close()
		a.kill()
		b.kill()
	}()
	var left []string
	eventuallyf(t, func() string {
		return fmt.Sprintf("%d goroutines left:\n%s", len(left), strings.Join(left, "\n\n"))
	}, func() bool {
		left = moduleGoroutines()
		return len(left) == 0
	})
}

// moduleGoroutines returns the stacks of goroutines running code of the
// membership packages (not counting the tests' own goroutines).
func moduleGoroutines() []string {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "membership_test.") {
			continue
		}
		if strings.Contains(g, "libp2pc/membership.") || strings.Contains(g, "libp2pc/membership/tcptransport.") {
			out = append(out, g)
		}
	}
	return out
}
