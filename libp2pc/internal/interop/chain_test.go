//go:build interop && minimal

package interop

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/node"
)

// finalityCheckpoints is /eth/v1/beacon/states/{id}/finality_checkpoints.
func finalityCheckpoints(t *testing.T, l *Lodestar, id string) (justified, finalized Checkpoint) {
	t.Helper()
	type cp struct {
		Epoch string `json:"epoch"`
		Root  string `json:"root"`
	}
	var raw struct {
		Current   cp `json:"current_justified"`
		Finalized cp `json:"finalized"`
	}
	if err := l.GetJSON("/eth/v1/beacon/states/"+id+"/finality_checkpoints", &raw); err != nil {
		t.Fatal(err)
	}
	justified.Epoch, _ = strconv.ParseUint(raw.Current.Epoch, 10, 64)
	mustHex(t, raw.Current.Root, justified.Root[:])
	finalized.Epoch, _ = strconv.ParseUint(raw.Finalized.Epoch, 10, 64)
	mustHex(t, raw.Finalized.Root, finalized.Root[:])
	return
}

// TestChainFollowsLodestar: a libp2pc node started late from the genesis
// state of a Lodestar phase0 dev chain range-syncs the blocks it missed,
// then follows gossip, importing every block with its own state
// transition. Every imported block's post-state root equals the block's
// state_root and Lodestar's; head, justified and finalized checkpoints
// equal Lodestar's after 4 epochs of following.
func TestChainFollowsLodestar(t *testing.T) {
	RequireEnv(t)
	const spe = 8 // minimal SLOTS_PER_EPOCH
	l := StartLodestar(t, LodestarOptions{Fork: Phase0, Timeout: 6 * time.Minute})
	gen := l.Genesis(t)
	yaml := l.ConfigYAML(t)
	genesisState, ver, err := l.StateSSZ("genesis")
	if err != nil {
		t.Fatal(err)
	}
	if ver != "" && ver != "phase0" {
		t.Fatalf("genesis state version %q", ver)
	}
	joinSlot := uint64(2 * spe)
	l.WaitHeadSlot(t, joinSlot, 2*time.Minute)
	cfg, err := node.Eth2ConfigFromYAML(yaml, gen.GenesisTime, gen.GenesisValidatorsRoot)
	if err != nil {
		t.Fatal(err)
	}
	g := StartGoNodeWith(t, nil, func(n *node.Node) error { return n.ConfigureEth2(cfg) })
	req, err := g.StartChain(node.ChainConfig{DataDir: t.TempDir(), AnchorState: genesisState, ConsensusConfig: yaml})
	g.MustOK(t, req, err, "start chain (beacon_block subscription)")
	joined := time.Now()
	req, err = g.Dial(l.P2PAddr(t))
	g.MustOK(t, req, err, "dial lodestar")

	// Range sync: the missed blocks arrive within a few seconds.
	g.WaitFor(t, 60*time.Second, "range-synced block at the join slot", func(e events.Event) bool {
		return e.Type == events.BlockImported && e.Code >= joinSlot
	})
	c, _ := g.ChainCounters()
	t.Logf("synced to slot >= %d in %s: %+v", joinSlot, time.Since(joined).Round(time.Millisecond), c)
	// (SyncedBlocks is counted when the sync call returns, which can be
	// after its blocks were imported: checked at the end.)

	// Follow 4 more epochs of gossip, then until finalization advanced.
	end := l.WaitHeadSlot(t, joinSlot+4*spe, 3*time.Minute)
	deadline := time.Now().Add(40 * time.Second)
	var lh Head
	var lj, lf Checkpoint
	for {
		lh, err = l.Header("head")
		if err != nil {
			t.Fatal(err)
		}
		lj, lf = finalityCheckpoints(t, l, "head")
		root, slot, err := g.ChainHead()
		if err != nil {
			t.Fatal(err)
		}
		fin, _ := g.ChainFinalized()
		just, _ := g.ChainPipeline().Store().Checkpoints()
		if root == lh.Root && slot == lh.Slot && fin.Epoch == lf.Epoch && fin.Root == lf.Root &&
			just.Epoch == lj.Epoch && just.Root == lj.Root {
			t.Logf("head slot %d %x, justified %d %x, finalized %d %x: equal to lodestar's",
				slot, root[:4], just.Epoch, just.Root[:4], fin.Epoch, fin.Root[:4])
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after lodestar head %d: ours head %d %x justified %d %x finalized %d %x; lodestar head %d %x justified %d %x finalized %d %x",
				end.Slot, slot, root[:4], just.Epoch, just.Root[:4], fin.Epoch, fin.Root[:4],
				lh.Slot, lh.Root[:4], lj.Epoch, lj.Root[:4], lf.Epoch, lf.Root[:4])
		}
		time.Sleep(500 * time.Millisecond)
	}
	if c, _ := g.ChainCounters(); c.Syncs == 0 || c.SyncedBlocks == 0 {
		t.Errorf("range sync did not bring the missed blocks: %+v", c)
	}
	if lf.Epoch < 2 || lj.Epoch < 3 {
		t.Errorf("lodestar finalized %d justified %d: want a chain that justified and finalized", lf.Epoch, lj.Epoch)
	}

	// Every imported block: its event, Lodestar's header, our stored
	// post-state's hash_tree_root.
	imported := map[[32]byte]events.Event{}
	for _, e := range g.Find(IsType(events.BlockImported)) {
		if len(e.Data) != 96 {
			t.Fatalf("block_imported data %d bytes", len(e.Data))
		}
		imported[[32]byte(e.Data[:32])] = e
	}
	st := g.ChainPipeline().Store()
	checkedStates := 0
	for root, e := range imported {
		var parent, stateRoot [32]byte
		copy(parent[:], e.Data[32:64])
		copy(stateRoot[:], e.Data[64:96])
		h, err := l.Header("0x" + hex.EncodeToString(root[:]))
		if err != nil {
			t.Errorf("imported block %x (slot %d) unknown to lodestar: %v", root[:4], e.Code, err)
			continue
		}
		if h.Slot != e.Code || h.ParentRoot != parent || h.StateRoot != stateRoot {
			t.Errorf("block %x: ours slot %d parent %x state %x; lodestar slot %d parent %x state %x",
				root[:4], e.Code, parent[:4], stateRoot[:4], h.Slot, h.ParentRoot[:4], h.StateRoot[:4])
		}
		if ssz, _, err := st.State(root); err == nil {
			var s phase0.BeaconState
			if err := s.UnmarshalSSZ(ssz); err != nil {
				t.Fatalf("stored state of %x: %v", root[:4], err)
			}
			r, err := s.HashTreeRoot()
			if err != nil {
				t.Fatal(err)
			}
			if r != h.StateRoot {
				t.Errorf("block %x slot %d: post-state root %x, lodestar's %x", root[:4], e.Code, r[:4], h.StateRoot[:4])
			}
			checkedStates++
		}
	}
	// Every block of Lodestar's canonical chain up to its head was imported.
	canonical := 0
	for s := uint64(1); s <= lh.Slot; s++ {
		h, err := l.Header(fmt.Sprint(s))
		if err != nil || h.Slot != s {
			continue // empty slot
		}
		canonical++
		if _, ok := imported[h.Root]; !ok {
			t.Errorf("lodestar's block %x at slot %d was not imported", h.Root[:4], s)
		}
	}
	c, _ = g.ChainCounters()
	invalid := g.Find(IsType(events.BlockInvalid))
	if len(invalid) > 0 {
		t.Errorf("%d blocks invalid, first: slot %d %s", len(invalid), invalid[0].Code, invalid[0].Text)
	}
	t.Logf("RESULT: %d blocks imported (%d canonical slots 1..%d of lodestar, all present), %d post-state roots recomputed, "+
		"%d head changes, %d finalized events; finalized epoch %d, justified epoch %d; counters %+v",
		len(imported), canonical, lh.Slot, checkedStates, len(g.Find(IsType(events.HeadChanged))),
		len(g.Find(IsType(events.Finalized))), lf.Epoch, lj.Epoch, c)
	if err := st.Check(); err != nil {
		t.Errorf("store check: %v", err)
	}
}
