// Package discovery runs discv5 (go-ethereum p2p/discover) for an Ethereum
// consensus node: the local ENR with the consensus entries (eth2, attnets,
// syncnets, cgc, nfd), bootstrapping from ENR bootnodes, a stream of
// discovered peers on the node's fork digest converted to libp2p AddrInfos,
// and searches for peers serving a given attestation, sync committee or data
// column subnet. Plain Go; no libp2p host is needed.
package discovery

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/p2p/discover"
	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/ethereum/go-ethereum/p2p/enr"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
)

// Config configures a Service. PrivKey is required; everything else has a
// default.
type Config struct {
	// PrivKey signs the ENR; it must be the libp2p identity key (see
	// ECDSAKey) so that the record's peer id is the libp2p peer id.
	PrivKey *ecdsa.PrivateKey
	// ListenUDP is the discv5 UDP listen address, "host:port"
	// (default "0.0.0.0:9000"; port 0 picks a free port).
	ListenUDP string
	// AdvertiseIP is the `ip`/`ip6` of the record. Default: the listen IP
	// when it is a specific address; for a wildcard listen address the IP
	// is predicted from what peers report (go-ethereum's endpoint tracker).
	AdvertiseIP net.IP
	// TCPPort and QUICPort are the libp2p listen ports announced as
	// `tcp`/`quic` (and `tcp6`/`quic6` when AdvertiseIP is IPv6); 0 leaves
	// the entry out.
	TCPPort, QUICPort int
	// Bootnodes are "enr:-..." records (enode:// URLs are accepted too).
	Bootnodes []string
	// ENR holds the consensus entries of the local record: ForkID (`eth2`,
	// always written), Attnets and Syncnets (always written), cgc when
	// HasCGC and nfd when HasNFD (both MUST be present once FULU_FORK_EPOCH
	// is scheduled). HasEth2 is ignored.
	ENR Fields
	// Custody are the data-availability parameters (default MainnetCustody).
	Custody CustodyParams
	// DBPath is the node database directory; "" keeps it in memory. A
	// persistent database keeps the ENR sequence number across restarts.
	DBPath string
	// RediscoverInterval is how long Peers waits before yielding the same
	// record (same sequence number) again; default 30s.
	RediscoverInterval time.Duration

	// Tuning of go-ethereum's table (zero: go-ethereum's defaults, 3s ping
	// interval, 30min refresh, 700ms response timeout).
	PingInterval    time.Duration
	RefreshInterval time.Duration
	RespTimeout     time.Duration
	// Log receives go-ethereum's discovery logs (default: discarded).
	Log log.Logger
}

// Service is a running discv5 node. All methods are safe for concurrent use.
type Service struct {
	cfg  Config
	cust CustodyParams
	conn *net.UDPConn
	db   *enode.DB
	ln   *enode.LocalNode
	udp  *discover.UDPv5

	mu     sync.Mutex // serialises record updates
	digest forkdigest.Digest
	advIP  net.IP // static advertised IP (nil: predicted)

	closeOnce sync.Once
}

// ErrClosed is returned by searches after Close.
var ErrClosed = errors.New("discovery: service closed")

// New opens the UDP socket, builds and signs the local record and starts
// discv5 with the bootnodes.
func New(cfg Config) (*Service, error) {
	if cfg.PrivKey == nil {
		return nil, errors.New("discovery: Config.PrivKey is required")
	}
	if cfg.ListenUDP == "" {
		cfg.ListenUDP = "0.0.0.0:9000"
	}
	if cfg.RediscoverInterval <= 0 {
		cfg.RediscoverInterval = 30 * time.Second
	}
	cust := cfg.Custody.orDefault()
	if cfg.ENR.HasCGC && cfg.ENR.CustodyGroupCount > cust.NumberOfCustodyGroups {
		return nil, fmt.Errorf("discovery: custody group count %d exceeds %d", cfg.ENR.CustodyGroupCount, cust.NumberOfCustodyGroups)
	}
	if err := checkPort(cfg.TCPPort); err != nil {
		return nil, err
	}
	if err := checkPort(cfg.QUICPort); err != nil {
		return nil, err
	}
	boot := make([]*enode.Node, 0, len(cfg.Bootnodes))
	for _, s := range cfg.Bootnodes {
		n, err := ParseENR(s)
		if err != nil {
			return nil, err
		}
		boot = append(boot, n)
	}
	laddr, err := net.ResolveUDPAddr("udp", cfg.ListenUDP)
	if err != nil {
		return nil, fmt.Errorf("discovery: listen address %q: %w", cfg.ListenUDP, err)
	}
	conn, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return nil, fmt.Errorf("discovery: listen %s: %w", cfg.ListenUDP, err)
	}
	db, err := enode.OpenDB(cfg.DBPath)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("discovery: node database: %w", err)
	}
	s := &Service{cfg: cfg, cust: cust, conn: conn, db: db}
	s.ln = enode.NewLocalNode(db, cfg.PrivKey)

	bound := conn.LocalAddr().(*net.UDPAddr)
	ip := cfg.AdvertiseIP
	if ip == nil && bound.IP != nil && !bound.IP.IsUnspecified() {
		ip = bound.IP
	}
	if ip != nil {
		s.ln.SetStaticIP(ip)
		s.advIP = ip
	}
	s.ln.SetFallbackUDP(bound.Port)
	s.setPortsLocked(ip, cfg.TCPPort, cfg.QUICPort)
	s.setFieldsLocked(cfg.ENR)
	s.ln.Node() // sign the first record

	logger := cfg.Log
	if logger == nil {
		logger = log.NewLogger(log.DiscardHandler())
	}
	udp, err := discover.ListenV5(conn, s.ln, discover.Config{
		PrivateKey:      cfg.PrivKey,
		Bootnodes:       boot,
		PingInterval:    cfg.PingInterval,
		RefreshInterval: cfg.RefreshInterval,
		V5RespTimeout:   cfg.RespTimeout,
		Log:             logger,
	})
	if err != nil {
		conn.Close()
		db.Close()
		return nil, fmt.Errorf("discovery: start discv5: %w", err)
	}
	s.udp = udp
	return s, nil
}

func checkPort(p int) error {
	if p < 0 || p > 65535 {
		return fmt.Errorf("discovery: port %d out of range", p)
	}
	return nil
}

// Close stops discv5 and closes the socket and database. Streams returned
// by Peers end. Close is idempotent.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		s.udp.Close()
		s.db.Close()
	})
	return nil
}

// Self is the current signed local record.
func (s *Service) Self() *enode.Node { return s.ln.Node() }

// ENR is the current local record in text form ("enr:-...").
func (s *Service) ENR() string { return s.Self().String() }

// ID is the discv5 node id (keccak256 of the public key).
func (s *Service) ID() enode.ID { return s.ln.ID() }

// LocalAddr is the bound UDP address.
func (s *Service) LocalAddr() *net.UDPAddr { return s.conn.LocalAddr().(*net.UDPAddr) }

// Fields are the consensus entries of the current local record.
func (s *Service) Fields() Fields {
	f, _ := ReadFields(s.Self().Record())
	return f
}

// ForkDigest is the digest discovered peers are filtered to.
func (s *Service) ForkDigest() forkdigest.Digest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.digest
}

// setFieldsLocked writes the consensus entries into the local node (s.mu
// held, or during New).
func (s *Service) setFieldsLocked(f Fields) {
	s.ln.Set(entryEth2(f.ForkID.MarshalSSZ()))
	s.digest = f.ForkID.ForkDigest
	s.ln.Set(entryAttnets(f.Attnets[:]))
	s.ln.Set(entrySyncnets([]byte{byte(f.Syncnets)}))
	if f.HasCGC {
		s.ln.Set(entryCGC(f.CustodyGroupCount))
	} else {
		s.ln.Delete(entryCGC(0))
	}
	if f.HasNFD {
		s.ln.Set(entryNFD(f.NextForkDigest[:]))
	} else {
		s.ln.Delete(entryNFD(nil))
	}
}

func (s *Service) setPortsLocked(ip net.IP, tcp, quic int) {
	v6 := ip != nil && ip.To4() == nil
	set := func(port int, v4, v6e enr.Entry) {
		if port == 0 {
			s.ln.Delete(v4)
			s.ln.Delete(v6e)
			return
		}
		s.ln.Set(v4)
		if v6 {
			s.ln.Set(v6e)
		}
	}
	set(tcp, enr.TCP(tcp), enr.TCP6(tcp))
	set(quic, enr.QUIC(quic), enr.QUIC6(quic))
}

// update applies fn under the update lock and signs the new record (the
// sequence number grows by one when anything changed). It returns the new
// sequence number.
func (s *Service) update(fn func()) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn()
	return s.ln.Node().Seq()
}

// UpdateFields replaces all consensus entries at once (one sequence number
// step when anything changed); f.HasEth2 is ignored. Use it at a fork
// boundary to change `eth2` and `nfd` together.
func (s *Service) UpdateFields(f Fields) (uint64, error) {
	if f.HasCGC && f.CustodyGroupCount > s.cust.NumberOfCustodyGroups {
		return 0, fmt.Errorf("discovery: custody group count %d exceeds %d", f.CustodyGroupCount, s.cust.NumberOfCustodyGroups)
	}
	return s.update(func() { s.setFieldsLocked(f) }), nil
}

// UpdateAttnets sets the `attnets` entry (the node's long-lived attestation
// subnets, mirroring MetaData.attnets).
func (s *Service) UpdateAttnets(a Attnets) uint64 {
	return s.update(func() { s.ln.Set(entryAttnets(a[:])) })
}

// UpdateSyncnets sets the `syncnets` entry.
func (s *Service) UpdateSyncnets(sn Syncnets) uint64 {
	return s.update(func() { s.ln.Set(entrySyncnets([]byte{byte(sn)})) })
}

// SetForkID sets the `eth2` entry; discovered peers are filtered to its
// digest from then on.
func (s *Service) SetForkID(id forkdigest.ENRForkID) uint64 {
	return s.update(func() {
		s.ln.Set(entryEth2(id.MarshalSSZ()))
		s.digest = id.ForkDigest
	})
}

// SetNextForkDigest sets the `nfd` entry (the zero digest when no fork is
// scheduled).
func (s *Service) SetNextForkDigest(d forkdigest.Digest) uint64 {
	return s.update(func() { s.ln.Set(entryNFD(d[:])) })
}

// SetCustodyGroupCount sets the `cgc` entry.
func (s *Service) SetCustodyGroupCount(n uint64) (uint64, error) {
	if n > s.cust.NumberOfCustodyGroups {
		return 0, fmt.Errorf("discovery: custody group count %d exceeds %d", n, s.cust.NumberOfCustodyGroups)
	}
	return s.update(func() { s.ln.Set(entryCGC(n)) }), nil
}

// SetLibp2pPorts sets the announced libp2p `tcp` and `quic` ports (0
// removes the entry), e.g. once the host knows the ports it bound.
func (s *Service) SetLibp2pPorts(tcp, quic int) (uint64, error) {
	if err := checkPort(tcp); err != nil {
		return 0, err
	}
	if err := checkPort(quic); err != nil {
		return 0, err
	}
	return s.update(func() { s.setPortsLocked(s.advIP, tcp, quic) }), nil
}

// eligible reports whether n is a peer on our network: a secp256k1 record
// other than ours whose `eth2` fork digest equals ours.
func (s *Service) eligible(n *enode.Node) bool {
	if n.ID() == s.ID() || n.Pubkey() == nil {
		return false
	}
	var raw entryEth2
	if n.Load(&raw) != nil {
		return false
	}
	id, err := forkdigest.UnmarshalENRForkID(raw)
	return err == nil && id.ForkDigest == s.ForkDigest()
}

// toPeer converts an eligible record; ok is false for records that cannot
// be dialled (no TCP/QUIC address) or have malformed consensus entries.
func (s *Service) toPeer(n *enode.Node) (Peer, bool) {
	if !s.eligible(n) {
		return Peer{}, false
	}
	p, err := NewPeer(n)
	if err != nil || len(p.AddrInfo.Addrs) == 0 {
		return Peer{}, false
	}
	return p, true
}

// KnownPeers are the eligible, dialable nodes currently in the discv5
// routing table (no network traffic).
func (s *Service) KnownPeers() []Peer {
	var out []Peer
	for _, n := range s.udp.AllNodes() {
		if p, ok := s.toPeer(n); ok {
			out = append(out, p)
		}
	}
	return out
}

// Resolve asks the node itself for its newest record (discv5 FINDNODE at
// distance 0) and returns it when its sequence number is not lower than
// n's.
func (s *Service) Resolve(n *enode.Node) (*enode.Node, error) {
	r, err := s.udp.RequestENR(n)
	if err != nil {
		return nil, err
	}
	if r.ID() != n.ID() {
		return nil, fmt.Errorf("discovery: node %s answered with record of %s", n.ID().TerminalString(), r.ID().TerminalString())
	}
	if r.Seq() < n.Seq() {
		return n, nil
	}
	return r, nil
}

// Lookup runs one discv5 lookup towards target and returns the eligible
// peers among the closest nodes found (records as the responders had them).
func (s *Service) Lookup(target enode.ID) []Peer {
	var out []Peer
	for _, n := range s.udp.Lookup(target) {
		if p, ok := s.toPeer(n); ok {
			out = append(out, p)
		}
	}
	return out
}

// Peers streams discovered peers on the node's fork digest (random discv5
// walks), each with its libp2p AddrInfo and consensus fields. A record is
// yielded again only when its sequence number grew or RediscoverInterval
// has passed. The channel is closed when ctx ends or the service closes.
func (s *Service) Peers(ctx context.Context) <-chan Peer {
	ch := make(chan Peer, 16)
	go s.stream(ctx, ch, func(Peer) bool { return true }, true)
	return ch
}

type seenRec struct {
	seq uint64
	at  time.Time
}

const maxSeen = 8192

func (s *Service) stream(ctx context.Context, ch chan<- Peer, match func(Peer) bool, rediscover bool) {
	defer close(ch)
	it := enode.Filter(s.udp.RandomNodes(), s.eligible)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
		case <-stop:
		}
		it.Close()
	}()
	seen := make(map[enode.ID]seenRec)
	for it.Next() {
		n := it.Node()
		p, ok := s.toPeer(n)
		if !ok || !match(p) {
			continue
		}
		now := time.Now()
		if r, dup := seen[n.ID()]; dup && r.seq >= n.Seq() && (!rediscover || now.Sub(r.at) < s.cfg.RediscoverInterval) {
			continue
		}
		if len(seen) >= maxSeen {
			for id, r := range seen {
				if now.Sub(r.at) >= s.cfg.RediscoverInterval {
					delete(seen, id)
				}
			}
			if len(seen) >= maxSeen {
				clear(seen)
			}
		}
		seen[n.ID()] = seenRec{seq: n.Seq(), at: now}
		select {
		case ch <- p:
		case <-ctx.Done():
			return
		}
	}
}
