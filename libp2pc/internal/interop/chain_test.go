//go:build interop && minimal

package interop

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/chainsvc"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/pipeline"
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

// chainCase is one Lodestar dev chain TestChainFollowsLodestar follows.
type chainCase struct {
	name    string
	opts    LodestarOptions
	genesis Fork   // the genesis state's fork
	forks   []Fork // forks whose blocks must all be imported, in order
	// upgradeEpoch, if not 0, is the epoch where the chain moves from
	// forks[0] to forks[1] while the node follows gossip.
	upgradeEpoch uint64
}

// chainCases: a phase0 chain; a phase0 chain that upgrades to altair at
// epoch 3, after the node joined (range sync in phase0, then gossip
// across the upgrade: state upgrade, sync aggregates, the beacon_block
// topic switching to the altair digest); a bellatrix chain from genesis
// (altair and bellatrix at epoch 0, post-merge genesis, payloads from
// Lodestar's mock engine; no engine here: imported optimistically).
var chainCases = []chainCase{
	{name: "phase0", opts: LodestarOptions{Fork: Phase0}, genesis: Phase0, forks: []Fork{Phase0}},
	{name: "altair", opts: LodestarOptions{Fork: Phase0, ExtraArgs: []string{"--params.ALTAIR_FORK_EPOCH", "3"}},
		genesis: Phase0, forks: []Fork{Phase0, Altair}, upgradeEpoch: 3},
	{name: "bellatrix", opts: LodestarOptions{Fork: Bellatrix}, genesis: Bellatrix, forks: []Fork{Bellatrix}},
}

// TestChainFollowsLodestar: for each chain of chainCases, one after the
// other, a libp2pc node started late from the genesis state of a Lodestar
// dev chain range-syncs the blocks it missed, then follows gossip,
// importing every block with its own multi-fork state transition
// (pipeline.AnyFork). Every block of Lodestar's canonical chain is
// imported; each imported block's SSZ and fork equal Lodestar's, its
// post-state root (recomputed from the stored state) equals the block's
// state_root and Lodestar's; the head post-state is byte-identical to
// Lodestar's; head, justified and finalized checkpoints equal Lodestar's
// after 4 epochs of following; and the node serves the blocks back by
// range with the context bytes of each block's fork.
func TestChainFollowsLodestar(t *testing.T) {
	RequireEnv(t)
	for _, tc := range chainCases {
		t.Run(tc.name, func(t *testing.T) { followLodestar(t, tc) })
	}
}

func followLodestar(t *testing.T, tc chainCase) {
	const spe = 8 // minimal SLOTS_PER_EPOCH
	start := time.Now()
	opts := tc.opts
	opts.Timeout = 6 * time.Minute
	l := StartLodestar(t, opts)
	gen := l.Genesis(t)
	yaml := l.ConfigYAML(t)
	spec := l.Spec(t)
	ccfg, err := config.ParseConfig(yaml)
	if err != nil {
		t.Fatal(err)
	}
	tr := pipeline.AnyFork{Cfg: ccfg}
	genesisState, ver, err := l.StateSSZ("genesis")
	if err != nil {
		t.Fatal(err)
	}
	if ver != "" && ver != string(tc.genesis) {
		t.Fatalf("genesis state version %q, want %s", ver, tc.genesis)
	}
	joinSlot := uint64(2 * spe)
	l.WaitHeadSlot(t, joinSlot, 2*time.Minute)
	cfg, err := node.Eth2ConfigFromYAML(yaml, gen.GenesisTime, gen.GenesisValidatorsRoot)
	if err != nil {
		t.Fatal(err)
	}
	g := StartGoNodeWith(t, nil, func(n *node.Node) error { return n.ConfigureEth2(cfg) })
	req, err := chainsvc.Start(g.Node, chainsvc.ChainConfig{DataDir: t.TempDir(), AnchorState: genesisState, ConsensusConfig: yaml})
	g.MustOK(t, req, err, "start chain (beacon_block subscription)")
	joined := time.Now()
	req, err = g.Dial(l.P2PAddr(t))
	g.MustOK(t, req, err, "dial lodestar")

	// Range sync: the missed blocks arrive within a few seconds.
	g.WaitFor(t, 60*time.Second, "range-synced block at the join slot", func(e events.Event) bool {
		return e.Type == events.BlockImported && e.Code >= joinSlot
	})
	c, _ := chainsvc.Counters(g.Node)
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
		root, slot, err := chainsvc.Head(g.Node)
		if err != nil {
			t.Fatal(err)
		}
		fin, _ := chainsvc.Finalized(g.Node)
		just, _ := chainsvc.Pipeline(g.Node).Store().Checkpoints()
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
	if c, _ := chainsvc.Counters(g.Node); c.Syncs == 0 || c.SyncedBlocks == 0 {
		t.Errorf("range sync did not bring the missed blocks: %+v", c)
	}
	if lf.Epoch < 2 || lj.Epoch < 3 {
		t.Errorf("lodestar finalized %d justified %d: want a chain that justified and finalized", lf.Epoch, lj.Epoch)
	}

	// Every imported block: its event, Lodestar's header and block, our
	// stored post-state's hash_tree_root.
	imported := map[[32]byte]events.Event{}
	for _, e := range g.Find(IsType(events.BlockImported)) {
		if len(e.Data) != 96 {
			t.Fatalf("block_imported data %d bytes", len(e.Data))
		}
		imported[[32]byte(e.Data[:32])] = e
	}
	st := chainsvc.Pipeline(g.Node).Store()
	checkedStates := 0
	perFork := map[string]int{}
	versionAt := map[uint64]string{} // slot -> Lodestar's Eth-Consensus-Version
	payloads := 0                    // blocks with a non-empty execution payload
	for root, e := range imported {
		var parent, stateRoot [32]byte
		copy(parent[:], e.Data[32:64])
		copy(stateRoot[:], e.Data[64:96])
		id := "0x" + hex.EncodeToString(root[:])
		h, err := l.Header(id)
		if err != nil {
			t.Errorf("imported block %x (slot %d) unknown to lodestar: %v", root[:4], e.Code, err)
			continue
		}
		if h.Slot != e.Code || h.ParentRoot != parent || h.StateRoot != stateRoot {
			t.Errorf("block %x: ours slot %d parent %x state %x; lodestar slot %d parent %x state %x",
				root[:4], e.Code, parent[:4], stateRoot[:4], h.Slot, h.ParentRoot[:4], h.StateRoot[:4])
		}
		theirs, version, err := l.BlockSSZ(id)
		if err != nil {
			t.Errorf("block %x from lodestar: %v", root[:4], err)
			continue
		}
		ours, err := chainsvc.Block(g.Node, root)
		if err != nil || !bytes.Equal(ours, theirs) {
			t.Errorf("block %x slot %d: stored SSZ differs from lodestar's (%v)", root[:4], e.Code, err)
		}
		f, err := tr.ForkAtSlot(e.Code)
		if err != nil || f.String() != version {
			t.Errorf("block %x slot %d: our fork %v, lodestar's %q", root[:4], e.Code, f, version)
		}
		perFork[version]++
		if version == string(Bellatrix) { // the payload checks ran on real (mock-engine) payloads
			if b, err := state.DecodeSignedBlock(forks.Bellatrix, theirs); err != nil {
				t.Errorf("block %x: %v", root[:4], err)
			} else if p := b.Message.Body.ExecutionPayload; p != nil && p.BlockHash != ([32]byte{}) {
				payloads++
			}
		}
		versionAt[e.Code] = version
		if ssz, _, err := st.State(root); err == nil {
			s, err := tr.DecodeState(ssz)
			if err != nil {
				t.Fatalf("stored state of %x: %v", root[:4], err)
			}
			r, err := tr.Generic(s).HashTreeRoot()
			if err != nil {
				t.Fatal(err)
			}
			if r != h.StateRoot {
				t.Errorf("block %x slot %d: post-state root %x, lodestar's %x", root[:4], e.Code, r[:4], h.StateRoot[:4])
			}
			checkedStates++
		}
	}
	for _, f := range tc.forks {
		if perFork[string(f)] == 0 {
			t.Errorf("no %s block imported (per fork: %v)", f, perFork)
		}
	}
	if perFork[string(Bellatrix)] > 0 && payloads != perFork[string(Bellatrix)] {
		t.Errorf("%d of %d bellatrix blocks carry an execution payload: want a post-merge chain", payloads, perFork[string(Bellatrix)])
	}
	if tc.upgradeEpoch > 0 {
		for slot, v := range versionAt {
			if want := tc.forks[0]; slot < tc.upgradeEpoch*spe && v != string(want) || slot >= tc.upgradeEpoch*spe && v != string(tc.forks[1]) {
				t.Errorf("block at slot %d is %s: the upgrade is at epoch %d", slot, v, tc.upgradeEpoch)
			}
		}
	}
	// The head post-state is byte for byte Lodestar's.
	if ours, _, err := st.State(lh.Root); err != nil {
		t.Errorf("our head state: %v", err)
	} else if theirs, _, err := l.StateSSZ("0x" + hex.EncodeToString(lh.StateRoot[:])); err != nil {
		t.Errorf("lodestar's head state: %v", err)
	} else if !bytes.Equal(ours, theirs) {
		t.Errorf("head state at slot %d: %d bytes, lodestar's %d bytes, different", lh.Slot, len(ours), len(theirs))
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
	c, _ = chainsvc.Counters(g.Node)
	invalid := g.Find(IsType(events.BlockInvalid))
	if len(invalid) > 0 {
		t.Errorf("%d blocks invalid, first: slot %d %s", len(invalid), invalid[0].Code, invalid[0].Text)
	}
	if err := st.Check(); err != nil {
		t.Errorf("store check: %v", err)
	}

	// The node serves the blocks back by range, each with the context
	// bytes of its fork (Lodestar's fork digest of the block's version).
	served := checkServedContexts(t, l, g, cfg, spec, gen, lh.Slot, canonical, versionAt)

	forkCounts := make([]string, 0, len(perFork))
	for f, n := range perFork {
		forkCounts = append(forkCounts, fmt.Sprintf("%s %d", f, n))
	}
	sort.Strings(forkCounts)
	t.Logf("RESULT %s: %d blocks imported (%s; %d canonical slots 1..%d of lodestar, all present), "+
		"%d post-state roots recomputed and equal to lodestar's, head state byte-identical, %d blocks served back with their fork's context, "+
		"%d execution payloads (imported optimistically); "+
		"%d head changes, %d finalized events; finalized epoch %d, justified epoch %d; %s; counters %+v",
		tc.name, len(imported), strings.Join(forkCounts, ", "), canonical, lh.Slot, checkedStates, served, payloads,
		len(g.Find(IsType(events.HeadChanged))), len(g.Find(IsType(events.Finalized))), lf.Epoch, lj.Epoch,
		time.Since(start).Round(time.Second), c)
}

// checkServedContexts asks the chain node g, from a second node, for
// blocks 1..head by range (canonical blocks expected) and checks each
// chunk's context bytes against
// the fork digest of the block's version as Lodestar reported it. It
// returns the number of chunks checked.
func checkServedContexts(t *testing.T, l *Lodestar, g *GoNode, cfg node.Eth2Config, spec map[string]string, gen Genesis, head uint64, canonical int, versionAt map[uint64]string) int {
	t.Helper()
	digestOf := map[string]forkdigest.Digest{}
	for _, f := range forks.All() {
		key := strings.ToUpper(f.String()) + "_FORK_VERSION"
		if f == forks.Phase0 {
			key = "GENESIS_FORK_VERSION"
		}
		v, ok := spec[key]
		if !ok {
			continue
		}
		var ver [4]byte
		mustHex(t, v, ver[:])
		d, err := forkdigest.ComputeForkDigest(ver, gen.GenesisValidatorsRoot)
		if err != nil {
			t.Fatal(err)
		}
		digestOf[f.String()] = d
	}
	g2 := StartGoNodeWith(t, nil, func(n *node.Node) error { return n.ConfigureEth2(cfg) })
	if err := g2.SetStatus(statusBehind(t, l)); err != nil {
		t.Fatal(err)
	}
	req, err := g2.Dial(g.ListenAddr(t))
	g2.MustOK(t, req, err, "second node dials the chain node")
	body := binary.LittleEndian.AppendUint64(nil, 1)
	body = binary.LittleEndian.AppendUint64(body, head)
	body = binary.LittleEndian.AppendUint64(body, 1)
	chunks := request(t, g2, g.ID().String(), reqresp.BeaconBlocksByRangeV2.ID(), body)
	if len(chunks) != canonical {
		t.Errorf("blocks_by_range 1..%d from our node: %d chunks, %d canonical blocks", head, len(chunks), canonical)
	}
	for _, ch := range chunks {
		slot, err := blockSlot(ch.Data)
		if err != nil {
			t.Errorf("served chunk: %v", err)
			continue
		}
		want, ok := digestOf[versionAt[slot]]
		if !ok || !bytes.Equal(ch.Context, want[:]) {
			t.Errorf("served block at slot %d (%s): context %x, want %x", slot, versionAt[slot], ch.Context, want[:])
		}
	}
	return len(chunks)
}
