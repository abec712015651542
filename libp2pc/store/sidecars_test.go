package store

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func sidecarsOf(name string, kind SidecarKind, indices ...uint64) []Sidecar {
	out := make([]Sidecar, len(indices))
	for i, idx := range indices {
		out[i] = Sidecar{Kind: kind, Index: idx, SSZ: []byte(fmt.Sprintf("%s sidecar %d", name, idx))}
	}
	return out
}

func (f *fixture) importWithSidecars(name, parent string, slot uint64, scs []Sidecar) Root {
	f.t.Helper()
	r := root(name)
	info := BlockInfo{Root: r, Parent: root(parent), Slot: slot, StateRoot: root("state " + name)}
	if err := f.s.ImportBlock(Import{Info: info, Block: []byte("block " + name), State: []byte("state " + name), Sidecars: scs}); err != nil {
		f.t.Fatal(err)
	}
	return r
}

func indicesOf(scs []Sidecar) []uint64 {
	var out []uint64
	for _, sc := range scs {
		out = append(out, sc.Index)
	}
	return out
}

// Sidecars are written with their block, read back by root (all, or some
// indices) and by range over the canonical chain, survive a reopen, and
// retention prunes below a slot (persisting the floor that
// EarliestSidecarSlot reports); a fork block pruned by finality takes its
// sidecars with it.
func TestSidecarsImportReadPruneReopen(t *testing.T) {
	dir := t.TempDir()
	f := openFixture(t, dir, Options{PruneEvery: -1})
	if err := f.s.InitAnchor(anchorInfo(), []byte("block g"), []byte("state g"), 0); err != nil {
		t.Fatal(err)
	}
	prev := "g"
	for i := 1; i <= 6; i++ {
		name := fmt.Sprintf("a%d", i)
		var scs []Sidecar
		if i%2 == 0 { // even slots carry data
			scs = sidecarsOf(name, DataColumnSidecarKind, 3, 17, 127)
		}
		f.importWithSidecars(name, prev, uint64(i), scs)
		prev = name
	}
	f.importWithSidecars("b4", "a3", 4, sidecarsOf("b4", DataColumnSidecarKind, 3, 5))
	if err := f.s.SetHead(root("a6")); err != nil {
		t.Fatal(err)
	}
	// Mixed kinds are refused and nothing of the block is written.
	bad := append(sidecarsOf("x", BlobSidecarKind, 0), sidecarsOf("x", DataColumnSidecarKind, 1)...)
	err := f.s.ImportBlock(Import{Info: BlockInfo{Root: root("x7"), Parent: root("a6"), Slot: 7}, Block: []byte("x"), State: []byte("s"), Sidecars: bad})
	if !errors.Is(err, ErrSidecarShape) || f.s.HasBlock(root("x7")) {
		t.Fatalf("mixed kinds: %v, stored %v", err, f.s.HasBlock(root("x7")))
	}

	check := func(s *Store) {
		t.Helper()
		got, err := s.Sidecars(root("a4"))
		if err != nil || fmt.Sprint(indicesOf(got)) != "[3 17 127]" || !bytes.Equal(got[1].SSZ, []byte("a4 sidecar 17")) || got[0].Kind != DataColumnSidecarKind {
			t.Fatalf("by root: %v %v", got, err)
		}
		if got, _ := s.Sidecars(root("a3")); len(got) != 0 {
			t.Fatalf("a block without data: %d sidecars", len(got))
		}
		some, err := s.SidecarsByIndex(root("a4"), DataColumnSidecarKind, []uint64{17, 18, 127})
		if err != nil || fmt.Sprint(indicesOf(some)) != "[17 127]" {
			t.Fatalf("by index: %v %v", some, err)
		}
		rng, err := s.SidecarsByRange(DataColumnSidecarKind, 1, 10, []uint64{3})
		if err != nil || len(rng) != 3 {
			t.Fatalf("by range: %d blocks, %v", len(rng), err)
		}
		for i, b := range rng { // the canonical a4, not the fork's b4
			if want := root(fmt.Sprintf("a%d", 2*(i+1))); b.Root != want || b.Slot != uint64(2*(i+1)) || len(b.Sidecars) != 1 {
				t.Fatalf("range block %d: slot %d, %d sidecars", i, b.Slot, len(b.Sidecars))
			}
		}
		if rng, _ := s.SidecarsByRange(BlobSidecarKind, 1, 10, nil); len(rng) != 0 {
			t.Fatal("blob sidecars where only columns were stored")
		}
	}
	check(f.s)
	if f.s.EarliestSidecarSlot() != 0 {
		t.Fatalf("earliest %d before any pruning", f.s.EarliestSidecarSlot())
	}
	if err := f.s.Close(); err != nil {
		t.Fatal(err)
	}
	f = openFixture(t, dir, Options{PruneEvery: -1})
	check(f.s)

	// Retention: everything below slot 5 goes (a2, a4, b4).
	n, err := f.s.PruneSidecars(5)
	if err != nil || n != 3 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	if got, _ := f.s.Sidecars(root("a4")); len(got) != 0 {
		t.Fatal("a4's sidecars survived the pruning")
	}
	if got, _ := f.s.Sidecars(root("a6")); len(got) != 3 {
		t.Fatal("a6's sidecars were pruned")
	}
	if n, _ := f.s.PruneSidecars(4); n != 0 || f.s.EarliestSidecarSlot() != 5 || f.s.PrunedSidecars() != 3 {
		t.Fatalf("a lower floor pruned %d; earliest %d", n, f.s.EarliestSidecarSlot())
	}
	if err := f.s.Close(); err != nil {
		t.Fatal(err)
	}
	f = openFixture(t, dir, Options{PruneEvery: -1})
	defer f.s.Close()
	if f.s.EarliestSidecarSlot() != 5 {
		t.Fatalf("earliest %d after reopen", f.s.EarliestSidecarSlot())
	}
	if rng, _ := f.s.SidecarsByRange(DataColumnSidecarKind, 0, 100, nil); len(rng) != 1 || rng[0].Slot != 6 {
		t.Fatalf("range after pruning: %v", rng)
	}
}

// A fork block that finality prunes loses its sidecars.
func TestSidecarsPrunedWithForkBlock(t *testing.T) {
	f := openFixture(t, t.TempDir(), Options{PruneEvery: -1})
	defer f.s.Close()
	if err := f.s.InitAnchor(anchorInfo(), []byte("block g"), []byte("state g"), 0); err != nil {
		t.Fatal(err)
	}
	f.importWithSidecars("a1", "g", 1, nil)
	f.importWithSidecars("a2", "a1", 2, sidecarsOf("a2", BlobSidecarKind, 0, 1))
	f.importWithSidecars("b2", "a1", 2, sidecarsOf("b2", BlobSidecarKind, 0))
	f.importWithSidecars("a3", "a2", 3, nil)
	if err := f.s.SetHead(root("a3")); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetCheckpoints(Checkpoint{Epoch: 1, Root: root("a3")}, Checkpoint{Epoch: 1, Root: root("a3")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.PruneFinalized(); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.Sidecars(root("b2")); len(got) != 0 {
		t.Fatal("the pruned fork block's sidecars remain")
	}
	if got, _ := f.s.Sidecars(root("a2")); len(got) != 2 {
		t.Fatal("the finalized chain's sidecars were pruned")
	}
}
