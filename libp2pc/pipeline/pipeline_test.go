package pipeline

import (
	"context"
	"math/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

var (
	scenarioOnce sync.Once
	scenarioBd   *builder
)

// forkScenario: a main chain of two epochs with attestations, two forks,
// a block with a bad state root, a block with a bad signature with two
// descendants, and a block naming an invalid parent.
func forkScenario(t *testing.T) *builder {
	scenarioOnce.Do(func() {
		bd := newBuilder(t)
		main := bd.chain(bd.gRoot, 1, 16, 1)
		forkA := bd.chain(main[3], 6, 12, 1)
		bd.chain(main[7], 10, 14, 1)
		bad := bd.badStateRoot(main[5], 9)
		bs := bd.badSignature(forkA[1], 9)
		c := bd.extend(bs, 10, 1)
		bd.extend(c, 11, 1)
		// A block naming the bad-state-root block as parent.
		pre := bd.states[main[5]]
		sb, err := testchain.ProduceBlock(bd.cfg, pre, 11, 0)
		if err != nil {
			t.Fatal(err)
		}
		sb.Message.ParentRoot = bad
		if err := testchain.Resign(pre, sb); err != nil {
			t.Fatal(err)
		}
		bd.add(sb, true, nil)
		scenarioBd = bd
	})
	if scenarioBd == nil {
		t.Fatal("scenario build failed")
	}
	return scenarioBd
}

func TestOutOfOrderMatchesSequential(t *testing.T) {
	bd := forkScenario(t)
	want := bd.sequential()
	nInvalid := 0
	for _, s := range want {
		if s == Invalid {
			nInvalid++
		}
	}
	if nInvalid != 5 {
		t.Fatalf("reference: %d invalid blocks, want 5", nInvalid)
	}
	for _, seed := range []int64{1, 2, 3} {
		t.Run("", func(t *testing.T) {
			rec := newRecorder()
			f := newMemFetcher(bd)
			f.delay = 3 * time.Millisecond
			p := newTestPipeline(t, bd, t.TempDir(), f, rec, nil)
			defer p.st.Close()
			defer p.Close()
			order := rand.New(rand.NewSource(seed)).Perm(len(bd.blocks))
			// Children before parents: reverse generation order first
			// for seed 1, random interleavings otherwise.
			if seed == 1 {
				for i := range order {
					order[i] = len(order) - 1 - i
				}
			}
			for _, i := range order {
				p.Submit(bd.blocks[i].ssz, "peer1")
			}
			idle(t, p)
			got := rec.snapshot()
			for _, r := range sortedRoots(want) {
				if got[r] != want[r] {
					t.Errorf("block %x slot %d: %v (%s), sequential import says %v", r[:4], bd.byRoot[r].slot, got[r], rec.rules[r], want[r])
				}
				if want[r] == Included && !p.st.HasState(r) {
					t.Errorf("block %x: included but no state stored", r[:4])
				}
				if want[r] == Invalid && p.st.HasBlock(r) {
					t.Errorf("invalid block %x left in the store", r[:4])
				}
			}
			if rec.dupFinal != 0 {
				t.Errorf("%d blocks reached a final state twice", rec.dupFinal)
			}
			if err := p.st.Check(); err != nil {
				t.Error(err)
			}
			// Every included block went New -> ... -> StateChild -> Included.
			for r, s := range want {
				if s != Included {
					continue
				}
				seq := rec.states[r]
				if len(seq) < 4 || seq[0] != New || seq[len(seq)-1] != Included || seq[len(seq)-2] != StateChild {
					t.Errorf("block %x: states %v", r[:4], seq)
				}
			}
			head, _ := p.fc.Head()
			if p.Head() != head || p.st.Head() != head {
				t.Errorf("head mismatch")
			}
			st := p.Stats()
			t.Logf("stats %+v", st)
		})
	}
}

// TestParentDownloadDedupRetry: several children of one missing parent
// cause one download, retried on other peers after a failing and a lying
// peer; all children import.
func TestParentDownloadDedupRetry(t *testing.T) {
	bd := newBuilder(t)
	x := bd.chain(bd.gRoot, 1, 2, 0)
	var kids []Root
	for s := uint64(3); s <= 6; s++ {
		kids = append(kids, bd.extend(x[1], s, 0))
	}
	f := newMemFetcher(bd)
	f.delay = 200 * time.Millisecond // all children arrive during the download
	f.fail["bad1"] = true
	f.wrong["bad2"] = true
	rec := newRecorder()
	p := newTestPipeline(t, bd, t.TempDir(), f, rec, func(c *Config) {
		c.Peers = func() []string { return []string{"bad2", "good"} }
	})
	defer p.st.Close()
	defer p.Close()
	if r := p.Import(bd.byRoot[x[0]].ssz, ""); r.State != Included {
		t.Fatalf("block 1: %+v", r)
	}
	for _, k := range kids {
		p.Submit(bd.byRoot[k].ssz, "bad1")
	}
	idle(t, p)
	got := rec.snapshot()
	for _, r := range append(kids, x[1]) {
		if got[r] != Included {
			t.Errorf("block %x: %v (%s)", r[:4], got[r], rec.rules[r])
		}
	}
	st := p.Stats()
	f.mu.Lock()
	calls := f.calls[x[1]]
	peers := map[string]int{}
	for k, v := range f.byPeer {
		peers[k] = v
	}
	f.mu.Unlock()
	if st.Downloads != 1 || calls != 3 || st.DownloadRetries != 2 || st.DownloadsDeduped < 3 {
		t.Errorf("downloads %d, requests for the parent %d (by peer %v), retries %d, deduped %d",
			st.Downloads, calls, peers, st.DownloadRetries, st.DownloadsDeduped)
	}
	for _, k := range kids {
		seq := rec.states[k]
		if len(seq) < 2 || seq[1] != Pending {
			t.Errorf("child %x: states %v, want New, Pending, ...", k[:4], seq)
		}
	}
}

// TestParentMissingBounds: a parent no peer has drops its children
// (counted); more orphans than MaxPending are dropped at once.
func TestParentMissingBounds(t *testing.T) {
	bd := newBuilder(t)
	x := bd.chain(bd.gRoot, 1, 1, 0)
	var kids []Root
	for s := uint64(2); s <= 5; s++ {
		kids = append(kids, bd.extend(x[0], s, 0))
	}
	f := newMemFetcher(bd)
	delete(f.blocks, x[0]) // nobody serves the parent
	f.delay = 100 * time.Millisecond
	rec := newRecorder()
	p := newTestPipeline(t, bd, t.TempDir(), f, rec, func(c *Config) {
		c.MaxPending = 2
		c.Peers = func() []string { return []string{"a", "b", "c", "d"} }
	})
	defer p.st.Close()
	defer p.Close()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timeout waiting for %s: %+v", what, p.Stats())
			}
		}
	}
	for i, k := range kids {
		p.Submit(bd.byRoot[k].ssz, "")
		if i < 2 { // fills MaxPending
			waitFor("pending", func() bool { return p.Stats().Pending == int64(i+1) })
		} else { // dropped at once
			waitFor("drop", func() bool { return p.Stats().DroppedPendingFull == uint64(i-1) })
		}
	}
	idle(t, p)
	got := rec.snapshot()
	for _, k := range kids {
		if got[k] != Dropped {
			t.Errorf("child %x: %v", k[:4], got[k])
		}
		if p.st.HasBlock(k) {
			t.Errorf("dropped child %x left in the store", k[:4])
		}
	}
	st := p.Stats()
	if st.DroppedPendingFull != 2 || st.DroppedParentMissing != 2 || st.DownloadsFailed != 1 || st.DownloadRequests != 3 {
		t.Errorf("stats %+v", st)
	}
	// The parent shows up later: a resubmitted child now imports.
	if r := p.Import(bd.byRoot[x[0]].ssz, ""); r.State != Included {
		t.Fatal(r)
	}
	if r := p.Import(bd.byRoot[kids[0]].ssz, ""); r.State != Included {
		t.Fatal(r)
	}
}

func TestGossipValidation(t *testing.T) {
	bd := newBuilder(t)
	main := bd.chain(bd.gRoot, 1, 3, 0)
	next := bd.extend(main[2], 4, 0)
	bs := bd.badSignature(main[2], 5)
	orphanParent := bd.extend(next, 5, 0)
	orphan := bd.extend(orphanParent, 6, 0)
	p := newTestPipeline(t, bd, t.TempDir(), nil, nil, nil)
	defer p.st.Close()
	defer p.Close()
	for _, r := range main {
		if res := p.Import(bd.byRoot[r].ssz, ""); res.State != Included {
			t.Fatal(res)
		}
	}
	now := time.Unix(int64(bd.genesis.GenesisTime+4*testSecondsPerSlot), 0)
	check := func(name string, ssz []byte, at time.Time, want GossipResult, reason string) {
		t.Helper()
		got, why := p.ValidateGossipBlock(ssz, at)
		if got != want || !strings.Contains(why, reason) {
			t.Errorf("%s: %v %q, want %v %q", name, got, why, want, reason)
		}
	}
	check("future", bd.byRoot[next].ssz, now.Add(-time.Second), Ignore, "future slot")
	check("within disparity", bd.byRoot[bs].ssz, now.Add(5*testSecondsPerSlot*time.Second/6-400*time.Millisecond+time.Second), Reject, "signature")
	check("valid", bd.byRoot[next].ssz, now, Accept, "")
	check("second for proposer/slot", bd.byRoot[next].ssz, now, Ignore, "already seen")
	check("unknown parent", bd.byRoot[orphan].ssz, now.Add(3*testSecondsPerSlot*time.Second), Ignore, "parent block unknown")
	check("garbage", []byte{1, 2, 3}, now, Reject, "undecodable")
	// Wrong proposer index (re-signed by the wrong key).
	sb := new(phase0.SignedBeaconBlock)
	if err := sb.UnmarshalSSZ(bd.byRoot[orphanParent].ssz); err != nil {
		t.Fatal(err)
	}
	sb.Message.ParentRoot = main[2]
	sb.Message.ProposerIndex = (sb.Message.ProposerIndex + 1) % testValidators
	if err := testchain.Resign(bd.states[main[2]], sb); err != nil {
		t.Fatal(err)
	}
	wrong, _ := sb.MarshalSSZ()
	check("wrong proposer", wrong, now.Add(testSecondsPerSlot*time.Second), Reject, "proposer index")
	// Slot not after the parent's.
	sb2 := new(phase0.SignedBeaconBlock)
	_ = sb2.UnmarshalSSZ(bd.byRoot[main[1]].ssz)
	sb2.Message.ParentRoot = main[2]
	_ = testchain.Resign(bd.states[main[2]], sb2)
	old, _ := sb2.MarshalSSZ()
	check("slot not after parent", old, now, Reject, "not after its parent")
}

func TestRangeSync(t *testing.T) {
	bd := newBuilder(t)
	main := bd.chain(bd.gRoot, 1, 20, 1)
	bd.badStateRoot(main[9], 11) // a competing invalid block in range
	f := newMemFetcher(bd)
	f.fail["down"] = true
	rec := newRecorder()
	p := newTestPipeline(t, bd, t.TempDir(), f, rec, nil)
	defer p.st.Close()
	defer p.Close()
	rs := &RangeSync{P: p, F: f, BatchSize: 6}
	res, err := rs.Sync(context.Background(), []string{"down", "up"}, 1, 21)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 20 || res.Invalid != 1 || res.Batches != 4 || res.PeerFailures == 0 {
		t.Fatalf("range sync: %+v", res)
	}
	if st := p.Stats(); st.Downloads != 0 {
		t.Errorf("range sync triggered %d parent downloads", st.Downloads)
	}
	if p.Head() != main[19] {
		t.Errorf("head is not the chain tip")
	}
	for s := uint64(1); s <= 20; s++ {
		if r, ok := p.st.CanonicalRoot(s); !ok || r != main[s-1] {
			t.Errorf("canonical slot %d", s)
		}
	}
}

// TestPrunedStateRegenerated: a fork off a block whose state was pruned
// is imported by replaying from the nearest stored ancestor state.
func TestPrunedStateRegenerated(t *testing.T) {
	bd := newBuilder(t)
	main := bd.chain(bd.gRoot, 1, 12, 0)
	fork := bd.extend(main[2], 13, 0) // child of slot 3
	testStoreOpts = store.Options{HotStateSlots: 4, PruneEvery: -1}
	defer func() { testStoreOpts = store.Options{} }()
	rec := newRecorder()
	p := newTestPipeline(t, bd, t.TempDir(), nil, rec, nil)
	defer p.st.Close()
	defer p.Close()
	for _, r := range main {
		if res := p.Import(bd.byRoot[r].ssz, ""); res.State != Included {
			t.Fatal(res)
		}
	}
	pruned, err := p.st.PruneStates()
	if err != nil {
		t.Fatal(err)
	}
	if pruned == 0 || p.st.HasState(main[2]) {
		t.Fatalf("state of slot 3 not pruned (%d pruned)", pruned)
	}
	if res := p.Import(bd.byRoot[fork].ssz, ""); res.State != Included {
		t.Fatal(res)
	}
	if !p.st.HasState(main[2]) {
		t.Error("regenerated state not stored back")
	}
	if err := p.st.Check(); err != nil {
		t.Error(err)
	}
}

// TestFinalityAndPruning: five epochs with full attestations finalize;
// the events report it, the store prunes a fork that conflicts with
// finality, and a late block on that fork is refused.
func TestFinalityAndPruning(t *testing.T) {
	bd := newBuilder(t)
	spe := uint64(slotsPerEpoch)
	main := bd.chain(bd.gRoot, 1, 5*spe, 1)
	early := bd.extend(main[1], 4, 0)    // fork at slot 4 off slot 2
	late := bd.extend(early, 5*spe+1, 0) // extends that fork after finality
	rec := newRecorder()
	p := newTestPipeline(t, bd, t.TempDir(), nil, rec, nil)
	defer p.st.Close()
	defer p.Close()
	for i, r := range main {
		if res := p.Import(bd.byRoot[r].ssz, ""); res.State != Included {
			t.Fatalf("slot %d: %+v", bd.byRoot[r].slot, res)
		}
		if i == 3 {
			if res := p.Import(bd.byRoot[early].ssz, ""); res.State != Included {
				t.Fatal(res)
			}
		}
	}
	rec.mu.Lock()
	finals := append([]Checkpoint(nil), rec.finals...)
	nheads := len(rec.heads)
	rec.mu.Unlock()
	if len(finals) == 0 {
		t.Fatal("no finalized_checkpoint event")
	}
	fin := finals[len(finals)-1]
	_, sf := p.st.Checkpoints()
	if sf != fin || fin.Epoch < 2 {
		t.Fatalf("finalized %+v, store %+v", fin, sf)
	}
	if nheads < len(main) {
		t.Errorf("%d head_changed events for %d imports", nheads, len(main))
	}
	if p.st.HasBlock(early) {
		t.Error("fork conflicting with finality not pruned")
	}
	res := p.Import(bd.byRoot[late].ssz, "")
	if res.State == Included {
		t.Fatal("block on a finalized-out fork imported")
	}
	if g, why := p.ValidateGossipBlock(bd.byRoot[early].ssz, time.Unix(int64((5*spe+1)*testSecondsPerSlot), 0)); g != Ignore {
		t.Errorf("gossip of a finalized-out block: %v %s", g, why)
	}
	if err := p.st.Check(); err != nil {
		t.Error(err)
	}
	t.Logf("finalized epoch %d; late fork block: %v (%s); store %+v", fin.Epoch, res.State, res.Rule, p.st.Stats())
}

func TestChanEventsBounded(t *testing.T) {
	c := NewChanEvents(2)
	for i := 0; i < 5; i++ {
		c.Event(Event{Kind: EventBlockImported})
	}
	c.Event(Event{Kind: EventBlockState}) // not wanted: not counted
	if len(c.C) != 2 || c.Dropped() != 3 {
		t.Fatalf("len %d dropped %d", len(c.C), c.Dropped())
	}
}
