// Package peermgr is the peer-management logic of a consensus node, free of
// libp2p: it keeps the peer count between a target and a maximum with a
// minimum share of outbound peers, prunes the worst-scored peers, bans peers
// that break the protocol (with expiry), keeps static and trusted peers,
// decides on Status handshakes and plans dials. The caller (the node's
// event loop) reports events and carries out the returned Actions.
package peermgr

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// ID names a peer; a libp2p peer.ID converts with ID(pid) / peer.ID(id).
type ID string

// Direction of a connection.
type Direction uint8

const (
	Inbound Direction = iota + 1
	Outbound
)

func (d Direction) String() string {
	switch d {
	case Inbound:
		return "inbound"
	case Outbound:
		return "outbound"
	}
	return fmt.Sprintf("Direction(%d)", d)
}

// ActionKind is what the caller has to do.
type ActionKind uint8

const (
	// ActDial: dial Peer (the caller knows its addresses).
	ActDial ActionKind = iota + 1
	// ActDisconnect: send Goodbye(Reason) and close the connection.
	ActDisconnect
	// ActBan: refuse Peer until Until (e.g. in a connection gater). A ban
	// of a connected peer is followed by an ActDisconnect.
	ActBan
	// ActUnban: the ban of Peer expired.
	ActUnban
)

func (k ActionKind) String() string {
	switch k {
	case ActDial:
		return "dial"
	case ActDisconnect:
		return "disconnect"
	case ActBan:
		return "ban"
	case ActUnban:
		return "unban"
	}
	return fmt.Sprintf("ActionKind(%d)", k)
}

// Action is one instruction for the caller.
type Action struct {
	Kind   ActionKind
	Peer   ID
	Reason GoodbyeReason // ActDisconnect and ActBan
	Until  time.Time     // ActBan
}

func (a Action) String() string {
	switch a.Kind {
	case ActDisconnect:
		return fmt.Sprintf("disconnect %s (%s)", a.Peer, a.Reason)
	case ActBan:
		return fmt.Sprintf("ban %s until %s (%s)", a.Peer, a.Until.Format(time.RFC3339), a.Reason)
	}
	return fmt.Sprintf("%s %s", a.Kind, a.Peer)
}

// Behaviour is a protocol fault reported by the caller.
type Behaviour uint8

const (
	// GossipRejected: the peer forwarded a gossip message we REJECTed.
	GossipRejected Behaviour = iota + 1
	// MalformedReqResp: a req/resp request or response that did not decode
	// (bad snappy, bad SSZ, oversized, wrong context bytes).
	MalformedReqResp
	// InvalidResponse: a well-formed response with wrong content (blocks
	// out of the requested range, unrequested roots, ...).
	InvalidResponse
	// RateLimited: the peer exceeded our req/resp rate limits.
	RateLimited
	// ReqRespTimeout: the peer did not answer in time.
	ReqRespTimeout
	// WrongNetwork: the peer is on another network or chain. Fatal.
	WrongNetwork
	// ProtocolViolation: any other fatal breach. Fatal.
	ProtocolViolation
)

func (b Behaviour) String() string {
	switch b {
	case GossipRejected:
		return "gossip rejected"
	case MalformedReqResp:
		return "malformed req/resp"
	case InvalidResponse:
		return "invalid response"
	case RateLimited:
		return "rate limited"
	case ReqRespTimeout:
		return "req/resp timeout"
	case WrongNetwork:
		return "wrong network"
	case ProtocolViolation:
		return "protocol violation"
	}
	return fmt.Sprintf("Behaviour(%d)", b)
}

// DefaultPenalties are the score changes per Behaviour (scores start at 0;
// DisconnectScore -20 and BanScore -50 by default, so e.g. 5 malformed
// req/resp messages ban a peer, 10 rejected gossip messages, 50 timeouts).
// Fatal behaviours ban at once and are not listed.
var DefaultPenalties = map[Behaviour]float64{
	GossipRejected:   -5,
	MalformedReqResp: -10,
	InvalidResponse:  -10,
	RateLimited:      -5,
	ReqRespTimeout:   -1,
}

// The defaults of Config. The manager is the one owner of peer state
// (static and trusted peers, bans, the outbound minimum) and these are the
// one set of defaults: the node's DiscoveryConfig passes its zero values
// through to it.
const (
	DefaultTargetPeers      = 64
	DefaultOutboundFraction = 0.2
	DefaultBanDuration      = 30 * time.Minute
	DefaultMaxBanDuration   = 24 * time.Hour
	DefaultStatusTimeout    = 30 * time.Second
)

// Config of a Manager. Zero values take the documented defaults.
type Config struct {
	// TargetPeers is the number of peers dialled up to. Default
	// DefaultTargetPeers (64), at most MaxPeers when that is set.
	TargetPeers int
	// MaxPeers is the hard limit; connections beyond it are refused with
	// TooManyPeers. Default TargetPeers + TargetPeers/10 (at least +1).
	MaxPeers int
	// PruneAbove: with more peers than this, the worst-scored are pruned
	// down to it. Default halfway between TargetPeers and MaxPeers,
	// rounded up. The band between TargetPeers and PruneAbove keeps a node
	// below its target able to join nodes at theirs: pruning exactly to
	// the target would always drop the newest inbound peer, and in a small
	// network starve it.
	PruneAbove int
	// OutboundFraction of TargetPeers must be outbound (dialled by us):
	// inbound connections are limited to MaxPeers - MinOutbound, pruning
	// never drops outbound peers below MinOutbound and dialling continues
	// until it is met. Default DefaultOutboundFraction (0.2); negative for
	// none.
	OutboundFraction float64

	// BanDuration is the first ban of a peer; each further ban of the same
	// peer doubles it, up to MaxBanDuration. Defaults DefaultBanDuration
	// (30 min) and DefaultMaxBanDuration (24 h).
	BanDuration    time.Duration
	MaxBanDuration time.Duration
	// Penalties per behaviour (default DefaultPenalties).
	Penalties map[Behaviour]float64
	// DisconnectScore and BanScore are the score thresholds (defaults -20
	// and -50); ScoreHalfLife is how fast negative scores recover
	// (default 10 min).
	DisconnectScore float64
	BanScore        float64
	ScoreHalfLife   time.Duration

	// StatusTimeout: peers that gave no Status this long after connecting
	// are disconnected with UnableToVerifyNetwork. Default
	// DefaultStatusTimeout (30 s).
	StatusTimeout time.Duration
	// StatusPolicy tunes CheckStatus.
	StatusPolicy StatusPolicy
	// Chain supplies the local view for Status decisions. Required for
	// OnStatus.
	Chain func() LocalView

	// DialTimeout: a planned dial with no outcome after this long counts
	// as failed. Default 30 s. DialBackoff: a failed dial is not retried
	// before this. Default 1 min. MaxDialsPerTick caps the dials planned in
	// one call (default 8).
	DialTimeout     time.Duration
	DialBackoff     time.Duration
	MaxDialsPerTick int

	// StaticPeers are always kept and redialled when not connected.
	// TrustedPeers are static peers that are moreover never penalised,
	// banned or disconnected by the manager.
	StaticPeers  []ID
	TrustedPeers []ID

	// MaxTracked bounds the records kept about disconnected peers (scores,
	// bans, backoffs). Default 16384.
	MaxTracked int

	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Check reports a config whose limits contradict each other (negative,
// TargetPeers above MaxPeers, PruneAbove outside [TargetPeers, MaxPeers]),
// after the defaults.
func (c Config) Check() error {
	if c.TargetPeers < 0 || c.MaxPeers < 0 || c.PruneAbove < 0 || c.BanDuration < 0 || c.MaxBanDuration < 0 {
		return fmt.Errorf("negative limit or duration")
	}
	if c.MaxPeers > 0 && c.TargetPeers > c.MaxPeers {
		return fmt.Errorf("target_peers %d exceeds max_peers %d", c.TargetPeers, c.MaxPeers)
	}
	d := c.withDefaults()
	if d.PruneAbove < d.TargetPeers || d.PruneAbove > d.MaxPeers {
		return fmt.Errorf("prune_above %d outside [target_peers %d, max_peers %d]", d.PruneAbove, d.TargetPeers, d.MaxPeers)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.TargetPeers <= 0 {
		c.TargetPeers = DefaultTargetPeers
		if c.MaxPeers > 0 {
			c.TargetPeers = min(c.TargetPeers, c.MaxPeers)
		}
	}
	if c.MaxPeers < c.TargetPeers {
		c.MaxPeers = c.TargetPeers + max(c.TargetPeers/10, 1)
	}
	if c.PruneAbove <= 0 {
		c.PruneAbove = c.TargetPeers + (c.MaxPeers-c.TargetPeers+1)/2
	}
	if c.OutboundFraction == 0 {
		c.OutboundFraction = DefaultOutboundFraction
	}
	if c.OutboundFraction < 0 {
		c.OutboundFraction = 0
	}
	if c.OutboundFraction > 1 {
		c.OutboundFraction = 1
	}
	if c.BanDuration <= 0 {
		c.BanDuration = DefaultBanDuration
	}
	if c.MaxBanDuration < c.BanDuration {
		c.MaxBanDuration = max(DefaultMaxBanDuration, c.BanDuration)
	}
	if c.Penalties == nil {
		c.Penalties = DefaultPenalties
	}
	if c.DisconnectScore == 0 {
		c.DisconnectScore = -20
	}
	if c.BanScore == 0 {
		c.BanScore = -50
	}
	if c.ScoreHalfLife <= 0 {
		c.ScoreHalfLife = 10 * time.Minute
	}
	if c.StatusTimeout <= 0 {
		c.StatusTimeout = DefaultStatusTimeout
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 30 * time.Second
	}
	if c.DialBackoff <= 0 {
		c.DialBackoff = time.Minute
	}
	if c.MaxDialsPerTick <= 0 {
		c.MaxDialsPerTick = 8
	}
	if c.MaxTracked <= 0 {
		c.MaxTracked = 16384
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

type peerState struct {
	connected     bool
	disconnecting bool // we asked for a disconnect; not counted any more
	dir           Direction
	since         time.Time
	hasStatus     bool
	status        Status

	score     float64 // behaviour score, decays towards 0
	decayedAt time.Time
	gossip    float64 // external (gossipsub) score

	bannedUntil time.Time
	banReason   GoodbyeReason // of the last ban
	banActive   bool          // ActUnban not yet emitted
	bans        int           // bans so far; reset MaxBanDuration after the last one ended

	dialingSince time.Time // zero: no dial pending
	backoffUntil time.Time
}

// Manager is the peer manager. It is safe for concurrent use, but it is
// meant to be driven by one event loop.
type Manager struct {
	mu      sync.Mutex
	cfg     Config
	minOut  int
	maxIn   int
	static  map[ID]bool
	trusted map[ID]bool
	peers   map[ID]*peerState
}

// New makes a Manager.
func New(cfg Config) *Manager {
	cfg = cfg.withDefaults()
	m := &Manager{cfg: cfg, static: map[ID]bool{}, trusted: map[ID]bool{}, peers: map[ID]*peerState{}}
	m.minOut = int(math.Ceil(float64(cfg.TargetPeers) * cfg.OutboundFraction))
	m.maxIn = max(cfg.MaxPeers-m.minOut, 0)
	for _, id := range cfg.StaticPeers {
		m.static[id] = true
	}
	for _, id := range cfg.TrustedPeers {
		m.static[id] = true
		m.trusted[id] = true
	}
	return m
}

// Config is the effective configuration (defaults applied).
func (m *Manager) Config() Config { return m.cfg }

// MinOutbound and MaxInbound are the derived balance limits.
func (m *Manager) MinOutbound() int { return m.minOut }
func (m *Manager) MaxInbound() int  { return m.maxIn }

func (m *Manager) get(id ID) *peerState {
	p := m.peers[id]
	if p == nil {
		p = &peerState{decayedAt: m.cfg.Now()}
		m.peers[id] = p
	}
	return p
}

func (m *Manager) protected(id ID) bool { return m.static[id] || m.trusted[id] }

// AddStatic / AddTrusted / RemoveStatic change the protected sets.
func (m *Manager) AddStatic(id ID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.static[id] = true
}

func (m *Manager) AddTrusted(id ID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.static[id] = true
	m.trusted[id] = true
}

func (m *Manager) RemoveStatic(id ID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.static, id)
	delete(m.trusted, id)
}

// counts of active (connected, not being disconnected) peers.
func (m *Manager) counts() (total, in, out int) {
	for _, p := range m.peers {
		if p.connected && !p.disconnecting {
			total++
			if p.dir == Inbound {
				in++
			} else {
				out++
			}
		}
	}
	return
}

func (m *Manager) banned(p *peerState, now time.Time) bool {
	return p != nil && now.Before(p.bannedUntil)
}

// disconnect marks p and returns the action.
func (m *Manager) disconnect(id ID, p *peerState, r GoodbyeReason) []Action {
	if !p.connected || p.disconnecting {
		return nil
	}
	p.disconnecting = true
	return []Action{{Kind: ActDisconnect, Peer: id, Reason: r}}
}

// ban bans id (not trusted peers) for the policy's duration, or atLeast
// when longer, never shortening a ban in force, and disconnects it when
// connected.
func (m *Manager) ban(id ID, p *peerState, r GoodbyeReason, goodbye GoodbyeReason, atLeast time.Duration) []Action {
	if m.trusted[id] {
		return nil
	}
	now := m.cfg.Now()
	d := m.cfg.BanDuration
	for i := 0; i < p.bans && d < m.cfg.MaxBanDuration; i++ {
		d *= 2
	}
	d = max(min(d, m.cfg.MaxBanDuration), atLeast)
	p.bans++
	if until := now.Add(d); until.After(p.bannedUntil) {
		p.bannedUntil = until
	}
	p.banReason = r
	p.banActive = true
	acts := []Action{{Kind: ActBan, Peer: id, Reason: r, Until: p.bannedUntil}}
	return append(acts, m.disconnect(id, p, goodbye)...)
}

// OnConnected records a new connection. A second connection of a peer that
// is already connected is the same logical peer and changes nothing.
func (m *Manager) OnConnected(id ID, dir Direction) []Action {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.cfg.Now()
	p := m.get(id)
	p.dialingSince = time.Time{}
	if p.connected {
		return nil
	}
	total, in, _ := m.counts()
	p.connected, p.disconnecting, p.dir, p.since, p.hasStatus = true, false, dir, now, false
	if m.banned(p, now) && !m.trusted[id] {
		return m.disconnect(id, p, Banned)
	}
	if m.protected(id) {
		return nil
	}
	if total >= m.cfg.MaxPeers || (dir == Inbound && in >= m.maxIn) {
		return m.disconnect(id, p, TooManyPeers)
	}
	return nil
}

// OnDisconnected records the end of a peer's (last) connection.
func (m *Manager) OnDisconnected(id ID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.peers[id]
	if p == nil {
		return
	}
	p.connected, p.disconnecting, p.hasStatus = false, false, false
	p.dialingSince = time.Time{}
	m.forgetIfIdle(id, p)
}

// forgetIfIdle drops the record of a disconnected peer that carries no
// information (no ban, score recovered, no backoff).
func (m *Manager) forgetIfIdle(id ID, p *peerState) {
	now := m.cfg.Now()
	if p.connected || !p.dialingSince.IsZero() || p.banActive || m.banned(p, now) || now.Before(p.backoffUntil) || p.score < -1 || p.bans > 0 {
		return
	}
	delete(m.peers, id)
}

// OnDialFailed records a failed dial: the peer is not dialled again before
// DialBackoff.
func (m *Manager) OnDialFailed(id ID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.get(id)
	p.dialingSince = time.Time{}
	p.backoffUntil = m.cfg.Now().Add(m.cfg.DialBackoff)
}

// OnGoodbye records a Goodbye received from a peer; the peer is not dialled
// again for a while (longer for network mismatches and bans, shorter for
// full peers).
func (m *Manager) OnGoodbye(id ID, r GoodbyeReason) {
	var d time.Duration
	switch r {
	case IrrelevantNetwork, UnableToVerifyNetwork:
		d = 24 * time.Hour
	case BadScore, Banned, BannedIP:
		d = 2 * time.Hour
	case ClientShutdown:
		d = time.Hour
	case TooManyPeers:
		d = 5 * time.Minute
	default:
		d = 2 * time.Minute
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.static[id] {
		d = min(d, m.cfg.DialBackoff)
	}
	p := m.get(id)
	p.backoffUntil = maxTime(p.backoffUntil, m.cfg.Now().Add(d))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// OnStatus applies CheckStatus to a Status received from a connected peer.
func (m *Manager) OnStatus(id ID, remote Status) (Decision, []Action) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.peers[id]
	if p == nil || !p.connected {
		return Decision{Verdict: Keep}, nil
	}
	p.hasStatus, p.status = true, remote
	if m.cfg.Chain == nil {
		return Decision{Verdict: Keep, Why: "no chain view"}, nil
	}
	d := CheckStatus(m.cfg.Chain(), remote, m.cfg.StatusPolicy)
	if m.trusted[id] {
		return d, nil
	}
	switch d.Verdict {
	case Disconnect:
		return d, m.disconnect(id, p, d.Reason)
	case Ban:
		return d, m.ban(id, p, d.Reason, d.Reason, 0)
	}
	return d, nil
}

// OnBadBehaviour penalises a peer. Fatal behaviours (WrongNetwork,
// ProtocolViolation) ban at once; otherwise the score falls by the
// configured penalty and crossing DisconnectScore disconnects (BadScore),
// crossing BanScore bans (Banned). Trusted peers are never penalised.
func (m *Manager) OnBadBehaviour(id ID, b Behaviour) []Action {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.trusted[id] {
		return nil
	}
	p := m.get(id)
	switch b {
	case WrongNetwork:
		return m.ban(id, p, IrrelevantNetwork, IrrelevantNetwork, 0)
	case ProtocolViolation:
		return m.ban(id, p, FaultError, Banned, 0)
	}
	m.decay(p)
	p.score += m.cfg.Penalties[b]
	now := m.cfg.Now()
	switch {
	case p.score <= m.cfg.BanScore && !m.banned(p, now):
		return m.ban(id, p, BadScore, Banned, 0)
	case p.score <= m.cfg.DisconnectScore && !m.static[id]:
		return m.disconnect(id, p, BadScore)
	}
	return nil
}

// Ban bans a peer for the configured duration (doubling for repeat bans).
func (m *Manager) Ban(id ID, r GoodbyeReason) []Action {
	return m.BanFor(id, r, 0)
}

// BanFor bans a peer like Ban, for at least atLeast (the host's ban).
func (m *Manager) BanFor(id ID, r GoodbyeReason, atLeast time.Duration) []Action {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ban(id, m.get(id), r, Banned, atLeast)
}

// BanInfo is a ban in force.
type BanInfo struct {
	Peer   ID
	Until  time.Time
	Reason GoodbyeReason
}

// BanOf returns id's ban if one is in force (never for a trusted peer).
func (m *Manager) BanOf(id ID) (BanInfo, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.peers[id]
	if !m.banned(p, m.cfg.Now()) || m.trusted[id] {
		return BanInfo{}, false
	}
	return BanInfo{Peer: id, Until: p.bannedUntil, Reason: p.banReason}, true
}

// Bans lists the bans in force, sorted by peer.
func (m *Manager) Bans() []BanInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.cfg.Now()
	var out []BanInfo
	for id, p := range m.peers {
		if m.banned(p, now) && !m.trusted[id] {
			out = append(out, BanInfo{Peer: id, Until: p.bannedUntil, Reason: p.banReason})
		}
	}
	slices.SortFunc(out, func(a, b BanInfo) int { return cmp.Compare(a.Peer, b.Peer) })
	return out
}

// IsStatic reports whether id is a static peer (trusted peers are static
// too); IsTrusted whether it is trusted.
func (m *Manager) IsStatic(id ID) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.static[id]
}

func (m *Manager) IsTrusted(id ID) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.trusted[id]
}

// SetGossipScore records the peer's gossipsub score; it adds to the
// behaviour score when choosing whom to prune.
func (m *Manager) SetGossipScore(id ID, s float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p := m.peers[id]; p != nil && p.connected {
		p.gossip = s
	}
}

// decay moves the behaviour score towards 0 with the configured half-life.
func (m *Manager) decay(p *peerState) {
	now := m.cfg.Now()
	dt := now.Sub(p.decayedAt)
	p.decayedAt = now
	if dt <= 0 || p.score == 0 {
		return
	}
	p.score *= math.Pow(0.5, float64(dt)/float64(m.cfg.ScoreHalfLife))
	if math.Abs(p.score) < 1e-3 {
		p.score = 0
	}
}

// IsBanned reports whether id is banned now.
func (m *Manager) IsBanned(id ID) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.banned(m.peers[id], m.cfg.Now()) && !m.trusted[id]
}

// Score is the peer's behaviour score (after decay) plus its gossip score.
func (m *Manager) Score(id ID) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.peers[id]
	if p == nil {
		return 0
	}
	m.decay(p)
	return p.score + p.gossip
}

// PeerInfo is a snapshot of one connected peer.
type PeerInfo struct {
	ID        ID
	Direction Direction
	Since     time.Time
	HasStatus bool
	Status    Status
	Score     float64
	Static    bool
	Trusted   bool
}

// Peers lists the active (connected, not being disconnected) peers.
func (m *Manager) Peers() []PeerInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []PeerInfo
	for id, p := range m.peers {
		if p.connected && !p.disconnecting {
			m.decay(p)
			out = append(out, PeerInfo{id, p.dir, p.since, p.hasStatus, p.status, p.score + p.gossip, m.static[id], m.trusted[id]})
		}
	}
	slices.SortFunc(out, func(a, b PeerInfo) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Stats are counters for metrics.
type Stats struct {
	Connected, Inbound, Outbound int
	Dialing                      int
	Banned                       int
	Tracked                      int
}

// Stats counts peers now.
func (m *Manager) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.cfg.Now()
	var s Stats
	s.Connected, s.Inbound, s.Outbound = m.counts()
	for _, p := range m.peers {
		if !p.dialingSince.IsZero() {
			s.Dialing++
		}
		if m.banned(p, now) {
			s.Banned++
		}
	}
	s.Tracked = len(m.peers)
	return s
}

// Tick runs periodic maintenance and plans dials: it lifts expired bans
// (ActUnban), expires pending dials, disconnects peers without a Status
// after StatusTimeout, prunes down to PruneAbove, and dials static peers
// and then candidates (in the order given, best first) until the target and
// the outbound minimum are covered. Call it every few seconds.
func (m *Manager) Tick(candidates []ID) []Action {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.cfg.Now()
	var acts []Action
	ids := make([]ID, 0, len(m.peers))
	for id := range m.peers {
		ids = append(ids, id)
	}
	slices.Sort(ids) // deterministic output
	for _, id := range ids {
		p := m.peers[id]
		m.decay(p)
		if p.banActive && !now.Before(p.bannedUntil) {
			p.banActive = false
			acts = append(acts, Action{Kind: ActUnban, Peer: id})
		}
		if !p.dialingSince.IsZero() && now.Sub(p.dialingSince) >= m.cfg.DialTimeout {
			p.dialingSince = time.Time{}
			p.backoffUntil = now.Add(m.cfg.DialBackoff)
		}
		if p.connected && !p.disconnecting && !p.hasStatus && !m.trusted[id] && now.Sub(p.since) >= m.cfg.StatusTimeout {
			acts = append(acts, m.disconnect(id, p, UnableToVerifyNetwork)...)
		}
		if p.bans > 0 && !p.banActive && now.Sub(p.bannedUntil) >= m.cfg.MaxBanDuration {
			p.bans = 0 // long enough without a ban: the next one starts short again
		}
		if !p.connected {
			m.forgetIfIdle(id, p)
		}
	}
	acts = append(acts, m.prune()...)
	acts = append(acts, m.planDials(candidates, now)...)
	m.bound()
	return acts
}

// PlanDials plans dials only (static peers and candidates), e.g. when
// discovery reports new peers between ticks.
func (m *Manager) PlanDials(candidates []ID) []Action {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.planDials(candidates, m.cfg.Now())
}

// prune disconnects the lowest-scored unprotected peers down to PruneAbove,
// keeping at least MinOutbound outbound peers. Ties go against peers without
// a Status, then inbound peers, then the most recent connections.
func (m *Manager) prune() []Action {
	total, _, out := m.counts()
	excess := total - m.cfg.PruneAbove
	if excess <= 0 {
		return nil
	}
	type cand struct {
		id    ID
		p     *peerState
		score float64
	}
	var cs []cand
	for id, p := range m.peers {
		if p.connected && !p.disconnecting && !m.protected(id) {
			cs = append(cs, cand{id, p, p.score + p.gossip})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if c := cmp.Compare(a.score, b.score); c != 0 {
			return c
		}
		if a.p.hasStatus != b.p.hasStatus {
			if !a.p.hasStatus {
				return -1
			}
			return 1
		}
		if a.p.dir != b.p.dir {
			if a.p.dir == Inbound {
				return -1
			}
			return 1
		}
		if c := b.p.since.Compare(a.p.since); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	var acts []Action
	for _, c := range cs {
		if excess == 0 {
			break
		}
		if c.p.dir == Outbound {
			if out <= m.minOut {
				continue
			}
			out--
		}
		acts = append(acts, m.disconnect(c.id, c.p, TooManyPeers)...)
		excess--
	}
	return acts
}

func (m *Manager) dialable(id ID, now time.Time) bool {
	p := m.peers[id]
	if p == nil {
		return true
	}
	return !p.connected && p.dialingSince.IsZero() && !now.Before(p.backoffUntil) && (!m.banned(p, now) || m.trusted[id])
}

func (m *Manager) planDials(candidates []ID, now time.Time) []Action {
	var acts []Action
	dial := func(id ID) {
		m.get(id).dialingSince = now
		acts = append(acts, Action{Kind: ActDial, Peer: id})
	}
	statics := make([]ID, 0, len(m.static))
	for id := range m.static {
		statics = append(statics, id)
	}
	slices.Sort(statics)
	for _, id := range statics {
		if m.dialable(id, now) {
			dial(id)
		}
	}
	total, _, out := m.counts()
	pending := 0
	for _, p := range m.peers {
		if !p.dialingSince.IsZero() {
			pending++
		}
	}
	// Dials needed to reach the target, or the outbound minimum, whichever
	// is more, without exceeding MaxPeers.
	need := max(m.cfg.TargetPeers-total-pending, m.minOut-out-pending)
	need = min(need, m.cfg.MaxPeers-total-pending, m.cfg.MaxDialsPerTick-len(acts))
	for _, id := range candidates {
		if need <= 0 {
			break
		}
		if m.static[id] || !m.dialable(id, now) {
			continue
		}
		dial(id)
		need--
	}
	return acts
}

// bound drops records of disconnected, unbanned peers when there are more
// than MaxTracked, the least informative (no backoff, score near 0) first.
func (m *Manager) bound() {
	if len(m.peers) <= m.cfg.MaxTracked {
		return
	}
	now := m.cfg.Now()
	var idle []ID
	for id, p := range m.peers {
		if !p.connected && p.dialingSince.IsZero() && !m.banned(p, now) {
			idle = append(idle, id)
		}
	}
	slices.SortFunc(idle, func(a, b ID) int {
		return cmp.Compare(-m.peers[a].score, -m.peers[b].score) // closest to 0 first
	})
	for _, id := range idle {
		if len(m.peers) <= m.cfg.MaxTracked {
			break
		}
		delete(m.peers, id)
	}
}
