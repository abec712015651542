package peermgr

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) add(d time.Duration)     { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }
func pid(prefix string, i int) ID        { return ID(fmt.Sprintf("%s%02d", prefix, i)) }
func disc(id ID, r GoodbyeReason) Action { return Action{Kind: ActDisconnect, Peer: id, Reason: r} }

func kinds(acts []Action, k ActionKind) []ID {
	var out []ID
	for _, a := range acts {
		if a.Kind == k {
			out = append(out, a.Peer)
		}
	}
	return out
}

var genesisView = LocalView{Status: Status{ForkDigest: [4]byte{1, 2, 3, 4}}, CurrentSlot: 1000, SlotsPerEpoch: 32}

func TestGoodbyeCodes(t *testing.T) {
	want := map[GoodbyeReason]uint64{ClientShutdown: 1, IrrelevantNetwork: 2, FaultError: 3, UnableToVerifyNetwork: 128, TooManyPeers: 129, BadScore: 250, Banned: 251, BannedIP: 252}
	for r, v := range want {
		if uint64(r) != v || r.String() == "" {
			t.Errorf("%s = %d, want %d", r, uint64(r), v)
		}
	}
	if GoodbyeReason(7).String() != "goodbye(7)" {
		t.Error("unknown code string")
	}
}

func TestCheckStatus(t *testing.T) {
	var rootA, rootB, rootC [32]byte
	rootA[0], rootB[0], rootC[0] = 0xa, 0xb, 0xc
	local := LocalView{
		Status:        Status{ForkDigest: [4]byte{1, 2, 3, 4}, FinalizedRoot: rootA, FinalizedEpoch: 5, HeadSlot: 200},
		CurrentSlot:   210,
		SlotsPerEpoch: 32,
		RootAtEpoch: func(e uint64) ([32]byte, bool) {
			if e == 3 {
				return rootC, true
			}
			return [32]byte{}, false
		},
	}
	base := Status{ForkDigest: [4]byte{1, 2, 3, 4}, FinalizedRoot: rootA, FinalizedEpoch: 5, HeadSlot: 205}
	with := func(f func(*Status)) Status { s := base; f(&s); return s }
	cases := []struct {
		name   string
		remote Status
		pol    StatusPolicy
		want   Verdict
	}{
		{"same chain", base, StatusPolicy{}, Keep},
		{"other fork digest", with(func(s *Status) { s.ForkDigest[0] = 9 }), StatusPolicy{}, Ban},
		{"spec example: (B,3) where we have C at 3", with(func(s *Status) { s.FinalizedRoot, s.FinalizedEpoch = rootB, 3 }), StatusPolicy{}, Ban},
		{"(C,3) is in our chain", with(func(s *Status) { s.FinalizedRoot, s.FinalizedEpoch = rootC, 3 }), StatusPolicy{}, Keep},
		{"epoch we cannot check", with(func(s *Status) { s.FinalizedRoot, s.FinalizedEpoch = rootB, 4 }), StatusPolicy{}, Keep},
		{"same epoch, other root", with(func(s *Status) { s.FinalizedRoot = rootB }), StatusPolicy{}, Ban},
		{"peer finalized ahead of us", with(func(s *Status) { s.FinalizedRoot, s.FinalizedEpoch = rootB, 6 }), StatusPolicy{}, Keep},
		{"genesis checkpoint", with(func(s *Status) { s.FinalizedRoot, s.FinalizedEpoch = [32]byte{}, 0 }), StatusPolicy{}, Keep},
		{"head beyond the clock", with(func(s *Status) { s.HeadSlot = 212 }), StatusPolicy{}, Ban},
		{"head within the disparity", with(func(s *Status) { s.HeadSlot = 211 }), StatusPolicy{}, Keep},
		{"head beyond, larger disparity", with(func(s *Status) { s.HeadSlot = 212 }), StatusPolicy{ClockDisparitySlots: 4}, Keep},
		{"clock check off", with(func(s *Status) { s.HeadSlot = 9999 }), StatusPolicy{ClockDisparitySlots: -1}, Keep},
		{"finalized beyond the clock", with(func(s *Status) { s.FinalizedEpoch, s.HeadSlot = 7, 200 }), StatusPolicy{}, Ban},
		{"far behind, lag check off", with(func(s *Status) { s.FinalizedRoot, s.FinalizedEpoch = [32]byte{}, 0 }), StatusPolicy{MaxFinalizedLag: 0}, Keep},
		{"far behind, lag 4", with(func(s *Status) { s.FinalizedRoot, s.FinalizedEpoch = [32]byte{}, 0 }), StatusPolicy{MaxFinalizedLag: 4}, Disconnect},
		{"behind within lag", with(func(s *Status) { s.FinalizedRoot, s.FinalizedEpoch = rootC, 3 }), StatusPolicy{MaxFinalizedLag: 4}, Keep},
	}
	for _, c := range cases {
		d := CheckStatus(local, c.remote, c.pol)
		if d.Verdict != c.want {
			t.Errorf("%s: %s (%s), want %s", c.name, d.Verdict, d.Why, c.want)
		}
		if d.Verdict != Keep && d.Reason != IrrelevantNetwork {
			t.Errorf("%s: reason %s", c.name, d.Reason)
		}
	}
}

func TestLimitsAndBalance(t *testing.T) {
	c := newClock()
	m := New(Config{TargetPeers: 10, MaxPeers: 12, OutboundFraction: 0.3, Now: c.now, StaticPeers: []ID{"static"}})
	if m.MinOutbound() != 3 || m.MaxInbound() != 9 {
		t.Fatalf("minOut %d maxIn %d", m.MinOutbound(), m.MaxInbound())
	}
	for i := range 9 {
		if acts := m.OnConnected(pid("in", i), Inbound); acts != nil {
			t.Fatalf("inbound %d refused: %v", i, acts)
		}
	}
	// Inbound beyond MaxPeers - MinOutbound: refused, room is kept for
	// outbound peers.
	if acts := m.OnConnected("in-extra", Inbound); !slices.Equal(acts, []Action{disc("in-extra", TooManyPeers)}) {
		t.Fatalf("10th inbound: %v", acts)
	}
	for i := range 3 {
		if acts := m.OnConnected(pid("out", i), Outbound); acts != nil {
			t.Fatalf("outbound %d refused: %v", i, acts)
		}
	}
	if acts := m.OnConnected("out-extra", Outbound); !slices.Equal(acts, []Action{disc("out-extra", TooManyPeers)}) {
		t.Fatalf("outbound beyond MaxPeers: %v", acts)
	}
	// A static peer is always accepted.
	if acts := m.OnConnected("static", Inbound); acts != nil {
		t.Fatalf("static refused: %v", acts)
	}
	// A duplicate connection is the same logical peer.
	if acts := m.OnConnected(pid("in", 0), Outbound); acts != nil {
		t.Fatal("duplicate connection produced actions")
	}
	if s := m.Stats(); s.Connected != 13 || s.Inbound != 10 || s.Outbound != 3 {
		t.Fatalf("stats %+v", s)
	}
	m.OnDisconnected("in-extra")
	m.OnDisconnected("out-extra")
	if s := m.Stats(); s.Tracked != 13 {
		t.Fatalf("refused peers still tracked: %+v", s)
	}
}

func TestPruneKeepsProtectedAndOutbound(t *testing.T) {
	c := newClock()
	m := New(Config{TargetPeers: 6, MaxPeers: 20, PruneAbove: 6, OutboundFraction: 0.5, Now: c.now,
		StaticPeers: []ID{"static"}, TrustedPeers: []ID{"trusted"}})
	// 3 = minOut outbound peers with the worst gossip scores, protected
	// peers with bad scores too, and inbound peers with better scores.
	for i := range 3 {
		m.OnConnected(pid("out", i), Outbound)
		m.SetGossipScore(pid("out", i), -100)
	}
	for _, id := range []ID{"static", "trusted"} {
		m.OnConnected(id, Inbound)
		m.SetGossipScore(id, -1000)
	}
	for i := range 5 {
		m.OnConnected(pid("in", i), Inbound)
		m.SetGossipScore(pid("in", i), float64(i))
		m.OnStatus(pid("in", i), Status{}) // no chain view: keep
	}
	m.OnConnected("out-extra", Outbound)
	m.SetGossipScore("out-extra", -50)
	// 11 connected, target 6: 5 go. out00 is the worst prunable peer
	// (4 outbound > 3), then the lowest inbound scores; the other outbound
	// peers stay although worse than every inbound one (minimum 3), and
	// static and trusted peers stay.
	acts := m.Tick(nil)
	got := kinds(acts, ActDisconnect)
	want := []ID{"out00", "in00", "in01", "in02", "in03"}
	if !slices.Equal(got, want) {
		t.Fatalf("pruned %v, want %v", got, want)
	}
	for _, a := range acts {
		if a.Kind == ActDisconnect && a.Reason != TooManyPeers {
			t.Fatalf("prune reason %s", a.Reason)
		}
	}
	if s := m.Stats(); s.Connected != 6 || s.Outbound != 3 {
		t.Fatalf("after prune %+v", s)
	}
	// Nothing more to prune; disconnecting peers are not pruned twice.
	if acts := m.Tick(nil); len(kinds(acts, ActDisconnect)) != 0 {
		t.Fatalf("second prune %v", acts)
	}
}

func TestPruneTieBreak(t *testing.T) {
	c := newClock()
	m := New(Config{TargetPeers: 2, MaxPeers: 10, PruneAbove: 2, OutboundFraction: -1, Now: c.now})
	m.OnConnected("old-in", Inbound)
	c.add(time.Second)
	m.OnConnected("new-in", Inbound)
	m.OnConnected("out", Outbound)
	m.OnConnected("nostatus", Outbound)
	for _, id := range []ID{"old-in", "new-in", "out"} {
		m.OnStatus(id, Status{})
	}
	// Equal scores: no Status first, then inbound, newest first.
	if got := kinds(m.Tick(nil), ActDisconnect); !slices.Equal(got, []ID{"nostatus", "new-in"}) {
		t.Fatalf("pruned %v", got)
	}
}

func TestBanExpiry(t *testing.T) {
	c := newClock()
	m := New(Config{TargetPeers: 4, Now: c.now, BanDuration: time.Hour, MaxBanDuration: 3 * time.Hour})
	m.OnConnected("bad", Outbound)
	acts := m.OnBadBehaviour("bad", WrongNetwork)
	if len(acts) != 2 || acts[0].Kind != ActBan || acts[0].Until != c.t.Add(time.Hour) || acts[1] != disc("bad", IrrelevantNetwork) {
		t.Fatalf("wrong network: %v", acts)
	}
	if !m.IsBanned("bad") {
		t.Fatal("not banned")
	}
	m.OnDisconnected("bad")
	// Reconnecting while banned: refused with Banned.
	if acts := m.OnConnected("bad", Inbound); !slices.Equal(acts, []Action{disc("bad", Banned)}) {
		t.Fatalf("banned reconnect: %v", acts)
	}
	m.OnDisconnected("bad")
	// The planner skips it.
	if got := kinds(m.Tick([]ID{"bad", "good"}), ActDial); !slices.Equal(got, []ID{"good"}) {
		t.Fatalf("dials while banned %v", got)
	}
	c.add(59 * time.Minute)
	if !m.IsBanned("bad") {
		t.Fatal("ban ended early")
	}
	c.add(time.Minute)
	if m.IsBanned("bad") {
		t.Fatal("ban did not expire")
	}
	acts = m.Tick([]ID{"bad"})
	if !slices.Equal(kinds(acts, ActUnban), []ID{"bad"}) || !slices.Equal(kinds(acts, ActDial), []ID{"bad"}) {
		t.Fatalf("after expiry: %v", acts)
	}
	m.OnConnected("bad", Outbound)
	// A second ban lasts twice as long, a third is capped at MaxBanDuration.
	if acts := m.OnBadBehaviour("bad", ProtocolViolation); acts[0].Until != c.t.Add(2*time.Hour) || acts[0].Reason != FaultError || acts[1].Reason != Banned {
		t.Fatalf("second ban %v", acts)
	}
	if acts := m.Ban("bad", FaultError); acts[0].Until != c.t.Add(3*time.Hour) {
		t.Fatalf("third ban %v", acts)
	}
	// Long after the last ban the count resets.
	c.add(3*time.Hour + 3*time.Hour)
	m.Tick(nil)
	if acts := m.Ban("bad", FaultError); acts[0].Until != c.t.Add(time.Hour) {
		t.Fatalf("ban after reset %v", acts)
	}
}

func TestScoreThresholdsAndDecay(t *testing.T) {
	c := newClock()
	m := New(Config{TargetPeers: 4, Now: c.now, StaticPeers: []ID{"static"}})
	m.OnConnected("p", Outbound)
	if acts := m.OnBadBehaviour("p", MalformedReqResp); acts != nil {
		t.Fatalf("first fault: %v", acts)
	}
	if acts := m.OnBadBehaviour("p", MalformedReqResp); !slices.Equal(acts, []Action{disc("p", BadScore)}) {
		t.Fatalf("at -20: %v", acts)
	}
	if s := m.Score("p"); s != -20 {
		t.Fatalf("score %v", s)
	}
	// Half-life: -20 becomes -10 after 10 minutes.
	c.add(10 * time.Minute)
	if s := m.Score("p"); s < -10.001 || s > -9.999 {
		t.Fatalf("decayed score %v", s)
	}
	// Down to the ban threshold: banned (and not disconnected twice).
	var acts []Action
	for range 4 {
		acts = append(acts, m.OnBadBehaviour("p", MalformedReqResp)...)
	}
	if len(kinds(acts, ActBan)) != 1 || len(kinds(acts, ActDisconnect)) != 0 {
		t.Fatalf("ban by score: %v", acts)
	}
	// Gossip REJECTs: 10 to ban a fresh peer.
	m.OnConnected("g", Inbound)
	acts = nil
	for range 9 {
		acts = append(acts, m.OnBadBehaviour("g", GossipRejected)...)
	}
	if len(kinds(acts, ActBan)) != 0 {
		t.Fatal("banned too early")
	}
	if acts = m.OnBadBehaviour("g", GossipRejected); len(kinds(acts, ActBan)) != 1 {
		t.Fatalf("10th reject: %v", acts)
	}
	// A static peer is not disconnected at the disconnect threshold.
	m.OnConnected("static", Inbound)
	m.OnBadBehaviour("static", MalformedReqResp)
	if acts := m.OnBadBehaviour("static", MalformedReqResp); acts != nil {
		t.Fatalf("static disconnected by score: %v", acts)
	}
}

func TestTrustedNeverBannedOrDisconnected(t *testing.T) {
	c := newClock()
	m := New(Config{TargetPeers: 1, MaxPeers: 1, Now: c.now, TrustedPeers: []ID{"t"},
		Chain: func() LocalView { return genesisView }})
	m.OnConnected("x", Outbound)
	if acts := m.OnConnected("t", Inbound); acts != nil {
		t.Fatalf("trusted refused at the limit: %v", acts)
	}
	if acts := m.OnBadBehaviour("t", WrongNetwork); acts != nil {
		t.Fatalf("trusted banned: %v", acts)
	}
	if acts := m.Ban("t", FaultError); acts != nil || m.IsBanned("t") {
		t.Fatal("trusted banned by Ban")
	}
	if d, acts := m.OnStatus("t", Status{ForkDigest: [4]byte{9}}); d.Verdict != Ban || acts != nil {
		t.Fatalf("trusted wrong status: %v %v", d, acts)
	}
	c.add(time.Hour)
	if acts := m.Tick(nil); len(acts) != 0 {
		// x has no Status either: it is dropped, t is not.
		if !slices.Equal(acts, []Action{disc("x", UnableToVerifyNetwork)}) {
			t.Fatalf("tick: %v", acts)
		}
	}
}

func TestOnStatus(t *testing.T) {
	c := newClock()
	m := New(Config{TargetPeers: 4, Now: c.now, Chain: func() LocalView { return genesisView }})
	m.OnConnected("good", Inbound)
	m.OnConnected("other", Outbound)
	if d, acts := m.OnStatus("good", Status{ForkDigest: [4]byte{1, 2, 3, 4}}); d.Verdict != Keep || acts != nil {
		t.Fatalf("good: %v %v", d, acts)
	}
	d, acts := m.OnStatus("other", Status{ForkDigest: [4]byte{4, 3, 2, 1}})
	if d.Verdict != Ban || len(acts) != 2 || acts[0].Kind != ActBan || acts[1] != disc("other", IrrelevantNetwork) {
		t.Fatalf("other network: %v %v", d, acts)
	}
	if d, acts := m.OnStatus("unknown", Status{}); d.Verdict != Keep || acts != nil {
		t.Fatal("status of an unknown peer")
	}
}

func TestStatusTimeout(t *testing.T) {
	c := newClock()
	m := New(Config{TargetPeers: 4, Now: c.now, StatusTimeout: 10 * time.Second})
	m.OnConnected("silent", Inbound)
	m.OnConnected("talker", Inbound)
	m.OnStatus("talker", Status{})
	c.add(9 * time.Second)
	if acts := m.Tick(nil); len(acts) != 0 {
		t.Fatalf("early: %v", acts)
	}
	c.add(time.Second)
	if acts := m.Tick(nil); !slices.Equal(acts, []Action{disc("silent", UnableToVerifyNetwork)}) {
		t.Fatalf("timeout: %v", acts)
	}
}

func TestDialPlanner(t *testing.T) {
	c := newClock()
	m := New(Config{TargetPeers: 5, MaxPeers: 6, OutboundFraction: 0.4, Now: c.now, MaxDialsPerTick: 3,
		DialTimeout: 10 * time.Second, DialBackoff: time.Minute, StaticPeers: []ID{"static"}, StatusTimeout: time.Hour})
	m.OnConnected("conn", Inbound)
	m.OnBadBehaviour("banned", WrongNetwork)
	m.OnDialFailed("failed")
	cands := []ID{"conn", "banned", "failed", "a", "a", "b", "c", "d", "static"}
	// Static first (not counted against MaxDialsPerTick for statics), then
	// up to 3 candidates, skipping connected, banned, backed-off and
	// duplicate entries.
	if got := kinds(m.Tick(cands), ActDial); !slices.Equal(got, []ID{"static", "a", "b"}) {
		t.Fatalf("first plan %v", got)
	}
	// Pending dials count: target 5 = 1 connected + 3 pending + 1 more.
	if got := kinds(m.PlanDials(cands), ActDial); !slices.Equal(got, []ID{"c"}) {
		t.Fatalf("second plan %v", got)
	}
	if got := kinds(m.PlanDials(cands), ActDial); len(got) != 0 {
		t.Fatalf("third plan %v", got)
	}
	m.OnConnected("a", Outbound)
	m.OnConnected("static", Outbound)
	m.OnDialFailed("b")
	// c times out after DialTimeout and is backed off like b.
	c.add(10 * time.Second)
	if got := kinds(m.Tick(cands), ActDial); !slices.Equal(got, []ID{"d"}) {
		t.Fatalf("after failures %v", got)
	}
	m.OnConnected("d", Outbound)
	if s := m.Stats(); s.Connected != 4 || s.Dialing != 0 {
		t.Fatalf("stats %+v", s)
	}
	// After the backoff, "failed", "b" and "c" are dialable again.
	c.add(time.Minute)
	if got := kinds(m.Tick(cands), ActDial); !slices.Equal(got, []ID{"failed"}) {
		t.Fatalf("after backoff %v", got)
	}
	m.OnConnected("failed", Outbound)

	// A static peer that disconnects is redialled even at the target.
	m.OnDisconnected("static")
	m.OnConnected("x", Inbound)
	if got := kinds(m.Tick(nil), ActDial); !slices.Equal(got, []ID{"static"}) {
		t.Fatalf("static redial %v", got)
	}
}

func TestDialForOutboundMinimum(t *testing.T) {
	c := newClock()
	m := New(Config{TargetPeers: 4, MaxPeers: 8, PruneAbove: 4, OutboundFraction: 0.5, Now: c.now})
	for i := range 4 {
		m.OnConnected(pid("in", i), Inbound)
	}
	// At the target but with no outbound peer: dial 2 for the minimum.
	if got := kinds(m.Tick([]ID{"a", "b", "c"}), ActDial); !slices.Equal(got, []ID{"a", "b"}) {
		t.Fatalf("dials %v", got)
	}
	m.OnConnected("a", Outbound)
	m.OnConnected("b", Outbound)
	// Now 6 > target 4: prune 2 inbound, keep both outbound.
	acts := m.Tick(nil)
	if d := kinds(acts, ActDisconnect); len(d) != 2 || slices.Contains(d, "a") || slices.Contains(d, "b") {
		t.Fatalf("prune %v", acts)
	}
}

func TestGoodbyeBackoff(t *testing.T) {
	c := newClock()
	m := New(Config{TargetPeers: 4, Now: c.now})
	m.OnGoodbye("full", TooManyPeers)
	m.OnGoodbye("irrelevant", IrrelevantNetwork)
	c.add(4 * time.Minute)
	if got := kinds(m.Tick([]ID{"full", "irrelevant"}), ActDial); len(got) != 0 {
		t.Fatalf("dialled during backoff: %v", got)
	}
	c.add(time.Minute)
	if got := kinds(m.Tick([]ID{"full", "irrelevant"}), ActDial); !slices.Equal(got, []ID{"full"}) {
		t.Fatalf("after 5 min: %v", got)
	}
}

func TestBoundedTracking(t *testing.T) {
	c := newClock()
	m := New(Config{TargetPeers: 4, Now: c.now, MaxTracked: 10})
	for i := range 30 {
		m.OnDialFailed(pid("f", i))
	}
	m.Tick(nil)
	if s := m.Stats(); s.Tracked > 10 {
		t.Fatalf("tracked %d", s.Tracked)
	}
	// Expired backoffs are forgotten.
	c.add(time.Hour)
	m.Tick(nil)
	if s := m.Stats(); s.Tracked != 0 {
		t.Fatalf("tracked after expiry %d", s.Tracked)
	}
}

func TestDynamicProtectedSetsAndSnapshot(t *testing.T) {
	c := newClock()
	m := New(Config{TargetPeers: 1, MaxPeers: 1, Now: c.now})
	m.OnConnected("a", Outbound)
	m.AddStatic("s")
	m.AddTrusted("t")
	if acts := m.OnConnected("s", Inbound); acts != nil {
		t.Fatalf("static refused: %v", acts)
	}
	if acts := m.OnConnected("t", Inbound); acts != nil {
		t.Fatalf("trusted refused: %v", acts)
	}
	m.SetGossipScore("a", 2)
	ps := m.Peers()
	if len(ps) != 3 || ps[0].ID != "a" || ps[0].Score != 2 || ps[0].Direction != Outbound || !ps[1].Static || ps[1].Trusted || !ps[2].Trusted {
		t.Fatalf("snapshot %+v", ps)
	}
	m.RemoveStatic("s")
	m.RemoveStatic("t")
	// Both are prunable now; "a" is outbound, the minimum keeps it.
	if got := kinds(m.Tick(nil), ActDisconnect); len(got) != 2 || slices.Contains(got, "a") {
		t.Fatalf("prune after RemoveStatic: %v", got)
	}
	for _, s := range []fmt.Stringer{ActDial, ActDisconnect, ActBan, ActUnban, Inbound, Outbound, GossipRejected, WrongNetwork, Keep, Ban,
		Action{Kind: ActBan, Peer: "x", Reason: Banned, Until: c.t}, Action{Kind: ActDisconnect, Peer: "x", Reason: BadScore}, Action{Kind: ActDial, Peer: "x"}} {
		if s.String() == "" {
			t.Fatal("empty String")
		}
	}
}

// TestOneBanStore: the manager is the one owner of bans. A host ban with a
// minimum duration longer than the policy's is kept for that long (the
// manager, the gater's source, and the ban's ActBan agree), BanOf and Bans
// report it with its reason until it expires, a shorter minimum never
// shortens a ban in force, and trusted peers are never banned.
func TestOneBanStore(t *testing.T) {
	c := newClock()
	m := New(Config{TargetPeers: 4, Now: c.now, BanDuration: time.Minute, TrustedPeers: []ID{"t"}})
	acts := m.BanFor("p", FaultError, time.Hour)
	if len(acts) != 1 || acts[0].Kind != ActBan || !acts[0].Until.Equal(c.now().Add(time.Hour)) {
		t.Fatalf("ban actions %v, want one ActBan until now+1h", acts)
	}
	b, ok := m.BanOf("p")
	if !ok || !b.Until.Equal(c.now().Add(time.Hour)) || b.Reason != FaultError {
		t.Fatalf("BanOf = %+v, %v", b, ok)
	}
	// A shorter minimum (the policy's doubled minute) does not shorten it.
	m.BanFor("p", Banned, 0)
	if b2, _ := m.BanOf("p"); !b2.Until.Equal(b.Until) {
		t.Fatalf("second ban moved the end from %v to %v", b.Until, b2.Until)
	}
	if bans := m.Bans(); len(bans) != 1 || bans[0].Peer != "p" {
		t.Fatalf("Bans = %+v", bans)
	}
	if acts := m.BanFor("t", Banned, time.Hour); acts != nil || m.IsBanned("t") || !m.IsTrusted("t") || !m.IsStatic("t") {
		t.Fatalf("trusted peer banned: %v", acts)
	}
	c.add(59 * time.Minute) // the policy's 1 or 2 minutes are long over
	if !m.IsBanned("p") {
		t.Fatal("ban lifted before the host's minimum")
	}
	c.add(2 * time.Minute)
	if m.IsBanned("p") || len(m.Bans()) != 0 {
		t.Fatal("ban still in force after its end")
	}
	if got := kinds(m.Tick(nil), ActUnban); !slices.Equal(got, []ID{"p"}) {
		t.Fatalf("unbans %v", got)
	}
}

// TestDefaultsAndCheck: the one set of defaults (the node passes its zero
// values through) and the contradictions Check refuses.
func TestDefaultsAndCheck(t *testing.T) {
	m := New(Config{MaxPeers: 40})
	cfg := m.Config()
	if cfg.TargetPeers != 40 || cfg.PruneAbove != 40 || cfg.BanDuration != DefaultBanDuration ||
		cfg.MaxBanDuration != DefaultMaxBanDuration || cfg.StatusTimeout != DefaultStatusTimeout || m.MinOutbound() != 8 {
		t.Fatalf("defaults with MaxPeers 40: %+v, min outbound %d", cfg, m.MinOutbound())
	}
	m = New(Config{TargetPeers: 10, MaxPeers: 21})
	if m.Config().PruneAbove != 16 || m.MinOutbound() != 2 || m.MaxInbound() != 19 {
		t.Fatalf("prune above %d (want 16), min outbound %d, max inbound %d", m.Config().PruneAbove, m.MinOutbound(), m.MaxInbound())
	}
	if m := New(Config{}); m.Config().TargetPeers != DefaultTargetPeers {
		t.Fatalf("target %d", m.Config().TargetPeers)
	}
	for _, bad := range []Config{{TargetPeers: 10, MaxPeers: 5}, {TargetPeers: 10, MaxPeers: 20, PruneAbove: 5},
		{TargetPeers: 10, MaxPeers: 20, PruneAbove: 25}, {BanDuration: -1}} {
		if err := bad.Check(); err == nil {
			t.Errorf("Check(%+v) accepted", bad)
		}
	}
	if err := (Config{TargetPeers: 10, MaxPeers: 20}).Check(); err != nil {
		t.Errorf("Check of a good config: %v", err)
	}
}
