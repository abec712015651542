package store

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
)

func root(name string) Root { return sha256.Sum256([]byte(name)) }

// tree builds: anchor(0) - a1 - a2 - ... - aN (chain a), with fork b
// branching at a2: b3 - b4 ...
type fixture struct {
	t *testing.T
	s *Store
}

func (f *fixture) importBlock(name, parent string, slot uint64) Root {
	f.t.Helper()
	r := root(name)
	info := BlockInfo{Root: r, Parent: root(parent), Slot: slot, StateRoot: root("state " + name)}
	if err := f.s.ImportBlock(Import{Info: info, Block: []byte("block " + name), State: []byte("state " + name)}); err != nil {
		f.t.Fatal(err)
	}
	return r
}

func openFixture(t *testing.T, dir string, opts Options) *fixture {
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, s: s}
}

func anchorInfo() BlockInfo { return BlockInfo{Root: root("g"), Slot: 0, StateRoot: root("state g")} }

func TestStoreImportHeadReopen(t *testing.T) {
	dir := t.TempDir()
	f := openFixture(t, dir, Options{PruneEvery: -1})
	if err := f.s.InitAnchor(anchorInfo(), []byte("block g"), []byte("state g"), 0); err != nil {
		t.Fatal(err)
	}
	prev := "g"
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("a%d", i)
		f.importBlock(name, prev, uint64(i))
		prev = name
	}
	f.importBlock("b3", "a2", 3)
	f.importBlock("b5", "b3", 5) // slot 4 empty on fork b
	// An arrived, not yet imported block.
	if added, err := f.s.PutBlock(BlockInfo{Root: root("p9"), Parent: root("x8"), Slot: 9}, []byte("block p9")); err != nil || !added {
		t.Fatal(added, err)
	}
	if added, _ := f.s.PutBlock(BlockInfo{Root: root("p9"), Parent: root("x8"), Slot: 9}, []byte("block p9")); added {
		t.Fatal("second PutBlock added")
	}
	if !f.s.HasBlock(root("p9")) || f.s.IsImported(root("p9")) || !f.s.IsImported(root("a3")) {
		t.Fatal("HasBlock/IsImported")
	}
	if err := f.s.SetHead(root("a5")); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		if r, ok := f.s.CanonicalRoot(uint64(i)); !ok || r != root(fmt.Sprintf("a%d", i)) {
			t.Fatalf("canonical %d", i)
		}
	}
	// Reorg to fork b: slots 3 and 5 from b, slot 4 empty.
	if err := f.s.SetHead(root("b5")); err != nil {
		t.Fatal(err)
	}
	want := map[uint64]string{1: "a1", 2: "a2", 3: "b3", 5: "b5"}
	for slot := uint64(0); slot <= 6; slot++ {
		r, ok := f.s.CanonicalRoot(slot)
		w, exp := want[slot]
		if slot == 0 {
			w, exp = "g", true
		}
		if ok != exp || (ok && r != root(w)) {
			t.Fatalf("after reorg, canonical slot %d: %v %x", slot, ok, r[:4])
		}
	}
	if err := f.s.Close(); err != nil {
		t.Fatal(err)
	}
	f = openFixture(t, dir, Options{PruneEvery: -1})
	defer f.s.Close()
	if f.s.Head() != root("b5") {
		t.Fatal("head not persisted")
	}
	st, _, err := f.s.State(root("a4"))
	if err != nil || !bytes.Equal(st, []byte("state a4")) {
		t.Fatal("state a4", err)
	}
	if b, err := f.s.Block(root("p9")); err != nil || string(b) != "block p9" {
		t.Fatal("pending block lost", err)
	}
	if p := f.s.Pending(); len(p) != 1 || p[0].Root != root("p9") {
		t.Fatalf("pending %v", p)
	}
	if c := f.s.Children(root("a2")); len(c) != 2 {
		t.Fatalf("children of a2: %d", len(c))
	}
}

func TestStorePruning(t *testing.T) {
	dir := t.TempDir()
	f := openFixture(t, dir, Options{PruneEvery: -1, HotStateSlots: 8})
	defer f.s.Close()
	if err := f.s.InitAnchor(anchorInfo(), []byte("block g"), []byte("state g"), 0); err != nil {
		t.Fatal(err)
	}
	spe := uint64(config.SlotsPerEpoch)
	n := 4 * spe
	prev := "g"
	for i := uint64(1); i <= n; i++ {
		name := fmt.Sprintf("a%d", i)
		f.importBlock(name, prev, i)
		prev = name
	}
	// A dead fork below the future finalized slot, and one above it that
	// conflicts with finality, and a pending orphan above it.
	f.importBlock("d2", "a1", 2)
	f.importBlock("d3", "d2", 3)
	f.importBlock("e", fmt.Sprintf("a%d", spe-1), 2*spe+1) // skips the epoch-2 boundary block
	if _, err := f.s.PutBlock(BlockInfo{Root: root("orphan"), Parent: root("unknown"), Slot: 3 * spe}, []byte("o")); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetHead(root(prev)); err != nil {
		t.Fatal(err)
	}
	// Hot-state pruning: states older than maxSlot-8 go, except pinned and leaves.
	pruned, err := f.s.PruneStates()
	if err != nil {
		t.Fatal(err)
	}
	if pruned == 0 || f.s.HasState(root("a1")) || !f.s.HasState(root(prev)) || !f.s.HasState(root("g")) {
		t.Fatalf("prune states: %d, a1 %v", pruned, f.s.HasState(root("a1")))
	}
	if !f.s.HasState(root("d3")) {
		t.Fatal("fork leaf state pruned")
	}
	if err := f.s.Check(); err != nil {
		t.Fatal(err)
	}
	// Finalize epoch 2 (block a16 in minimal: slot 2*spe).
	finRoot := root(fmt.Sprintf("a%d", 2*spe))
	justRoot := root(fmt.Sprintf("a%d", 3*spe))
	if err := f.s.SetCheckpoints(Checkpoint{3, justRoot}, Checkpoint{2, finRoot}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"d2", "d3", "e"} {
		if f.s.HasBlock(root(name)) {
			t.Fatalf("%s survived finalization", name)
		}
	}
	if !f.s.HasBlock(root("orphan")) {
		t.Fatal("pending orphan above finality pruned")
	}
	if !f.s.HasBlock(root("a1")) || !f.s.IsImported(root("a3")) {
		t.Fatal("finalized chain pruned")
	}
	if !f.s.HasState(finRoot) || !f.s.HasState(justRoot) {
		t.Fatal("checkpoint states must be kept")
	}
	if err := f.s.Check(); err != nil {
		t.Fatal(err)
	}
	// A second finalization (epoch 3): the anchor and the chain stay.
	if err := f.s.SetCheckpoints(Checkpoint{4, root(fmt.Sprintf("a%d", 4*spe))}, Checkpoint{3, justRoot}); err != nil {
		t.Fatal(err)
	}
	if !f.s.HasBlock(root("g")) || !f.s.HasState(root("g")) || !f.s.HasBlock(finRoot) {
		t.Fatal("second finalization pruned the anchor or the finalized chain")
	}
	if err := f.s.Check(); err != nil {
		t.Fatal(err)
	}
	st := f.s.Stats()
	if st.PrunedBlocks != 4 || st.PrunedStates == 0 { // d2, d3, e, and the orphan now at the finalized slot
		t.Fatalf("stats %+v", st)
	}
	// Reopen: the tree holds the finalized block and its descendants.
	f.s.Close()
	f2 := openFixture(t, dir, Options{PruneEvery: -1, HotStateSlots: 8})
	defer f2.s.Close()
	if f2.s.Stats().TreeBlocks > int(n-2*spe)+3 {
		t.Fatalf("tree after reopen: %d", f2.s.Stats().TreeBlocks)
	}
	if !f2.s.HasBlock(root("a1")) {
		t.Fatal("finalized history not found on disk")
	}
}

func TestStoreCheckFindsProblems(t *testing.T) {
	dir := t.TempDir()
	f := openFixture(t, dir, Options{PruneEvery: -1})
	if err := f.s.InitAnchor(anchorInfo(), []byte("block g"), []byte("state g"), 0); err != nil {
		t.Fatal(err)
	}
	f.importBlock("a1", "g", 1)
	// Corrupt: remove a1's state behind the store's back.
	if err := f.s.db.Delete(key(pState, root("a1")), nil); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Check(); err == nil {
		t.Fatal("missing state not found")
	}
	f.s.Close()
	if _, err := Open(dir, Options{}); err == nil {
		t.Fatal("Open accepted an inconsistent store")
	}
}

func TestLRU(t *testing.T) {
	c := newLRU[int, int](2)
	c.put(1, 1)
	c.put(2, 2)
	c.get(1)
	c.put(3, 3)
	if _, ok := c.get(2); ok {
		t.Fatal("2 should be evicted")
	}
	if _, ok := c.get(1); !ok {
		t.Fatal("1 evicted")
	}
	if c.len() != 2 {
		t.Fatal(c.len())
	}
}

// TestChildStoredBeforeParent: blocks stored child-first (range sync and
// gossip deliver them in any order) are linked to their parent when it
// arrives, so finalization pruning keeps the descendants of the finalized
// block, also after a reopen.
func TestChildStoredBeforeParent(t *testing.T) {
	dir := t.TempDir()
	f := openFixture(t, dir, Options{PruneEvery: -1})
	if err := f.s.InitAnchor(anchorInfo(), []byte("block g"), []byte("state g"), 0); err != nil {
		t.Fatal(err)
	}
	spe := uint64(config.SlotsPerEpoch)
	n := 3 * spe
	name := func(i uint64) string {
		if i == 0 {
			return "g"
		}
		return fmt.Sprintf("a%d", i)
	}
	// Stored newest first, then imported oldest first.
	for i := n; i >= 1; i-- {
		info := BlockInfo{Root: root(name(i)), Parent: root(name(i - 1)), Slot: i}
		if _, err := f.s.PutBlock(info, []byte("block "+name(i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := uint64(1); i <= n; i++ {
		f.importBlock(name(i), name(i-1), i)
	}
	if err := f.s.Check(); err != nil {
		t.Fatal(err)
	}
	if kids := f.s.Children(root("a1")); len(kids) != 1 || kids[0] != root("a2") {
		t.Fatalf("children of a1: %d", len(kids))
	}
	if err := f.s.SetHead(root(name(n))); err != nil {
		t.Fatal(err)
	}
	fin := Checkpoint{Epoch: 1, Root: root(name(spe))}
	if err := f.s.SetCheckpoints(fin, fin); err != nil {
		t.Fatal(err)
	}
	for i := uint64(1); i <= n; i++ {
		if !f.s.IsImported(root(name(i))) {
			t.Fatalf("block at slot %d pruned by finalization", i)
		}
	}
	// A block removed and stored again takes its children back.
	orphan := BlockInfo{Root: root("x"), Parent: root("y"), Slot: n + 2}
	parent := BlockInfo{Root: root("y"), Parent: root(name(n)), Slot: n + 1}
	for _, info := range []BlockInfo{orphan, parent} {
		if _, err := f.s.PutBlock(info, []byte("b")); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.s.DeleteBlock(root("y")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.PutBlock(parent, []byte("b")); err != nil {
		t.Fatal(err)
	}
	if kids := f.s.Children(root("y")); len(kids) != 1 || kids[0] != root("x") {
		t.Fatalf("children of a re-stored block: %d", len(kids))
	}
	if err := f.s.Check(); err != nil {
		t.Fatal(err)
	}
	f.s.Close()
	f = openFixture(t, dir, Options{PruneEvery: -1})
	defer f.s.Close()
	if kids := f.s.Children(root(name(n - 1))); len(kids) != 1 {
		t.Fatalf("children after reopen: %d", len(kids))
	}
}
