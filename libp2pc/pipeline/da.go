package pipeline

// Data availability in the block process (issue 15; consensus-specs
// deneb/fork-choice.md and fulu/fork-choice.md is_data_available): a
// deneb/electra block with blob commitments imports only once all of its
// blob sidecars are verified, a fulu block once every column it samples
// (custody.SamplingColumns: max(SAMPLES_PER_SLOT, cgc) groups) is. The
// wait is bounded in time (DAConfig.Timeout from the block's arrival) and
// in count (DAConfig.MaxWaiting); a block whose data does not come is
// dropped with BLOCK_DROPPED and the reason, and its descendants inherit
// the verdict, so nothing stalls behind it.
//
// Sidecars come in two ways: AddVerifiedBlobSidecar /
// AddVerifiedDataColumnSidecar (gossip and req/resp, verified by the
// caller), and the pipeline's own requests for what is missing through
// DAConfig.Fetcher (verified here). A node that custodies at least half of
// the columns reconstructs the rest from 64 (da.Tracker.Reconstruct) and
// hands the recovered custody columns to DAConfig.OnReconstructed.
//
// The verified sidecars the node keeps (every blob; its custody columns)
// are stored in the block's import batch; retention prunes them after
// MIN_EPOCHS_FOR_{BLOB,DATA_COLUMN}_SIDECARS_REQUESTS epochs.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/da"
	"github.com/libp2pc/libp2pc/libp2pc/da/custody"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/da/sidecar"
	"github.com/libp2pc/libp2pc/libp2pc/latency"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// Retention of sidecars (consensus-specs deneb and fulu p2p-interface.md).
const (
	MinEpochsForBlobSidecarsRequests       = 4096
	MinEpochsForDataColumnSidecarsRequests = 4096
)

// SidecarFetcher is the network side's "fetch these missing sidecars":
// it picks the peers (for columns, those whose custody covers them),
// retries among them within ctx, and returns what it got. The pipeline
// verifies every returned sidecar (KZG, inclusion proof, the block's
// header and signature) before filing it.
type SidecarFetcher interface {
	FetchBlobSidecars(ctx context.Context, root Root, slot uint64, indices []uint64) ([]*deneb.BlobSidecar, error)
	FetchDataColumnSidecars(ctx context.Context, root Root, slot uint64, columns []uint64) ([]*fulu.DataColumnSidecar, error)
}

// DAConfig configures data availability. Zero values take the defaults.
type DAConfig struct {
	// Disabled imports blocks without checking their data (not for a
	// node: only for callers that have no way to get sidecars).
	Disabled bool
	// NodeID and CustodyGroupCount give the node's custody and sampling
	// columns (count 0: CUSTODY_REQUIREMENT; 128: a supernode).
	NodeID            custody.NodeID
	CustodyGroupCount uint64
	Custody           custody.Params // default custody.Mainnet
	KZG               *kzg.Context   // default kzg.Default()
	// Timeout: how long after its arrival a block may wait for its data
	// (default 4 slots).
	Timeout time.Duration
	// MaxWaiting bounds the blocks waiting for data at once (default 64);
	// beyond it a block is dropped and counted.
	MaxWaiting int
	// MaxTracked bounds the blocks whose sidecars are held (default 256;
	// sidecars of blocks not yet seen count too; the oldest is evicted).
	MaxTracked int
	// Fetcher asks the network for missing sidecars (nil: wait for
	// gossip only). FetchDelay is how long a block waits for gossip before
	// asking (default 1 s), FetchRetry the pause between requests
	// (default 2 s), FetchTimeout one request's bound (default 5 s).
	Fetcher                              SidecarFetcher
	FetchDelay, FetchRetry, FetchTimeout time.Duration
	// OnReconstructed receives the custody columns a reconstruction
	// recovered (to publish them); called from a pipeline goroutine.
	OnReconstructed func([]*fulu.DataColumnSidecar)
	// MaxReconstructions bounds reconstructions queued or running (default
	// 4); beyond it a request is dropped and counted.
	MaxReconstructions int
	// RetentionEpochs: sidecars of blocks older than this many epochs
	// before the current one are not required and are pruned (default
	// max(MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS,
	// MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS)); PruneEvery: imports
	// between two prunings (default 32).
	RetentionEpochs uint64
	PruneEvery      int
}

// DAStats are the data availability counters.
type DAStats struct {
	SidecarsReceived, SidecarsVerified, SidecarsRejected uint64
	SidecarsLate                                         uint64 // for a block already imported or given up
	SidecarsRequested, FetchRequests, FetchFailures      uint64
	Reconstructions, ColumnsRecovered                    uint64
	ReconstructionsDropped, ReconstructionFailures       uint64
	BlocksWaited, BlocksAvailable, BlocksUnavailable     uint64
	DroppedWaitingFull                                   uint64
	SidecarsStored, Pruned, TrackerEvicted               uint64
	Waiting                                              int64
}

type daCounters struct {
	received, verified, rejected, late          atomic.Uint64
	requested, fetchRequests, fetchFailures     atomic.Uint64
	reconstructions, recovered                  atomic.Uint64
	reconDropped, reconFailed                   atomic.Uint64
	waited, available, unavailable, waitingFull atomic.Uint64
	stored                                      atomic.Uint64
	waiting                                     atomic.Int64
	imports                                     atomic.Uint64
	prunedBlocks                                atomic.Uint64
	reconTime                                   *latency.Histogram // successful reconstructions
}

// ReconstructionBuckets are the upper bounds (seconds) of the
// reconstruction time histogram: recovering the cells of every blob of a
// block takes from tens of milliseconds to seconds.
var ReconstructionBuckets = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// ReconstructionTime is the histogram of the successful reconstructions'
// running time (da.Tracker.Reconstruct; beacon-metrics'
// beacon_data_availability_reconstruction_time_seconds).
func (p *Pipeline) ReconstructionTime() latency.Snapshot {
	return p.da.c.reconTime.Snapshot()
}

// daState is the pipeline's data availability part.
type daState struct {
	cfg      DAConfig
	chainCfg *config.Config
	tracker  *da.Tracker
	custody  []uint64 // custody columns, sorted
	sampling []uint64 // sampling columns, sorted
	kzgOnce  func() (*kzg.Context, error)

	mu       sync.Mutex
	waits    map[Root]*dataWait
	done     map[Root]struct{} // imported or given up recently (late sidecars)
	doneFIFO []Root
	recon    map[Root]bool // reconstructions queued or running
	reconSem chan struct{}

	c daCounters
}

// dataWait is a block process waiting for its data.
type dataWait struct {
	root      Root
	slot      uint64
	fulu      bool
	blobs     int
	signature [96]byte
	ready     chan struct{} // closed when the data is available
	closed    bool
	since     time.Time
	deadline  time.Time
}

const daDoneMemory = 1024

func newDAState(cfg DAConfig, tr Transitioner, secondsPerSlot uint64) (*daState, error) {
	if cfg.Custody == (custody.Params{}) {
		cfg.Custody = custody.Mainnet
	}
	if cfg.CustodyGroupCount == 0 {
		cfg.CustodyGroupCount = cfg.Custody.CustodyRequirement
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 4 * time.Duration(secondsPerSlot) * time.Second
	}
	if cfg.MaxWaiting <= 0 {
		cfg.MaxWaiting = 64
	}
	if cfg.MaxTracked <= 0 {
		cfg.MaxTracked = 256
	}
	if cfg.FetchDelay <= 0 {
		cfg.FetchDelay = time.Second
	}
	if cfg.FetchRetry <= 0 {
		cfg.FetchRetry = 2 * time.Second
	}
	if cfg.FetchTimeout <= 0 {
		cfg.FetchTimeout = 5 * time.Second
	}
	if cfg.MaxReconstructions <= 0 {
		cfg.MaxReconstructions = 4
	}
	if cfg.RetentionEpochs == 0 {
		cfg.RetentionEpochs = max(MinEpochsForBlobSidecarsRequests, MinEpochsForDataColumnSidecarsRequests)
	}
	if cfg.PruneEvery == 0 {
		cfg.PruneEvery = 32
	}
	d := &daState{cfg: cfg, waits: map[Root]*dataWait{}, done: map[Root]struct{}{}, recon: map[Root]bool{},
		reconSem: make(chan struct{}, 1)}
	d.c.reconTime = latency.New(ReconstructionBuckets)
	if af, ok := tr.(AnyFork); ok {
		d.chainCfg = af.Cfg
	} else {
		d.cfg.Disabled = true // only the multi-fork transitioner has blocks with blobs
	}
	var err error
	if d.custody, err = cfg.Custody.CustodyColumns(cfg.NodeID, cfg.CustodyGroupCount); err != nil {
		return nil, fmt.Errorf("pipeline: custody: %w", err)
	}
	if d.sampling, err = cfg.Custody.SamplingColumns(cfg.NodeID, cfg.CustodyGroupCount); err != nil {
		return nil, fmt.Errorf("pipeline: sampling: %w", err)
	}
	if cfg.KZG != nil {
		ctx := cfg.KZG
		d.kzgOnce = func() (*kzg.Context, error) { return ctx, nil }
	} else {
		d.kzgOnce = kzg.Default
	}
	// The tracker outlives a block's wait (sidecars may precede the block).
	d.tracker = da.New(da.Config{MaxBlocks: cfg.MaxTracked, Timeout: 2 * cfg.Timeout, KZG: cfg.KZG})
	return d, nil
}

// CustodyColumns are the columns this node custodies (stores and serves).
func (p *Pipeline) CustodyColumns() []uint64 { return slices.Clone(p.da.custody) }

// SamplingColumns are the columns a fulu block waits for.
func (p *Pipeline) SamplingColumns() []uint64 { return slices.Clone(p.da.sampling) }

// DAStats returns the data availability counters.
func (p *Pipeline) DAStats() DAStats {
	c := &p.da.c
	ts := p.da.tracker.Stats()
	return DAStats{
		SidecarsReceived: c.received.Load(), SidecarsVerified: c.verified.Load(), SidecarsRejected: c.rejected.Load(),
		SidecarsLate: c.late.Load(), SidecarsRequested: c.requested.Load(), FetchRequests: c.fetchRequests.Load(),
		FetchFailures: c.fetchFailures.Load(), Reconstructions: c.reconstructions.Load(), ColumnsRecovered: c.recovered.Load(),
		ReconstructionsDropped: c.reconDropped.Load(), ReconstructionFailures: c.reconFailed.Load(),
		BlocksWaited: c.waited.Load(), BlocksAvailable: c.available.Load(), BlocksUnavailable: c.unavailable.Load(),
		DroppedWaitingFull: c.waitingFull.Load(), SidecarsStored: c.stored.Load(), Pruned: p.st.PrunedSidecars(),
		TrackerEvicted: ts.Evicted, Waiting: c.waiting.Load(),
	}
}

// Errors of the sidecar entry points.
var (
	ErrSidecarLate = errors.New("pipeline: sidecar for a block already imported or given up")
	ErrDADisabled  = errors.New("pipeline: data availability is disabled")
)

// AddVerifiedBlobSidecar files a blob sidecar that passed the gossip or
// req/resp checks (da/sidecar plus the chain-state rules). Safe from any
// goroutine; it does not block on I/O or on other blocks (a map update
// under a lock); the held sidecars are bounded (DAConfig.MaxTracked, the
// oldest block's evicted and counted).
func (p *Pipeline) AddVerifiedBlobSidecar(sc *deneb.BlobSidecar) error {
	d := p.da
	if d.cfg.Disabled {
		return ErrDADisabled
	}
	d.c.received.Add(1)
	root, err := da.BlockRoot(sc.SignedBlockHeader)
	if err != nil {
		d.c.rejected.Add(1)
		return err
	}
	if d.isDone(root) || p.st.IsImported(root) {
		d.c.late.Add(1)
		return ErrSidecarLate
	}
	st, err := d.tracker.AddBlob(sc)
	if err != nil {
		d.c.rejected.Add(1)
		return err
	}
	d.c.verified.Add(1)
	if st == da.Available {
		d.signal(root)
	}
	return nil
}

// AddVerifiedDataColumnSidecar files a data column sidecar that passed the
// gossip or req/resp checks. Like AddVerifiedBlobSidecar; it may also
// queue a reconstruction (bounded, on a pipeline goroutine).
func (p *Pipeline) AddVerifiedDataColumnSidecar(sc *fulu.DataColumnSidecar) error {
	d := p.da
	if d.cfg.Disabled {
		return ErrDADisabled
	}
	d.c.received.Add(1)
	root, err := da.BlockRoot(sc.SignedBlockHeader)
	if err != nil {
		d.c.rejected.Add(1)
		return err
	}
	if d.isDone(root) || p.st.IsImported(root) {
		d.c.late.Add(1)
		return ErrSidecarLate
	}
	st, err := d.tracker.AddColumn(sc)
	if err != nil {
		d.c.rejected.Add(1)
		return err
	}
	d.c.verified.Add(1)
	if st == da.Available {
		d.signal(root)
		return nil
	}
	p.maybeReconstruct(root)
	return nil
}

func (d *daState) isDone(root Root) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.done[root]
	return ok
}

// markDone remembers a finished block (bounded) so that its late
// sidecars are not held again, and stops tracking it.
func (d *daState) markDone(root Root) {
	d.mu.Lock()
	if _, ok := d.done[root]; !ok {
		d.done[root] = struct{}{}
		d.doneFIFO = append(d.doneFIFO, root)
		if len(d.doneFIFO) > daDoneMemory {
			delete(d.done, d.doneFIFO[0])
			d.doneFIFO = d.doneFIFO[1:]
		}
	}
	d.mu.Unlock()
	d.tracker.Remove(root)
}

// signal wakes the block waiting for root's data.
func (d *daState) signal(root Root) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if w := d.waits[root]; w != nil && !w.closed {
		w.closed = true
		close(w.ready)
	}
}

// blobInfo is what the DA check reads of a block: its fork, commitments
// and signature (blocks of the multi-fork transitioner only).
func blobInfo(b Block) (f forks.Fork, commitments [][48]byte, sig [96]byte, ok bool) {
	ab, isAny := b.(*anyBlock)
	if !isAny || ab.b.Message.Body == nil {
		return 0, nil, sig, false
	}
	return ab.b.Message.ForkName, ab.b.Message.Body.BlobKZGCommitments, ab.b.Signature, true
}

// SidecarBlockOf takes a deneb or later block of the multi-fork
// transitioner apart for the sidecar builders (the proposer's side).
func SidecarBlockOf(b Block) (forks.Fork, *sidecar.Block, error) {
	ab, ok := b.(*anyBlock)
	if !ok || ab.b.Message.ForkName < forks.Deneb {
		return 0, nil, errors.New("pipeline: not a deneb or later block")
	}
	c, err := ab.b.Container()
	if err != nil {
		return 0, nil, err
	}
	var sb *sidecar.Block
	switch v := c.(type) {
	case *deneb.SignedBeaconBlock:
		sb, err = sidecar.FromDeneb(v)
	case *electra.SignedBeaconBlock:
		sb, err = sidecar.FromElectra(v)
	default:
		err = fmt.Errorf("pipeline: a %s block container %T", ab.b.Message.ForkName, c)
	}
	return ab.b.Message.ForkName, sb, err
}

// requireData is called when a block arrives (after it is stored): it
// registers what the block must have and starts asking for what is
// missing. nil means the block needs no data (before deneb, no blobs,
// outside the retention window, DA disabled). A non-nil verdict drops the
// block (too many waiting).
func (p *Pipeline) requireData(b Block) (*dataWait, *verdict) {
	d := p.da
	if d.cfg.Disabled {
		return nil, nil
	}
	f, comms, sig, ok := blobInfo(b)
	if !ok || f < forks.Deneb || len(comms) == 0 {
		return nil, nil
	}
	// Blocks older than the retention window are imported without their
	// data (is_data_available is required within it only).
	epoch := b.Slot() / p.cfg.SlotsPerEpoch
	if cur := p.clock.SlotAt(p.cfg.Now()) / p.cfg.SlotsPerEpoch; epoch+d.cfg.RetentionEpochs < cur {
		return nil, nil
	}
	d.expireTracked()
	root := b.Root()
	var st da.Status
	var err error
	isFulu := f >= forks.Fulu
	if isFulu {
		st, err = d.tracker.RequireColumns(root, len(comms), d.sampling)
	} else {
		st, err = d.tracker.RequireBlobs(root, len(comms))
	}
	if err != nil {
		// Sidecars filed under this root do not fit the block: start over
		// with the block's requirement (the block is the authority).
		d.c.rejected.Add(1)
		d.tracker.Remove(root)
		if isFulu {
			st, err = d.tracker.RequireColumns(root, len(comms), d.sampling)
		} else {
			st, err = d.tracker.RequireBlobs(root, len(comms))
		}
		if err != nil {
			return nil, &verdict{state: Dropped, rule: "data availability: " + err.Error()}
		}
	}
	now := time.Now()
	w := &dataWait{root: root, slot: b.Slot(), fulu: isFulu, blobs: len(comms), signature: sig,
		ready: make(chan struct{}), since: now, deadline: now.Add(d.cfg.Timeout)}
	d.mu.Lock()
	if len(d.waits) >= d.cfg.MaxWaiting {
		d.mu.Unlock()
		d.c.waitingFull.Add(1)
		return nil, &verdict{state: Dropped, rule: "data availability: too many blocks waiting for data"}
	}
	d.waits[root] = w
	if st == da.Available {
		w.closed = true
		close(w.ready)
	}
	d.mu.Unlock()
	// A sidecar filed between the requirement and the registration found
	// no waiter to wake: look again.
	if st != da.Available && d.tracker.Status(root) == da.Available {
		d.signal(root)
		st = da.Available
	}
	if st != da.Available {
		d.c.waited.Add(1)
		p.emit(Event{Kind: EventDataWaiting, Root: root, Slot: b.Slot(), Missing: d.tracker.Missing(root)})
		if d.cfg.Fetcher != nil {
			p.start()
			go func() {
				defer p.end()
				p.fetchMissing(w)
			}()
		}
		p.maybeReconstruct(root)
	}
	return w, nil
}

// awaitData waits (until the block's deadline) for its data and returns
// the sidecars to store with it, or the verdict that drops it.
func (p *Pipeline) awaitData(w *dataWait) ([]store.Sidecar, verdict) {
	d := p.da
	d.c.waiting.Add(1)
	timer := time.NewTimer(time.Until(w.deadline))
	defer timer.Stop()
	var v verdict
	select {
	case <-w.ready:
	case <-timer.C:
		missing := d.tracker.Missing(w.root)
		what := "blob"
		if w.fulu {
			what = "column"
		}
		if d.tracker.Status(w.root) == da.Unknown {
			missing = nil
		}
		v = verdict{state: Dropped, rule: fmt.Sprintf("data unavailable: %d %ss missing after %v (%v)", len(missing), what, d.cfg.Timeout, missing)}
		d.c.unavailable.Add(1)
		p.emit(Event{Kind: EventDataUnavailable, Root: w.root, Slot: w.slot, Rule: v.rule, Missing: missing})
	case <-p.ctx.Done():
		v = verdict{state: Dropped, rule: "shutdown"}
	}
	d.c.waiting.Add(-1)
	if v.state == Dropped {
		return nil, v
	}
	d.c.available.Add(1)
	p.emit(Event{Kind: EventDataAvailable, Root: w.root, Slot: w.slot, Took: time.Since(w.since)})
	scs, err := d.keep(w)
	if err != nil {
		return nil, verdict{state: Dropped, rule: "data availability: " + err.Error()}
	}
	return scs, verdict{state: Included}
}

// keep encodes the sidecars the node stores for the block: every blob,
// its custody columns.
func (d *daState) keep(w *dataWait) ([]store.Sidecar, error) {
	var out []store.Sidecar
	if !w.fulu {
		for _, sc := range d.tracker.Blobs(w.root) {
			ssz, err := sc.MarshalSSZ()
			if err != nil {
				return nil, err
			}
			out = append(out, store.Sidecar{Kind: store.BlobSidecarKind, Index: sc.Index, SSZ: ssz})
		}
		return out, nil
	}
	for _, sc := range d.tracker.Columns(w.root) {
		if _, ok := slices.BinarySearch(d.custody, sc.Index); !ok {
			continue
		}
		ssz, err := sc.MarshalSSZ()
		if err != nil {
			return nil, err
		}
		out = append(out, store.Sidecar{Kind: store.DataColumnSidecarKind, Index: sc.Index, SSZ: ssz})
	}
	return out, nil
}

// dataFinished ends a block's data wait (imported, invalid or dropped).
func (p *Pipeline) dataFinished(root Root, slot uint64, imported bool, stored int) {
	d := p.da
	if d == nil || d.cfg.Disabled {
		return
	}
	d.mu.Lock()
	w := d.waits[root]
	delete(d.waits, root)
	d.mu.Unlock()
	if w != nil {
		d.markDone(root)
	}
	if !imported {
		return
	}
	d.c.stored.Add(uint64(stored))
	if n := d.c.imports.Add(1); d.cfg.PruneEvery > 0 && n%uint64(d.cfg.PruneEvery) == 0 {
		p.pruneSidecars()
	}
}

// pruneSidecars deletes the sidecars below the retention window.
func (p *Pipeline) pruneSidecars() {
	cur := p.clock.SlotAt(p.cfg.Now()) / p.cfg.SlotsPerEpoch
	if cur <= p.da.cfg.RetentionEpochs {
		return
	}
	if n, err := p.st.PruneSidecars((cur - p.da.cfg.RetentionEpochs) * p.cfg.SlotsPerEpoch); err == nil {
		p.da.c.prunedBlocks.Add(uint64(n))
	}
}

// PruneSidecars applies the retention window now (it also runs every
// DAConfig.PruneEvery imports).
func (p *Pipeline) PruneSidecars() { p.pruneSidecars() }

// fetchMissing asks the network for a waiting block's missing sidecars:
// after FetchDelay (gossip usually brings them), then every FetchRetry
// until the data is available or the deadline passes.
func (p *Pipeline) fetchMissing(w *dataWait) {
	d := p.da
	pause := d.cfg.FetchDelay
	for {
		select {
		case <-w.ready:
			return
		case <-p.ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = d.cfg.FetchRetry
		if time.Now().After(w.deadline) {
			return
		}
		missing := d.tracker.Missing(w.root)
		if len(missing) == 0 {
			return
		}
		d.c.fetchRequests.Add(1)
		d.c.requested.Add(uint64(len(missing)))
		until := time.Now().Add(d.cfg.FetchTimeout)
		if w.deadline.Before(until) {
			until = w.deadline
		}
		ctx, cancel := context.WithDeadline(p.ctx, until)
		var err error
		if w.fulu {
			var scs []*fulu.DataColumnSidecar
			if scs, err = d.cfg.Fetcher.FetchDataColumnSidecars(ctx, w.root, w.slot, missing); err == nil {
				p.fileFetchedColumns(w, scs)
			}
		} else {
			var scs []*deneb.BlobSidecar
			if scs, err = d.cfg.Fetcher.FetchBlobSidecars(ctx, w.root, w.slot, missing); err == nil {
				p.fileFetchedBlobs(w, scs)
			}
		}
		cancel()
		if err != nil {
			d.c.fetchFailures.Add(1)
		}
	}
}

// headerMatches: the sidecar's header is the waiting block's (root and
// signature: the block's signature is checked by the transition, so a
// sidecar with the same signed header is the proposer's).
func headerMatches(w *dataWait, h interface {
	HashTreeRoot() ([32]byte, error)
}, sig [96]byte) bool {
	r, err := h.HashTreeRoot()
	return err == nil && r == w.root && sig == w.signature
}

func (p *Pipeline) fileFetchedBlobs(w *dataWait, scs []*deneb.BlobSidecar) {
	d := p.da
	ctx, err := d.kzgOnce()
	if err != nil {
		return
	}
	for _, sc := range scs {
		d.c.received.Add(1)
		if sc == nil || sc.SignedBlockHeader == nil || sc.SignedBlockHeader.Message == nil ||
			!headerMatches(w, sc.SignedBlockHeader.Message, sc.SignedBlockHeader.Signature) ||
			sidecar.VerifyBlobSidecarInclusionProof(sc) != nil || sidecar.VerifyBlobSidecarKZGProof(ctx, sc) != nil {
			d.c.rejected.Add(1)
			continue
		}
		st, err := d.tracker.AddBlob(sc)
		if err != nil {
			d.c.rejected.Add(1)
			continue
		}
		d.c.verified.Add(1)
		if st == da.Available {
			d.signal(w.root)
		}
	}
}

func (p *Pipeline) fileFetchedColumns(w *dataWait, scs []*fulu.DataColumnSidecar) {
	d := p.da
	ctx, err := d.kzgOnce()
	if err != nil {
		return
	}
	rules := sidecar.ColumnRules{Config: d.chainCfg, Custody: d.cfg.Custody}
	var good []*fulu.DataColumnSidecar
	for _, sc := range scs {
		d.c.received.Add(1)
		if sc == nil || sc.SignedBlockHeader == nil || sc.SignedBlockHeader.Message == nil ||
			!headerMatches(w, sc.SignedBlockHeader.Message, sc.SignedBlockHeader.Signature) {
			d.c.rejected.Add(1)
			continue
		}
		good = append(good, sc)
	}
	if len(good) == 0 {
		return
	}
	// One batch for all; when it fails, column by column to keep the good.
	if err := sidecar.VerifyDataColumnSidecars(ctx, rules, good); err != nil {
		kept := good[:0]
		for _, sc := range good {
			if sidecar.VerifyDataColumnSidecars(ctx, rules, []*fulu.DataColumnSidecar{sc}) == nil {
				kept = append(kept, sc)
			} else {
				d.c.rejected.Add(1)
			}
		}
		good = kept
	}
	for _, sc := range good {
		st, err := d.tracker.AddColumn(sc)
		if err != nil {
			d.c.rejected.Add(1)
			continue
		}
		d.c.verified.Add(1)
		if st == da.Available {
			d.signal(w.root)
		}
	}
	p.maybeReconstruct(w.root)
}

// reconstructs: a node that custodies at least half of the columns
// recovers the rest (fulu das-core.md, "Reconstruction and
// cross-seeding").
func (d *daState) reconstructs() bool {
	return uint64(len(d.custody))*2 >= sidecar.NumberOfColumns
}

// maybeReconstruct queues a reconstruction of root when the node
// reconstructs, holds at least half of the block's columns and misses some
// it needs. Bounded: at most MaxReconstructions queued or running, one at
// a time (each is seconds of CPU); more are dropped and counted.
func (p *Pipeline) maybeReconstruct(root Root) {
	d := p.da
	if !d.reconstructs() || d.tracker.Status(root) == da.Available || !d.tracker.CanReconstruct(root) {
		return
	}
	d.mu.Lock()
	if d.recon[root] {
		d.mu.Unlock()
		return
	}
	if len(d.recon) >= d.cfg.MaxReconstructions {
		d.mu.Unlock()
		d.c.reconDropped.Add(1)
		return
	}
	d.recon[root] = true
	d.mu.Unlock()
	p.start()
	go func() {
		defer p.end()
		defer func() {
			d.mu.Lock()
			delete(d.recon, root)
			d.mu.Unlock()
		}()
		select {
		case d.reconSem <- struct{}{}:
		case <-p.ctx.Done():
			return
		}
		defer func() { <-d.reconSem }()
		if d.tracker.Status(root) == da.Available {
			return
		}
		reconStart := time.Now()
		recovered, st, err := d.tracker.Reconstruct(root)
		if err != nil {
			d.c.reconFailed.Add(1)
			return
		}
		d.c.reconTime.Since(reconStart)
		d.c.reconstructions.Add(1)
		d.c.recovered.Add(uint64(len(recovered)))
		if st == da.Available {
			d.signal(root)
		}
		if d.cfg.OnReconstructed != nil {
			var mine []*fulu.DataColumnSidecar
			for _, sc := range recovered {
				if _, ok := slices.BinarySearch(d.custody, sc.Index); ok {
					mine = append(mine, sc)
				}
			}
			if len(mine) > 0 {
				d.cfg.OnReconstructed(mine)
			}
		}
	}()
}

// expireTracked drops held sidecars of blocks that never came (the
// tracker's bound in time); called as blocks arrive.
func (d *daState) expireTracked() { d.tracker.Expire() }
