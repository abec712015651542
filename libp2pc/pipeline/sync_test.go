package pipeline

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
)

// anyFetcher serves an anyChain's blocks by root and by range.
type anyFetcher struct {
	byRoot map[Root][]byte
	bySlot map[uint64][]byte
}

func newAnyFetcher(blocks []anyBlockRec) *anyFetcher {
	f := &anyFetcher{byRoot: map[Root][]byte{}, bySlot: map[uint64][]byte{}}
	for _, b := range blocks {
		f.byRoot[b.root], f.bySlot[b.slot] = b.ssz, b.ssz
	}
	return f
}

func (f *anyFetcher) BlocksByRoot(ctx context.Context, peer string, roots []Root) ([][]byte, error) {
	var out [][]byte
	for _, r := range roots {
		if b, ok := f.byRoot[r]; ok {
			out = append(out, b)
		}
	}
	return out, nil
}

func (f *anyFetcher) BlocksByRange(ctx context.Context, peer string, start, count uint64) ([][]byte, error) {
	var out [][]byte
	for s := start; s < start+count; s++ {
		if b, ok := f.bySlot[s]; ok {
			out = append(out, b)
		}
	}
	return out, nil
}

// importCounter counts block_imported events per root.
type importCounter struct {
	mu        sync.Mutex
	imported  map[Root]int
	finalized Checkpoint
}

func (c *importCounter) Event(e Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch e.Kind {
	case EventBlockImported:
		c.imported[e.Root]++
	case EventFinalized:
		c.finalized = e.Checkpoint
	}
}

// TestConcurrentCopiesImportedOnce: every block of a chain that finalizes
// reaches the pipeline three times at once — gossip (Submit), a direct
// Import and range sync — while the first copies to arrive are children
// (so parents are downloaded too). Each block is transitioned, stored and
// reported exactly once, finalization pruning keeps the whole chain, and
// the head is the tip. (Regression: blocks stored child-first were not
// linked to their parent in the store's fork tree, so finalization pruned
// imported blocks as if they had left the finalized chain, and the next
// copy to arrive imported them again.)
func TestConcurrentCopiesImportedOnce(t *testing.T) {
	c := newAnyChain(t)
	spe := uint64(config.SlotsPerEpoch)
	last := 5*spe + 2
	blocks := c.build(last)
	counter := &importCounter{imported: map[Root]int{}}
	st := c.pipelineWith(t, last+1, newAnyFetcher(blocks), counter)
	p := st

	var wg sync.WaitGroup
	// Range sync over the whole chain in batches smaller than an epoch.
	wg.Add(1)
	go func() {
		defer wg.Done()
		rs := RangeSync{P: p, F: newAnyFetcher(blocks), BatchSize: spe/2 + 1}
		if _, err := rs.Sync(context.Background(), []string{"peer"}, 1, last+1); err != nil {
			t.Error(err)
		}
	}()
	// Gossip and direct imports, newest first: children before parents.
	for i := len(blocks) - 1; i >= 0; i-- {
		b := blocks[i]
		p.Submit(b.ssz, "peer")
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Import(b.ssz, "peer")
		}()
	}
	wg.Wait()
	idle(t, p)
	// Late copies (gossip duplicates, another range sync) after
	// finalization changed the store: all of them are duplicates.
	for _, b := range blocks {
		if res := p.Import(b.ssz, "peer"); !res.Dup {
			t.Errorf("late copy of slot %d: %v %s, want a duplicate", b.slot, res.State, res.Rule)
		}
	}
	rs := RangeSync{P: p, F: newAnyFetcher(blocks), BatchSize: spe}
	if res, err := rs.Sync(context.Background(), []string{"peer"}, 1, last+1); err != nil || res.Duplicates != len(blocks) {
		t.Errorf("second range sync: %+v %v", res, err)
	}
	idle(t, p)

	counter.mu.Lock()
	defer counter.mu.Unlock()
	for _, b := range blocks {
		if n := counter.imported[b.root]; n != 1 {
			t.Errorf("slot %d imported %d times", b.slot, n)
		}
		if !p.st.IsImported(b.root) {
			t.Errorf("slot %d not in the store as imported", b.slot)
		}
	}
	if s := p.Stats(); s.Imported != uint64(len(blocks)) || s.Invalid != 0 {
		t.Errorf("stats: %+v", s)
	}
	if counter.finalized.Epoch < 2 {
		t.Errorf("finalized %+v: the chain should finalize", counter.finalized)
	}
	if h := p.Head(); h != blocks[len(blocks)-1].root {
		t.Errorf("head %x, want the tip", h[:4])
	}
	if err := p.st.Check(); err != nil {
		t.Error(err)
	}
}

// TestRangeSyncAcrossFinalization: range sync in batches of one epoch
// over a chain that finalizes while it is synced imports every block
// (regression: the first batch boundary after finality lost its parent).
func TestRangeSyncAcrossFinalization(t *testing.T) {
	c := newAnyChain(t)
	spe := uint64(config.SlotsPerEpoch)
	last := 6 * spe
	blocks := c.build(last)
	counter := &importCounter{imported: map[Root]int{}}
	f := newAnyFetcher(blocks)
	p := c.pipelineWith(t, last+1, f, counter)
	rs := RangeSync{P: p, F: f, BatchSize: spe}
	res, err := rs.Sync(context.Background(), []string{"peer"}, 1, last+1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != len(blocks) || res.Batches != int(last/spe) || res.Dropped != 0 {
		t.Fatalf("range sync: %+v", res)
	}
	if h := p.Head(); h != blocks[len(blocks)-1].root {
		t.Errorf("head %x, want the tip", h[:4])
	}
	counter.mu.Lock()
	fin := counter.finalized
	counter.mu.Unlock()
	if fin.Epoch < 3 {
		t.Errorf("finalized %+v", fin)
	}
}

// TestDroppedReasonNamesCauseOnce: when a parent cannot be obtained, every
// descendant waiting for it is dropped with a reason that names the cause
// once (not nested one level per block).
func TestDroppedReasonNamesCauseOnce(t *testing.T) {
	c := newAnyChain(t)
	blocks := c.build(8)
	rec := newRecorder()
	// A fetcher that knows none of the blocks: slot 1 is never obtained.
	p := c.pipelineWith(t, 9, newAnyFetcher(nil), rec)
	p.cfg.Peers = func() []string { return []string{"peer"} }
	for _, b := range blocks[1:] {
		p.Submit(b.ssz, "peer")
	}
	idle(t, p)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, b := range blocks[1:] {
		rule := rec.rules[b.root]
		if rec.final[b.root] != Dropped {
			t.Fatalf("slot %d: %v %q", b.slot, rec.final[b.root], rule)
		}
		if strings.Count(rule, "unavailable") != 1 || !strings.Contains(rule, "block not served") {
			t.Errorf("slot %d: reason %q", b.slot, rule)
		}
	}
}

// TestSubmitBurstInOrder: a chain handed over all at once, parents first
// (a host submitting blocks it has, a burst of gossip), imports without a
// single parent download: Submit registers each block before it returns,
// so a child submitted next waits for its parent. (Regression: the child's
// goroutine could look for its parent before the parent's had registered,
// and with no peer to download from it was dropped.)
func TestSubmitBurstInOrder(t *testing.T) {
	c := newAnyChain(t)
	spe := uint64(config.SlotsPerEpoch)
	blocks := c.build(3 * spe)
	counter := &importCounter{imported: map[Root]int{}}
	p := c.pipelineWith(t, 3*spe+1, nil, counter)
	for _, b := range blocks {
		p.Submit(b.ssz, "")
	}
	idle(t, p)
	s := p.Stats()
	if s.Imported != uint64(len(blocks)) || s.Downloads != 0 || s.Dropped != 0 {
		t.Fatalf("stats %+v", s)
	}
	if h := p.Head(); h != blocks[len(blocks)-1].root {
		t.Errorf("head %x, want the tip", h[:4])
	}
}

// limitedFetcher refuses every other by-range request as rate limited.
type limitedFetcher struct {
	*anyFetcher
	mu    sync.Mutex
	calls int
}

func (f *limitedFetcher) BlocksByRange(ctx context.Context, peer string, start, count uint64) ([][]byte, error) {
	f.mu.Lock()
	f.calls++
	refuse := f.calls%2 == 1
	f.mu.Unlock()
	if refuse {
		return nil, fmt.Errorf("%w: error 1: \"rate limited\"", ErrRateLimited)
	}
	return f.anyFetcher.BlocksByRange(ctx, peer, start, count)
}

// TestRangeSyncRateLimited: a single peer that answers "rate limited" to
// every other request is asked again after a wait; the sync completes
// (regression: the first refusal ended the sync).
func TestRangeSyncRateLimited(t *testing.T) {
	c := newAnyChain(t)
	spe := uint64(config.SlotsPerEpoch)
	blocks := c.build(2 * spe)
	f := &limitedFetcher{anyFetcher: newAnyFetcher(blocks)}
	p := c.pipelineWith(t, 2*spe+1, f, nil)
	rs := RangeSync{P: p, F: f, BatchSize: spe}
	res, err := rs.Sync(context.Background(), []string{"peer"}, 1, 2*spe+1)
	if err != nil || res.Imported != len(blocks) || res.RateLimited != 2 || res.PeerFailures != 0 {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestPacer(t *testing.T) {
	now := time.Unix(1000, 0)
	pc := &Pacer{Rate: 5, Burst: 10, Period: time.Second, MaxPeers: 2, now: func() time.Time { return now }}
	if d := pc.reserve("a", 8); d != 0 {
		t.Fatalf("first 8 blocks wait %v", d)
	}
	d := pc.reserve("a", 8) // 16 > 10: 6 blocks too many at 5/s
	if d < 1200*time.Millisecond || d > 1210*time.Millisecond {
		t.Fatalf("wait %v, want 1.2 s", d)
	}
	if d := pc.reserve("b", 8); d != 0 { // another peer has its own budget
		t.Fatalf("peer b waits %v", d)
	}
	now = now.Add(d)
	if d := pc.reserve("a", 8); d != 0 {
		t.Fatalf("after the wait: %v", d)
	}
	pc.reserve("c", 1) // a third peer: the oldest is forgotten
	if len(pc.level) != 2 {
		t.Fatalf("%d peers kept", len(pc.level))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := pc.Wait(ctx, "a", 10); err == nil {
		t.Fatal("Wait on a full bucket with a cancelled context returned nil")
	}
}
