//go:build minimal

package chainsvc

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/internal/phase0transition"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/pipeline"
	"github.com/libp2pc/libp2pc/libp2pc/status"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// TestChainRangeSyncManyBatches: node B range-syncs a chain of five epochs
// that justifies and finalizes from node A in batches of one epoch (five
// batches, finality advancing in the middle of the sync). Every block is
// imported exactly once on each node, nothing is dropped, and B ends on A's
// head and finalized checkpoint. (Regression: B stopped at the first batch
// boundary after finality: "parent state: no state for X", X just imported.)
func TestChainRangeSyncManyBatches(t *testing.T) {
	spe := uint64(config.SlotsPerEpoch)
	nBlocks := 5 * spe
	g, err := testchain.Genesis(64)
	if err != nil {
		t.Fatal(err)
	}
	genesisSSZ, err := g.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	ccfg := testchain.Config()
	ccfg.SecondsPerSlot = 1
	ec := testEth2Config(time.Now().Add(-time.Duration(nBlocks+5)*time.Second), config.FarFutureEpoch, config.FarFutureEpoch)
	blocks, roots := phase0Chain(t, ccfg, g, nBlocks)

	a, ra := startEth2Node(t, ec, nil)
	b, rb := startEth2Node(t, ec, nil)
	for _, x := range []struct {
		n *node.Node
		r *recorder
	}{{a, ra}, {b, rb}} {
		req, err := Start(x.n, ChainConfig{DataDir: t.TempDir(), AnchorState: genesisSSZ, Consensus: ccfg,
			StatusPollPeriod: -1, SyncBatch: spe})
		mustOK(t, x.r, req, err, "start chain")
	}
	for i, ssz := range blocks {
		if r := Pipeline(a).Import(ssz, ""); r.State != pipeline.Included {
			t.Fatalf("A: block %d: %+v", i+1, r)
		}
	}
	finA, _ := Finalized(a)
	if finA.Epoch < 2 {
		t.Fatalf("A finalized %+v: the chain should finalize", finA)
	}

	connectPair(t, b, rb, a, ra, "/tcp/")
	rb.waitFor(t, "B imports A's head by range sync", func(e events.Event) bool {
		return e.Type == events.BlockImported && bytes.Equal(e.Data[:32], roots[nBlocks-1][:])
	})
	rb.waitFor(t, "B's sync finished", func(e events.Event) bool {
		return e.Type == events.SyncProgress && e.Text == fmt.Sprintf("finished %d blocks", nBlocks)
	})
	for name, r := range map[string]*recorder{"A": ra, "B": rb} {
		count := map[[32]byte]int{}
		for _, e := range r.snapshot() {
			switch e.Type {
			case events.BlockImported:
				count[[32]byte(e.Data[:32])]++
			case events.BlockDropped, events.BlockInvalid:
				t.Errorf("%s: block at slot %d given up: %s", name, e.Code, e.Text)
			}
		}
		for i, root := range roots {
			if count[root] != 1 {
				t.Errorf("%s: block %d imported %d times", name, i+1, count[root])
			}
		}
	}
	rb.waitFor(t, "B head changed to A's head", func(e events.Event) bool {
		return e.Type == events.HeadChanged && e.Code == nBlocks
	})
	hb, slot, _ := Head(b)
	finB, _ := Finalized(b)
	if hb != roots[nBlocks-1] || slot != nBlocks || finB != finA {
		t.Fatalf("B head %x slot %d finalized %+v; A finalized %+v", hb[:4], slot, finB, finA)
	}
	c, _ := Counters(b)
	if c.SyncedBlocks != nBlocks || c.Pipeline.Imported != nBlocks || c.Pipeline.Dropped != 0 ||
		c.Pipeline.Downloads != 0 || c.SyncFailures != 0 || c.FetchRequests < 5 {
		t.Fatalf("B counters %+v", c)
	}
	t.Logf("B %+v", c)
}

// TestChainCheckpointSync: node B starts from A's finalized checkpoint,
// downloaded from a beacon-API server (the state as SSZ, the block as
// SSZ), then range-syncs the blocks after it from A and ends on A's head.
// A weak-subjectivity root that disagrees and a state of another network
// are refused with errors naming the check.
func TestChainCheckpointSync(t *testing.T) {
	spe := uint64(config.SlotsPerEpoch)
	nBlocks := 5 * spe
	g, err := testchain.Genesis(64)
	if err != nil {
		t.Fatal(err)
	}
	ccfg := testchain.Config()
	ccfg.SecondsPerSlot = 1
	ec := testEth2Config(time.Now().Add(-time.Duration(nBlocks+5)*time.Second), config.FarFutureEpoch, config.FarFutureEpoch)
	// The checkpoint state must be of the node's network: its genesis.
	ec.Schedule.GenesisValidatorsRoot = g.GenesisValidatorsRoot
	g.GenesisTime = uint64(ec.GenesisTime.Unix())
	genesisSSZ, _ := g.MarshalSSZ()
	blocks, roots := phase0Chain(t, ccfg, g, nBlocks)
	a, ra := startEth2Node(t, ec, nil)
	req, err := Start(a, ChainConfig{DataDir: t.TempDir(), AnchorState: genesisSSZ, Consensus: ccfg, StatusPollPeriod: -1})
	mustOK(t, ra, req, err, "A: start chain")
	for i, ssz := range blocks {
		if r := Pipeline(a).Import(ssz, ""); r.State != pipeline.Included {
			t.Fatalf("A: block %d: %+v", i+1, r)
		}
	}
	fin, _ := Finalized(a)
	if fin.Epoch < 2 {
		t.Fatalf("A finalized %+v", fin)
	}
	finState, err := State(a, fin.Root)
	if err != nil {
		t.Fatal(err)
	}
	finBlock, err := Block(a, fin.Root)
	if err != nil {
		t.Fatal(err)
	}
	finSlot := fin.Epoch * spe
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/eth/v2/debug/beacon/states/finalized":
			w.Write(finState)
		case fmt.Sprintf("/eth/v2/beacon/blocks/%d", finSlot):
			w.Write(finBlock)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	// Refusals, each on a fresh node: a wrong weak-subjectivity root; a
	// node of another network (its genesis validators root differs).
	// StartChain checks after it returns: each refusal is its completion's.
	refused := func(what string, n *node.Node, rec *recorder, cfg ChainConfig, text string) {
		t.Helper()
		req, err := Start(n, cfg)
		if err != nil {
			t.Fatalf("%s: the call itself failed: %v", what, err)
		}
		e := rec.waitFor(t, what, doneFor(req))
		if status.Code(e.Status) != status.InvalidArgument || !strings.Contains(e.Text, text) {
			t.Errorf("%s: completion %d %q, want INVALID_ARGUMENT containing %q", what, e.Status, e.Text, text)
		}
	}
	bad, rbad := startEth2Node(t, ec, nil)
	refused("wrong ws root", bad, rbad, ChainConfig{DataDir: t.TempDir(), Consensus: ccfg, CheckpointURL: srv.URL,
		WSCheckpoint: fmt.Sprintf("0x%x:%d", roots[0], fin.Epoch)}, "weak subjectivity")
	other := ec
	sched := *ec.Schedule
	sched.GenesisValidatorsRoot[0] ^= 1
	other.Schedule = &sched
	bad2, rbad2 := startEth2Node(t, other, nil)
	refused("other network", bad2, rbad2, ChainConfig{DataDir: t.TempDir(), Consensus: ccfg, CheckpointURL: srv.URL}, "another network")

	b, rb := startEth2Node(t, ec, nil)
	req, err = Start(b, ChainConfig{DataDir: t.TempDir(), Consensus: ccfg, CheckpointURL: srv.URL,
		WSCheckpoint: fmt.Sprintf("0x%x:%d", fin.Root, fin.Epoch), StatusPollPeriod: -1, SyncBatch: spe})
	mustOK(t, rb, req, err, "B: start chain from the checkpoint")
	rb.waitFor(t, "checkpoint anchored event", func(e events.Event) bool {
		return e.Type == events.SyncProgress && strings.HasPrefix(e.Text, fmt.Sprintf("checkpoint: anchored at epoch %d, block %x", fin.Epoch, fin.Root))
	})
	if bf, _ := Finalized(b); bf != fin {
		t.Fatalf("B's finalized %+v, want the checkpoint %+v", bf, fin)
	}
	connectPair(t, b, rb, a, ra, "/tcp/")
	rb.waitFor(t, "B imports A's head", func(e events.Event) bool {
		return e.Type == events.BlockImported && bytes.Equal(e.Data[:32], roots[nBlocks-1][:])
	})
	imported := 0
	for _, e := range rb.snapshot() {
		if e.Type == events.BlockImported {
			imported++
			if e.Code <= finSlot {
				t.Errorf("B imported slot %d, at or below the checkpoint slot %d", e.Code, finSlot)
			}
		}
	}
	if imported != int(nBlocks-finSlot) {
		t.Errorf("B imported %d blocks, want %d", imported, nBlocks-finSlot)
	}
	rb.waitFor(t, "B head changed to A's head", func(e events.Event) bool {
		return e.Type == events.HeadChanged && e.Code == nBlocks
	})
	if got, err := State(b, fin.Root); err != nil || !bytes.Equal(got, finState) {
		t.Errorf("B's anchor state differs from the checkpoint state (%v)", err)
	}

	// Backfill: the blocks behind the checkpoint, down to genesis, in
	// batches of one epoch; each slot's block is A's, byte for byte.
	rb.waitFor(t, "backfill done", func(e events.Event) bool {
		return e.Type == events.SyncProgress && strings.HasPrefix(e.Text, "backfill: done at slot 0")
	})
	st := Pipeline(b).Store()
	for slot := uint64(1); slot < finSlot; slot++ {
		r, ok := st.CanonicalRoot(slot)
		if !ok || r != roots[slot-1] {
			t.Errorf("slot %d: canonical %x %v, want %x", slot, r[:4], ok, roots[slot-1][:4])
			continue
		}
		if got, err := Block(b, r); err != nil || !bytes.Equal(got, blocks[slot-1]) {
			t.Errorf("slot %d: stored block differs (%v)", slot, err)
		}
	}
	ss, _ := SyncStatus(b)
	if !ss.BackfillDone || ss.EarliestSlot != 0 || ss.BackfilledBlocks != finSlot-1 {
		t.Errorf("sync status %+v", ss)
	}
	if err := st.Check(); err != nil {
		t.Error(err)
	}
	// B serves the backfilled history by range.
	got, err := chainFetch(a, b, 1, finSlot-1)
	if err != nil || len(got) != int(finSlot-1) || !bytes.Equal(got[0], blocks[0]) {
		t.Errorf("by range from B: %d blocks, %v", len(got), err)
	}
	bc, _ := Counters(b)
	t.Logf("B %+v", bc)
}

// chainFetch asks peer p for blocks [start, start+count) by range, with
// n's chain.
func chainFetch(n, p *node.Node, start, count uint64) ([][]byte, error) {
	c, err := chainOf(n)
	if err != nil {
		return nil, err
	}
	return c.BlocksByRange(c.ctx, p.ID().String(), start, count)
}

// TestChainBackfillResumes: a backfill interrupted after some batches (the
// store holds what store.PutBackfill wrote for them: the blocks and the
// progress, one synced write) resumes from the persisted progress when the
// node restarts on its data dir, fetches only the rest, and ends with the
// whole history equal to the peer's.
func TestChainBackfillResumes(t *testing.T) {
	spe := uint64(config.SlotsPerEpoch)
	nBlocks := 5 * spe
	g, err := testchain.Genesis(64)
	if err != nil {
		t.Fatal(err)
	}
	ccfg := testchain.Config()
	ccfg.SecondsPerSlot = 1
	ec := testEth2Config(time.Now().Add(-time.Duration(nBlocks+5)*time.Second), config.FarFutureEpoch, config.FarFutureEpoch)
	ec.Schedule.GenesisValidatorsRoot = g.GenesisValidatorsRoot
	g.GenesisTime = uint64(ec.GenesisTime.Unix())
	genesisSSZ, _ := g.MarshalSSZ()
	var blocks [][]byte
	var roots, parents [][32]byte
	pre := g
	for slot := uint64(1); slot <= nBlocks; slot++ {
		sb, err := testchain.ProduceBlock(ccfg, pre, slot, 1)
		if err != nil {
			t.Fatal(err)
		}
		post, err := phase0transition.StateTransition(ccfg, pre, sb, false, true)
		if err != nil {
			t.Fatal(err)
		}
		ssz, _ := sb.MarshalSSZ()
		root, _ := sb.Message.HashTreeRoot()
		blocks, roots, parents, pre = append(blocks, ssz), append(roots, root), append(parents, sb.Message.ParentRoot), post
	}
	a, ra := startEth2Node(t, ec, nil)
	req, err := Start(a, ChainConfig{DataDir: t.TempDir(), AnchorState: genesisSSZ, Consensus: ccfg, StatusPollPeriod: -1})
	mustOK(t, ra, req, err, "A: start chain")
	for i, ssz := range blocks {
		if r := Pipeline(a).Import(ssz, ""); r.State != pipeline.Included {
			t.Fatalf("A: block %d: %+v", i+1, r)
		}
	}
	fin, _ := Finalized(a)
	finState, _ := State(a, fin.Root)
	finBlock, _ := Block(a, fin.Root)
	finSlot := fin.Epoch * spe

	// B1: anchored at the checkpoint, no backfill; then stopped.
	dir := t.TempDir()
	b1, rb1 := startEth2Node(t, ec, nil)
	req, err = Start(b1, ChainConfig{DataDir: dir, Consensus: ccfg, CheckpointState: finState, CheckpointBlock: finBlock,
		NoBackfill: true, StatusPollPeriod: -1})
	mustOK(t, rb1, req, err, "B1: start chain from the checkpoint")
	stopAndWait(t, b1, rb1)
	// What an interrupted backfill left: its first batch, slots finSlot-4..finSlot-1.
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const done = 4
	var batch []store.BackfillBlock
	for slot := finSlot - 1; slot >= finSlot-done; slot-- {
		batch = append(batch, store.BackfillBlock{Root: roots[slot-1], Parent: parents[slot-1], Slot: slot, SSZ: blocks[slot-1]})
	}
	if err := st.PutBackfill(batch, store.BackfillProgress{OldestSlot: finSlot - done, Expect: parents[finSlot-done-1]}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// B2 on the same data dir resumes below the stored batch.
	b2, rb2 := startEth2Node(t, ec, nil)
	req, err = Start(b2, ChainConfig{DataDir: dir, Consensus: ccfg, StatusPollPeriod: -1, SyncBatch: spe})
	mustOK(t, rb2, req, err, "B2: reopen")
	connectPair(t, b2, rb2, a, ra, "/tcp/")
	rb2.waitFor(t, "backfill done", func(e events.Event) bool {
		return e.Type == events.SyncProgress && strings.HasPrefix(e.Text, "backfill: done at slot 0")
	})
	for _, e := range rb2.snapshot() {
		if e.Type == events.SyncProgress && strings.HasPrefix(e.Text, "backfill: slot") && e.Code >= finSlot-done {
			t.Errorf("B2 backfilled again above the stored progress: %s", e.Text)
		}
	}
	c, _ := Counters(b2)
	if c.Backfilled != finSlot-1-done || c.BackfillFails != 0 {
		t.Errorf("B2 counters %+v, want %d blocks backfilled", c, finSlot-1-done)
	}
	for slot := uint64(1); slot < finSlot; slot++ {
		r, ok := Pipeline(b2).Store().CanonicalRoot(slot)
		if !ok || r != roots[slot-1] {
			t.Errorf("slot %d: %x %v, want %x", slot, r[:4], ok, roots[slot-1][:4])
		}
	}
}

// phase0Chain produces blocks for slots 1..n on genesis g (one block per
// slot, each on the previous post-state): their SSZ and block roots.
func phase0Chain(t *testing.T, ccfg *config.Config, g *phase0.BeaconState, n uint64) (blocks [][]byte, roots [][32]byte) {
	t.Helper()
	pre := g
	for slot := uint64(1); slot <= n; slot++ {
		sb, err := testchain.ProduceBlock(ccfg, pre, slot, 1)
		if err != nil {
			t.Fatal(err)
		}
		post, err := phase0transition.StateTransition(ccfg, pre, sb, false, true)
		if err != nil {
			t.Fatal(err)
		}
		ssz, _ := sb.MarshalSSZ()
		root, _ := sb.Message.HashTreeRoot()
		blocks, roots, pre = append(blocks, ssz), append(roots, root), post
	}
	return blocks, roots
}
