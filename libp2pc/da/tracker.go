// Package da tracks the data availability of blocks (consensus-specs
// fulu/fork-choice.md is_data_available, deneb's blob sidecars): per block
// root, what must be present (the sampling columns of a Fulu block, every
// blob of a Deneb/Electra block), what has been verified, and whether the
// block's data is available or has timed out. With at least half of a Fulu
// block's columns it recovers the rest (recover_cells_and_kzg_proofs).
//
// The tracker holds sidecars that the caller has already verified (see
// package da/sidecar); it checks only that each belongs to the block it is
// filed under. It is bounded in blocks and in time, and safe for concurrent
// use. Recovery runs on the caller's goroutine, outside the lock.
package da

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/da/sidecar"
)

// Status of a block's data.
type Status int

const (
	Unknown   Status = iota // not tracked (never, evicted, expired or removed)
	Pending                 // the block's requirement is known, data missing
	Available               // everything required has been verified
	Waiting                 // sidecars arrived, the block's requirement is not known yet
)

func (s Status) String() string {
	return [...]string{"unknown", "pending", "available", "waiting"}[s]
}

var (
	ErrWrongBlock       = errors.New("da: sidecar belongs to another block")
	ErrShape            = errors.New("da: sidecar does not match the block's commitments")
	ErrConflict         = errors.New("da: requirement conflicts with the tracked one")
	ErrNotEnoughColumns = errors.New("da: fewer than half of the columns to recover from")
	ErrNotFulu          = errors.New("da: block is not tracked as a Fulu block")
)

// Config bounds the tracker.
type Config struct {
	MaxBlocks int           // blocks tracked at once; the oldest is evicted (counted) beyond
	Timeout   time.Duration // a block pending longer than this times out
	Now       func() time.Time
	KZG       *kzg.Context // for recovery
}

// Stats are cumulative counters.
type Stats struct {
	Tracked, Available, TimedOut, Evicted uint64
	ColumnsAdded, BlobsAdded, Duplicates  uint64
	Reconstructions, ColumnsRecovered     uint64
}

type kind int

const (
	kindUnknown kind = iota
	kindColumns
	kindBlobs
)

type entry struct {
	root    [32]byte
	created time.Time
	kind    kind
	known   bool     // the requirement is set
	blobs   int      // commitments in the block
	need    []uint64 // required column or blob indices, sorted
	columns map[uint64]*fulu.DataColumnSidecar
	blobSCs map[uint64]*deneb.BlobSidecar
	status  Status
}

// Tracker follows the data of blocks by root.
type Tracker struct {
	cfg    Config
	mu     sync.Mutex
	blocks map[[32]byte]*entry
	order  [][32]byte // insertion order, for eviction
	stats  Stats
}

// New returns a tracker; zero Config fields take defaults (64 blocks, 32 s,
// time.Now, kzg.Default on first recovery).
func New(cfg Config) *Tracker {
	if cfg.MaxBlocks <= 0 {
		cfg.MaxBlocks = 64
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 32 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Tracker{cfg: cfg, blocks: make(map[[32]byte]*entry)}
}

// BlockRoot is hash_tree_root of a sidecar's block header.
func BlockRoot(h *phase0.SignedBeaconBlockHeader) ([32]byte, error) {
	if h == nil || h.Message == nil {
		return [32]byte{}, errors.New("da: sidecar without block header")
	}
	return h.Message.HashTreeRoot()
}

// get returns the entry of root, creating it (and evicting the oldest when
// full) if absent. Called with mu held.
func (t *Tracker) get(root [32]byte) *entry {
	if e, ok := t.blocks[root]; ok {
		return e
	}
	for len(t.blocks) >= t.cfg.MaxBlocks && len(t.order) > 0 {
		oldest := t.order[0]
		t.order = t.order[1:]
		if _, ok := t.blocks[oldest]; ok {
			delete(t.blocks, oldest)
			t.stats.Evicted++
		}
	}
	e := &entry{root: root, created: t.cfg.Now(), status: Waiting}
	t.blocks[root] = e
	t.order = append(t.order, root)
	t.stats.Tracked++
	return e
}

func (t *Tracker) update(e *entry) Status {
	if !e.known || e.status == Available {
		return e.status
	}
	for _, i := range e.need {
		if e.kind == kindColumns && e.columns[i] == nil || e.kind == kindBlobs && e.blobSCs[i] == nil {
			e.status = Pending
			return Pending
		}
	}
	e.status = Available
	t.stats.Available++
	return Available
}

// RequireColumns sets a Fulu block's requirement: its blob count and the
// columns the node must have (custody.Params.SamplingColumns). A block
// without blobs is available at once.
func (t *Tracker) RequireColumns(root [32]byte, blobCount int, columns []uint64) (Status, error) {
	for _, c := range columns {
		if c >= sidecar.NumberOfColumns {
			return Unknown, fmt.Errorf("da: column %d out of range", c)
		}
	}
	need := slices.Clone(columns)
	slices.Sort(need)
	need = slices.Compact(need)
	if blobCount == 0 {
		need = nil
	}
	return t.require(root, kindColumns, blobCount, need)
}

// RequireBlobs sets a Deneb/Electra block's requirement: all of its blobs.
func (t *Tracker) RequireBlobs(root [32]byte, blobCount int) (Status, error) {
	need := make([]uint64, blobCount)
	for i := range need {
		need[i] = uint64(i)
	}
	return t.require(root, kindBlobs, blobCount, need)
}

func (t *Tracker) require(root [32]byte, k kind, blobs int, need []uint64) (Status, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.get(root)
	if e.known {
		if e.kind != k || e.blobs != blobs || !slices.Equal(e.need, need) {
			return e.status, ErrConflict
		}
		return e.status, nil
	}
	if e.kind != kindUnknown && e.kind != k {
		return e.status, fmt.Errorf("%w: sidecars of the other kind were filed under this root", ErrConflict)
	}
	// Sidecars filed before the block arrived must match its blob count.
	for _, sc := range e.columns {
		if len(sc.KZGCommitments) != blobs {
			return e.status, fmt.Errorf("%w: a filed column has %d commitments, the block %d", ErrShape, len(sc.KZGCommitments), blobs)
		}
	}
	for i := range e.blobSCs {
		if i >= uint64(blobs) {
			return e.status, fmt.Errorf("%w: a filed blob has index %d, the block %d blobs", ErrShape, i, blobs)
		}
	}
	e.kind, e.known, e.blobs, e.need = k, true, blobs, need
	e.status = Pending
	return t.update(e), nil
}

// AddColumn files a verified data column sidecar under its block.
func (t *Tracker) AddColumn(sc *fulu.DataColumnSidecar) (Status, error) {
	root, err := BlockRoot(sc.SignedBlockHeader)
	if err != nil {
		return Unknown, err
	}
	if sc.Index >= sidecar.NumberOfColumns {
		return Unknown, fmt.Errorf("%w: column index %d", ErrShape, sc.Index)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.get(root)
	if e.kind == kindBlobs {
		return e.status, fmt.Errorf("%w: a data column for a blob-sidecar block", ErrConflict)
	}
	if e.known && len(sc.KZGCommitments) != e.blobs {
		return e.status, fmt.Errorf("%w: %d commitments, the block has %d", ErrShape, len(sc.KZGCommitments), e.blobs)
	}
	for _, other := range e.columns { // all columns of a block carry the same commitments
		if !slices.Equal(other.KZGCommitments, sc.KZGCommitments) {
			return e.status, fmt.Errorf("%w: commitments differ from another column's", ErrShape)
		}
		break
	}
	e.kind = kindColumns
	if e.columns == nil {
		e.columns = make(map[uint64]*fulu.DataColumnSidecar)
	}
	if e.columns[sc.Index] != nil {
		t.stats.Duplicates++
		return e.status, nil
	}
	e.columns[sc.Index] = sc
	t.stats.ColumnsAdded++
	return t.update(e), nil
}

// AddBlob files a verified blob sidecar under its block.
func (t *Tracker) AddBlob(sc *deneb.BlobSidecar) (Status, error) {
	root, err := BlockRoot(sc.SignedBlockHeader)
	if err != nil {
		return Unknown, err
	}
	if sc.Index >= sidecar.MaxBlobCommitmentsPerBlock {
		return Unknown, fmt.Errorf("%w: blob index %d", ErrShape, sc.Index)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.get(root)
	if e.kind == kindColumns {
		return e.status, fmt.Errorf("%w: a blob sidecar for a data-column block", ErrConflict)
	}
	if e.known && sc.Index >= uint64(e.blobs) {
		return e.status, fmt.Errorf("%w: blob index %d, the block has %d blobs", ErrShape, sc.Index, e.blobs)
	}
	e.kind = kindBlobs
	if e.blobSCs == nil {
		e.blobSCs = make(map[uint64]*deneb.BlobSidecar)
	}
	if e.blobSCs[sc.Index] != nil {
		t.stats.Duplicates++
		return e.status, nil
	}
	e.blobSCs[sc.Index] = sc
	t.stats.BlobsAdded++
	return t.update(e), nil
}

// Status of a block's data.
func (t *Tracker) Status(root [32]byte) Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.blocks[root]; ok {
		return e.status
	}
	return Unknown
}

// Missing are the required column (Fulu) or blob indices not yet verified.
func (t *Tracker) Missing(root [32]byte) []uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.blocks[root]
	if !ok {
		return nil
	}
	return e.missing()
}

func (e *entry) missing() []uint64 {
	var out []uint64
	for _, i := range e.need {
		if e.kind == kindColumns && e.columns[i] == nil || e.kind == kindBlobs && e.blobSCs[i] == nil {
			out = append(out, i)
		}
	}
	return out
}

// Columns are the data column sidecars held for root, by index.
func (t *Tracker) Columns(root [32]byte) []*fulu.DataColumnSidecar {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.blocks[root]
	if !ok {
		return nil
	}
	out := make([]*fulu.DataColumnSidecar, 0, len(e.columns))
	for _, sc := range e.columns {
		out = append(out, sc)
	}
	slices.SortFunc(out, func(a, b *fulu.DataColumnSidecar) int { return int(a.Index) - int(b.Index) })
	return out
}

// Blobs are the blob sidecars held for root, by index.
func (t *Tracker) Blobs(root [32]byte) []*deneb.BlobSidecar {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.blocks[root]
	if !ok {
		return nil
	}
	out := make([]*deneb.BlobSidecar, 0, len(e.blobSCs))
	for _, sc := range e.blobSCs {
		out = append(out, sc)
	}
	slices.SortFunc(out, func(a, b *deneb.BlobSidecar) int { return int(a.Index) - int(b.Index) })
	return out
}

// CanReconstruct: a Fulu block with at least half of its columns held and
// some required column missing.
func (t *Tracker) CanReconstruct(root [32]byte) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.blocks[root]
	return ok && e.kind == kindColumns && len(e.columns) >= sidecar.NumberOfColumns/2 && len(e.columns) < sidecar.NumberOfColumns
}

// Reconstruct recovers every column of a Fulu block from the (at least
// half) held, files them, and returns the recovered ones (those not held
// before) so the caller can publish the ones it custodies.
func (t *Tracker) Reconstruct(root [32]byte) ([]*fulu.DataColumnSidecar, Status, error) {
	t.mu.Lock()
	e, ok := t.blocks[root]
	if !ok || e.kind != kindColumns {
		t.mu.Unlock()
		return nil, Unknown, ErrNotFulu
	}
	held := make([]*fulu.DataColumnSidecar, 0, len(e.columns))
	for _, sc := range e.columns {
		held = append(held, sc)
	}
	t.mu.Unlock()
	if len(held) < sidecar.NumberOfColumns/2 {
		return nil, t.Status(root), fmt.Errorf("%w: %d held", ErrNotEnoughColumns, len(held))
	}
	if len(held) == sidecar.NumberOfColumns {
		return nil, t.Status(root), nil
	}
	slices.SortFunc(held, func(a, b *fulu.DataColumnSidecar) int { return int(a.Index) - int(b.Index) })

	ctx := t.cfg.KZG
	if ctx == nil {
		var err error
		if ctx, err = kzg.Default(); err != nil {
			return nil, t.Status(root), err
		}
	}
	first := held[0]
	blobs := len(first.KZGCommitments)
	indices := make([]uint64, len(held))
	for k, sc := range held {
		indices[k] = sc.Index
	}
	// One recovery per blob (each also recomputes the blob's 128 proofs),
	// spread over the CPUs.
	cps := make([]kzg.CellsAndProofs, blobs)
	errs := make([]error, blobs)
	parallel(blobs, func(i int) {
		cells := make([][]byte, len(held))
		for k, sc := range held {
			cells[k] = sc.Column[i]
		}
		cps[i], errs[i] = ctx.RecoverCellsAndProofs(indices, cells)
	})
	for i, err := range errs {
		if err != nil {
			return nil, t.Status(root), fmt.Errorf("da: recovering blob %d: %w", i, err)
		}
	}
	all, err := sidecar.DataColumnSidecars(first.SignedBlockHeader, first.KZGCommitments, first.KZGCommitmentsInclusionProof, cps)
	if err != nil {
		return nil, t.Status(root), err
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok = t.blocks[root]
	if !ok { // expired or evicted meanwhile
		return nil, Unknown, nil
	}
	var recovered []*fulu.DataColumnSidecar
	for _, sc := range all {
		if e.columns[sc.Index] == nil {
			e.columns[sc.Index] = sc
			recovered = append(recovered, sc)
		}
	}
	t.stats.Reconstructions++
	t.stats.ColumnsRecovered += uint64(len(recovered))
	return recovered, t.update(e), nil
}

// parallel runs f(0..n-1) on up to GOMAXPROCS goroutines.
func parallel(n int, f func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// Expired is a block whose data did not become available in time.
type Expired struct {
	Root    [32]byte
	Missing []uint64 // required indices never verified (nil if the requirement was never set)
}

// Expire drops every block tracked for longer than Timeout and reports
// those that were not available (the caller gives them up). Call it
// periodically.
func (t *Tracker) Expire() []Expired {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.cfg.Now()
	var out []Expired
	keep := t.order[:0]
	for _, root := range t.order {
		e, ok := t.blocks[root]
		if !ok {
			continue
		}
		if now.Sub(e.created) < t.cfg.Timeout {
			keep = append(keep, root)
			continue
		}
		delete(t.blocks, root)
		if e.status != Available {
			t.stats.TimedOut++
			out = append(out, Expired{Root: root, Missing: e.missing()})
		}
	}
	t.order = keep
	return out
}

// Remove stops tracking root (the block was imported or dropped).
func (t *Tracker) Remove(root [32]byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.blocks[root]; ok {
		delete(t.blocks, root)
		t.order = slices.DeleteFunc(t.order, func(r [32]byte) bool { return r == root })
	}
}

// Len is the number of blocks tracked.
func (t *Tracker) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.blocks)
}

// Stats returns the counters.
func (t *Tracker) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stats
}
