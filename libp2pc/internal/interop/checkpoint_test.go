//go:build interop && minimal

package interop

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/chainsvc"
	"github.com/libp2pc/libp2pc/libp2pc/checkpoint"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// TestCheckpointSyncFromLodestar: once a Lodestar phase0 dev chain has
// finalized epoch 2 or later, a libp2pc node starts from Lodestar's
// finalized checkpoint over its REST API (the state as SSZ; the block as
// SSZ from the patched endpoint, and separately as Lodestar's JSON answer
// through the given-files path), with the weak-subjectivity checkpoint
// Lodestar reports; it follows the head, and every block it imports has
// Lodestar's root at its slot; head and finalized checkpoint end equal to
// Lodestar's. A wrong weak-subjectivity root, a node of another network,
// and a block that is not the state's are each refused with an error naming
// the check.
func TestCheckpointSyncFromLodestar(t *testing.T) {
	RequireEnv(t)
	cases := []struct {
		name string
		opts LodestarOptions
	}{
		{"phase0", LodestarOptions{Fork: Phase0}},
		// altair from epoch 1: an altair checkpoint state, a backfill that
		// crosses the upgrade (phase0 and altair signing domains).
		{"altair", LodestarOptions{Fork: Phase0, ExtraArgs: []string{"--params.ALTAIR_FORK_EPOCH", "1"}}},
		{"bellatrix", LodestarOptions{Fork: Bellatrix}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkpointSync(t, tc.opts) })
	}
}

func checkpointSync(t *testing.T, opts LodestarOptions) {
	const spe = 8
	opts.Timeout = 7 * time.Minute
	l := StartLodestar(t, opts)
	gen := l.Genesis(t)
	yaml := l.ConfigYAML(t)
	ccfg, err := config.ParseConfig(yaml)
	if err != nil {
		t.Fatal(err)
	}
	var fin Checkpoint
	deadline := time.Now().Add(4 * time.Minute)
	for fin = l.Finality(t); fin.Epoch < 2; fin = l.Finality(t) {
		if time.Now().After(deadline) {
			t.Fatalf("lodestar did not finalize epoch 2 (finalized %d)", fin.Epoch)
		}
		time.Sleep(time.Second)
	}
	t.Logf("lodestar finalized epoch %d %x after %s", fin.Epoch, fin.Root[:4], time.Since(l.Started).Round(time.Second))
	cfg, err := node.Eth2ConfigFromYAML(yaml, gen.GenesisTime, gen.GenesisValidatorsRoot)
	if err != nil {
		t.Fatal(err)
	}
	ws := fmt.Sprintf("0x%x:%d", fin.Root, fin.Epoch)
	start := func(t *testing.T, c node.Eth2Config, cc chainsvc.ChainConfig) (*GoNode, uint64, error) {
		g := StartGoNodeWith(t, nil, func(n *node.Node) error { return n.ConfigureEth2(c) })
		cc.DataDir, cc.ConsensusConfig = t.TempDir(), yaml
		req, err := chainsvc.Start(g.Node, cc)
		return g, req, err
	}
	// refusedStart is start for a chain that must be refused: StartChain
	// checks after it returns, so the refusal is its completion's.
	refusedStart := func(t *testing.T, c node.Eth2Config, cc chainsvc.ChainConfig) error {
		g, req, err := start(t, c, cc)
		if err != nil {
			return err
		}
		e := g.WaitFor(t, 60*time.Second, "chain start completion", IsDone(req))
		if e.Status == 0 {
			return nil
		}
		return status.Errorf(status.Code(e.Status), "%s", e.Text)
	}

	t.Run("refused", func(t *testing.T) {
		wrong := fin.Root
		wrong[0] ^= 1
		err := refusedStart(t, cfg, chainsvc.ChainConfig{CheckpointURL: l.REST, WSCheckpoint: fmt.Sprintf("0x%x:%d", wrong, fin.Epoch)})
		if status.CodeOf(err) != status.InvalidArgument || !strings.Contains(err.Error(), "weak subjectivity") {
			t.Errorf("wrong ws root: %v", err)
		} else {
			t.Logf("wrong ws root: %v", err)
		}
		other := cfg
		sched := *cfg.Schedule
		sched.GenesisValidatorsRoot[31] ^= 1
		other.Schedule = &sched
		err = refusedStart(t, other, chainsvc.ChainConfig{CheckpointURL: l.REST})
		if status.CodeOf(err) != status.InvalidArgument || !strings.Contains(err.Error(), "another network") {
			t.Errorf("other network: %v", err)
		} else {
			t.Logf("other network: %v", err)
		}
		// The finalized state with the block of an earlier slot.
		st, _, err := l.StateSSZ("finalized")
		if err != nil {
			t.Fatal(err)
		}
		h, err := l.Header("finalized")
		if err != nil {
			t.Fatal(err)
		}
		older, _, err := l.BlockSSZ(fmt.Sprint(h.Slot - 1))
		if err != nil {
			t.Fatal(err)
		}
		err = refusedStart(t, cfg, chainsvc.ChainConfig{CheckpointState: st, CheckpointBlock: older})
		if status.CodeOf(err) != status.InvalidArgument || !strings.Contains(err.Error(), "do not match") {
			t.Errorf("state/block mismatch: %v", err)
		} else {
			t.Logf("state/block mismatch: %v", err)
		}
		// Lodestar's JSON block of the finalized checkpoint is accepted.
		js, _, err := l.Get("/eth/v2/beacon/blocks/finalized", "application/json")
		if err != nil {
			t.Fatal(err)
		}
		a, err := checkpoint.Verify(t.Context(), checkpoint.Network{Config: ccfg, GenesisValidatorsRoot: gen.GenesisValidatorsRoot,
			GenesisTime: uint64(gen.GenesisTime.Unix())}, st, js, nil, nil)
		if err != nil || !a.JSONBlock || a.BlockRoot != h.Root {
			t.Errorf("lodestar's JSON block: %+v %v", a, err)
		}
		if _, err := checkpoint.Verify(t.Context(), checkpoint.Network{Config: ccfg, GenesisValidatorsRoot: gen.GenesisValidatorsRoot},
			st, []byte(strings.Replace(string(js), hex.EncodeToString(h.StateRoot[:]), strings.Repeat("ab", 32), 1)), nil, nil); !errors.Is(err, checkpoint.ErrStateMismatch) {
			t.Errorf("JSON block with another state root: %v", err)
		}
	})

	g, req, err := start(t, cfg, chainsvc.ChainConfig{CheckpointURL: l.REST, WSCheckpoint: ws})
	g.MustOK(t, req, err, "start chain from lodestar's finalized checkpoint")
	anchored := g.WaitFor(t, 10*time.Second, "anchored", func(e events.Event) bool {
		return e.Type == events.SyncProgress && strings.HasPrefix(e.Text, "checkpoint: anchored")
	})
	t.Logf("%s", anchored.Text)
	anchorFin, _ := chainsvc.Finalized(g.Node)
	if anchorFin.Epoch < fin.Epoch {
		t.Fatalf("anchored at epoch %d, lodestar had finalized %d", anchorFin.Epoch, fin.Epoch)
	}
	req, err = g.Dial(l.P2PAddr(t))
	g.MustOK(t, req, err, "dial lodestar")

	// Follow two more epochs, then until head and finality agree.
	lh0, _ := l.Header("head")
	l.WaitHeadSlot(t, lh0.Slot+2*spe, 2*time.Minute)
	deadline = time.Now().Add(60 * time.Second)
	var lh Head
	for {
		lh, err = l.Header("head")
		if err != nil {
			t.Fatal(err)
		}
		lf := l.Finality(t)
		root, slot, _ := chainsvc.Head(g.Node)
		f, _ := chainsvc.Finalized(g.Node)
		if root == lh.Root && slot == lh.Slot && f.Epoch == lf.Epoch && f.Root == lf.Root {
			t.Logf("head slot %d %x and finalized %d %x equal lodestar's", slot, root[:4], f.Epoch, f.Root[:4])
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ours head %d %x finalized %d %x; lodestar head %d %x finalized %d %x", slot, root[:4], f.Epoch, f.Root[:4],
				lh.Slot, lh.Root[:4], lf.Epoch, lf.Root[:4])
		}
		time.Sleep(500 * time.Millisecond)
	}
	imported := 0
	for _, e := range g.Find(IsType(events.BlockImported)) {
		h, err := l.Header(fmt.Sprint(e.Code))
		if err != nil || h.Slot != e.Code || [32]byte(e.Data[:32]) != h.Root {
			t.Errorf("imported slot %d root %x; lodestar's %+v %v", e.Code, e.Data[:4], h, err)
		}
		if e.Code <= anchorFin.Epoch*spe {
			t.Errorf("imported slot %d, not after the anchor (epoch %d)", e.Code, anchorFin.Epoch)
		}
		imported++
	}
	// Every canonical block after the anchor up to the head was imported.
	missing := 0
	seen := map[[32]byte]bool{}
	for _, e := range g.Find(IsType(events.BlockImported)) {
		seen[[32]byte(e.Data[:32])] = true
	}
	for s := anchorFin.Epoch*spe + 1; s <= lh.Slot; s++ {
		if h, err := l.Header(fmt.Sprint(s)); err == nil && h.Slot == s && !seen[h.Root] {
			missing++
			t.Errorf("lodestar's block at slot %d was not imported", s)
		}
	}
	if dropped := g.Find(IsType(events.BlockDropped)); len(dropped) > 0 {
		t.Logf("%d blocks dropped, first: slot %d %s", len(dropped), dropped[0].Code, dropped[0].Text)
	}
	// Backfill to genesis: every slot below the anchor holds Lodestar's
	// block (or nothing, where Lodestar's slot is empty).
	g.WaitFor(t, 90*time.Second, "backfill done", func(e events.Event) bool {
		return e.Type == events.SyncProgress && strings.HasPrefix(e.Text, "backfill: done at slot 0")
	})
	st := chainsvc.Pipeline(g.Node).Store()
	backfilled := 0
	for s := uint64(1); s < anchorFin.Epoch*spe; s++ {
		h, err := l.Header(fmt.Sprint(s))
		ours, ok := st.CanonicalRoot(s)
		if err != nil || h.Slot != s { // empty at Lodestar
			if ok && ours != anchorFin.Root {
				t.Errorf("slot %d: we hold %x, lodestar's slot is empty", s, ours[:4])
			}
			continue
		}
		if h.Root == anchorFin.Root {
			continue // the anchor block (its boundary slot was empty): indexed at the boundary
		}
		if !ok || ours != h.Root {
			t.Errorf("slot %d: backfilled %x (%v), lodestar's %x", s, ours[:4], ok, h.Root[:4])
			continue
		}
		backfilled++
	}
	if ss, _ := chainsvc.SyncStatus(g.Node); !ss.BackfillDone || ss.EarliestSlot != 0 {
		t.Errorf("sync status after the backfill: %+v", ss)
	}
	if err := st.Check(); err != nil {
		t.Errorf("store check: %v", err)
	}
	c, _ := chainsvc.Counters(g.Node)
	t.Logf("RESULT checkpoint sync: anchored at epoch %d, %d blocks imported after it, all with lodestar's roots, %d missing; "+
		"backfilled %d blocks to genesis, each slot's root equal to lodestar's; counters %+v",
		anchorFin.Epoch, imported, missing, backfilled, c)
}
