package node

// Data availability on gossip (issue 15): the blob_sidecar_{subnet} topics
// (deneb, electra) and the data_column_sidecar_{subnet} topics of the
// node's sampling columns (fulu), validated in Go by da/gossipcheck (every
// rule of the spec, REJECT and IGNORE with their reason), each accepted
// sidecar handed to a DASink. The node's custody (da/custodynet) comes
// from its node id and custody group count; the count is written in its
// ENR (`cgc`) and its MetaData v3 together. StartDAGossip does it for any
// gossipcheck.Chain; the chain (StartChain) does it for itself, the chain
// answering the rules' questions (chainDAFacts below).

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/da"
	"github.com/libp2pc/libp2pc/libp2pc/da/custody"
	"github.com/libp2pc/libp2pc/libp2pc/da/custodynet"
	"github.com/libp2pc/libp2pc/libp2pc/da/dareqresp"
	"github.com/libp2pc/libp2pc/libp2pc/da/gossipcheck"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/discovery"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossip"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqrespnet"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// DASink receives the sidecars gossip accepted (fully verified). The
// pipeline's data availability side implements it (branch daimport:
// pipeline.Pipeline); TrackerSink adapts a da.Tracker. Called from
// gossipsub validation goroutines, concurrently: must not block long.
type DASink interface {
	AddVerifiedBlobSidecar(sc *deneb.BlobSidecar) error
	AddVerifiedDataColumnSidecar(sc *fulu.DataColumnSidecar) error
}

// TrackerSink files accepted sidecars in a da.Tracker.
type TrackerSink struct{ Tracker *da.Tracker }

func (s TrackerSink) AddVerifiedBlobSidecar(sc *deneb.BlobSidecar) error {
	_, err := s.Tracker.AddBlob(sc)
	return err
}

func (s TrackerSink) AddVerifiedDataColumnSidecar(sc *fulu.DataColumnSidecar) error {
	_, err := s.Tracker.AddColumn(sc)
	return err
}

// DAGossipConfig configures StartDAGossip. Zero values take defaults.
type DAGossipConfig struct {
	// Chain answers the rules' chain questions (required).
	Chain gossipcheck.Chain
	// Spec: fork schedule, blob limits and blob schedule (required).
	Spec *config.Config
	// GenesisTime and GenesisValidatorsRoot default to the eth2 config's.
	GenesisTime           time.Time
	GenesisValidatorsRoot *[32]byte
	KZG                   *kzg.Context   // default kzg.Default()
	Custody               custody.Params // default custody.Mainnet
	// CustodyGroupCount: 0 takes the discovery config's, else
	// CUSTODY_REQUIREMENT; 128 makes a supernode.
	CustodyGroupCount uint64
	// Sink receives accepted sidecars (required).
	Sink DASink
	// Blobs / Columns: join the blob_sidecar subnets (each joined while
	// deneb or electra is in force) / the data column subnets of the
	// sampling columns (from fulu). Both false: both, as the fork
	// schedule has them.
	Blobs, Columns bool
}

// DAGossipCounters count what the DA topics' validators did.
type DAGossipCounters struct {
	BlobsAccepted, BlobsRejected, BlobsIgnored       uint64
	ColumnsAccepted, ColumnsRejected, ColumnsIgnored uint64
	// SinkErrors: accepted sidecars the sink refused (counted, still
	// forwarded: they are valid).
	SinkErrors uint64
	Validator  gossipcheck.Stats
	// Timings: the column rules' running time (every column validated,
	// and its batched KZG cell proof check).
	Timings gossipcheck.Timings
	// Topics are the DA topic names the node joined (or will at their fork).
	Topics []string
}

// daGossip is the running DA gossip state of a node.
type daGossip struct {
	v     *gossipcheck.Validator
	sink  DASink
	cp    custody.Params
	id    custody.NodeID
	local atomic.Pointer[custodynet.Local]
	peers *custodynet.Peers

	mu     sync.Mutex
	topics []string        // names to subscribe, then (daSubscribe) those subscribed by us
	owned  map[string]bool // the eth2 subscriptions daSubscribe made

	blobs, columns          [3]atomic.Uint64 // by gossipcheck.Verdict
	sinkErrors, undecodable atomic.Uint64
}

func (n *Node) daGossip() *daGossip { return n.da.Load() }

// NodeID is the node's discv5 node id (keccak256 of its secp256k1
// identity key), the id its custody is computed from.
func (n *Node) NodeID() (enode.ID, error) {
	k, err := discovery.ECDSAKey(n.key)
	if err != nil {
		return enode.ID{}, status.Errorf(status.InvalidArgument, "node id: %v", err)
	}
	return enode.PubkeyToIDV4(&k.PublicKey), nil
}

// StartDAGossip validates the DA topics in Go with cfg's chain, joins them
// (the blob subnets, and the column subnets of the node's sampling
// columns), hands accepted sidecars to cfg.Sink, and writes the custody
// group count in the ENR (when discovery runs) and the MetaData v3. Topics
// the host already subscribed itself are left to it. Never waits: the
// joins happen on the node's loop (a failed join is an Error event).
func (n *Node) StartDAGossip(cfg DAGossipConfig) error {
	g, err := n.newDAGossip(cfg)
	if err != nil {
		return err
	}
	if !n.da.CompareAndSwap(nil, g) {
		return status.Errorf(status.BadState, "da gossip: already started")
	}
	if err := n.registerDAValidators(g); err != nil {
		n.da.Store(nil)
		return err
	}
	n.toLoop(func(l *loop) { l.daSubscribe(g) })
	return nil
}

func (n *Node) newDAGossip(cfg DAGossipConfig) (*daGossip, error) {
	e := n.eth2
	if e == nil {
		return nil, status.Errorf(status.BadState, "da gossip: eth2 is not configured")
	}
	if cfg.Chain == nil || cfg.Spec == nil || cfg.Sink == nil {
		return nil, status.Errorf(status.InvalidArgument, "da gossip: Chain, Spec and Sink are required")
	}
	if cfg.KZG == nil {
		ctx, err := kzg.Default()
		if err != nil {
			return nil, status.Errorf(status.Internal, "da gossip: KZG setup: %v", err)
		}
		cfg.KZG = ctx
	}
	if cfg.Custody == (custody.Params{}) {
		cfg.Custody = custody.Mainnet
	}
	if cfg.GenesisTime.IsZero() {
		cfg.GenesisTime = e.cfg.GenesisTime
	}
	gvr := e.cfg.Schedule.GenesisValidatorsRoot
	if cfg.GenesisValidatorsRoot != nil {
		gvr = *cfg.GenesisValidatorsRoot
	}
	if cfg.CustodyGroupCount == 0 && n.disc != nil {
		cfg.CustodyGroupCount = n.disc.cfg.CustodyGroupCount
	}
	sched, err := forks.ScheduleOf(cfg.Spec)
	if err != nil {
		return nil, status.Errorf(status.InvalidArgument, "da gossip: fork schedule: %v", err)
	}
	if !cfg.Blobs && !cfg.Columns {
		cfg.Blobs = sched.Epochs[forks.Deneb] != config.FarFutureEpoch
		cfg.Columns = sched.Epochs[forks.Fulu] != config.FarFutureEpoch
	}
	v, err := gossipcheck.New(gossipcheck.Config{Spec: cfg.Spec, GenesisTime: cfg.GenesisTime,
		GenesisValidatorsRoot: gvr, Custody: cfg.Custody, KZG: cfg.KZG}, cfg.Chain)
	if err != nil {
		return nil, status.Errorf(status.InvalidArgument, "da gossip: %v", err)
	}
	id, err := n.NodeID()
	if err != nil {
		return nil, err
	}
	local, err := custodynet.NewLocal(cfg.Custody, id, cfg.CustodyGroupCount)
	if err != nil {
		return nil, status.Errorf(status.InvalidArgument, "da gossip: %v", err)
	}
	g := &daGossip{v: v, sink: cfg.Sink, cp: cfg.Custody, id: id, peers: custodynet.NewPeers(cfg.Custody, 0), owned: map[string]bool{}}
	g.local.Store(local)
	if cfg.Blobs {
		maxSubnets := max(e.cfg.Chain.Subnets.BlobSidecarSubnetCount, e.cfg.Chain.Subnets.BlobSidecarSubnetCountElectra)
		for s := range maxSubnets {
			g.topics = append(g.topics, fmt.Sprintf("%s_%d", gossip.BlobSidecar, s))
		}
	}
	if cfg.Columns {
		for _, s := range local.Subnets() {
			g.topics = append(g.topics, fmt.Sprintf("%s_%d", gossip.DataColumnSidecar, s))
		}
	}
	if err := n.syncCustodyCount(local); err != nil {
		return nil, err
	}
	return g, nil
}

func (n *Node) registerDAValidators(g *daGossip) error {
	if err := n.RegisterEth2Validator(gossip.BlobSidecar, g.validateBlob); err != nil {
		return err
	}
	return n.RegisterEth2Validator(gossip.DataColumnSidecar, g.validateColumn)
}

// daSubscribe joins g's topics (on the loop), except those the host
// subscribed itself; g.topics becomes the names g owns.
func (l *loop) daSubscribe(g *daGossip) {
	if l.e2 == nil || l.stopping {
		return
	}
	e := l.n.eth2
	g.mu.Lock()
	defer g.mu.Unlock()
	var owned []string
	for _, name := range g.topics {
		if l.e2.subs[name] != nil {
			if g.owned[name] {
				owned = append(owned, name)
			}
			continue // otherwise the host's subscription
		}
		parsed, err := e.params.ParseName(name)
		if err != nil {
			continue // a subnet this network does not have
		}
		l.e2.subs[name] = &eth2Sub{name: name, parsed: parsed, mode: ValidateGo}
		e.modes.Store(name, ValidateGo)
		g.owned[name] = true
		owned = append(owned, name)
	}
	g.topics = owned
	l.eth2Reconcile(nil, "")
}

// daUnsubscribe leaves g's topics (on the loop).
func (l *loop) daUnsubscribe(g *daGossip) {
	if l.e2 == nil {
		return
	}
	g.mu.Lock()
	names := g.topics
	g.topics, g.owned = nil, map[string]bool{}
	g.mu.Unlock()
	for _, name := range names {
		if s := l.e2.subs[name]; s != nil && s.mode == ValidateGo {
			delete(l.e2.subs, name)
			l.n.eth2.modes.Delete(name)
		}
	}
	l.eth2Reconcile(nil, "")
}

// StopDAGossip leaves the DA topics StartDAGossip joined and removes its
// validators. Never waits.
func (n *Node) StopDAGossip() {
	g := n.daGossip()
	if g == nil {
		return
	}
	if !n.da.CompareAndSwap(g, nil) {
		return
	}
	_ = n.RegisterEth2Validator(gossip.BlobSidecar, nil)
	_ = n.RegisterEth2Validator(gossip.DataColumnSidecar, nil)
	n.toLoop(func(l *loop) { l.daUnsubscribe(g) })
}

// syncCustodyCount writes local's count in the ENR (discovery running) or
// in the discovery config (before Start), and in the MetaData v3.
func (n *Node) syncCustodyCount(local *custodynet.Local) error {
	cgc := local.CustodyGroupCount()
	if d := n.disc; d != nil {
		if _, _, err := n.discRunning("custody"); err == nil {
			if _, err := n.UpdateENR(nil, nil, cgc); err != nil {
				return err
			}
		} else {
			d.cfg.CustodyGroupCount = cgc
		}
	}
	return n.rrSet(func(rr *reqrespState) {
		var md reqrespnet.Metadata
		if rr.metadata != nil {
			md = *rr.metadata
		}
		md = local.Metadata(md)
		rr.metadata = &md
		if rr.svc != nil {
			rr.svc.SetMetadata(md)
		}
	})
}

// SetCustodyGroupCount raises the node's custody group count (validator.md:
// never lowered while running): the ENR's `cgc` and the MetaData v3 change
// together, and the column subnets of the new sampling columns are joined.
func (n *Node) SetCustodyGroupCount(cgc uint64) error {
	g := n.daGossip()
	if g == nil {
		return status.Errorf(status.BadState, "custody: DA gossip is not started")
	}
	old := g.local.Load()
	next, err := old.Raise(cgc)
	if err != nil {
		return status.Errorf(status.InvalidArgument, "custody: %v", err)
	}
	if next == old {
		return nil
	}
	if err := n.syncCustodyCount(next); err != nil {
		return err
	}
	g.local.Store(next)
	g.mu.Lock()
	hadColumns := slices.ContainsFunc(g.topics, func(s string) bool {
		return len(s) > len(gossip.DataColumnSidecar) && s[:len(gossip.DataColumnSidecar)] == gossip.DataColumnSidecar
	})
	if hadColumns {
		for _, s := range next.Subnets() {
			name := fmt.Sprintf("%s_%d", gossip.DataColumnSidecar, s)
			if !slices.Contains(g.topics, name) {
				g.topics = append(g.topics, name)
			}
		}
	}
	g.mu.Unlock()
	n.toLoop(func(l *loop) { l.daSubscribe(g) })
	return nil
}

// Custody is the node's custody (nil before StartDAGossip).
func (n *Node) Custody() *custodynet.Local {
	if g := n.daGossip(); g != nil {
		return g.local.Load()
	}
	return nil
}

// PeerCustody is what the connected peers custody, refreshed from their
// ENRs by RefreshPeerCustody (nil before StartDAGossip). A MetaData v3
// answer can be filed with its SetFromMetadata.
func (n *Node) PeerCustody() *custodynet.Peers {
	if g := n.daGossip(); g != nil {
		return g.peers
	}
	return nil
}

// RefreshPeerCustody files the custody group count of every connected
// peer whose ENR discovery knows (CUSTODY_REQUIREMENT without `cgc`) and
// forgets disconnected peers. Returns the number of peers tracked.
func (n *Node) RefreshPeerCustody() (int, error) {
	g := n.daGossip()
	if g == nil {
		return 0, status.Errorf(status.BadState, "custody: DA gossip is not started")
	}
	connected := map[string]bool{}
	for _, p := range n.Peers() {
		connected[p.ID] = true
	}
	if n.disc != nil {
		table, err := n.PeerTable()
		if err == nil {
			for _, e := range table {
				if !e.Connected || !e.HasENR {
					continue
				}
				if pid, err := peer.Decode(e.ID); err == nil {
					_ = g.peers.SetFromENR(pid, e.ENRSeq, true, e.CustodyGroupCount)
				}
			}
		}
	}
	for _, pid := range g.peers.List() {
		if !connected[pid.String()] {
			g.peers.Remove(pid)
		}
	}
	return g.peers.Len(), nil
}

// DAGossipCounters returns the DA gossip counters (zero before StartDAGossip).
func (n *Node) DAGossipCounters() DAGossipCounters {
	g := n.daGossip()
	if g == nil {
		return DAGossipCounters{}
	}
	g.mu.Lock()
	topics := slices.Clone(g.topics)
	g.mu.Unlock()
	return DAGossipCounters{
		BlobsAccepted: g.blobs[gossipcheck.Accept].Load(), BlobsRejected: g.blobs[gossipcheck.Reject].Load(),
		BlobsIgnored:    g.blobs[gossipcheck.Ignore].Load(),
		ColumnsAccepted: g.columns[gossipcheck.Accept].Load(), ColumnsRejected: g.columns[gossipcheck.Reject].Load(),
		ColumnsIgnored: g.columns[gossipcheck.Ignore].Load(),
		SinkErrors:     g.sinkErrors.Load(),
		Validator:      g.v.Stats(),
		Timings:        g.v.Timings(),
		Topics:         topics,
	}
}

func verdictOf(r gossipcheck.Result) ValidationResult {
	switch r.Verdict {
	case gossipcheck.Accept:
		return ValidationAccept
	case gossipcheck.Reject:
		return ValidationReject
	}
	return ValidationIgnore
}

// The reason returned to the node's counters is the rule's label (a small
// fixed set: Eth2Counters.Reasons keeps at most 64 distinct reasons).
func (g *daGossip) validateBlob(_ context.Context, m *Eth2Message) (ValidationResult, string) {
	sc := new(deneb.BlobSidecar)
	if err := sc.UnmarshalSSZ(m.Data); err != nil {
		g.undecodable.Add(1)
		g.blobs[gossipcheck.Reject].Add(1)
		return ValidationReject, "blob_sidecar: undecodable"
	}
	r := g.v.ValidateBlobSidecar(sc, m.Parsed.Subnet, time.Now())
	g.blobs[r.Verdict].Add(1)
	if r.Verdict == gossipcheck.Accept {
		if err := g.sink.AddVerifiedBlobSidecar(sc); err != nil {
			g.sinkErrors.Add(1)
		}
		return ValidationAccept, ""
	}
	return verdictOf(r), "blob_sidecar: " + r.Reason
}

func (g *daGossip) validateColumn(_ context.Context, m *Eth2Message) (ValidationResult, string) {
	sc := new(fulu.DataColumnSidecar)
	if err := sc.UnmarshalSSZ(m.Data); err != nil {
		g.undecodable.Add(1)
		g.columns[gossipcheck.Reject].Add(1)
		return ValidationReject, "data_column_sidecar: undecodable"
	}
	r := g.v.ValidateDataColumnSidecar(sc, m.Parsed.Subnet, time.Now())
	g.columns[r.Verdict].Add(1)
	if r.Verdict == gossipcheck.Accept {
		if err := g.sink.AddVerifiedDataColumnSidecar(sc); err != nil {
			g.sinkErrors.Add(1)
		}
		return ValidationAccept, ""
	}
	return verdictOf(r), "data_column_sidecar: " + r.Reason
}

// --- Req/resp ------------------------------------------------------------

// ServeDASidecars answers blob_sidecars_by_range/by_root and
// data_column_sidecars_by_range/by_root from src (in Go), each chunk under
// the fork digest of its sidecar's slot. serveFromSlot (may be nil) is the
// first slot the node must serve (its MIN_EPOCHS_FOR_*_REQUESTS window): a
// range starting in it but below src's earliest sidecar is answered
// ResourceUnavailable. Allowed before Start too.
func (n *Node) ServeDASidecars(src dareqresp.Source, serveFromSlot func() uint64) (*dareqresp.Server, error) {
	e := n.eth2
	if e == nil {
		return nil, status.Errorf(status.BadState, "serve sidecars: eth2 is not configured")
	}
	srv, err := dareqresp.NewServer(dareqresp.ServerConfig{Source: src, DigestAtSlot: eth2Chain{e}.DigestAtSlot, ServeFromSlot: serveFromSlot})
	if err != nil {
		return nil, status.Errorf(status.InvalidArgument, "serve sidecars: %v", err)
	}
	for _, p := range dareqresp.Protocols {
		if err := n.Serve(p.ID(), reqrespnet.ServeByGo, srv.Responder(p)); err != nil {
			return nil, err
		}
	}
	return srv, nil
}

// nodeRequester sends Go-side requests over the node's req/resp service
// as it is at the time of each request.
type nodeRequester struct{ n *Node }

func (r nodeRequester) RequestFunc(ctx context.Context, to peer.ID, p reqresp.Protocol, body []byte, timeout time.Duration, onChunk reqrespnet.ChunkFunc) (int, error) {
	svc, err := r.n.service()
	if err != nil {
		return 0, err
	}
	return svc.RequestFunc(ctx, to, p, body, timeout, onChunk)
}

// DAFetcher returns a fetcher of missing sidecars over the node's
// req/resp: columns from the connected peers whose custody covers them
// (PeerCustody, refreshed from their ENRs at most once a second;
// supernodes first), blob sidecars from every connected peer. It implements the pipeline's SidecarFetcher. Needs StartDAGossip
// (for the peers' custody).
func (n *Node) DAFetcher(requestTimeout time.Duration) (*dareqresp.Fetcher, error) {
	g := n.daGossip()
	if g == nil || n.eth2 == nil {
		return nil, status.Errorf(status.BadState, "da fetcher: DA gossip is not started")
	}
	connected := func() map[peer.ID]bool {
		out := map[peer.ID]bool{}
		for _, p := range n.Peers() {
			if id, err := peer.Decode(p.ID); err == nil {
				out[id] = true
			}
		}
		return out
	}
	var lastRefresh atomic.Int64 // unix nanos of the last RefreshPeerCustody
	var askedMetadata sync.Map   // peer.ID -> unix nanos of its last MetaData v3 request
	f, err := dareqresp.NewFetcher(dareqresp.FetcherConfig{
		Net:          nodeRequester{n},
		DigestAtSlot: eth2Chain{n.eth2}.DigestAtSlot,
		ColumnPeers: func(column uint64) []peer.ID {
			// The peers' ENRs, re-read at most once a second.
			if now := time.Now().UnixNano(); now-lastRefresh.Load() > int64(time.Second) {
				lastRefresh.Store(now)
				_, _ = n.RefreshPeerCustody()
				n.learnPeerCustody(g, &askedMetadata)
			}
			conn := connected()
			return slices.DeleteFunc(g.peers.PeersForColumn(column), func(p peer.ID) bool { return !conn[p] })
		},
		BlobPeers: func() []peer.ID {
			var out []peer.ID
			for p := range connected() {
				out = append(out, p)
			}
			slices.Sort(out)
			return out
		},
		RequestTimeout: requestTimeout,
	})
	if err != nil {
		return nil, status.Errorf(status.InvalidArgument, "da fetcher: %v", err)
	}
	return f, nil
}

// learnPeerCustody asks connected peers whose custody is unknown (no ENR:
// dialed by address, or no discovery at all) for their MetaData v3, so the
// fetcher can choose them for columns. Without it such peers were never
// tracked and every column fetch found no peer (found by the chainsvc DA
// end-to-end test). Bounded: at most 8 peers per call, each asked at most
// once in 30 s, each request within 2 s; runs on the fetcher's goroutine.
func (n *Node) learnPeerCustody(g *daGossip, asked *sync.Map) {
	const perCall, again, timeout = 8, 30 * time.Second, 2 * time.Second
	tracked := map[peer.ID]bool{}
	for _, p := range g.peers.List() {
		tracked[p] = true
	}
	now := time.Now()
	count := 0
	for _, info := range n.Peers() {
		p, err := peer.Decode(info.ID)
		if err != nil || tracked[p] {
			continue
		}
		if last, ok := asked.Load(p); ok && now.Sub(time.Unix(0, last.(int64))) < again {
			continue
		}
		if count == perCall {
			return
		}
		count++
		asked.Store(p, now.UnixNano())
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		_, _ = n.RequestPeerCustody(ctx, p, timeout)
		cancel()
	}
}

// RequestPeerCustody asks peer p for its MetaData v3 and files the custody
// group count it advertises (PeerCustody); returns that count.
func (n *Node) RequestPeerCustody(ctx context.Context, p peer.ID, timeout time.Duration) (uint64, error) {
	g := n.daGossip()
	if g == nil {
		return 0, status.Errorf(status.BadState, "peer custody: DA gossip is not started")
	}
	svc, err := n.service()
	if err != nil {
		return 0, err
	}
	var md reqrespnet.Metadata
	var chunkErr error
	got := false
	_, err = svc.RequestFunc(ctx, p, reqresp.MetadataV3, nil, timeout, func(ch reqresp.Chunk) {
		if ch.Code != reqresp.Success {
			chunkErr = fmt.Errorf("metadata from %s: error %d: %q", p, ch.Code, ch.Payload)
			return
		}
		md, chunkErr = reqrespnet.UnmarshalMetadata(ch.Payload)
		got = chunkErr == nil
	})
	if err == nil {
		err = chunkErr
	}
	if err == nil && !got {
		err = fmt.Errorf("metadata from %s: empty response", p)
	}
	if err != nil {
		return 0, status.Errorf(status.Network, "peer custody: %v", err)
	}
	if err := g.peers.SetFromMetadata(p, md); err != nil {
		return 0, status.Errorf(status.InvalidArgument, "peer custody: %v", err)
	}
	return md.CustodyGroupCount, nil
}
