package forkchoice

import (
	"slices"
	"testing"
)

// execTree is anchor(0) - 1 - 2 - 3 - 4 with a sibling branch 2 - 5 - 6,
// the blocks after 1 optimistic, execution block hashes hashN(i); votes put
// the weight on 4 (head).
func execTree(t *testing.T) (*Store, []Root) {
	t.Helper()
	cfg := Config{GenesisTime: 0, SecondsPerSlot: 12, SlotsPerEpoch: 8}
	roots := make([]Root, 7)
	for i := range roots {
		roots[i] = rootN(100 + i)
	}
	bal := []uint64{32, 32, 32, 32}
	s, err := New(cfg, Block{Root: roots[0]}, 0, func(Checkpoint) ([]uint64, error) { return bal, nil })
	if err != nil {
		t.Fatal(err)
	}
	s.OnTick(12 * 10)
	parent := map[int]int{1: 0, 2: 1, 3: 2, 4: 3, 5: 2, 6: 5}
	slot := map[int]uint64{1: 1, 2: 2, 3: 3, 4: 4, 5: 3, 6: 4}
	for i := 1; i <= 6; i++ {
		st := PayloadOptimistic
		if i == 1 {
			st = PayloadValid
		}
		if err := s.OnBlock(Block{Root: roots[i], Parent: roots[parent[i]], Slot: slot[i], Execution: st, BlockHash: hashN(i)}); err != nil {
			t.Fatal(err)
		}
	}
	s.ApplyVotes([]uint64{0, 1, 2}, roots[4], 0)
	s.ApplyVotes([]uint64{3}, roots[6], 0)
	if h, _ := s.Head(); h != roots[4] {
		t.Fatalf("head before invalidation is not 4")
	}
	return s, roots
}

func hashN(i int) Root { return rootN(1000 + i) }

// TestInvalidateByLatestValidHash: INVALID on 4 with latestValidHash = 2's
// hash invalidates 3 and 4 (optimistic, after 2), not 2 nor the sibling
// branch; the head moves to the best valid branch (6) and no block can be
// added on an invalid one.
func TestInvalidateByLatestValidHash(t *testing.T) {
	s, r := execTree(t)
	lvh := hashN(2)
	got := s.Invalidate(r[4], r[3], &lvh)
	if !slices.Equal(got, []Root{r[3], r[4]}) {
		t.Fatalf("invalidated %d blocks, want 3 and 4", len(got))
	}
	for i, want := range map[int]PayloadStatus{1: PayloadValid, 2: PayloadOptimistic, 3: PayloadInvalid, 4: PayloadInvalid, 5: PayloadOptimistic, 6: PayloadOptimistic} {
		if st, _, _ := s.Execution(r[i]); st != want {
			t.Errorf("block %d: %v, want %v", i, st, want)
		}
	}
	if h, _ := s.Head(); h != r[6] {
		t.Fatalf("head after invalidation is not the valid branch's tip 6")
	}
	if err := s.OnBlock(Block{Root: rootN(200), Parent: r[4], Slot: 5}); err == nil {
		t.Fatal("a block on an invalid block was added")
	}
	// A VALID verdict on 6 makes 5 and 2 valid (1 already is).
	if v := s.SetValid(r[6]); !slices.Equal(v, []Root{r[2], r[5], r[6]}) {
		t.Fatalf("validated %d blocks, want 2, 5, 6", len(v))
	}
	if len(s.Optimistic()) != 0 {
		t.Fatalf("optimistic left: %d", len(s.Optimistic()))
	}
	// Late VALID for an invalid block changes nothing.
	if v := s.SetValid(r[4]); len(v) != 0 {
		t.Fatal("an invalid block was validated")
	}
}

// TestInvalidateLatestValidHashCases: nil and an unknown hash invalidate
// the block alone (with its descendants); the zero hash every optimistic
// ancestor; a block not in the store (being imported) with a hash of an
// ancestor invalidates the optimistic blocks in between.
func TestInvalidateLatestValidHashCases(t *testing.T) {
	s, r := execTree(t)
	if got := s.Invalidate(r[3], r[2], nil); !slices.Equal(got, []Root{r[3], r[4]}) {
		t.Fatalf("nil lvh: %d blocks", len(got))
	}
	s, r = execTree(t)
	unknown := rootN(999)
	if got := s.Invalidate(r[5], r[2], &unknown); !slices.Equal(got, []Root{r[5], r[6]}) {
		t.Fatalf("unknown lvh: %d blocks", len(got))
	}
	s, r = execTree(t)
	var zero Root
	if got := s.Invalidate(r[3], r[2], &zero); len(got) != 5 || got[0] != r[2] {
		t.Fatalf("zero lvh: %d blocks, want 2 and everything after it", len(got))
	}
	s, r = execTree(t)
	lvh := hashN(1)
	if got := s.Invalidate(rootN(300), r[4], &lvh); len(got) != 5 {
		t.Fatalf("new block with lvh of 1: %d blocks, want 2..6", len(got))
	}
	if h, _ := s.Head(); h != r[1] {
		t.Fatalf("head is not the last valid block")
	}
}
