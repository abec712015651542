package node

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	gcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/discovery"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqrespnet"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/peermgr"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// timedRecorder is a recorder that also notes when each event arrived.
type timedRecorder struct {
	*recorder
	mu sync.Mutex
	at map[uint64]time.Time
}

func (r *timedRecorder) sink(e *events.Event) {
	r.mu.Lock()
	r.at[e.Seq] = time.Now()
	r.mu.Unlock()
	r.recorder.sink(e)
}

func (r *timedRecorder) when(e events.Event) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.at[e.Seq]
}

// testBootnode is a plain discv5 node (no libp2p: nothing to dial) on the
// network of c.
func testBootnode(t *testing.T, c Eth2Config) *discovery.Service {
	t.Helper()
	key, err := gcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.Schedule.ENRForkID(0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := discovery.New(discovery.Config{PrivKey: key, ListenUDP: "127.0.0.1:0",
		ENR: discovery.Fields{ForkID: id}, PingInterval: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// startDiscNode starts an eth2 node with discovery on loopback, its Status
// set to the genesis checkpoint under the current digest.
func startDiscNode(t *testing.T, c Eth2Config, dc DiscoveryConfig, maxPeers int) (*Node, *timedRecorder) {
	t.Helper()
	rec := &timedRecorder{recorder: newRecorder(), at: map[uint64]time.Time{}}
	n, err := New(Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Sink: rec.sink, StopGrace: 2 * time.Second, MaxPeers: maxPeers})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.ConfigureEth2(c); err != nil {
		t.Fatal(err)
	}
	dc.ListenUDP = "127.0.0.1:0"
	if dc.TickInterval == 0 {
		dc.TickInterval = 300 * time.Millisecond
	}
	dc.PingInterval = 500 * time.Millisecond
	if err := n.ConfigureDiscovery(dc); err != nil {
		t.Fatal(err)
	}
	d, _ := n.Eth2CurrentDigest()
	if err := n.SetStatus(reqrespnet.Status{ForkDigest: d}); err != nil {
		t.Fatal(err)
	}
	req, err := n.Start()
	if err != nil {
		t.Fatal(err)
	}
	if e := rec.waitFor(t, "start", doneFor(req)); e.Status != 0 {
		t.Fatalf("start failed: %s", e.Text)
	}
	t.Cleanup(func() { stopAndWait(t, n, rec.recorder) })
	return n, rec
}

func peerCounts(ns []*Node) []int {
	out := make([]int, len(ns))
	for i, n := range ns {
		out[i] = len(n.Peers())
	}
	return out
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

// TestDiscoveryNetwork: a bootnode plus 8 nodes that know only the
// bootnode's ENR find each other through discv5 and converge to their
// target peer count; their peer tables carry direction, agent, ENR and
// Status; a node of another network (other genesis validators root) is
// never discovered, and when it dials in, the Status check bans it (goodbye
// 2); an ENR update (attnets) reaches another node's lookup with the new
// sequence number.
func TestDiscoveryNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	// max_peers = nodes-1: no node ever refuses one for lack of room. With
	// tighter limits the network still fills, but a node below its target
	// can wait out goodbye-129 backoffs (5 min) in a network this small.
	const nodes, target, pruneAbove, maxPeers = 8, 4, 7, 7
	c := testEth2Config(time.Now(), config.FarFutureEpoch, config.FarFutureEpoch)
	boot := testBootnode(t, c)
	dc := DiscoveryConfig{Bootnodes: []string{boot.ENR()}, TargetPeers: target, MaxPeers: maxPeers, PruneAbove: pruneAbove}
	ns := make([]*Node, nodes)
	rs := make([]*timedRecorder, nodes)
	for i := range ns {
		ns[i], rs[i] = startDiscNode(t, c, dc, maxPeers+2)
	}
	// The ENR is the last element of Listening's addrs, and Node.ENR.
	lis := rs[0].waitFor(t, "listening", isType(events.Listening))
	enr0, err := ns[0].ENR()
	if err != nil || lis.Addrs[len(lis.Addrs)-1] != enr0 || !strings.HasPrefix(enr0, "enr:") {
		t.Fatalf("listening addrs %v, ENR %q (%v)", lis.Addrs, enr0, err)
	}
	rec, err := discovery.ParseENR(enr0)
	if err != nil {
		t.Fatal(err)
	}
	if pid, _ := discovery.PeerID(rec); pid != ns[0].ID() {
		t.Fatalf("ENR key is %s, node is %s", pid, ns[0].ID())
	}
	if f, _ := discovery.ReadFields(rec.Record()); f.ForkID.ForkDigest != digestOf(t, c, 0) || len(discovery.TCPEndpoints(rec)) != 1 {
		t.Fatalf("ENR fields %+v, tcp %v", f, discovery.TCPEndpoints(rec))
	}

	start := time.Now()
	eventually(t, "every node at its target", 60*time.Second, func() (bool, string) {
		cs := peerCounts(ns)
		for _, k := range cs {
			if k < target || k > maxPeers {
				return false, fmt.Sprint(cs)
			}
		}
		return true, ""
	})
	t.Logf("all within [%d, %d] after %v: peers %v", target, maxPeers, time.Since(start).Round(time.Millisecond), peerCounts(ns))
	// Pruning keeps everyone within [target, prune_above]: a second check
	// a few ticks later.
	time.Sleep(2 * time.Second)
	eventually(t, "every node within [target, prune_above]", 30*time.Second, func() (bool, string) {
		cs := peerCounts(ns)
		for _, k := range cs {
			if k < target || k > pruneAbove {
				return false, fmt.Sprint(cs)
			}
		}
		return true, ""
	})
	t.Logf("all within [%d, %d] after %v: peers %v", target, pruneAbove, time.Since(start).Round(time.Millisecond), peerCounts(ns))
	for i, n := range ns {
		if got := len(n.DiscoveredPeers()); got < target {
			t.Errorf("node %d discovered only %d peers", i, got)
		}
	}

	// The peer table: every connected peer with its Status, the agent
	// identify reported, and (for peers discovery found) its ENR fields.
	eventually(t, "node 0's peer table complete", 20*time.Second, func() (bool, string) {
		tab, err := ns[0].PeerTable()
		if err != nil {
			return false, err.Error()
		}
		if len(tab) < target {
			return false, fmt.Sprintf("%d rows", len(tab))
		}
		for _, e := range tab {
			if !e.Connected || !e.HasStatus || e.Agent != UserAgent || (e.Direction != "inbound" && e.Direction != "outbound") ||
				e.Status.ForkDigest != digestOf(t, c, 0) || e.Since.IsZero() {
				return false, fmt.Sprintf("%+v", e)
			}
		}
		return true, ""
	})

	// A node on another network: its own discovery never yields ours (nor
	// ours it), and a manual dial ends in a ban for irrelevant network.
	wc := c
	ws := *c.Schedule
	ws.GenesisValidatorsRoot = [32]byte{9, 9, 9}
	wc.Schedule = &ws
	w, _ := startDiscNode(t, wc, dc, maxPeers+2)
	vi := 0 // the least connected node: room for one more
	for i, k := range peerCounts(ns) {
		if k < len(ns[vi].Peers()) {
			vi = i
		}
	}
	ns[0], ns[vi] = ns[vi], ns[0]
	rs[0], rs[vi] = rs[vi], rs[0]
	if _, err := w.Dial(listenAddr(t, ns[0], rs[0].recorder, "/tcp/")); err != nil {
		t.Fatal(err)
	}
	ban := rs[0].waitFor(t, "ban of the wrong-network node", func(e events.Event) bool {
		return e.Type == events.PeerBanned && e.PeerID == w.ID().String()
	})
	if !strings.Contains(ban.Text, "irrelevant network") || ban.Code == 0 {
		t.Fatalf("ban event %+v", ban)
	}
	disc := rs[0].waitFor(t, "wrong-network node's disconnect", func(e events.Event) bool {
		return e.Type == events.PeerDisconnected && e.PeerID == w.ID().String()
	})
	if !strings.Contains(disc.Text, "2 (irrelevant network)") {
		t.Fatalf("disconnect reason %q", disc.Text)
	}
	if tab, _ := ns[0].PeerTable(); !bannedIn(tab, w.ID()) {
		t.Fatalf("peer table does not list the ban: %+v", tab)
	}

	// ENR update: node 0 advertises attestation subnets 0 and 9; node 5's
	// lookup sees the new record.
	var att discovery.Attnets
	att.Set(0, true)
	att.Set(9, true)
	sn := discovery.Syncnets(0b0101)
	before := ns[0].Discovery().Self().Seq()
	seq, err := ns[0].UpdateENR(&att, &sn, 0)
	if err != nil || seq != before+1 {
		t.Fatalf("update: seq %d (before %d), %v", seq, before, err)
	}
	if again, _ := ns[0].UpdateENR(&att, &sn, 0); again != seq {
		t.Fatalf("a no-op update moved the seq to %d", again)
	}
	self0 := ns[0].Discovery().ID()
	eventually(t, "node 5's lookup sees node 0's new record", 30*time.Second, func() (bool, string) {
		for _, p := range ns[5].Discovery().Lookup(self0) {
			if p.Node.ID() == self0 {
				if p.Node.Seq() >= seq && p.Fields.Attnets == att && p.Fields.Syncnets == sn {
					return true, ""
				}
				return false, fmt.Sprintf("seq %d attnets %x", p.Node.Seq(), p.Fields.Attnets)
			}
		}
		return false, "not found"
	})

	// The wrong-network node was never discovered by anyone, never kept.
	for i, n := range ns {
		for _, p := range n.DiscoveredPeers() {
			if p == w.ID() {
				t.Errorf("node %d discovered the wrong-network node", i)
			}
		}
		for _, p := range n.Peers() {
			if p.ID == w.ID().String() {
				t.Errorf("node %d keeps the wrong-network node", i)
			}
		}
	}
	if got := len(w.DiscoveredPeers()); got != 0 {
		t.Errorf("the wrong-network node discovered %d peers", got)
	}
	c0 := ns[0].DiscoveryCounters()
	t.Logf("node 0: %+v", c0)
	if c0.StatusChecked == 0 || c0.Bans == 0 || c0.ENRSeq != seq {
		t.Errorf("counters %+v", c0)
	}
}

func bannedIn(tab []PeerTableEntry, p peer.ID) bool {
	for _, e := range tab {
		if e.ID == p.String() && !e.Connected && time.Until(e.BannedUntil) > 0 && e.BanReason != "" {
			return true
		}
	}
	return false
}

// TestDiscoveryBanExpiry: a peer whose gossip the victim REJECTs is banned
// (here one REJECT is enough), said goodbye to (251) and disconnected; it
// is neither dialled nor let in while the ban lasts, and the victim
// redials it (through discovery) once the ban has expired.
func TestDiscoveryBanExpiry(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	const banFor = 4 * time.Second
	c := testEth2Config(time.Now(), config.FarFutureEpoch, config.FarFutureEpoch)
	boot := testBootnode(t, c)
	dc := DiscoveryConfig{Bootnodes: []string{boot.ENR()}, TargetPeers: 1, MaxPeers: 2, BanDuration: banFor,
		Penalties: map[peermgr.Behaviour]float64{peermgr.GossipRejected: -50}}
	v, rv := startDiscNode(t, c, dc, 4)
	m, rm := startDiscNode(t, c, dc, 4)
	mid := m.ID().String()
	rv.waitFor(t, "v connects to m through discovery", func(e events.Event) bool {
		return e.Type == events.PeerConnected && e.PeerID == mid
	})
	if err := v.RegisterEth2Validator("voluntary_exit", func(context.Context, *Eth2Message) (ValidationResult, string) {
		return ValidationReject, "test: always invalid"
	}); err != nil {
		t.Fatal(err)
	}
	eth2SubOK(t, v, rv.recorder, "voluntary_exit", ValidateGo)
	eth2SubOK(t, m, rm.recorder, "voluntary_exit", ValidateNone)
	topic := fmt.Sprintf("/eth2/%s/voluntary_exit/ssz_snappy", digestOf(t, c, 0))
	rm.waitFor(t, "m sees v in the topic", joinedTopic(v.ID(), topic))
	eth2Pub(t, m, rm.recorder, "voluntary_exit", make([]byte, 112))

	ban := rv.waitFor(t, "ban", func(e events.Event) bool { return e.Type == events.PeerBanned && e.PeerID == mid })
	bannedAt := rv.when(ban)
	if ban.Code < 3 || ban.Code > 4 || !strings.Contains(ban.Text, "bad score") {
		t.Fatalf("ban event %+v", ban)
	}
	disc := rv.waitFor(t, "disconnect", func(e events.Event) bool {
		return e.Type == events.PeerDisconnected && e.PeerID == mid && e.Seq > ban.Seq
	})
	if disc.Text != "goodbye sent: 251 (banned)" {
		t.Fatalf("disconnect reason %q", disc.Text)
	}
	rm.waitFor(t, "m hears the goodbye", func(e events.Event) bool {
		return e.Type == events.PeerGoodbye && e.PeerID == v.ID().String() && e.Code == 251
	})
	if got := v.DiscoveryCounters().GossipRejects; got == 0 {
		t.Fatal("no gossip reject counted")
	}
	tab, _ := v.PeerTable()
	if !bannedIn(tab, m.ID()) {
		t.Fatalf("peer table %+v", tab)
	}
	// While banned, m cannot come in either: v refuses its connection
	// after the security handshake (m may see it open briefly: with the
	// muxer negotiated inside noise, its side is up before v decides), so
	// v reports no PeerConnected (checked below with the reconnect time).
	mDisc := rm.waitFor(t, "m's disconnect", func(e events.Event) bool {
		return e.Type == events.PeerDisconnected && e.PeerID == v.ID().String()
	})
	if req, err := m.Dial(listenAddr(t, v, rv.recorder, "/tcp/")); err == nil {
		rm.waitFor(t, "m's dial", doneFor(req))
	}
	eventually(t, "v refuses m", 5*time.Second, func() (bool, string) {
		return v.DiscoveryCounters().RefusedBanned > 0, "no refusal"
	})
	_ = mDisc
	// After the ban, v redials m (its only candidate) by itself.
	re := rv.waitFor(t, "reconnect after the ban", func(e events.Event) bool {
		return e.Type == events.PeerConnected && e.PeerID == mid && e.Seq > disc.Seq
	})
	at := rv.when(re)
	if at.Before(bannedAt.Add(banFor - 500*time.Millisecond)) {
		t.Fatalf("reconnected %v after the ban of %v", at.Sub(bannedAt), banFor)
	}
	if re.Direction != "outbound" {
		t.Fatalf("reconnect direction %s (m must back off after goodbye 251)", re.Direction)
	}
	t.Logf("banned for %ds; redialled %v after the ban; refused while banned: %d", ban.Code,
		at.Sub(bannedAt).Round(time.Millisecond), v.DiscoveryCounters().RefusedBanned)
	if v.DiscoveryCounters().RefusedBanned == 0 {
		t.Fatal("m's dial during the ban was not refused by the ban")
	}
}

// TestDiscoveryBansMalformedRequester: a peer that keeps sending
// malformed req/resp requests is banned by the victim's peer manager (the
// service reports each one: reqrespnet's OnInboundFault), said goodbye to
// and disconnected.
func TestDiscoveryBansMalformedRequester(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	c := testEth2Config(time.Now(), config.FarFutureEpoch, config.FarFutureEpoch)
	boot := testBootnode(t, c)
	dc := DiscoveryConfig{Bootnodes: []string{boot.ENR()}, TargetPeers: 1, MaxPeers: 2}
	v, rv := startDiscNode(t, c, dc, 4)
	m, _ := startDiscNode(t, c, dc, 4)
	mid := m.ID().String()
	rv.waitFor(t, "v connects to m through discovery", func(e events.Event) bool {
		return e.Type == events.PeerConnected && e.PeerID == mid
	})
	// Status requests with a 3-byte body (a Status is 84 bytes), sent on raw
	// streams from m's host until v bans m (default penalty -10 each).
	eventually(t, "m's side of the connection", 10*time.Second, func() (bool, string) {
		return m.Host().Network().Connectedness(v.ID()) == network.Connected, "not connected"
	})
	var sent int
	banned := false
	for ; sent < 50 && !banned; sent++ {
		st, err := m.Host().NewStream(context.Background(), v.ID(), protocol.ID(reqresp.StatusV1.ID()))
		if err != nil {
			t.Logf("stream %d: %v", sent, err)
			break // v cut m off
		}
		reqresp.WritePayload(st, []byte{1, 2, 3})
		st.CloseWrite()
		ch, err := reqresp.ReadChunk(st, true, reqresp.SizeBounds{})
		st.Close()
		if err == nil && ch.Code != reqresp.InvalidRequest {
			t.Fatalf("malformed status answered with code %d", ch.Code)
		}
		banned = v.DiscoveryCounters().Bans > 0
	}
	t.Logf("sent %d, counters %+v", sent, v.DiscoveryCounters())
	ban := rv.waitFor(t, "ban of the malformed requester", func(e events.Event) bool {
		return e.Type == events.PeerBanned && e.PeerID == mid
	})
	if !strings.Contains(ban.Text, "bad score") {
		t.Fatalf("ban event %+v", ban)
	}
	disc := rv.waitFor(t, "disconnect", func(e events.Event) bool {
		return e.Type == events.PeerDisconnected && e.PeerID == mid && e.Seq > ban.Seq
	})
	if disc.Text != "goodbye sent: 250 (bad score)" && disc.Text != "goodbye sent: 251 (banned)" {
		t.Fatalf("disconnect reason %q", disc.Text)
	}
	if got := v.DiscoveryCounters().ReqRespFaults; got == 0 {
		t.Fatal("no req/resp fault counted")
	}
	t.Logf("banned after %d malformed requests", sent)
}

// TestDiscoveryAPIErrors: configuration order and arguments.
func TestDiscoveryAPIErrors(t *testing.T) {
	n, err := New(Config{MaxPeers: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Destroy()
	if err := n.ConfigureDiscovery(DiscoveryConfig{}); status.CodeOf(err) != status.BadState {
		t.Fatalf("before eth2: %v", err)
	}
	if err := n.ConfigureEth2(testEth2Config(time.Now(), config.FarFutureEpoch, config.FarFutureEpoch)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []DiscoveryConfig{
		{MaxPeers: 11},
		{TargetPeers: 8, MaxPeers: 6},
		{Bootnodes: []string{"enr:nonsense"}},
		{ListenUDP: "nowhere"},
		{StaticPeers: []string{"/ip4/127.0.0.1/tcp/1"}},
		{Syncnets: 0x10},
	} {
		if err := n.ConfigureDiscovery(bad); status.CodeOf(err) != status.InvalidArgument {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if _, err := n.ENR(); status.CodeOf(err) != status.BadState {
		t.Fatalf("enr before configure: %v", err)
	}
	if err := n.ConfigureDiscovery(DiscoveryConfig{ListenUDP: "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	if err := n.ConfigureDiscovery(DiscoveryConfig{}); status.CodeOf(err) != status.BadState {
		t.Fatalf("twice: %v", err)
	}
	if _, err := n.ENR(); status.CodeOf(err) != status.BadState {
		t.Fatalf("enr before start: %v", err)
	}
	if err := n.Ban(n.ID().String(), 0, 0); status.CodeOf(err) != status.BadState {
		t.Fatalf("ban before start: %v", err)
	}
}
