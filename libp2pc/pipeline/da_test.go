package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// daChain is a chain of one fork (all forks at genesis) whose blocks
// carry real blobs, from testchain.
type daChain struct {
	cfg     *config.Config
	fork    forks.Fork
	genesis *state.BeaconState
	blocks  []*testchain.BlobBlock
}

type daSpec struct {
	slot   uint64
	parent int // index of the parent block, -1: genesis
	blobs  int
}

var (
	daChainsMu sync.Mutex
	daChains   = map[string]*daChain{}
)

// buildDAChain makes (once per fork and shape) the blocks of specs.
func buildDAChain(t testing.TB, f forks.Fork, specs []daSpec) *daChain {
	t.Helper()
	key := fmt.Sprint(f, specs)
	daChainsMu.Lock()
	defer daChainsMu.Unlock()
	if c := daChains[key]; c != nil {
		return c
	}
	ctx, err := kzg.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg := testchain.ForkConfig(f, testSecondsPerSlot, 12)
	g, err := testchain.ForkGenesis(cfg, testValidators, f)
	if err != nil {
		t.Fatal(err)
	}
	c := &daChain{cfg: cfg, fork: f, genesis: g}
	for i, s := range specs {
		pre := g
		if s.parent >= 0 {
			pre = c.blocks[s.parent].Post
		}
		bb, err := testchain.ProduceBlobBlock(cfg, ctx, pre, s.slot, s.blobs, uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		c.blocks = append(c.blocks, bb)
	}
	daChains[key] = c
	return c
}

// daRecorder records block verdicts and data events.
type daRecorder struct {
	mu      sync.Mutex
	final   map[Root]BlockState
	rules   map[Root]string
	data    map[Root][]EventKind
	missing map[Root][]uint64
	changed chan struct{}
}

func newDARecorder() *daRecorder {
	return &daRecorder{final: map[Root]BlockState{}, rules: map[Root]string{}, data: map[Root][]EventKind{},
		missing: map[Root][]uint64{}, changed: make(chan struct{}, 1)}
}

func (r *daRecorder) Event(e Event) {
	r.mu.Lock()
	switch e.Kind {
	case EventBlockImported:
		r.final[e.Root] = Included
	case EventBlockDropped, EventBlockInvalid:
		r.final[e.Root] = map[EventKind]BlockState{EventBlockDropped: Dropped, EventBlockInvalid: Invalid}[e.Kind]
		r.rules[e.Root] = e.Rule
	case EventDataWaiting, EventDataAvailable, EventDataUnavailable:
		r.data[e.Root] = append(r.data[e.Root], e.Kind)
		if e.Kind != EventDataAvailable {
			r.missing[e.Root] = e.Missing
		}
	}
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *daRecorder) state(root Root) (BlockState, string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.final[root]
	return s, r.rules[root], ok
}

func (r *daRecorder) dataEvents(root Root) []EventKind {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]EventKind(nil), r.data[root]...)
}

// waitFinal waits (bounded) for root's verdict.
func (r *daRecorder) waitFinal(t testing.TB, root Root, within time.Duration) (BlockState, string) {
	t.Helper()
	deadline := time.After(within)
	for {
		if s, rule, ok := r.state(root); ok {
			return s, rule
		}
		select {
		case <-r.changed:
		case <-time.After(5 * time.Millisecond):
		case <-deadline:
			t.Fatalf("block %x: no verdict within %v", root[:4], within)
		}
	}
}

// waitData waits (bounded) until root has a data event of kind.
func (r *daRecorder) waitData(t testing.TB, root Root, kind EventKind, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		for _, k := range r.dataEvents(root) {
			if k == kind {
				return
			}
		}
		select {
		case <-r.changed:
		case <-time.After(5 * time.Millisecond):
		case <-deadline:
			t.Fatalf("block %x: no %v within %v", root[:4], kind, within)
		}
	}
}

// startDAPipeline opens a store in dir anchored at c's genesis and starts
// a pipeline whose clock is past c's last slot.
func startDAPipeline(t testing.TB, c *daChain, dir string, ev Events, da DAConfig) *Pipeline {
	t.Helper()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := AnyFork{Cfg: c.cfg}
	if err := Init(st, tr, AnyState(c.genesis)); err != nil {
		t.Fatal(err)
	}
	var last uint64
	for _, b := range c.blocks {
		last = max(last, b.Slot)
	}
	now := time.Unix(int64(c.genesis.GenesisTime+(last+1)*testSecondsPerSlot), 0)
	cfg := Config{GenesisTime: c.genesis.GenesisTime, SecondsPerSlot: testSecondsPerSlot, Now: func() time.Time { return now }, DA: da}
	p, err := Start(cfg, st, tr, nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Close()
		st.Close()
	})
	return p
}

// feed hands sidecars of bb to p as gossip would (the blob or column
// indices in keep; nil: all), skipping the indices in skip.
func feed(t testing.TB, p *Pipeline, bb *testchain.BlobBlock, keep []uint64, skip ...uint64) {
	t.Helper()
	skipped := map[uint64]bool{}
	for _, i := range skip {
		skipped[i] = true
	}
	wanted := map[uint64]bool{}
	for _, i := range keep {
		wanted[i] = true
	}
	for _, sc := range bb.BlobSidecars {
		if (keep == nil || wanted[sc.Index]) && !skipped[sc.Index] {
			if err := p.AddVerifiedBlobSidecar(sc); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, sc := range bb.Columns {
		if (keep == nil || wanted[sc.Index]) && !skipped[sc.Index] {
			if err := p.AddVerifiedDataColumnSidecar(sc); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// dataIndices are what a block waits for on p: every blob, or p's
// sampling columns.
func dataIndices(p *Pipeline, bb *testchain.BlobBlock) []uint64 {
	if bb.Columns != nil {
		return p.SamplingColumns()
	}
	var out []uint64
	for i := range bb.BlobSidecars {
		out = append(out, uint64(i))
	}
	return out
}

func inForkChoice(p *Pipeline, root Root) bool {
	_, ok := p.ForkChoice().Slot(root)
	return ok
}

var daForks = []forks.Fork{forks.Deneb, forks.Electra, forks.Fulu}

// TestDAImportWaitsForSidecars: on deneb, electra and fulu chains, a block
// with blobs waits (data_waiting naming what is missing) until its last
// sidecar arrives, stays out of fork choice while one is withheld, then
// imports with its sidecars stored (all blobs; the custody columns); a
// block without blobs imports at once; its child with blobs waits for its
// own sidecars.
func TestDAImportWaitsForSidecars(t *testing.T) {
	for _, f := range daForks {
		t.Run(f.String(), func(t *testing.T) {
			c := buildDAChain(t, f, []daSpec{{1, -1, 0}, {2, 0, 2}, {3, 1, 1}})
			rec := newDARecorder()
			p := startDAPipeline(t, c, t.TempDir(), rec, DAConfig{Timeout: time.Minute})
			b1, b2, b3 := c.blocks[0], c.blocks[1], c.blocks[2]
			for _, b := range c.blocks {
				p.Submit(b.SSZ, "")
			}
			if s, rule := rec.waitFinal(t, b1.Root, 30*time.Second); s != Included {
				t.Fatalf("block without blobs: %v %s", s, rule)
			}
			rec.waitData(t, b2.Root, EventDataWaiting, 30*time.Second)
			need := dataIndices(p, b2)
			rec.mu.Lock()
			missing := fmt.Sprint(rec.missing[b2.Root])
			rec.mu.Unlock()
			if missing != fmt.Sprint(need) {
				t.Fatalf("data_waiting names %s missing, want %v", missing, need)
			}
			// All but one of what the block needs.
			withheld := need[len(need)-1]
			feed(t, p, b2, need, withheld)
			feed(t, p, b3, nil) // the child's data is there early
			time.Sleep(300 * time.Millisecond)
			if _, _, ok := rec.state(b2.Root); ok || inForkChoice(p, b2.Root) || p.Store().IsImported(b2.Root) {
				t.Fatal("block imported with a sidecar withheld")
			}
			if _, _, ok := rec.state(b3.Root); ok {
				t.Fatal("the child finished before its parent")
			}
			feed(t, p, b2, []uint64{withheld})
			if s, rule := rec.waitFinal(t, b2.Root, 30*time.Second); s != Included {
				t.Fatalf("block with its data: %v %s", s, rule)
			}
			if s, rule := rec.waitFinal(t, b3.Root, 30*time.Second); s != Included {
				t.Fatalf("child: %v %s", s, rule)
			}
			idle(t, p) // block_imported comes before the fork choice update
			if !inForkChoice(p, b3.Root) || p.Head() != b3.Root {
				t.Fatal("the child is not the head")
			}
			if got := rec.dataEvents(b2.Root); fmt.Sprint(got) != fmt.Sprint([]EventKind{EventDataWaiting, EventDataAvailable}) {
				t.Fatalf("data events %v", got)
			}
			// Stored with the block.
			stored, err := p.Store().Sidecars(b2.Root)
			if err != nil {
				t.Fatal(err)
			}
			var want []uint64
			if f >= forks.Fulu {
				want = p.CustodyColumns()
			} else {
				want = []uint64{0, 1}
			}
			if fmt.Sprint(indices(stored)) != fmt.Sprint(want) {
				t.Fatalf("stored %v, want %v", indices(stored), want)
			}
			if f >= forks.Fulu {
				var sc fulu.DataColumnSidecar
				if err := sc.UnmarshalSSZ(stored[0].SSZ); err != nil || sc.Index != want[0] || len(sc.Column) != 2 {
					t.Fatalf("stored column: %v", err)
				}
			} else {
				var sc deneb.BlobSidecar
				if err := sc.UnmarshalSSZ(stored[1].SSZ); err != nil || string(sc.Blob) != string(b2.Blobs[1]) {
					t.Fatalf("stored blob: %v", err)
				}
			}
			// Sidecars for an imported block are refused as late.
			if f >= forks.Fulu {
				if err := p.AddVerifiedDataColumnSidecar(b2.Columns[0]); !errors.Is(err, ErrSidecarLate) {
					t.Fatalf("late column: %v", err)
				}
			} else if err := p.AddVerifiedBlobSidecar(b2.BlobSidecars[0]); !errors.Is(err, ErrSidecarLate) {
				t.Fatalf("late blob: %v", err)
			}
			st := p.DAStats()
			if st.BlocksWaited < 2 || st.BlocksAvailable < 2 || st.SidecarsLate != 1 || st.Waiting != 0 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func indices(scs []store.Sidecar) []uint64 {
	var out []uint64
	for _, sc := range scs {
		out = append(out, sc.Index)
	}
	return out
}

// TestDANeverArrives: a block whose data never comes is dropped after its
// bound with a reason naming what is missing (data_unavailable, then
// BLOCK_DROPPED); its child is dropped with it; a block on another branch
// imports meanwhile.
func TestDANeverArrives(t *testing.T) {
	for _, f := range []forks.Fork{forks.Electra, forks.Fulu} {
		t.Run(f.String(), func(t *testing.T) {
			c := buildDAChain(t, f, []daSpec{{1, -1, 0}, {2, 0, 1}, {3, 1, 0}, {4, 0, 0}})
			rec := newDARecorder()
			p := startDAPipeline(t, c, t.TempDir(), rec, DAConfig{Timeout: 400 * time.Millisecond})
			for _, b := range c.blocks {
				p.Submit(b.SSZ, "")
			}
			b2, b3, other := c.blocks[1], c.blocks[2], c.blocks[3]
			if s, _ := rec.waitFinal(t, other.Root, 30*time.Second); s != Included {
				t.Fatal("the other branch stalled")
			}
			s, rule := rec.waitFinal(t, b2.Root, 30*time.Second)
			if s != Dropped || !strings.Contains(rule, "data unavailable") {
				t.Fatalf("block without its data: %v %q", s, rule)
			}
			if s, rule := rec.waitFinal(t, b3.Root, 30*time.Second); s != Dropped || !strings.Contains(rule, "data unavailable") {
				t.Fatalf("child: %v %q", s, rule)
			}
			if got := rec.dataEvents(b2.Root); fmt.Sprint(got) != fmt.Sprint([]EventKind{EventDataWaiting, EventDataUnavailable}) {
				t.Fatalf("data events %v", got)
			}
			if p.Store().HasBlock(b2.Root) || inForkChoice(p, b2.Root) {
				t.Fatal("the dropped block is kept")
			}
			idle(t, p)
			if st := p.DAStats(); st.BlocksUnavailable != 1 || st.Waiting != 0 {
				t.Fatalf("stats %+v", st)
			}
			// Its sidecars arriving now are late.
			if f >= forks.Fulu {
				if err := p.AddVerifiedDataColumnSidecar(b2.Columns[0]); !errors.Is(err, ErrSidecarLate) {
					t.Fatalf("late column: %v", err)
				}
			}
		})
	}
}

// storeFetcher serves sidecars from another pipeline's store (the network
// side's by_root request, in memory). corruptFirst: the first answer has a
// bad KZG proof in its first sidecar.
type storeFetcher struct {
	st           *store.Store
	corruptFirst atomic.Bool
	calls        atomic.Int32
}

func (f *storeFetcher) FetchBlobSidecars(ctx context.Context, root Root, slot uint64, idx []uint64) ([]*deneb.BlobSidecar, error) {
	f.calls.Add(1)
	stored, err := f.st.SidecarsByIndex(root, store.BlobSidecarKind, idx)
	if err != nil {
		return nil, err
	}
	var out []*deneb.BlobSidecar
	for i, s := range stored {
		sc := new(deneb.BlobSidecar)
		if err := sc.UnmarshalSSZ(s.SSZ); err != nil {
			return nil, err
		}
		if i == 0 && f.corruptFirst.CompareAndSwap(true, false) {
			sc.KZGProof = sc.KZGCommitment // a valid point, the wrong proof
		}
		out = append(out, sc)
	}
	return out, nil
}

func (f *storeFetcher) FetchDataColumnSidecars(ctx context.Context, root Root, slot uint64, cols []uint64) ([]*fulu.DataColumnSidecar, error) {
	f.calls.Add(1)
	stored, err := f.st.SidecarsByIndex(root, store.DataColumnSidecarKind, cols)
	if err != nil {
		return nil, err
	}
	var out []*fulu.DataColumnSidecar
	for i, s := range stored {
		sc := new(fulu.DataColumnSidecar)
		if err := sc.UnmarshalSSZ(s.SSZ); err != nil {
			return nil, err
		}
		if i == 0 && f.corruptFirst.CompareAndSwap(true, false) {
			sc.KZGProofs[0] = sc.KZGCommitments[0]
		}
		out = append(out, sc)
	}
	return out, nil
}

// TestDAFetchFromPeer: withheld sidecars are fetched through the
// SidecarFetcher from a second pipeline's store (a supernode that got all
// of them); a corrupted answer is rejected and counted, the retry imports.
func TestDAFetchFromPeer(t *testing.T) {
	for _, f := range []forks.Fork{forks.Deneb, forks.Fulu} {
		t.Run(f.String(), func(t *testing.T) {
			c := buildDAChain(t, f, []daSpec{{1, -1, 0}, {2, 0, 2}, {3, 1, 1}})
			srcRec := newDARecorder()
			src := startDAPipeline(t, c, t.TempDir(), srcRec, DAConfig{CustodyGroupCount: 128, Timeout: time.Minute})
			for _, b := range c.blocks {
				feed(t, src, b, nil)
				src.Submit(b.SSZ, "")
			}
			if s, rule := srcRec.waitFinal(t, c.blocks[2].Root, 60*time.Second); s != Included {
				t.Fatalf("source: %v %s", s, rule)
			}
			fetcher := &storeFetcher{st: src.Store()}
			fetcher.corruptFirst.Store(true)
			rec := newDARecorder()
			p := startDAPipeline(t, c, t.TempDir(), rec, DAConfig{Timeout: time.Minute, Fetcher: fetcher,
				FetchDelay: 20 * time.Millisecond, FetchRetry: 50 * time.Millisecond})
			b2 := c.blocks[1]
			feed(t, p, b2, dataIndices(p, b2)[:1]) // one sidecar by gossip
			for _, b := range c.blocks {
				p.Submit(b.SSZ, "")
			}
			for _, b := range c.blocks {
				if s, rule := rec.waitFinal(t, b.Root, 60*time.Second); s != Included {
					t.Fatalf("slot %d: %v %s", b.Slot, s, rule)
				}
			}
			st := p.DAStats()
			for _, b := range c.blocks {
				t.Logf("slot %d: %d blobs, data events %v", b.Slot, len(b.Blobs), rec.dataEvents(b.Root))
			}
			if st.SidecarsRejected != 1 || st.FetchRequests < 3 || fetcher.calls.Load() < 3 || st.SidecarsRequested == 0 {
				t.Fatalf("stats %+v, fetcher calls %d", st, fetcher.calls.Load())
			}
			if got, _ := p.Store().Sidecars(b2.Root); len(got) == 0 {
				t.Fatal("fetched sidecars not stored")
			}
		})
	}
}

// TestDASupernodeReconstructs: a supernode given 64 of a fulu block's 128
// columns recovers the other 64, hands them to OnReconstructed (to
// publish), imports the block and stores all 128.
func TestDASupernodeReconstructs(t *testing.T) {
	c := buildDAChain(t, forks.Fulu, []daSpec{{1, -1, 2}})
	var mu sync.Mutex
	var published []uint64
	rec := newDARecorder()
	p := startDAPipeline(t, c, t.TempDir(), rec, DAConfig{CustodyGroupCount: 128, Timeout: time.Minute,
		OnReconstructed: func(scs []*fulu.DataColumnSidecar) {
			mu.Lock()
			defer mu.Unlock()
			for _, sc := range scs {
				published = append(published, sc.Index)
			}
		}})
	b := c.blocks[0]
	var half []uint64
	for i := uint64(1); i < 128; i += 2 { // the odd columns
		half = append(half, i)
	}
	p.Submit(b.SSZ, "")
	rec.waitData(t, b.Root, EventDataWaiting, 30*time.Second)
	feed(t, p, b, half)
	if s, rule := rec.waitFinal(t, b.Root, 120*time.Second); s != Included {
		t.Fatalf("%v %s", s, rule)
	}
	mu.Lock()
	n := len(published)
	mu.Unlock()
	if n != 64 {
		t.Fatalf("published %d recovered columns, want 64", n)
	}
	stored, err := p.Store().Sidecars(b.Root)
	if err != nil || len(stored) != 128 {
		t.Fatalf("stored %d columns, %v", len(stored), err)
	}
	// A recovered column is the proposer's.
	var sc fulu.DataColumnSidecar
	if err := sc.UnmarshalSSZ(stored[4].SSZ); err != nil {
		t.Fatal(err)
	}
	want := b.Columns[4]
	if sc.Index != 4 || string(sc.Column[1]) != string(want.Column[1]) || sc.KZGProofs[0] != want.KZGProofs[0] {
		t.Fatal("recovered column differs from the original")
	}
	if st := p.DAStats(); st.Reconstructions != 1 || st.ColumnsRecovered != 64 {
		t.Fatalf("stats %+v", st)
	}
	// The reconstruction was timed, in the bucket its time falls in.
	h := p.ReconstructionTime()
	if h.Count != 1 || h.SumSeconds <= 0 || len(h.Bounds) != len(ReconstructionBuckets) {
		t.Fatalf("reconstruction time %+v", h)
	}
	for i, bound := range h.Bounds {
		want := uint64(0)
		if h.SumSeconds <= bound {
			want = 1
		}
		if h.Cumulative[i] != want {
			t.Fatalf("reconstruction of %vs: bucket <= %v counts %d", h.SumSeconds, bound, h.Cumulative[i])
		}
	}
}

// TestDARestartKeepsSidecars: blocks imported with their sidecars, the
// pipeline and store closed in the middle of the chain and reopened: the
// acknowledged (imported) blocks' sidecars are there, the chain goes on;
// retention then prunes below its window and moves the earliest slot.
func TestDARestartKeepsSidecars(t *testing.T) {
	for _, f := range []forks.Fork{forks.Electra, forks.Fulu} {
		t.Run(f.String(), func(t *testing.T) {
			c := buildDAChain(t, f, []daSpec{{1, -1, 1}, {2, 0, 1}, {3, 1, 1}})
			dir := t.TempDir()
			st, err := store.Open(dir, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			tr := AnyFork{Cfg: c.cfg}
			if err := Init(st, tr, AnyState(c.genesis)); err != nil {
				t.Fatal(err)
			}
			var nowUnix atomic.Int64
			nowUnix.Store(int64(c.genesis.GenesisTime + 4*testSecondsPerSlot))
			cfg := Config{GenesisTime: c.genesis.GenesisTime, SecondsPerSlot: testSecondsPerSlot,
				Now: func() time.Time { return time.Unix(nowUnix.Load(), 0) }, DA: DAConfig{Timeout: time.Minute, RetentionEpochs: 1}}
			rec := newDARecorder()
			p, err := Start(cfg, st, tr, nil, rec)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range c.blocks[:2] {
				feed(t, p, b, nil)
				p.Submit(b.SSZ, "")
			}
			if s, rule := rec.waitFinal(t, c.blocks[1].Root, 60*time.Second); s != Included {
				t.Fatalf("%v %s", s, rule)
			}
			before, _ := st.Sidecars(c.blocks[1].Root)
			p.Close()
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}

			st, err = store.Open(dir, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			rec = newDARecorder()
			p, err = Start(cfg, st, tr, nil, rec)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			for _, b := range c.blocks[:2] {
				got, err := st.Sidecars(b.Root)
				if err != nil || len(got) == 0 || len(got) != len(before) {
					t.Fatalf("after reopen: %d sidecars of slot %d (%d before), %v", len(got), b.Slot, len(before), err)
				}
			}
			b3 := c.blocks[2]
			feed(t, p, b3, nil)
			p.Submit(b3.SSZ, "")
			if s, rule := rec.waitFinal(t, b3.Root, 60*time.Second); s != Included {
				t.Fatalf("after restart: %v %s", s, rule)
			}
			idle(t, p)
			if p.Head() != b3.Root {
				t.Fatal("head")
			}
			// Three epochs later, with a one-epoch window: everything goes.
			nowUnix.Store(int64(c.genesis.GenesisTime + (3*config.SlotsPerEpoch+1)*testSecondsPerSlot))
			p.PruneSidecars()
			for _, b := range c.blocks {
				if got, _ := st.Sidecars(b.Root); len(got) != 0 {
					t.Fatalf("slot %d: sidecars kept beyond retention", b.Slot)
				}
			}
			if e := st.EarliestSidecarSlot(); e != 2*config.SlotsPerEpoch {
				t.Fatalf("earliest sidecar slot %d", e)
			}
			if p.DAStats().Pruned != 3 {
				t.Fatalf("pruned %d", p.DAStats().Pruned)
			}
		})
	}
}

// TestDAWaitingBound: at most MaxWaiting blocks wait for data; one more is
// dropped at once with its reason and counted, and the waiting one still
// imports when its data comes.
func TestDAWaitingBound(t *testing.T) {
	c := buildDAChain(t, forks.Electra, []daSpec{{1, -1, 1}, {2, -1, 1}})
	rec := newDARecorder()
	p := startDAPipeline(t, c, t.TempDir(), rec, DAConfig{Timeout: time.Minute, MaxWaiting: 1})
	first, second := c.blocks[0], c.blocks[1]
	p.Submit(first.SSZ, "")
	rec.waitData(t, first.Root, EventDataWaiting, 30*time.Second)
	p.Submit(second.SSZ, "")
	if s, rule := rec.waitFinal(t, second.Root, 30*time.Second); s != Dropped || !strings.Contains(rule, "too many blocks waiting for data") {
		t.Fatalf("second waiting block: %v %q", s, rule)
	}
	feed(t, p, first, nil)
	if s, rule := rec.waitFinal(t, first.Root, 30*time.Second); s != Included {
		t.Fatalf("first: %v %s", s, rule)
	}
	if st := p.DAStats(); st.DroppedWaitingFull != 1 || st.Waiting != 0 {
		t.Fatalf("stats %+v", st)
	}
}
