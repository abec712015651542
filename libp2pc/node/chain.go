package node

// The chain on the node: the block store, the block pipeline with the
// multi-fork state transition (pipeline.AnyFork: phase0 .. fulu; payloads
// go to the execution client of ChainConfig.Engine when one is configured,
// chain_engine.go, else pass their consensus checks only), gossip
// validation of beacon_block, req/resp block serving (context bytes: the
// digest of each block's fork) and fetching, status, and range sync
// (StartChain).
//
// Order: New, ConfigureEth2, Start, StartChain and wait for its completion,
// then dial peers (the status handshake sends the chain's status). The node's Stop closes the chain
// (pipeline, then store) before req/resp and the host.
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
	"github.com/libp2pc/libp2pc/libp2pc/pipeline"
	"github.com/libp2pc/libp2pc/libp2pc/status"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// ChainConfig configures StartChain.
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
	// events whose text starts with "checkpoint:". StartChain downloads,
	// decodes and hashes in the calling goroutine.
	CheckpointURL, CheckpointID      string
	CheckpointState, CheckpointBlock []byte
	WSCheckpoint                     string
	// Backfill (chain_backfill.go) of a checkpoint-anchored store: blocks
	// behind the anchor are fetched from peers down to genesis, or to the
	// last BackfillEpochs epochs when set (e.g. MIN_EPOCHS_FOR_BLOCK_REQUESTS);
	// NoBackfill turns it off.
	BackfillEpochs uint64
	NoBackfill     bool

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

type chainState struct {
	n      *Node
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

	closeOnce      sync.Once
	loadCancel     atomic.Pointer[context.CancelFunc] // a checkpoint download in StartChain's set-up
	ready          atomic.Bool                        // StartChain finished: set up, wired, beacon_block joined
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
	engine                                                       chainEngine                    // chain_engine.go
}

type syncReq struct {
	peer peer.ID
	head uint64
}

// StartChain starts the chain and returns at once with a request id; the
// work happens after it returns, off the caller's thread: the consensus
// config is parsed, the store opened, the anchor state decoded, checked
// and hashed (seconds for a mainnet-size state), the pipeline started,
// and then, on the loop, the chain is wired to the node: beacon_block is
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
// remains: StartChain may be called again. Between the call and its
// completion the chain is "starting": the chain calls return BadState
// saying so, and a second StartChain too.
//
// The node must be running with eth2 configured (BadState otherwise).
func (n *Node) StartChain(cfg ChainConfig) (uint64, error) {
	if n.destroyed.Load() {
		return 0, status.Errorf(status.BadHandle, "node destroyed")
	}
	if n.eth2 == nil {
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
	c := &chainState{n: n, cfg: cfg, syncCh: make(chan syncReq, 16), pacer: pipeline.NewPacer()}
	if !n.chain.CompareAndSwap(nil, c) {
		if old := n.chain.Load(); old != nil && !old.ready.Load() {
			return 0, status.Errorf(status.BadState, "start chain: the chain is starting (wait for its request's completion)")
		}
		return 0, status.Errorf(status.BadState, "start chain: already started")
	}
	req, err := n.request("start chain", func(l *loop, req uint64) {
		l.goOp(req, c.setUp, func(l *loop, err error) error {
			if err != nil {
				// setUp failed and undid itself, or never ran (stopping:
				// then c holds nothing and stopChain may close it).
				n.chain.CompareAndSwap(c, nil)
				return err
			}
			return c.wire(l, req)
		})
	})
	if err != nil {
		n.chain.CompareAndSwap(c, nil)
		return 0, err
	}
	return req, nil
}

// Offsets in an SSZ BeaconState (every fork): slot, then fork.current_version.
const (
	anchorSlotOffset    = 40
	anchorVersionOffset = 52
)

// setUp is StartChain's work off the loop: everything whose cost grows
// with the anchor state or the store. On failure it closes what it opened
// and clears n.chain before returning, so that the completion finds the
// node as it was before StartChain.
func (c *chainState) setUp(ctx context.Context) (err error) {
	n, cfg := c.n, c.cfg
	defer func() {
		if r := recover(); r != nil {
			err = status.Errorf(status.Internal, "start chain: internal error: %v", r)
		}
		if err != nil {
			c.close()
			n.chain.CompareAndSwap(c, nil)
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
	secondsPerSlot, err := config.SecondsPerSlotOf(n.eth2.clock.SlotDuration())
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
			ccfg.SecondsPerSlot, n.eth2.clock.SlotDuration())
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
	e := n.eth2
	eng, err := c.openEngine() // chain_engine.go
	if err != nil {
		return err
	}
	c.p, err = pipeline.Start(pipeline.Config{
		GenesisTime:    uint64(e.cfg.GenesisTime.Unix()),
		Context:        n.lifeCtx,
		SecondsPerSlot: c.secondsPerSlot,
		Workers:        cfg.Workers,
		Peers:          c.peers,
		Engine:         eng,
	}, st, c.tr, c, pipeline.EventFunc(c.onEvent))
	if err != nil {
		return status.Errorf(status.Internal, "start chain: pipeline: %v", err)
	}
	c.ctx, c.cancel = context.WithCancel(n.lifeCtx)
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

// wire runs on the loop once setUp succeeded: it attaches the chain to
// the node (validators, block serving) and joins beacon_block; the request
// completes when the join does (errCompleteLater until then).
func (c *chainState) wire(l *loop, req uint64) error {
	n := c.n
	if l.stopping { // the stop path closes the chain (n.chain is still c)
		return status.Errorf(status.Stopped, "start chain: node stopping")
	}
	const name = "beacon_block"
	if l.e2 == nil {
		c.abandon(l, req, status.Errorf(status.Internal, "start chain: eth2 is not running"))
		return errCompleteLater
	}
	if l.e2.subs[name] != nil {
		c.abandon(l, req, status.Errorf(status.BadState,
			"start chain: the host is subscribed to %s; the chain subscribes it itself (eth2 unsubscribe it first)", name))
		return errCompleteLater
	}
	e := n.eth2
	parsed, err := e.params.ParseName(name)
	if err == nil {
		err = c.attach()
	}
	if err != nil {
		c.abandon(l, req, status.Errorf(status.CodeOf(err), "start chain: %v", err))
		return errCompleteLater
	}
	l.e2.subs[name] = &eth2Sub{name: name, parsed: parsed, mode: ValidateGo}
	e.modes.Store(name, ValidateGo)
	w := &waiter{req: req, then: func(l *loop, err error) error {
		if err != nil {
			delete(l.e2.subs, name)
			e.modes.Delete(name)
			l.eth2Reconcile(nil, "")
			c.abandon(l, req, status.Errorf(status.CodeOf(err), "start chain: subscribe %s: %v", name, err))
			return errCompleteLater
		}
		c.ready.Store(true)
		if err := n.SetStatus(c.status()); err != nil {
			return err // stopping; the stop path closes the chain
		}
		c.wg.Add(1)
		go c.syncLoop()
		if err := c.startBackfill(c.ccfg); err != nil { // chain_backfill.go
			c.push(events.Event{Type: events.Error, Status: int32(status.Internal), Text: "backfill: " + err.Error()})
		}
		return nil
	}}
	l.eth2Reconcile(w, name)
	w.arm(l)
	return errCompleteLater
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

// abandon undoes attach, then (off the loop) closes the chain, clears
// n.chain and completes req with cause.
func (c *chainState) abandon(l *loop, req uint64, cause error) {
	n := c.n
	for _, v := range []string{"beacon_block", gossip.BeaconAggregateAndProof, gossip.BeaconAttestation} {
		_ = n.RegisterEth2Validator(v, nil)
	}
	for _, p := range blockProtocols {
		if _, ok := reqrespnet.Lookup(p.ID()); ok {
			_ = n.Serve(p.ID(), reqrespnet.ServeNone, nil)
		}
	}
	l.goOp(req, func(context.Context) error {
		c.close()
		n.chain.CompareAndSwap(c, nil)
		return cause
	}, nil)
}

// stopChain closes the chain (node stop path, before req/resp closes).
func (n *Node) stopChain() {
	if c := n.chain.Load(); c != nil {
		c.close()
	}
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

func (n *Node) chainOrErr() (*chainState, error) {
	if n.destroyed.Load() {
		return nil, status.Errorf(status.BadHandle, "node destroyed")
	}
	if n.State() >= StateStopping {
		return nil, status.Errorf(status.Stopped, "chain: the node is %s", n.State())
	}
	c := n.chain.Load()
	if c == nil {
		return nil, status.Errorf(status.BadState, "chain not started")
	}
	if !c.ready.Load() {
		return nil, status.Errorf(status.BadState, "chain starting: wait for the chain start request's completion")
	}
	return c, nil
}

// ChainHead returns the fork choice head block's root and slot.
func (n *Node) ChainHead() ([32]byte, uint64, error) {
	c, err := n.chainOrErr()
	if err != nil {
		return [32]byte{}, 0, err
	}
	c.hmu.Lock()
	defer c.hmu.Unlock()
	return c.head, c.hslot, nil
}

// ChainFinalized returns the finalized checkpoint (the anchor's at first).
func (n *Node) ChainFinalized() (store.Checkpoint, error) {
	c, err := n.chainOrErr()
	if err != nil {
		return store.Checkpoint{}, err
	}
	c.hmu.Lock()
	defer c.hmu.Unlock()
	return c.finalized, nil
}

// ChainBlock returns the SSZ signed block of root (imported or stored);
// NotFound if absent, and for the anchor (its signed block is not kept).
func (n *Node) ChainBlock(root [32]byte) ([]byte, error) {
	c, err := n.chainOrErr()
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

// ChainPipeline returns the pipeline (Go users and tests), nil before StartChain.
func (n *Node) ChainPipeline() *pipeline.Pipeline {
	if c := n.chain.Load(); c != nil && c.ready.Load() {
		return c.p
	}
	return nil
}

// ChainCounters returns the chain's counters.
func (n *Node) ChainCounters() (ChainCounters, error) {
	c := n.chain.Load()
	if c == nil || !c.ready.Load() {
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
	d, _ := c.n.Eth2CurrentDigest()
	s := reqrespnet.Status{ForkDigest: d, HeadRoot: head, HeadSlot: slot, FinalizedEpoch: fin.Epoch, FinalizedRoot: fin.Root,
		EarliestAvailableSlot: c.st.EarliestSlot()}
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
	q := c.n.queue
	if q.Reserve(1) {
		q.PushReserved(e)
	} else {
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
	}
}

func (c *chainState) updateStatus() {
	if !c.ready.Load() { // events during StartChain (resumed blocks)
		return
	}
	_ = c.n.SetStatus(c.status())
}

// validateBlock is the Go validator of beacon_block.
func (c *chainState) validateBlock(ctx context.Context, m *Eth2Message) (ValidationResult, string) {
	r, reason := c.p.ValidateGossipBlock(m.Data, time.Now())
	switch r {
	case pipeline.Accept:
		c.gossipAccepted.Add(1)
		c.p.Submit(slices.Clone(m.Data), m.From.String())
		return ValidationAccept, ""
	case pipeline.Reject:
		c.gossipRejected.Add(1)
		return ValidationReject, reason
	}
	c.gossipIgnored.Add(1)
	if reason == "parent block unknown" || reason == "parent block not yet processed" {
		// Not forwarded, but imported: the pipeline downloads the parent
		// from the sender (or waits for it) and checks everything.
		c.gossipOrphans.Add(1)
		c.p.Submit(slices.Clone(m.Data), m.From.String())
	}
	return ValidationIgnore, reason
}

// --- Fetcher over req/resp --------------------------------------------

func (c *chainState) fetch(ctx context.Context, peerID string, p reqresp.Protocol, body []byte) ([][]byte, error) {
	c.fetches.Add(1)
	pid, err := peer.Decode(peerID)
	if err != nil {
		c.fetchFailures.Add(1)
		return nil, err
	}
	svc, err := c.n.service()
	if err != nil {
		c.fetchFailures.Add(1)
		return nil, err
	}
	var blocks [][]byte
	var chunkErr error
	_, err = svc.RequestFunc(ctx, pid, p, body, c.cfg.RequestTimeout, func(ch reqresp.Chunk) {
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
			d := c.n.eth2.digestAtSlot(info.Slot)
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

// digestAtSlot is the fork digest in force at slot (the context bytes of
// a block of that slot).
func (e *eth2State) digestAtSlot(slot uint64) [4]byte {
	return e.digestAt[e.boundaries[e.boundaryIndex(slot/e.cfg.Chain.SlotsPerEpoch)]]
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
	svc, err := c.n.service()
	if err != nil {
		return
	}
	for _, ps := range c.peers() {
		pid, _ := peer.Decode(ps)
		c.statusPolls.Add(1)
		var raw []byte
		_, err := svc.RequestFunc(c.ctx, pid, reqresp.StatusV1, c.status().Marshal(1), 10*time.Second, func(ch reqresp.Chunk) {
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
		c.n.queue.PushError(events.Event{Type: events.Error, Status: int32(status.Network),
			Text: fmt.Sprintf("range sync from %s (slots %d..%d): %v", p, from, head, err)})
	}
}
