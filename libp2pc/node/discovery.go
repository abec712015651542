package node

// Discovery and peer management on the node: discv5 (libp2pc/discovery)
// finds peers on the node's fork digest, the peer manager
// (libp2pc/peermgr) decides whom to dial, keep, prune and ban, and the
// node carries its decisions out.
//
// Who runs what:
//   - The event loop tells the manager about connections (onConnected /
//     disconnected), Status handshakes and goodbyes, refuses banned peers
//     before admitting them, and executes the manager's Actions: a dial
//     or a goodbye-then-close is an internal goOp (its own goroutine), a
//     ban updates the ban list (read by the connection gater) and queues
//     PeerBanned. The manager's methods are short, pure and bounded by
//     the tracked peers; the loop never waits for anything else.
//   - One manager goroutine reads discovered peers into a bounded address
//     book, drains the protocol faults (gossip REJECTs from the pubsub
//     tracer, req/resp faults), follows fork boundaries in the ENR, feeds
//     gossipsub scores, searches subnets that have too few peers, and calls
//     Tick every TickInterval; it hands resulting Actions to the loop.
//   - The connection gater (libp2p's, set on the host) refuses banned
//     peers at dial time and after the security handshake.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	gethlog "github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/discovery"
	"github.com/libp2pc/libp2pc/libp2pc/eth2"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossip"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqrespnet"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/logs"
	"github.com/libp2pc/libp2pc/libp2pc/peermgr"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// DiscoveryConfig configures discovery and peer management (see
// ConfigureDiscovery). Zero values take the defaults below.
type DiscoveryConfig struct {
	// ListenUDP is the discv5 UDP address "ip:port" (default
	// "0.0.0.0:9000"; port 0 picks a free port).
	ListenUDP string
	// AdvertiseIP is the ENR's ip/ip6. Default: the UDP listen IP when it
	// is a specific address, else the first specific IP the libp2p host
	// listens on, else predicted from what peers report.
	AdvertiseIP net.IP
	// Bootnodes are ENR strings ("enr:-...").
	Bootnodes []string

	// The peer manager's limits, passed to peermgr.Config, which owns them
	// and their defaults (peermgr.Default*): TargetPeers is the peer count
	// the node dials up to (default 64, at most MaxPeers). MaxPeers is the
	// manager's limit: connections beyond it are refused with goodbye 129
	// (default, and at most, the node's Config.MaxPeers, which stays the
	// hard limit: the one default set here). Above PruneAbove (default:
	// halfway between TargetPeers and MaxPeers, rounded up) the
	// worst-scored peers are pruned down to PruneAbove. OutboundFraction
	// of TargetPeers must be outbound (default 0.2; negative for none).
	TargetPeers, MaxPeers, PruneAbove int
	OutboundFraction                  float64

	// StaticPeers are multiaddrs ending in /p2p/<id>: always redialled,
	// never pruned. TrustedPeers likewise, and never penalised, banned or
	// disconnected by the manager. The manager keeps who is static and
	// trusted; the node keeps only their addresses, to dial them.
	StaticPeers, TrustedPeers []string

	// BanDuration is a peer's first ban (default 30 min); each further ban
	// doubles it up to MaxBanDuration (default 24 h). The manager keeps
	// every ban, the host's too (Ban).
	BanDuration, MaxBanDuration time.Duration
	// StatusTimeout: peers without a Status this long after connecting are
	// disconnected (128). Default 30 s.
	StatusTimeout time.Duration
	// MaxFinalizedLag, when > 0, disconnects peers finalized more than this
	// many epochs behind the local status.
	MaxFinalizedLag uint64
	// Penalties overrides peermgr.DefaultPenalties for the given behaviours.
	Penalties map[peermgr.Behaviour]float64
	// DialTimeout bounds one dial of the manager (default: Config.DialTimeout).
	DialTimeout time.Duration

	// The node's own ENR entries: attnets, syncnets, and the custody group
	// count (cgc, written when Fulu is scheduled or when set; default
	// CUSTODY_REQUIREMENT 4). eth2 and nfd come from the fork schedule.
	Attnets           discovery.Attnets
	Syncnets          discovery.Syncnets
	CustodyGroupCount uint64

	// TickInterval is how often the manager runs (default 1 s).
	TickInterval time.Duration
	// MinSubnetPeers: when fewer connected peers advertise an attestation
	// or sync committee subnet the node is subscribed to, discovery searches
	// for peers of that subnet and dials them first. Default 1; negative
	// turns the search off.
	MinSubnetPeers int

	// discv5 tuning (zero: go-ethereum's defaults).
	PingInterval, RefreshInterval time.Duration
}

// Defaults of DiscoveryConfig.
const (
	DefaultDiscoveryUDP     = "0.0.0.0:9000"
	DefaultTargetPeers      = peermgr.DefaultTargetPeers
	DefaultDiscoveryTick    = time.Second
	maxAddressBook          = 2048 // discovered peers kept for dialling
	maxFaultKeys            = 4096
	subnetSearchTimeout     = 5 * time.Second
	subnetSearchEvery       = 5 // ticks
	goodbyeTimeout          = 2 * time.Second
	disconnectReasonUnknown = "connection closed"
)

// PeerTableEntry is one row of the peer table: a connected peer, or a
// banned one.
type PeerTableEntry struct {
	ID        string
	Connected bool
	Direction string // "inbound" / "outbound" ("" when not connected)
	Addr      string
	Agent     string    // identify AgentVersion ("" until known)
	Since     time.Time // when the manager saw it connect
	Score     float64   // behaviour score + gossipsub score
	Static    bool
	Trusted   bool
	// From the peer's ENR, if discovery found it.
	HasENR            bool
	ENRSeq            uint64
	Attnets           discovery.Attnets
	Syncnets          discovery.Syncnets
	CustodyGroupCount uint64
	// The last Status the peer sent or answered.
	HasStatus bool
	Status    peermgr.Status
	// BannedUntil is zero when the peer is not banned.
	BannedUntil time.Time
	BanReason   string
}

// DiscoveryCounters count what discovery and the peer manager did.
type DiscoveryCounters struct {
	Discovered                   uint64 // records yielded by discovery (same digest, dialable)
	AddressBook                  uint64 // gauge: peers in the address book
	Dials                        uint64 // dials started by the manager
	DialsFailed                  uint64
	GoodbyesSent                 uint64 // disconnects decided by the manager (goodbye, then close)
	Bans                         uint64 // bans (manager and host)
	Banned                       uint64 // gauge: peers banned now
	RefusedBanned                uint64 // connections refused because the peer is banned
	BanEventsDropped             uint64 // PEER_BANNED events not queued (no room)
	GossipRejects                uint64 // gossip REJECTs reported to the manager
	ReqRespFaults                uint64 // req/resp faults reported to the manager
	FaultsDropped                uint64 // faults not recorded (fault table full)
	StatusChecked                uint64 // Status messages checked
	SubnetSearches               uint64
	ENRSeq                       uint64 // gauge: the local ENR's sequence number
	Connected, Inbound, Outbound int
}

type bookEntry struct {
	ai     peer.AddrInfo
	node   enode.ID
	fields discovery.Fields
	seq    uint64
	seen   time.Time
}

type faultKey struct {
	p peer.ID
	b peermgr.Behaviour
}

// discState is the node's discovery state (nil when not configured). The
// peer state (static and trusted peers, bans, limits, the outbound
// minimum) is the manager's; discState keeps how to reach peers (the
// address book, the static peers' addresses) and what discv5 found.
type discState struct {
	cfg         DiscoveryConfig
	mgr         *peermgr.Manager
	staticAddrs map[peer.ID]peer.AddrInfo // addresses of the static and trusted peers
	svc         atomic.Pointer[discovery.Service]

	mu     sync.Mutex
	book   map[peer.ID]*bookEntry
	faults map[faultKey]int
	prio   []peer.ID // subnet search results, dialled first
	rot    int       // rotates the candidates offered per tick (manager goroutine)
	sig    chan struct{}

	// why is loop-owned: the reason of a peer's coming disconnect.
	why map[peer.ID]string
	// reqPeers maps outgoing req/resp request ids to their peer.
	reqPeers sync.Map

	cancel context.CancelFunc
	done   chan struct{}

	c struct {
		discovered, dials, dialsFailed, goodbyes, bans, refused, banEvDropped atomic.Uint64
		gossipRejects, rrFaults, faultsDropped, statusChecked, searches       atomic.Uint64
	}
}

// ConfigureDiscovery enables discv5 and the peer manager. Only before Start,
// and after ConfigureEth2 (the ENR and the Status checks need the fork
// schedule).
func (n *Node) ConfigureDiscovery(c DiscoveryConfig) error {
	if n.destroyed.Load() {
		return status.Errorf(status.BadHandle, "node destroyed")
	}
	if c.ListenUDP == "" {
		c.ListenUDP = DefaultDiscoveryUDP
	}
	if _, err := net.ResolveUDPAddr("udp", c.ListenUDP); err != nil {
		return status.Errorf(status.InvalidArgument, "discovery: udp listen address %q: %w", c.ListenUDP, err)
	}
	for _, b := range c.Bootnodes {
		if _, err := discovery.ParseENR(b); err != nil {
			return status.Errorf(status.InvalidArgument, "discovery: bootnode: %w", err)
		}
	}
	if c.MaxPeers < 0 || c.TickInterval < 0 {
		return status.Errorf(status.InvalidArgument, "discovery: negative limit or duration")
	}
	if c.MaxPeers == 0 {
		c.MaxPeers = n.cfg.MaxPeers
	}
	if c.MaxPeers > n.cfg.MaxPeers {
		return status.Errorf(status.InvalidArgument, "discovery: max_peers %d exceeds the node's max_peers %d", c.MaxPeers, n.cfg.MaxPeers)
	}
	if c.TickInterval == 0 {
		c.TickInterval = DefaultDiscoveryTick
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = n.cfg.DialTimeout
	}
	if c.MinSubnetPeers == 0 {
		c.MinSubnetPeers = 1
	}
	if c.CustodyGroupCount > discovery.MainnetCustody.NumberOfCustodyGroups {
		return status.Errorf(status.InvalidArgument, "discovery: custody group count %d exceeds %d", c.CustodyGroupCount, discovery.MainnetCustody.NumberOfCustodyGroups)
	}
	if byte(c.Syncnets)&0xf0 != 0 {
		return status.Errorf(status.InvalidArgument, "discovery: syncnets has bits above the 4th set")
	}
	d := &discState{cfg: c, staticAddrs: map[peer.ID]peer.AddrInfo{},
		book: map[peer.ID]*bookEntry{}, faults: map[faultKey]int{},
		sig: make(chan struct{}, 1), why: map[peer.ID]string{}, done: make(chan struct{})}
	var staticIDs, trustedIDs []peermgr.ID
	for _, list := range []struct {
		addrs   []string
		trusted bool
	}{{c.StaticPeers, false}, {c.TrustedPeers, true}} {
		for _, s := range list.addrs {
			ai, err := parsePeerAddr(s)
			if err != nil {
				return err
			}
			if ai.ID == n.self {
				return status.Errorf(status.InvalidArgument, "discovery: static peer %s is this node", ai.ID)
			}
			prev := d.staticAddrs[ai.ID]
			prev.ID = ai.ID
			prev.Addrs = append(prev.Addrs, ai.Addrs...)
			d.staticAddrs[ai.ID] = prev
			if list.trusted {
				trustedIDs = append(trustedIDs, peermgr.ID(ai.ID))
			} else {
				staticIDs = append(staticIDs, peermgr.ID(ai.ID))
			}
		}
	}
	pen := map[peermgr.Behaviour]float64{}
	for b, v := range peermgr.DefaultPenalties {
		pen[b] = v
	}
	for b, v := range c.Penalties {
		pen[b] = v
	}
	mc := peermgr.Config{TargetPeers: c.TargetPeers, MaxPeers: c.MaxPeers, PruneAbove: c.PruneAbove,
		OutboundFraction: c.OutboundFraction, BanDuration: c.BanDuration, MaxBanDuration: c.MaxBanDuration,
		Penalties: pen, StatusTimeout: c.StatusTimeout, StatusPolicy: peermgr.StatusPolicy{MaxFinalizedLag: c.MaxFinalizedLag},
		DialTimeout: c.DialTimeout + 5*time.Second, StaticPeers: staticIDs, TrustedPeers: trustedIDs,
		Chain: n.localView}
	if err := mc.Check(); err != nil {
		return status.Errorf(status.InvalidArgument, "discovery: %v", err)
	}
	d.mgr = peermgr.New(mc)

	n.opsMu.Lock()
	defer n.opsMu.Unlock()
	if s := n.State(); s != StateNew {
		return status.Errorf(status.BadState, "discovery configure: node is %s; configure before start", s)
	}
	if n.eth2 == nil {
		return status.Errorf(status.BadState, "discovery configure: configure eth2 first (the ENR and Status checks need the fork schedule)")
	}
	if n.disc != nil {
		return status.Errorf(status.BadState, "discovery configure: already configured")
	}
	n.disc = d
	return nil
}

// localView is the manager's view of the local chain: the host's Status
// (SetStatus), or, before one is set, the current fork digest at genesis.
func (n *Node) localView() peermgr.LocalView {
	e := n.eth2
	now := time.Now()
	v := peermgr.LocalView{CurrentSlot: e.slotAt(now), SlotsPerEpoch: e.cfg.Chain.SlotsPerEpoch}
	n.rr.mu.Lock()
	st := n.rr.status
	n.rr.mu.Unlock()
	if st != nil {
		v.Status = statusOf(*st)
	} else {
		v.Status.ForkDigest = e.currentDigest(now)
	}
	return v
}

func statusOf(s reqrespnet.Status) peermgr.Status {
	return peermgr.Status{ForkDigest: s.ForkDigest, FinalizedRoot: s.FinalizedRoot, FinalizedEpoch: s.FinalizedEpoch,
		HeadRoot: s.HeadRoot, HeadSlot: s.HeadSlot, EarliestAvailableSlot: s.EarliestAvailableSlot}
}

// fuluScheduled reports whether the schedule has a Fulu fork epoch.
func (e *eth2State) fuluScheduled() bool {
	for _, f := range e.cfg.Schedule.Forks {
		if f.Fork == eth2.Fulu && f.Epoch != config.FarFutureEpoch {
			return true
		}
	}
	return false
}

// enrForkFields are the eth2 and nfd entries at the wall-clock epoch.
func (e *eth2State) enrForkFields(now time.Time) (discovery.Fields, error) {
	var f discovery.Fields
	epoch := e.slotAt(now) / e.cfg.Chain.SlotsPerEpoch
	id, err := e.cfg.Schedule.ENRForkID(epoch)
	if err != nil {
		return f, err
	}
	f.ForkID = id
	if e.fuluScheduled() {
		f.HasNFD = true
		if f.NextForkDigest, err = e.cfg.Schedule.NextForkDigest(epoch); err != nil {
			return f, err
		}
	}
	return f, nil
}

// libp2pPorts are the first TCP and QUIC ports the host listens on.
func libp2pPorts(addrs []ma.Multiaddr) (tcp, quic int, ip net.IP) {
	for _, a := range addrs {
		var isQUIC bool
		ma.ForEach(a, func(c ma.Component) bool {
			if c.Protocol().Code == ma.P_QUIC_V1 {
				isQUIC = true
			}
			return true
		})
		if v, err := a.ValueForProtocol(ma.P_TCP); err == nil && tcp == 0 {
			fmt.Sscan(v, &tcp)
		}
		if v, err := a.ValueForProtocol(ma.P_UDP); err == nil && isQUIC && quic == 0 {
			fmt.Sscan(v, &quic)
		}
		if ip == nil {
			for _, code := range []int{ma.P_IP4, ma.P_IP6} {
				if v, err := a.ValueForProtocol(code); err == nil {
					if x := net.ParseIP(v); x != nil && !x.IsUnspecified() {
						ip = x
					}
				}
			}
		}
	}
	return
}

// discStart starts discv5 with the node's key and the host's bound ports,
// and the manager goroutine (run, after the host is up, before Listening).
func (l *loop) discStart() error {
	n := l.n
	d := n.disc
	if d == nil {
		return nil
	}
	e := n.eth2
	key, err := discovery.ECDSAKey(n.key)
	if err != nil {
		return status.Errorf(status.InvalidArgument, "discovery: %w", err)
	}
	tcp, quic, hostIP := libp2pPorts(l.host.Network().ListenAddresses())
	adv := d.cfg.AdvertiseIP
	if adv == nil {
		if ua, _ := net.ResolveUDPAddr("udp", d.cfg.ListenUDP); ua != nil && (ua.IP == nil || ua.IP.IsUnspecified()) {
			adv = hostIP
		}
	}
	fields, err := e.enrForkFields(time.Now())
	if err != nil {
		return status.Errorf(status.InvalidArgument, "discovery: eth2 ENR entry: %w", err)
	}
	fields.Attnets, fields.Syncnets = d.cfg.Attnets, d.cfg.Syncnets
	if e.fuluScheduled() || d.cfg.CustodyGroupCount != 0 {
		fields.HasCGC = true
		fields.CustodyGroupCount = d.cfg.CustodyGroupCount
		if fields.CustodyGroupCount == 0 {
			fields.CustodyGroupCount = discovery.MainnetCustody.CustodyRequirement
		}
	}
	svc, err := discovery.New(discovery.Config{PrivKey: key, ListenUDP: d.cfg.ListenUDP, AdvertiseIP: adv,
		TCPPort: tcp, QUICPort: quic, Bootnodes: d.cfg.Bootnodes, ENR: fields,
		PingInterval: d.cfg.PingInterval, RefreshInterval: d.cfg.RefreshInterval,
		Log: gethlog.NewLogger(logs.Default().Handler("discv5"))}) // discv5's records reach the log callback
	if err != nil {
		return status.Errorf(status.Network, "start discovery: %w", err)
	}
	d.svc.Store(svc)
	for id, ai := range d.staticAddrs {
		l.host.Peerstore().AddAddrs(id, ai.Addrs, time.Hour*24*365)
	}
	ctx, cancel := context.WithCancel(n.lifeCtx)
	d.cancel = cancel
	go n.discManager(ctx, svc, fields.ForkID)
	return nil
}

// stopDiscovery ends the manager goroutine and closes discv5 (stop path).
func (n *Node) stopDiscovery() {
	d := n.disc
	if d == nil || d.cancel == nil {
		return
	}
	d.cancel()
	<-d.done
	if s := d.svc.Load(); s != nil {
		s.Close()
	}
}

// enrAddrs is the ENR as the last element of the Listening event's addrs.
func (l *loop) enrAddrs() []string {
	if d := l.n.disc; d != nil {
		if s := d.svc.Load(); s != nil {
			return []string{s.ENR()}
		}
	}
	return nil
}

// --- the manager goroutine --------------------------------------------------

func (n *Node) discManager(ctx context.Context, svc *discovery.Service, forkID forkdigest.ENRForkID) {
	d := n.disc
	defer close(d.done)
	defer func() {
		if r := recover(); r != nil {
			n.recovered("peer manager", r)
		}
	}()
	found := svc.Peers(ctx)
	tick := time.NewTicker(d.cfg.TickInterval)
	defer tick.Stop()
	searchDone := make(chan []discovery.Peer, 1)
	searching := false
	ticks := 0
	for {
		select {
		case <-ctx.Done():
			return
		case p, ok := <-found:
			if !ok {
				found = nil
				continue
			}
			d.c.discovered.Add(1)
			d.addToBook(p)
		case <-d.sig:
			n.discExecAsync(d.drainFaults())
		case ps := <-searchDone:
			searching = false
			d.mu.Lock()
			d.prio = d.prio[:0]
			d.mu.Unlock()
			for _, p := range ps {
				d.addToBook(p)
				d.mu.Lock()
				d.prio = append(d.prio, p.AddrInfo.ID)
				d.mu.Unlock()
			}
		case <-tick.C:
			ticks++
			// Fork boundaries: eth2 (and nfd) follow the wall clock.
			if f, err := n.eth2.enrForkFields(time.Now()); err == nil && f.ForkID != forkID {
				cur := svc.Fields()
				cur.ForkID, cur.NextForkDigest, cur.HasNFD = f.ForkID, f.NextForkDigest, f.HasNFD
				if _, err := svc.UpdateFields(cur); err == nil {
					forkID = f.ForkID
					d.purgeBook(f.ForkID.ForkDigest)
				}
			}
			for id, s := range n.Eth2PeerScores() {
				d.mgr.SetGossipScore(peermgr.ID(id), s.Score)
			}
			if !searching && d.cfg.MinSubnetPeers > 0 && ticks%subnetSearchEvery == 1 {
				if kind, subnet, ok := n.neededSubnet(); ok {
					searching = true
					d.c.searches.Add(1)
					go func() {
						sctx, cancel := context.WithTimeout(ctx, subnetSearchTimeout)
						defer cancel()
						ps, _ := svc.FindSubnetPeers(sctx, kind, subnet, d.cfg.MinSubnetPeers)
						searchDone <- ps
					}()
				}
			}
			n.discExecAsync(d.mgr.Tick(d.dialCandidates()))
		}
	}
}

// discExecAsync hands actions to the loop (waiting only for the loop,
// which never waits).
func (n *Node) discExecAsync(acts []peermgr.Action) {
	if len(acts) > 0 {
		n.toLoop(func(l *loop) { l.discExec(acts) })
	}
}

func (d *discState) addToBook(p discovery.Peer) {
	id := p.AddrInfo.ID
	d.mu.Lock()
	defer d.mu.Unlock()
	if e := d.book[id]; e != nil {
		if p.Node.Seq() >= e.seq {
			e.ai, e.fields, e.seq, e.node = p.AddrInfo, p.Fields, p.Node.Seq(), p.Node.ID()
		}
		e.seen = time.Now()
		return
	}
	if len(d.book) >= maxAddressBook { // evict the least recently seen
		var oldest peer.ID
		var at time.Time
		for k, e := range d.book {
			if oldest == "" || e.seen.Before(at) {
				oldest, at = k, e.seen
			}
		}
		delete(d.book, oldest)
	}
	d.book[id] = &bookEntry{ai: p.AddrInfo, node: p.Node.ID(), fields: p.Fields, seq: p.Node.Seq(), seen: time.Now()}
}

func (d *discState) purgeBook(digest [4]byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, e := range d.book {
		if e.fields.ForkID.ForkDigest != digest {
			delete(d.book, id)
		}
	}
	d.prio = nil
}

// candidates are the dial candidates: subnet search results first, then
// the address book, most recently seen first.
func (d *discState) candidates() []peermgr.ID {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]peermgr.ID, 0, len(d.prio)+len(d.book))
	seen := map[peer.ID]bool{}
	for _, id := range d.prio {
		if d.book[id] != nil && !seen[id] {
			seen[id] = true
			out = append(out, peermgr.ID(id))
		}
	}
	rest := make([]*bookEntry, 0, len(d.book))
	for id, e := range d.book {
		if !seen[id] {
			rest = append(rest, e)
		}
	}
	slices.SortFunc(rest, func(a, b *bookEntry) int { return b.seen.Compare(a.seen) })
	for _, e := range rest {
		out = append(out, peermgr.ID(e.ai.ID))
	}
	return out
}

// dialCandidates are the candidates offered to the manager's dial planner:
// as many as the node needs to reach TargetPeers (or the outbound minimum),
// skipping connected and banned peers, the subnet search results first and
// the rest rotating from tick to tick (so peers in backoff, which the
// manager skips, do not hide the others).
func (d *discState) dialCandidates() []peermgr.ID {
	st := d.mgr.Stats()
	need := max(d.mgr.Config().TargetPeers-st.Connected-st.Dialing, d.mgr.MinOutbound()-st.Outbound-st.Dialing)
	if need <= 0 {
		return nil
	}
	connected := map[peermgr.ID]bool{}
	for _, p := range d.mgr.Peers() {
		connected[p.ID] = true
	}
	d.mu.Lock()
	nprio := 0
	for _, id := range d.prio {
		if d.book[id] != nil {
			nprio++
		}
	}
	d.mu.Unlock()
	all := d.candidates()
	var prio, rest []peermgr.ID
	for i, id := range all {
		if connected[id] || d.isBanned(peer.ID(id)) {
			continue
		}
		if i < nprio {
			prio = append(prio, id)
		} else {
			rest = append(rest, id)
		}
	}
	if len(rest) > 0 {
		d.rot++
		k := d.rot % len(rest)
		rest = append(rest[k:], rest[:k]...)
	}
	out := append(prio, rest...)
	return out[:min(need, len(out))]
}

// neededSubnet finds an attestation or sync committee subnet the node is
// subscribed to that fewer than MinSubnetPeers connected peers advertise.
func (n *Node) neededSubnet() (discovery.SubnetKind, uint64, bool) {
	d, e := n.disc, n.eth2
	var want []struct {
		kind   discovery.SubnetKind
		subnet uint64
	}
	e.joined.Range(func(k, _ any) bool {
		t, _, err := e.parseTopic(k.(string))
		if err != nil || !gossip.HasSubnet(t.Base) {
			return true
		}
		switch t.Base {
		case gossip.BeaconAttestation:
			want = append(want, struct {
				kind   discovery.SubnetKind
				subnet uint64
			}{discovery.AttestationSubnet, t.Subnet})
		case gossip.SyncCommittee:
			want = append(want, struct {
				kind   discovery.SubnetKind
				subnet uint64
			}{discovery.SyncCommitteeSubnet, t.Subnet})
		}
		return true
	})
	if len(want) == 0 {
		return 0, 0, false
	}
	connected := d.mgr.Peers()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, w := range want {
		have := 0
		for _, p := range connected {
			if b := d.book[peer.ID(p.ID)]; b != nil && discovery.MainnetCustody.ServesSubnet(b.node, b.fields, w.kind, w.subnet) {
				have++
			}
		}
		if have < d.cfg.MinSubnetPeers {
			return w.kind, w.subnet, true
		}
	}
	return 0, 0, false
}

// --- faults -----------------------------------------------------------------

// fault records a protocol fault of p; callable from any goroutine,
// including gossipsub's (it only takes a mutex and signals).
func (d *discState) fault(p peer.ID, b peermgr.Behaviour) {
	d.mu.Lock()
	k := faultKey{p, b}
	if _, ok := d.faults[k]; !ok && len(d.faults) >= maxFaultKeys {
		d.mu.Unlock()
		d.c.faultsDropped.Add(1)
		return
	}
	d.faults[k]++
	d.mu.Unlock()
	if b == peermgr.GossipRejected {
		d.c.gossipRejects.Add(1)
	} else {
		d.c.rrFaults.Add(1)
	}
	select {
	case d.sig <- struct{}{}:
	default:
	}
}

func (d *discState) drainFaults() []peermgr.Action {
	d.mu.Lock()
	fs := d.faults
	d.faults = map[faultKey]int{}
	d.mu.Unlock()
	var acts []peermgr.Action
	for k, cnt := range fs {
		for range cnt {
			acts = append(acts, d.mgr.OnBadBehaviour(peermgr.ID(k.p), k.b)...)
		}
	}
	return acts
}

// ReportPeer penalises a peer for a protocol fault the host (or Go code)
// detected, e.g. an invalid response. Never waits; the manager acts on its
// next step. BadState when discovery is not configured.
func (n *Node) ReportPeer(peerID string, b peermgr.Behaviour) error {
	d := n.disc
	if d == nil {
		return status.Errorf(status.BadState, "report peer: discovery is not configured")
	}
	p, err := peer.Decode(peerID)
	if err != nil {
		return status.Errorf(status.InvalidArgument, "report peer: peer id %q: %w", peerID, err)
	}
	if b < peermgr.GossipRejected || b > peermgr.ProtocolViolation {
		return status.Errorf(status.InvalidArgument, "report peer: behaviour %d", b)
	}
	d.fault(p, b)
	return nil
}

// discTrackRequest remembers the peer of outgoing request id, so that its
// outcome can count against the peer.
func (n *Node) discTrackRequest(id uint64, p peer.ID) {
	if d := n.disc; d != nil {
		d.reqPeers.Store(id, p)
	}
}

func (n *Node) discUntrackRequest(id uint64) {
	if d := n.disc; d != nil {
		d.reqPeers.Delete(id)
	}
}

// discRequestDone classifies a finished request: a malformed response or
// a timeout counts against the peer.
func (n *Node) discRequestDone(id uint64, err error) {
	d := n.disc
	if d == nil {
		return
	}
	v, ok := d.reqPeers.LoadAndDelete(id)
	if !ok || err == nil || n.opsCtx.Err() != nil {
		return
	}
	if b, ok := reqrespFault(err); ok {
		d.fault(v.(peer.ID), b)
	}
}

// discInboundFault counts a peer's malformed or over-limit incoming
// request against it (reqrespnet's OnInboundFault; never blocks).
func (n *Node) discInboundFault(p peer.ID, f reqrespnet.InboundFault) {
	d := n.disc
	if d == nil {
		return
	}
	switch f {
	case reqrespnet.FaultMalformedRequest:
		d.fault(p, peermgr.MalformedReqResp)
	case reqrespnet.FaultRateLimited:
		d.fault(p, peermgr.RateLimited)
	}
}

func reqrespFault(err error) (peermgr.Behaviour, bool) {
	switch {
	case errors.Is(err, reqrespnet.ErrBadResponse):
		return peermgr.MalformedReqResp, true
	case errors.Is(err, reqrespnet.ErrTTFB), errors.Is(err, reqrespnet.ErrRespTimeout):
		return peermgr.ReqRespTimeout, true
	}
	return 0, false
}

// --- loop side ----------------------------------------------------------------

// discBanned reports whether p is banned now (admission path).
func (l *loop) discBanned(p peer.ID) bool {
	d := l.n.disc
	if d == nil {
		return false
	}
	if d.isBanned(p) {
		d.c.refused.Add(1)
		return true
	}
	return false
}

func (d *discState) isBanned(p peer.ID) bool { return d.mgr.IsBanned(peermgr.ID(p)) }

// discConnected runs in the loop when a peer is admitted.
func (l *loop) discConnected(p peer.ID, direction string) {
	d := l.n.disc
	if d == nil {
		return
	}
	dir := peermgr.Inbound
	if direction == "outbound" {
		dir = peermgr.Outbound
	}
	l.discExec(d.mgr.OnConnected(peermgr.ID(p), dir))
}

// discDisconnected runs in the loop when an admitted peer's last connection
// closed; it returns the disconnect reason for the event.
func (l *loop) discDisconnected(p peer.ID, why string) string {
	d := l.n.disc
	if d == nil {
		return why
	}
	d.mgr.OnDisconnected(peermgr.ID(p))
	if w, ok := d.why[p]; ok {
		delete(d.why, p)
		if why == disconnectReasonUnknown {
			return w
		}
	}
	return why
}

// discStatus runs in the loop for each Status of an admitted peer (its
// answer to our handshake, or its request).
func (l *loop) discStatus(p peer.ID, raw []byte, err error) {
	d := l.n.disc
	if d == nil {
		return
	}
	if err != nil {
		if b, ok := reqrespFault(err); ok {
			d.fault(p, b)
		}
		return
	}
	st, derr := reqrespnet.UnmarshalStatus(raw)
	if derr != nil {
		d.fault(p, peermgr.MalformedReqResp)
		return
	}
	d.c.statusChecked.Add(1)
	_, acts := d.mgr.OnStatus(peermgr.ID(p), statusOf(st))
	l.discExec(acts)
}

// discGoodbye runs in the loop when an admitted peer says goodbye.
func (l *loop) discGoodbye(p peer.ID, reason uint64) {
	d := l.n.disc
	if d == nil {
		return
	}
	d.mgr.OnGoodbye(peermgr.ID(p), peermgr.GoodbyeReason(reason))
	if _, ok := d.why[p]; !ok {
		d.why[p] = fmt.Sprintf("goodbye received: %d (%s)", reason, peermgr.GoodbyeReason(reason))
	}
}

// discExec carries out the manager's actions, in the loop. Nothing here
// waits: dials and goodbyes run as internal operations.
func (l *loop) discExec(acts []peermgr.Action) {
	d := l.n.disc
	if d == nil || l.stopping {
		return
	}
	for _, a := range acts {
		p := peer.ID(a.Peer)
		switch a.Kind {
		case peermgr.ActDial:
			l.discDial(p)
		case peermgr.ActDisconnect:
			l.discDisconnect(p, a.Reason)
		case peermgr.ActBan:
			l.discBan(p, a.Until, "banned: "+a.Reason.String())
		case peermgr.ActUnban: // the manager lifted it already
		}
	}
}

func (l *loop) discDial(p peer.ID) {
	d := l.n.disc
	d.mu.Lock()
	var ai peer.AddrInfo
	if s, ok := d.staticAddrs[p]; ok {
		ai = s
	} else if e := d.book[p]; e != nil {
		ai = e.ai
	}
	d.mu.Unlock()
	banned := d.isBanned(p)
	if banned || ai.ID == "" || l.isAdmitted(p) {
		if !l.isAdmitted(p) {
			d.mgr.OnDialFailed(peermgr.ID(p))
		}
		return
	}
	d.c.dials.Add(1)
	h, timeout := l.host, d.cfg.DialTimeout
	l.goOp(0, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return h.Connect(ctx, ai)
	}, func(l *loop, err error) error {
		if err != nil || !l.isAdmitted(p) {
			d.c.dialsFailed.Add(1)
			d.mgr.OnDialFailed(peermgr.ID(p))
		}
		return nil
	})
}

func (l *loop) discDisconnect(p peer.ID, reason peermgr.GoodbyeReason) {
	d := l.n.disc
	if !l.isAdmitted(p) {
		return
	}
	d.c.goodbyes.Add(1)
	d.why[p] = fmt.Sprintf("goodbye sent: %d (%s)", uint64(reason), reason)
	h := l.host
	svc, _ := l.n.service()
	l.goOp(0, func(ctx context.Context) error {
		if svc != nil {
			ctx, cancel := context.WithTimeout(ctx, goodbyeTimeout)
			_ = svc.Goodbye(ctx, p, uint64(reason))
			cancel()
		}
		return h.Network().ClosePeer(p)
	}, nil)
}

// discBan counts a ban the manager recorded (the gater refuses the peer
// from now on) and queues PeerBanned (code: the ban's length in seconds).
func (l *loop) discBan(p peer.ID, until time.Time, reason string) {
	d := l.n.disc
	d.c.bans.Add(1)
	secs := uint64(math.Ceil(time.Until(until).Seconds()))
	if !l.n.queue.Reserve(1) {
		d.c.banEvDropped.Add(1)
		return
	}
	l.n.queue.PushReserved(events.Event{Type: events.PeerBanned, PeerID: p.String(), Text: reason, Code: secs})
}

// --- connection gater ---------------------------------------------------------

// InterceptPeerDial refuses dials to banned peers.
func (d *discState) InterceptPeerDial(p peer.ID) bool {
	if d.isBanned(p) {
		d.c.refused.Add(1)
		return false
	}
	return true
}

func (d *discState) InterceptAddrDial(peer.ID, ma.Multiaddr) bool                    { return true }
func (d *discState) InterceptAccept(network.ConnMultiaddrs) bool                     { return true }
func (d *discState) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }

// InterceptSecured refuses connections of banned peers once their id is
// known.
func (d *discState) InterceptSecured(_ network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	if d.isBanned(p) {
		d.c.refused.Add(1)
		return false
	}
	return true
}

// --- host API -------------------------------------------------------------------

func (n *Node) discRunning(what string) (*discState, *discovery.Service, error) {
	if n.destroyed.Load() {
		return nil, nil, status.Errorf(status.BadHandle, "node destroyed")
	}
	d := n.disc
	if d == nil {
		return nil, nil, status.Errorf(status.BadState, "%s: discovery is not configured", what)
	}
	s := d.svc.Load()
	if s == nil || n.State() != StateRunning {
		return nil, nil, status.Errorf(status.BadState, "%s: node is %s, not running", what, n.State())
	}
	return d, s, nil
}

// DiscoveryConfigured reports whether ConfigureDiscovery succeeded.
func (n *Node) DiscoveryConfigured() bool { return n.disc != nil }

// Discovery is the running discv5 service (nil before Start completes or
// without discovery), for Go code: lookups, subnet searches.
func (n *Node) Discovery() *discovery.Service {
	if d := n.disc; d != nil {
		return d.svc.Load()
	}
	return nil
}

// ENR is the node's current record ("enr:-...").
func (n *Node) ENR() (string, error) {
	_, s, err := n.discRunning("enr")
	if err != nil {
		return "", err
	}
	return s.ENR(), nil
}

// UpdateENR changes the node's attnets, syncnets and custody group count
// in one signed update and returns the new sequence number (unchanged when
// nothing changed). nil pointers and cgc 0 leave the entry as it is.
func (n *Node) UpdateENR(attnets *discovery.Attnets, syncnets *discovery.Syncnets, cgc uint64) (uint64, error) {
	_, s, err := n.discRunning("update enr")
	if err != nil {
		return 0, err
	}
	if syncnets != nil && byte(*syncnets)&0xf0 != 0 {
		return 0, status.Errorf(status.InvalidArgument, "update enr: syncnets has bits above the 4th set")
	}
	f := s.Fields()
	if attnets != nil {
		f.Attnets = *attnets
	}
	if syncnets != nil {
		f.Syncnets = *syncnets
	}
	if cgc != 0 {
		f.HasCGC, f.CustodyGroupCount = true, cgc
	}
	seq, err := s.UpdateFields(f)
	if err != nil {
		return 0, status.Errorf(status.InvalidArgument, "update enr: %w", err)
	}
	return seq, nil
}

// Ban bans a peer for at least d (0: the configured policy, BanDuration
// doubling per repeat ban) and, if connected, says goodbye (251) and
// disconnects it. reason is the ban's reason code (reported in PeerBanned).
// Never waits: the loop carries it out; QueueFull if its inbox is full.
// Trusted peers cannot be banned (InvalidArgument).
func (n *Node) Ban(peerID string, d time.Duration, reason peermgr.GoodbyeReason) error {
	ds, _, err := n.discRunning("ban")
	if err != nil {
		return err
	}
	p, err := peer.Decode(peerID)
	if err != nil {
		return status.Errorf(status.InvalidArgument, "ban: peer id %q: %w", peerID, err)
	}
	if p == n.self {
		return status.Errorf(status.InvalidArgument, "ban: %s is this node", p)
	}
	if ds.mgr.IsTrusted(peermgr.ID(p)) {
		return status.Errorf(status.InvalidArgument, "ban: %s is a trusted peer", p)
	}
	if d < 0 {
		return status.Errorf(status.InvalidArgument, "ban: negative duration")
	}
	if reason == 0 {
		reason = peermgr.Banned
	}
	return n.loopCall("ban", func(l *loop) {
		if l.stopping {
			return
		}
		l.discExec(ds.mgr.BanFor(peermgr.ID(p), reason, d))
	})
}

// loopCall hands f to the loop without a completion event; QueueFull when
// the inbox is full, BadState when the node is not running.
func (n *Node) loopCall(what string, f func(*loop)) error {
	n.opsMu.Lock()
	defer n.opsMu.Unlock()
	if s := n.State(); s != StateRunning {
		return status.Errorf(status.BadState, "%s: node is %s, not running", what, s)
	}
	select {
	case n.calls <- f:
		return nil
	default:
		n.counters.busy.Add(1)
		return status.Errorf(status.QueueFull, "%s: node busy; retry", what)
	}
}

// PeerTable lists the connected peers (as the host has seen them, like
// Peers) with the manager's view of each, then the banned peers that are
// not connected. Sorted by id within each part.
func (n *Node) PeerTable() ([]PeerTableEntry, error) {
	if n.destroyed.Load() {
		return nil, status.Errorf(status.BadHandle, "node destroyed")
	}
	d := n.disc
	if d == nil {
		return nil, status.Errorf(status.BadState, "peer table: discovery is not configured")
	}
	mgrPeers := map[peer.ID]peermgr.PeerInfo{}
	for _, p := range d.mgr.Peers() {
		mgrPeers[peer.ID(p.ID)] = p
	}
	h := n.Host()
	var out []PeerTableEntry
	listed := map[peer.ID]bool{}
	fill := func(e *PeerTableEntry, p peer.ID) {
		e.Score = d.mgr.Score(peermgr.ID(p))
		e.Static = d.mgr.IsStatic(peermgr.ID(p))
		e.Trusted = d.mgr.IsTrusted(peermgr.ID(p))
		if mp, ok := mgrPeers[p]; ok {
			e.Since, e.HasStatus, e.Status = mp.Since, mp.HasStatus, mp.Status
		}
		if h != nil {
			if v, err := h.Peerstore().Get(p, "AgentVersion"); err == nil {
				e.Agent, _ = v.(string)
			}
		}
		d.mu.Lock()
		if b := d.book[p]; b != nil {
			e.HasENR, e.ENRSeq, e.Attnets, e.Syncnets = true, b.seq, b.fields.Attnets, b.fields.Syncnets
			e.CustodyGroupCount = discovery.MainnetCustody.PeerCustodyGroupCount(b.fields)
		}
		d.mu.Unlock()
		if b, ok := d.mgr.BanOf(peermgr.ID(p)); ok {
			e.BannedUntil, e.BanReason = b.Until, "banned: "+b.Reason.String()
		}
	}
	for _, pi := range n.Peers() {
		p, err := peer.Decode(pi.ID)
		if err != nil {
			continue
		}
		e := PeerTableEntry{ID: pi.ID, Connected: true, Direction: pi.Direction, Addr: pi.Addr}
		fill(&e, p)
		listed[p] = true
		out = append(out, e)
	}
	var banned []peer.ID
	for _, b := range d.mgr.Bans() {
		if p := peer.ID(b.Peer); !listed[p] {
			banned = append(banned, p)
		}
	}
	slices.Sort(banned)
	for _, p := range banned {
		e := PeerTableEntry{ID: p.String()}
		fill(&e, p)
		out = append(out, e)
	}
	return out, nil
}

// DiscoveredPeers lists the peers in the address book (found by discovery
// on the node's fork digest), sorted by id.
func (n *Node) DiscoveredPeers() []peer.ID {
	d := n.disc
	if d == nil {
		return nil
	}
	d.mu.Lock()
	out := make([]peer.ID, 0, len(d.book))
	for id := range d.book {
		out = append(out, id)
	}
	d.mu.Unlock()
	slices.Sort(out)
	return out
}

// DiscoveryCounters returns the discovery and peer manager counters (zero
// without discovery).
func (n *Node) DiscoveryCounters() DiscoveryCounters {
	var c DiscoveryCounters
	d := n.disc
	if d == nil {
		return c
	}
	c.Discovered, c.Dials, c.DialsFailed = d.c.discovered.Load(), d.c.dials.Load(), d.c.dialsFailed.Load()
	c.GoodbyesSent, c.Bans, c.RefusedBanned = d.c.goodbyes.Load(), d.c.bans.Load(), d.c.refused.Load()
	c.BanEventsDropped, c.GossipRejects, c.ReqRespFaults = d.c.banEvDropped.Load(), d.c.gossipRejects.Load(), d.c.rrFaults.Load()
	c.FaultsDropped, c.StatusChecked, c.SubnetSearches = d.c.faultsDropped.Load(), d.c.statusChecked.Load(), d.c.searches.Load()
	d.mu.Lock()
	c.AddressBook = uint64(len(d.book))
	d.mu.Unlock()
	c.Banned = uint64(len(d.mgr.Bans()))
	if s := d.svc.Load(); s != nil {
		c.ENRSeq = s.Self().Seq()
	}
	st := d.mgr.Stats()
	c.Connected, c.Inbound, c.Outbound = st.Connected, st.Inbound, st.Outbound
	return c
}
