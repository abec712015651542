//go:build minimal

package chainsvc

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
	"github.com/libp2pc/libp2pc/libp2pc/pipeline"
)

// TestChainBackfillEpochs: with BackfillEpochs N a checkpoint-anchored
// node backfills only the blocks of the last N epochs of the wall clock,
// and starts no backfill when its anchor is already within them (the
// backfill's batch bounds assumed the window reached below the anchor).
func TestChainBackfillEpochs(t *testing.T) {
	spe := uint64(config.SlotsPerEpoch)
	nBlocks := 5 * spe
	g, err := testchain.Genesis(64)
	if err != nil {
		t.Fatal(err)
	}
	ccfg := testchain.Config()
	ccfg.SecondsPerSlot = 1
	// The wall clock half an epoch past the last block (epoch 5; later
	// when producing the blocks takes long).
	ec := testEth2Config(time.Now().Add(-time.Duration(nBlocks+spe/2)*time.Second), config.FarFutureEpoch, config.FarFutureEpoch)
	ec.Schedule.GenesisValidatorsRoot = g.GenesisValidatorsRoot
	g.GenesisTime = uint64(ec.GenesisTime.Unix())
	genesisSSZ, _ := g.MarshalSSZ()
	blocks, roots := phase0Chain(t, ccfg, g, nBlocks)
	currentEpoch := func() uint64 { return uint64(time.Since(ec.GenesisTime)/time.Second) / spe }

	a, ra := startEth2Node(t, ec, nil)
	req, err := Start(a, ChainConfig{DataDir: t.TempDir(), AnchorState: genesisSSZ, Consensus: ccfg, StatusPollPeriod: -1})
	mustOK(t, ra, req, err, "A: start chain")
	for i, ssz := range blocks {
		if r := Pipeline(a).Import(ssz, ""); r.State != pipeline.Included {
			t.Fatalf("A: block %d: %+v", i+1, r)
		}
	}
	fin, _ := Finalized(a)
	if fin.Epoch < 3 {
		t.Fatalf("A finalized epoch %d: the test needs 3", fin.Epoch)
	}
	finState, _ := State(a, fin.Root)
	finBlock, _ := Block(a, fin.Root)
	finSlot := fin.Epoch * spe

	// B: the epochs since epoch 1 (or 2, if the clock moves on meanwhile),
	// from the first slot of that epoch up to the anchor.
	before := currentEpoch()
	window := before - 1
	b, rb := startEth2Node(t, ec, nil)
	req, err = Start(b, ChainConfig{DataDir: t.TempDir(), Consensus: ccfg, CheckpointState: finState, CheckpointBlock: finBlock,
		BackfillEpochs: window, StatusPollPeriod: -1, SyncBatch: spe})
	mustOK(t, rb, req, err, "B: start chain from the checkpoint")
	connectPair(t, b, rb, a, ra, "/tcp/")
	done := rb.waitFor(t, "backfill done", func(e events.Event) bool {
		return e.Type == events.SyncProgress && strings.HasPrefix(e.Text, "backfill: done at slot ")
	})
	var limit uint64
	if _, err := fmt.Sscanf(done.Text, "backfill: done at slot %d", &limit); err != nil {
		t.Fatalf("%q: %v", done.Text, err)
	}
	if limit < (before-window)*spe || limit > (currentEpoch()-window)*spe || limit%spe != 0 || limit >= finSlot {
		t.Fatalf("%q: want the first slot of epoch %d..%d, below the anchor (slot %d)", done.Text, before-window, currentEpoch()-window, finSlot)
	}
	if c, _ := Counters(b); c.Backfilled != finSlot-limit || c.BackfillFails != 0 {
		t.Errorf("B counters %+v, want %d blocks backfilled (slots %d..%d)", c, finSlot-limit, limit, finSlot-1)
	}
	st := Pipeline(b).Store()
	for slot := limit; slot < finSlot; slot++ {
		if r, ok := st.CanonicalRoot(slot); !ok || r != roots[slot-1] {
			t.Errorf("slot %d: %x %v, want %x", slot, r[:4], ok, roots[slot-1][:4])
		}
	}
	if r, ok := st.CanonicalRoot(limit - 1); ok {
		t.Errorf("slot %d below the window is stored: %x", limit-1, r[:4])
	}

	// C: the last epoch only: the window (from epoch current-1) lies above
	// the anchor, nothing to fetch.
	c, rc := startEth2Node(t, ec, nil)
	req, err = Start(c, ChainConfig{DataDir: t.TempDir(), Consensus: ccfg, CheckpointState: finState, CheckpointBlock: finBlock,
		BackfillEpochs: 1, StatusPollPeriod: -1, SyncBatch: spe})
	mustOK(t, rc, req, err, "C: start chain from the checkpoint")
	rc.waitFor(t, "backfill not needed", func(e events.Event) bool {
		return e.Type == events.SyncProgress && strings.HasPrefix(e.Text, fmt.Sprintf("backfill: not needed: slot %d is within the last 1 epochs", finSlot))
	})
	connectPair(t, c, rc, a, ra, "/tcp/")
	time.Sleep(time.Second) // a backfill would start its first batch within this
	if cc, _ := Counters(c); cc.Backfilled != 0 || cc.BackfillFails != 0 {
		t.Errorf("C backfilled: %+v", cc)
	}
}
