// Package chainsvc is the chain as a node service (node.Service): the
// block store, the block pipeline, gossip block validation, block serving
// and fetching over req/resp, status, range sync and backfill. It reaches
// its node only through node.ServiceHost.
package chainsvc

// The chain on the node: the block store, the block pipeline with the
// multi-fork state transition (pipeline.AnyFork: phase0 .. fulu; payloads
// go to the execution client of ChainConfig.Engine when one is configured,
// chain_engine.go, else pass their consensus checks only), gossip
// validation of beacon_block, req/resp block serving (context bytes: the
// digest of each block's fork) and fetching, status, and range sync
// (Start).
//
// Order: node.New, ConfigureEth2, node Start, chainsvc.Start and wait for its
// completion, then dial peers (the status handshake sends the chain's
// status). The node's Stop closes the chain (pipeline, then store) with its
// other services, before req/resp and the host.
//
// Events (control class; one that finds the queue full is not queued and
// is counted in ChainCounters.EventsDropped, the pipeline never waits for
// the host):
//   - BlockImported: Code slot, Data root||parent_root||state_root (96 B);
//     sent after the block and its post-state are synced to disk.
//   - BlockInvalid: Code slot, Data root (32 B), Text the rule broken.
//   - HeadChanged: Code slot, Data root.
//   - Finalized: Code epoch, Data root.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/checkpoint"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossip"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqrespnet"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/pipeline"
	"github.com/libp2pc/libp2pc/libp2pc/status"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// ChainConfig configures Start.
type ChainConfig struct {
	// DataDir is the store's directory (created if missing). A store
	// already anchored there is reopened (its unimported blocks resume).
	DataDir string
	// AnchorState is the SSZ BeaconState (of the fork in force at its
	// slot under the consensus config) the chain starts from:
	// the genesis state or a trusted checkpoint state. Required for a new
	// store; ignored (but must match if given) for an anchored one.
	AnchorState []byte
	// ConsensusConfig is the chain's config YAML (configs/*.yaml or
	// /eth/v1/config/spec rendered), for the state transition.
	ConsensusConfig []byte
	// Consensus, if set, is used instead of ConsensusConfig (Go callers).
	// SECONDS_PER_SLOT 0 takes the eth2 config's slot duration.
	Consensus *config.Config
	// Workers bounds concurrent state transitions (default CPU count).
	Workers int
	// StatusPollPeriod: how often connected peers are asked for their
	// status (to find one that is ahead and range-sync from it) besides
	// the handshake. Default 30 s; negative disables polling.
	StatusPollPeriod time.Duration
	// RequestTimeout bounds one blocks_by_range/by_root request (default 30 s).
	RequestTimeout time.Duration
	// SyncBatch is the range sync's batch size in slots (default 64).
	SyncBatch uint64

	// Checkpoint sync, for a new store (ignored when the store is already
	// anchored): the anchor is a finalized checkpoint state of any fork
	// instead of AnchorState — downloaded from a beacon node's REST API
	// (CheckpointURL; CheckpointID "finalized" by default, a slot or a
	// block root), or given as SSZ (CheckpointState with CheckpointBlock,
	// the block as SSZ or as the API's JSON). It is checked (package
	// checkpoint): block and state match, the node's network (genesis
	// validators root and time, fork versions of the consensus config),
	// and WSCheckpoint ("0xROOT:EPOCH") if set; a state below an epoch
	// boundary is advanced to it. The steps are reported as SyncProgress
	// events whose text starts with "checkpoint:". Start downloads,
	// decodes and hashes in the calling goroutine.
	CheckpointURL, CheckpointID      string
	CheckpointState, CheckpointBlock []byte
	WSCheckpoint                     string
	// AllowStaleCheckpoint accepts a checkpoint older than its weak
	// subjectivity period (checkpoint.ErrStale otherwise): the host's
	// override for a checkpoint it trusts anyway.
	AllowStaleCheckpoint bool

	// DA: data availability gossip (chain_da_gossip.go).
	DA ChainDAConfig
	// Backfill (chain_backfill.go) of a checkpoint-anchored store: blocks
	// behind the anchor are fetched from peers down to genesis, or to the
	// last BackfillEpochs epochs when set (e.g. MIN_EPOCHS_FOR_BLOCK_REQUESTS);
	// NoBackfill turns it off.
	BackfillEpochs uint64
	NoBackfill     bool
	// CustodyGroupCount: the PeerDAS custody groups the node keeps (0:
	// CUSTODY_REQUIREMENT; 128: a supernode); chain_da.go.
	CustodyGroupCount uint64

	// Engine is the execution client (chain_engine.go); none by default.
	Engine ChainEngineConfig
}

// ChainCounters are the chain's counters.
type ChainCounters struct {
	Pipeline       pipeline.Stats
	GossipAccepted uint64 // beacon_block ACCEPTed and submitted
	GossipOrphans  uint64 // IGNOREd for an unknown parent but submitted (parent downloaded)
	GossipRejected uint64
	GossipIgnored  uint64
	Syncs          uint64 // range syncs started
	SyncedBlocks   uint64 // blocks received by range sync
	SyncFailures   uint64
	BlocksServed   uint64 // chunks written by the by_range / by_root responders
	Backfilled     uint64 // blocks stored by the backfill
	BackfillFails  uint64 // backfill batches refused (peer error, broken link, bad signature)
	EventsDropped  uint64 // chain events not queued (queue full)
	FetchRequests  uint64 // blocks_by_range/by_root requests sent
	FetchFailures  uint64
	StatusPolls    uint64
}

// serviceName is the chain's node.Service name: errors say "chain not
// started", "chain starting", "start chain: already started".
const serviceName = "chain"

// chainState is the chain service (node.Service).
type chainState struct {
	n      node.ServiceHost // set by Start
	nd     *node.Node       // the same node, for node capabilities a service may start (DA gossip)
	cfg    ChainConfig
	tr     pipeline.AnyFork
	st     *store.Store
	p      *pipeline.Pipeline
	anchor [32]byte

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	syncCh chan syncReq
	pacer  *pipeline.Pacer // range sync requests within each peer's serving budget

	daStarted      atomic.Bool // the chain started the node's DA gossip (chain_da_gossip.go)
	daFetch        lateFetcher // the pipeline's sidecar fetcher, once DA gossip runs (chain_da_net.go)
	closeOnce      sync.Once
	loadCancel     atomic.Pointer[context.CancelFunc] // a checkpoint download in Start's set-up
	ready          atomic.Bool                        // Start finished: set up, wired, beacon_block joined
	secondsPerSlot uint64
	ccfg           *config.Config // the consensus config the chain runs with (set up by setUp)

	// The head and finalized checkpoint as the pipeline's events report
	// them: its events are sent under its fork-choice lock, so the event
	// handler must not call back into the pipeline (Head would deadlock).
	hmu       sync.Mutex
	head      [32]byte
	hslot     uint64
	finalized store.Checkpoint
	justified store.Checkpoint
	reorgs    uint64       // head changes to a block not descending from the previous head
	importLat latencyHisto // block_imported latency (metrics.go)

	gossipAccepted, gossipOrphans, gossipRejected, gossipIgnored atomic.Uint64
	syncs, syncedBlocks, syncFailures, served, evDropped         atomic.Uint64
	fetches, fetchFailures, statusPolls                          atomic.Uint64
	backfilled, backfillFailures                                 atomic.Uint64
	backfillActive                                               atomic.Bool
	earliest                                                     sync.Map                       // peer id -> its status's earliest_available_slot
	prog                                                         syncProgress                   // chain_submit.go
	att                                                          *pipeline.AttestationValidator // chain_attestations.go
	da                                                           chainDA                        // chain_da.go
	engine                                                       chainEngine                    // chain_engine.go
}

type syncReq struct {
	peer peer.ID
	head uint64
}

// Start starts the chain and returns at once with a request id; the
// work happens after it returns, off the caller's thread: the consensus
// config is parsed, the store opened, the anchor state decoded, checked
// and hashed (seconds for a mainnet-size state), the pipeline started,
// and then the chain is wired to the node (node.StartServices runs it on
// a node goroutine; see chainState.Start): beacon_block is
// validated in Go by the pipeline's gossip rules and accepted blocks are
// imported; beacon_blocks_by_range and by_root (v1, v2) are served from
// the store; the Status follows the head and the finalized checkpoint; a
// peer whose status is ahead is range-synced from. (by_range/by_root v1
// are served too where the req/resp layer offers them.)
//
// The request completes (RequestDone) when all of that is done and the
// node is in the beacon_block topic. On failure its status says why
// (InvalidArgument for a bad config or anchor state: not SSZ, another
// fork, another chain; Internal for the store) and nothing of the chain
// remains: Start may be called again. Between the call and its
// completion the chain is "starting": the chain calls return BadState
// saying so, and a second Start too.
//
// The node must be running with eth2 configured (BadState otherwise).
func Start(n *node.Node, cfg ChainConfig) (uint64, error) {
	if _, err := n.ServiceOf(serviceName); status.CodeOf(err) == status.BadHandle {
		return 0, err
	}
	if !n.Eth2Configured() {
		return 0, status.Errorf(status.BadState, "start chain: eth2 is not configured (ConfigureEth2 before Start)")
	}
	if cfg.DataDir == "" {
		return 0, status.Errorf(status.InvalidArgument, "start chain: data dir is empty")
	}
	if cfg.StatusPollPeriod == 0 {
		cfg.StatusPollPeriod = 30 * time.Second
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	c := &chainState{nd: n, cfg: cfg, syncCh: make(chan syncReq, 16), pacer: pipeline.NewPacer()}
	return n.StartServices(c)
}

// Name is the chain's service name.
func (c *chainState) Name() string { return serviceName }

// Start is the chain's start on a node goroutine (node.Service): setUp,
// then wire. On failure nothing of the chain remains.
func (c *chainState) Start(ctx context.Context, h node.ServiceHost) error {
	c.n = h
	if err := c.setUp(ctx); err != nil {
		return err
	}
	return c.wire(ctx)
}

// Stop closes the chain (node.Service; the node's stop path).
func (c *chainState) Stop() { c.close() }

// Offsets in an SSZ BeaconState (every fork): slot, then fork.current_version.
const (
	anchorSlotOffset    = 40
	anchorVersionOffset = 52
)

// setUp is Start's first step: everything whose cost grows
// with the anchor state or the store. On failure it closes what it opened
// before returning, so that the completion finds the node as it was before
// Start.
func (c *chainState) setUp(ctx context.Context) (err error) {
	cfg, e := c.cfg, c.n.Eth2()
	defer func() {
		if r := recover(); r != nil {
			err = status.Errorf(status.Internal, "start chain: internal error: %v", r)
		}
		if err != nil {
			c.close()
		}
	}()
	ccfg := cfg.Consensus
	if ccfg == nil {
		if ccfg, err = config.ParseConfig(cfg.ConsensusConfig); err != nil {
			return status.Errorf(status.InvalidArgument, "start chain: consensus config: %w", err)
		}
	}
	// One slot clock: the pipeline runs on the node's (eth2_configure's,
	// whole seconds by then), and the consensus config must agree with it.
	secondsPerSlot, err := config.SecondsPerSlotOf(e.SlotDuration())
	if err != nil {
		return status.Errorf(status.InvalidArgument, "start chain: %w", err)
	}
	switch ccfg.SecondsPerSlot {
	case secondsPerSlot:
	case 0: // a Config built in Go without it
		cc := *ccfg // the transition's compute_timestamp_at_slot needs it (bellatrix payloads)
		cc.SecondsPerSlot = secondsPerSlot
		ccfg = &cc
	default:
		return status.Errorf(status.InvalidArgument, "start chain: the consensus config's slot duration (%d s) is not the node's (%v, from eth2_configure)",
			ccfg.SecondsPerSlot, e.SlotDuration())
	}
	c.secondsPerSlot = secondsPerSlot
	c.ccfg = ccfg
	c.tr = pipeline.AnyFork{Cfg: ccfg}
	st, err := store.Open(cfg.DataDir, store.Options{})
	if err != nil {
		return status.Errorf(status.Internal, "start chain: store: %v", err)
	}
	c.st = st
	anchorState := cfg.AnchorState
	if _, ok := st.Anchor(); !ok && (cfg.CheckpointURL != "" || len(cfg.CheckpointState) > 0) {
		a, err := c.loadCheckpoint(ctx, ccfg) // chain_checkpoint.go
		if err != nil {
			code := status.InvalidArgument
			if errors.Is(err, checkpoint.ErrFetch) {
				code = status.Network
			}
			if ctx.Err() != nil {
				code = status.Stopped
			}
			return status.Errorf(code, "start chain: %w", err)
		}
		anchorState = a.State
	}
	if _, ok := st.Anchor(); !ok || len(anchorState) > 0 {
		if len(anchorState) == 0 {
			return status.Errorf(status.InvalidArgument, "start chain: the store is empty and no anchor state was given")
		}
		if err := checkAnchorFork(ccfg, anchorState); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return status.Errorf(status.Stopped, "start chain: node stopping")
		}
		s, err := c.tr.DecodeState(anchorState)
		if err != nil {
			return status.Errorf(status.InvalidArgument, "start chain: anchor state: %v", err)
		}
		if err := pipeline.Init(st, c.tr, s); err != nil {
			return status.Errorf(status.InvalidArgument, "start chain: anchor: %v", err)
		}
	}
	if ctx.Err() != nil {
		return status.Errorf(status.Stopped, "start chain: node stopping")
	}
	c.anchor, _ = st.Anchor()
	eng, err := c.openEngine() // chain_engine.go
	if err != nil {
		return err
	}
	daCfg, err := c.chainDAConfig() // chain_da.go
	if err != nil {
		return err
	}
	c.p, err = pipeline.Start(pipeline.Config{
		GenesisTime:    uint64(e.GenesisTime().Unix()),
		Context:        c.n.Context(),
		SecondsPerSlot: c.secondsPerSlot,
		Workers:        cfg.Workers,
		Peers:          c.peers,
		DA:             daCfg,
		Engine:         eng,
	}, st, c.tr, c, pipeline.EventFunc(c.onEvent))
	if err != nil {
		return status.Errorf(status.Internal, "start chain: pipeline: %v", err)
	}
	c.ctx, c.cancel = context.WithCancel(c.n.Context())
	c.hmu.Lock()
	c.head = c.p.Head()
	if info, ok := st.Info(c.head); ok {
		c.hslot = info.Slot
	}
	c.justified, c.finalized = st.Checkpoints()
	c.hmu.Unlock()
	return nil
}

// checkAnchorFork checks that the anchor state is of the fork the consensus
// config has in force at its slot (its fork.current_version), so that a
// state of another fork or chain is named as such rather than as bad SSZ.
func checkAnchorFork(ccfg *config.Config, ssz []byte) error {
	if len(ssz) < anchorVersionOffset+4 {
		return status.Errorf(status.InvalidArgument, "start chain: anchor state: %d bytes is too short for a BeaconState", len(ssz))
	}
	sc, err := forks.ScheduleOf(ccfg)
	if err != nil {
		return status.Errorf(status.InvalidArgument, "start chain: consensus config: fork schedule: %v", err)
	}
	slot := binary.LittleEndian.Uint64(ssz[anchorSlotOffset:])
	f := sc.AtSlot(slot)
	want, got := sc.Version(f), [4]byte(ssz[anchorVersionOffset:anchorVersionOffset+4])
	if got != [4]byte(want) {
		return status.Errorf(status.InvalidArgument,
			"start chain: anchor state: wrong fork: its fork.current_version is %x, but the consensus config has %s (version %x) in force at its slot %d (a state of another fork or chain, or not a BeaconState)",
			got, f, want[:], slot)
	}
	return nil
}

// wire runs once setUp succeeded: it attaches the chain to the node
// (validators, block serving) and joins beacon_block; the start completes
// when the join does.
func (c *chainState) wire(ctx context.Context) error {
	if err := c.attach(); err != nil {
		return c.abandon(status.Errorf(status.CodeOf(err), "start chain: %v", err))
	}
	if err := c.startDAGossip(); err != nil { // chain_da_gossip.go
		return c.abandon(status.Errorf(status.CodeOf(err), "start chain: %v", err))
	}
	if err := c.startDANet(); err != nil { // chain_da_net.go
		return c.abandon(status.Errorf(status.CodeOf(err), "start chain: %v", err))
	}
	if err := c.n.JoinEth2Topic(ctx, "beacon_block"); err != nil {
		return c.abandon(status.Errorf(status.CodeOf(err), "start chain: %v", err))
	}
	c.ready.Store(true)
	if err := c.n.SetStatus(c.status()); err != nil {
		c.n.LeaveEth2Topic("beacon_block")
		return c.abandon(err) // stopping
	}
	c.n.OnPeers(node.PeerHooks{Status: c.onPeerStatus})
	c.wg.Add(1)
	go c.syncLoop()
	if err := c.startBackfill(c.ccfg); err != nil { // chain_backfill.go
		c.push(events.Event{Type: events.Error, Status: int32(status.Internal), Text: "backfill: " + err.Error()})
	}
	return nil
}

// blockProtocols are the protocols the chain serves from its store.
var blockProtocols = []reqresp.Protocol{reqresp.BeaconBlocksByRangeV1, reqresp.BeaconBlocksByRangeV2,
	reqresp.BeaconBlocksByRootV1, reqresp.BeaconBlocksByRootV2}

// attach registers the chain's Go validators and block responders.
func (c *chainState) attach() error {
	n := c.n
	for _, p := range blockProtocols {
		if _, ok := reqrespnet.Lookup(p.ID()); !ok {
			continue // v1 is not offered by the req/resp layer
		}
		if err := n.Serve(p.ID(), reqrespnet.ServeByGo, blockResponder{c, p}); err != nil {
			return err
		}
	}
	if err := n.RegisterEth2Validator("beacon_block", c.validateBlock); err != nil {
		return err
	}
	if err := c.startAttestations(c.secondsPerSlot); err != nil {
		return fmt.Errorf("attestations: %w", err)
	}
	return nil
}

// abandon undoes attach, closes the chain and returns cause.
func (c *chainState) abandon(cause error) error {
	n := c.n
	for _, v := range []string{"beacon_block", gossip.BeaconAggregateAndProof, gossip.BeaconAttestation} {
		_ = n.RegisterEth2Validator(v, nil)
	}
	c.stopDAGossip() // chain_da_gossip.go
	for _, p := range blockProtocols {
		if _, ok := reqrespnet.Lookup(p.ID()); ok {
			_ = n.Serve(p.ID(), reqrespnet.ServeNone, nil)
		}
	}
	c.close()
	return cause
}

func (c *chainState) close() {
	c.closeOnce.Do(func() {
		if cancel := c.loadCancel.Load(); cancel != nil {
			(*cancel)()
		}
		if c.cancel != nil {
			c.cancel()
		}
		c.wg.Wait()
		if c.p != nil {
			c.p.Close()
		}
		c.closeEngine()
		if c.st != nil {
			c.st.Close()
		}
	})
}

// chainOf is n's running chain, or the error a chain call gets.
func chainOf(n *node.Node) (*chainState, error) {
	s, err := n.ServiceOf(serviceName)
	if err != nil {
		return nil, err
	}
	return s.(*chainState), nil
}

// readyChain is n's chain once it runs (nil otherwise), whatever the
// node's state.
func readyChain(n *node.Node) *chainState {
	if s, running := n.LookupService(serviceName); running {
		return s.(*chainState)
	}
	return nil
}

// Head returns the fork choice head block's root and slot.
func Head(n *node.Node) ([32]byte, uint64, error) {
	c, err := chainOf(n)
	if err != nil {
		return [32]byte{}, 0, err
	}
	c.hmu.Lock()
	defer c.hmu.Unlock()
	return c.head, c.hslot, nil
}

// Finalized returns the finalized checkpoint (the anchor's at first).
func Finalized(n *node.Node) (store.Checkpoint, error) {
	c, err := chainOf(n)
	if err != nil {
		return store.Checkpoint{}, err
	}
	c.hmu.Lock()
	defer c.hmu.Unlock()
	return c.finalized, nil
}

// Block returns the SSZ signed block of root (imported or stored);
// NotFound if absent, and for the anchor (its signed block is not kept).
func Block(n *node.Node, root [32]byte) ([]byte, error) {
	c, err := chainOf(n)
	if err != nil {
		return nil, err
	}
	if root == c.anchor || !c.st.HasBlock(root) {
		return nil, status.Errorf(status.NotFound, "block %x not in the store", root[:4])
	}
	b, err := c.st.Block(root)
	if err != nil {
		return nil, status.Errorf(status.NotFound, "block %x: %v", root[:4], err)
	}
	return b, nil
}

// Pipeline returns the pipeline (Go users and tests), nil before Start.
func Pipeline(n *node.Node) *pipeline.Pipeline {
	if c := readyChain(n); c != nil {
		return c.p
	}
	return nil
}

// Counters returns the chain's counters.
func Counters(n *node.Node) (ChainCounters, error) {
	c := readyChain(n)
	if c == nil {
		return ChainCounters{}, status.Errorf(status.BadState, "chain not started")
	}
	return ChainCounters{Pipeline: c.p.Stats(),
		GossipAccepted: c.gossipAccepted.Load(), GossipOrphans: c.gossipOrphans.Load(),
		GossipRejected: c.gossipRejected.Load(), GossipIgnored: c.gossipIgnored.Load(),
		Syncs: c.syncs.Load(), SyncedBlocks: c.syncedBlocks.Load(), SyncFailures: c.syncFailures.Load(),
		BlocksServed: c.served.Load(), EventsDropped: c.evDropped.Load(),
		Backfilled: c.backfilled.Load(), BackfillFails: c.backfillFailures.Load(),
		FetchRequests: c.fetches.Load(), FetchFailures: c.fetchFailures.Load(), StatusPolls: c.statusPolls.Load()}, nil
}

// status is the node's Status from the chain.
func (c *chainState) status() reqrespnet.Status {
	c.hmu.Lock()
	head, slot, fin := c.head, c.hslot, c.finalized
	c.hmu.Unlock()
	d := c.n.Eth2().CurrentDigest()
	s := reqrespnet.Status{ForkDigest: d, HeadRoot: head, HeadSlot: slot, FinalizedEpoch: fin.Epoch, FinalizedRoot: fin.Root,
		EarliestAvailableSlot: c.st.EarliestSidecarSlot()} // blocks and their sidecars (status/2)
	if fin.Epoch == 0 { // the genesis finalized checkpoint's root is zero (p2p-interface.md)
		s.FinalizedRoot = [32]byte{}
	}
	return s
}

func (c *chainState) headSlot() uint64 {
	c.hmu.Lock()
	defer c.hmu.Unlock()
	return c.hslot
}

// peers lists the connected peers (parent downloads).
func (c *chainState) peers() []string {
	h := c.n.Host()
	if h == nil {
		return nil
	}
	var out []string
	for _, p := range h.Network().Peers() {
		out = append(out, p.String())
	}
	return out
}

func (c *chainState) push(e events.Event) {
	if !c.n.Emit(e) {
		c.evDropped.Add(1)
	}
}

// onEvent turns pipeline events into node events and keeps the Status.
func (c *chainState) onEvent(e pipeline.Event) {
	switch e.Kind {
	case pipeline.EventBlockImported:
		data := make([]byte, 0, 96)
		data = append(append(append(data, e.Root[:]...), e.Parent[:]...), e.StateRoot[:]...)
		c.importLat.observe(e.Took)
		c.push(events.Event{Type: events.BlockImported, Code: e.Slot, Data: data, Text: executionText(e.Execution)})
	case pipeline.EventBlockInvalid:
		c.push(events.Event{Type: events.BlockInvalid, Code: e.Slot, Data: slices.Clone(e.Root[:]), Text: e.Rule})
	case pipeline.EventBlockDropped:
		c.push(events.Event{Type: events.BlockDropped, Code: e.Slot, Data: slices.Clone(e.Root[:]), Text: e.Rule})
	case pipeline.EventHeadChanged:
		c.hmu.Lock()
		if c.isReorg(c.head, c.hslot, e.Root) {
			c.reorgs++
		}
		c.head, c.hslot = e.Root, e.Slot
		c.hmu.Unlock()
		c.push(events.Event{Type: events.HeadChanged, Code: e.Slot, Data: slices.Clone(e.Root[:]), Text: executionText(e.Execution)})
		c.updateStatus()
	case pipeline.EventFinalized:
		c.hmu.Lock()
		c.finalized = e.Checkpoint
		c.hmu.Unlock()
		c.push(events.Event{Type: events.Finalized, Code: e.Checkpoint.Epoch, Data: slices.Clone(e.Checkpoint.Root[:])})
		c.updateStatus()
	case pipeline.EventJustified:
		c.hmu.Lock()
		c.justified = e.Checkpoint
		c.hmu.Unlock()
	case pipeline.EventExecution:
		c.onExecutionEvent(e) // chain_engine.go
	default:
		c.onDAEvent(e) // chain_da.go
	}
}

func (c *chainState) updateStatus() {
	if !c.ready.Load() { // events during Start (resumed blocks)
		return
	}
	_ = c.n.SetStatus(c.status())
}

// validateBlock is the Go validator of beacon_block.
func (c *chainState) validateBlock(ctx context.Context, m *node.Eth2Message) (node.ValidationResult, string) {
	r, reason := c.p.ValidateGossipBlock(m.Data, time.Now())
	switch r {
	case pipeline.Accept:
		c.gossipAccepted.Add(1)
		c.p.Submit(slices.Clone(m.Data), m.From.String())
		return node.ValidationAccept, ""
	case pipeline.Reject:
		c.gossipRejected.Add(1)
		return node.ValidationReject, reason
	}
	c.gossipIgnored.Add(1)
	if reason == "parent block unknown" || reason == "parent block not yet processed" {
		// Not forwarded, but imported: the pipeline downloads the parent
		// from the sender (or waits for it) and checks everything.
		c.gossipOrphans.Add(1)
		c.p.Submit(slices.Clone(m.Data), m.From.String())
	}
	return node.ValidationIgnore, reason
}

// --- Fetcher over req/resp --------------------------------------------

func (c *chainState) fetch(ctx context.Context, peerID string, p reqresp.Protocol, body []byte) ([][]byte, error) {
	c.fetches.Add(1)
	pid, err := peer.Decode(peerID)
	if err != nil {
		c.fetchFailures.Add(1)
		return nil, err
	}
	var blocks [][]byte
	var chunkErr error
	err = c.n.Request(ctx, pid, p, body, c.cfg.RequestTimeout, func(ch reqresp.Chunk) {
		if ch.Code != reqresp.Success {
			chunkErr = fmt.Errorf("%s from %s: error %d: %q", p.ID(), pid, ch.Code, ch.Payload)
			if bytes.Contains(ch.Payload, []byte("rate limited")) { // Prysm's and our servers' message
				chunkErr = fmt.Errorf("%w: %w", pipeline.ErrRateLimited, chunkErr)
			}
			return
		}
		blocks = append(blocks, slices.Clone(ch.Payload))
	})
	if err == nil {
		err = chunkErr
	}
	if err != nil {
		c.fetchFailures.Add(1)
		return nil, err
	}
	return blocks, nil
}

// BlocksByRoot implements pipeline.Fetcher with beacon_blocks_by_root/2.
func (c *chainState) BlocksByRoot(ctx context.Context, peerID string, roots []pipeline.Root) ([][]byte, error) {
	body := make([]byte, 0, 32*len(roots))
	for _, r := range roots {
		body = append(body, r[:]...)
	}
	return c.fetch(ctx, peerID, reqresp.BeaconBlocksByRootV2, body)
}

// BlocksByRange implements pipeline.Fetcher with beacon_blocks_by_range/2.
func (c *chainState) BlocksByRange(ctx context.Context, peerID string, start, count uint64) ([][]byte, error) {
	body := binary.LittleEndian.AppendUint64(nil, start)
	body = binary.LittleEndian.AppendUint64(body, count)
	body = binary.LittleEndian.AppendUint64(body, 1)
	return c.fetch(ctx, peerID, reqresp.BeaconBlocksByRangeV2, body)
}

// --- Serving -----------------------------------------------------------

type blockResponder struct {
	c *chainState
	p reqresp.Protocol
}

func (r blockResponder) Respond(ctx context.Context, req *reqrespnet.IncomingRequest, w reqrespnet.ResponseWriter) error {
	c := r.c
	write := func(root [32]byte) error {
		if root == c.anchor || !c.st.IsImported(root) {
			return nil
		}
		info, ok := c.st.Info(root)
		b, err := c.st.Block(root)
		if !ok || err != nil {
			return nil
		}
		var dig *[4]byte
		if r.p.ContextBytes { // the digest of the block's own fork
			d := c.n.Eth2().DigestAtSlot(info.Slot)
			dig = &d
		}
		if err := w.WriteChunk(dig, b); err != nil {
			return err
		}
		c.served.Add(1)
		return nil
	}
	switch r.p.Name {
	case reqresp.BeaconBlocksByRootMethod:
		for i := 0; i+32 <= len(req.Body); i += 32 {
			if err := write([32]byte(req.Body[i : i+32])); err != nil {
				return err
			}
		}
	case reqresp.BeaconBlocksByRangeMethod:
		if len(req.Body) != 24 {
			return w.WriteError(reqresp.InvalidRequest, "bad request size")
		}
		start := binary.LittleEndian.Uint64(req.Body[0:8])
		count := min(binary.LittleEndian.Uint64(req.Body[8:16]), reqrespnet.MaxRequestBlocks)
		step := binary.LittleEndian.Uint64(req.Body[16:24])
		if step == 0 {
			return w.WriteError(reqresp.InvalidRequest, "step is zero")
		}
		for i := uint64(0); i < count; i++ {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			root, ok := c.st.CanonicalRoot(start + i*step)
			if !ok {
				continue
			}
			if info, ok := c.st.Info(root); !ok || info.Slot != start+i*step {
				continue
			}
			if err := write(root); err != nil {
				return err
			}
		}
	}
	return nil
}

// --- Sync --------------------------------------------------------------

// onPeerStatus is called with every status a peer sends (handshake).
func (c *chainState) onPeerStatus(p peer.ID, raw []byte) {
	s, err := reqrespnet.UnmarshalStatus(raw)
	if err != nil || !c.ready.Load() {
		return
	}
	c.earliest.Store(p.String(), s.EarliestAvailableSlot) // backfill: who has the history (0: all, or status/1)
	if s.HeadSlot > c.headSlot() && !c.st.IsImported(s.HeadRoot) {
		select {
		case c.syncCh <- syncReq{p, s.HeadSlot}:
		default:
		}
	}
}

func (c *chainState) syncLoop() {
	defer c.wg.Done()
	var tick <-chan time.Time
	if c.cfg.StatusPollPeriod > 0 {
		t := time.NewTicker(c.cfg.StatusPollPeriod)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-c.ctx.Done():
			return
		case r := <-c.syncCh:
			c.syncFrom(r.peer, r.head)
		case <-tick:
			c.pollStatus()
		}
	}
}

func (c *chainState) pollStatus() {
	for _, ps := range c.peers() {
		pid, _ := peer.Decode(ps)
		c.statusPolls.Add(1)
		var raw []byte
		err := c.n.Request(c.ctx, pid, reqresp.StatusV1, c.status().Marshal(1), 10*time.Second, func(ch reqresp.Chunk) {
			if ch.Code == reqresp.Success {
				raw = slices.Clone(ch.Payload)
			}
		})
		if err == nil && raw != nil {
			c.onPeerStatus(pid, raw)
		}
	}
}

func (c *chainState) syncFrom(p peer.ID, head uint64) {
	from := c.headSlot() + 1
	if head < from {
		return
	}
	c.syncs.Add(1)
	c.prog.begin(p.String(), from, head)
	c.push(events.Event{Type: events.SyncProgress, PeerID: p.String(), Code: head, Text: fmt.Sprintf("started %d..%d", from, head)})
	defer c.prog.end()
	rs := pipeline.RangeSync{P: c.p, F: c, BatchSize: c.cfg.SyncBatch, Pacer: c.pacer}
	res, err := rs.Sync(c.ctx, []string{p.String()}, from, head+1)
	c.syncedBlocks.Add(uint64(res.Blocks))
	done := fmt.Sprintf("finished %d blocks", res.Blocks)
	if err != nil {
		done = "failed: " + err.Error()
	}
	c.push(events.Event{Type: events.SyncProgress, PeerID: p.String(), Code: head, Text: done})
	if err != nil && !errors.Is(err, context.Canceled) {
		c.syncFailures.Add(1)
		c.n.EmitError(events.Event{Type: events.Error, Status: int32(status.Network),
			Text: fmt.Sprintf("range sync from %s (slots %d..%d): %v", p, from, head, err)})
	}
}
