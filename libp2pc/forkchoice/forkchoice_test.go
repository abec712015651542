package forkchoice

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"math/rand"
	"testing"
)

func rootN(i int) Root {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(i))
	return sha256.Sum256(b[:])
}

// naiveHead is the spec's get_head written literally (filter_block_tree,
// get_latest_attesting_balance with get_ancestor), for differential tests.
func naiveHead(blocks map[Root]Block, justified, finalized Checkpoint, latest map[uint64]Root, balances []uint64, anchor Root) Root {
	children := func(r Root) []Root {
		var out []Root
		for c, b := range blocks {
			if b.Parent == r && c != anchor {
				out = append(out, c)
			}
		}
		return out
	}
	var filter func(r Root, keep map[Root]bool) bool
	filter = func(r Root, keep map[Root]bool) bool {
		if cs := children(r); len(cs) > 0 {
			any := false
			for _, c := range cs {
				if filter(c, keep) {
					any = true
				}
			}
			if any {
				keep[r] = true
			}
			return any
		}
		b := blocks[r]
		ok := (justified.Epoch == 0 || b.Justified == justified) && (finalized.Epoch == 0 || b.Finalized == finalized)
		if ok {
			keep[r] = true
		}
		return ok
	}
	keep := map[Root]bool{}
	filter(justified.Root, keep)
	ancestor := func(r Root, slot uint64) Root {
		for blocks[r].Slot > slot && r != anchor {
			r = blocks[r].Parent
		}
		return r
	}
	weight := func(r Root) uint64 {
		var w uint64
		for v, m := range latest {
			if int(v) < len(balances) && ancestor(m, blocks[r].Slot) == r {
				w += balances[v]
			}
		}
		return w
	}
	head := justified.Root
	for {
		var best Root
		var bestW uint64
		found := false
		for _, c := range children(head) {
			if !keep[c] {
				continue
			}
			w := weight(c)
			if !found || w > bestW || (w == bestW && bytes.Compare(c[:], best[:]) > 0) {
				best, bestW, found = c, w, true
			}
		}
		if !found {
			return head
		}
		head = best
	}
}

// TestHeadMatchesNaiveSpec: random trees, checkpoints, votes and balance
// changes; the proto-array head equals the literal spec get_head.
func TestHeadMatchesNaiveSpec(t *testing.T) {
	for seed := int64(0); seed < 200; seed++ {
		rng := rand.New(rand.NewSource(seed))
		anchor := Block{Root: rootN(0), Slot: 0}
		balances := make([]uint64, 16)
		for i := range balances {
			balances[i] = uint64(rng.Intn(4)) * 8
		}
		s, err := New(Config{SecondsPerSlot: 6, SlotsPerEpoch: 4}, anchor, 0, func(Checkpoint) ([]uint64, error) {
			return append([]uint64(nil), balances...), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		s.OnTick(1000 * 6)
		blocks := map[Root]Block{anchor.Root: anchor}
		roots := []Root{anchor.Root}
		cps := []Checkpoint{{0, anchor.Root}}
		latest := map[uint64]Root{}
		for i := 1; i < 40; i++ {
			parent := roots[rng.Intn(len(roots))]
			b := Block{Root: rootN(i), Parent: parent, Slot: blocks[parent].Slot + 1 + uint64(rng.Intn(3))}
			b.Justified = cps[rng.Intn(len(cps))]
			b.Finalized = cps[rng.Intn(len(cps))]
			if err := s.OnBlock(b); err != nil {
				continue // conflicts with the store's (random) finalized checkpoint
			}
			blocks[b.Root] = b
			roots = append(roots, b.Root)
			if rng.Intn(5) == 0 {
				cps = append(cps, Checkpoint{Epoch: uint64(len(cps)), Root: b.Root})
			}
			// Votes (epochs increase so that they replace older ones).
			for k := 0; k < 3; k++ {
				v := uint64(rng.Intn(len(balances)))
				r := roots[rng.Intn(len(roots))]
				s.ApplyVotes([]uint64{v}, r, uint64(i*3+k))
				latest[v] = r
			}
			if rng.Intn(7) == 0 { // a balance change (new justified balances)
				balances[rng.Intn(len(balances))] = uint64(rng.Intn(4)) * 8
				s.mu.Lock()
				s.haveBalances = true
				s.balancesOf = Checkpoint{Epoch: 999} // force a reload
				s.mu.Unlock()
			}
			// Store checkpoints: sometimes a random known checkpoint.
			if rng.Intn(6) == 0 {
				s.mu.Lock()
				s.justified = cps[rng.Intn(len(cps))]
				s.finalized = Checkpoint{0, anchor.Root}
				s.mu.Unlock()
			}
			got, err := s.Head()
			if err != nil {
				t.Fatal(err)
			}
			j, f, _ := s.Checkpoints()
			want := naiveHead(blocks, j, f, latest, balances, anchor.Root)
			if got != want {
				t.Fatalf("seed %d step %d: head %x, spec %x", seed, i, got[:4], want[:4])
			}
		}
	}
}

// TestProposerBoost: a timely block gets the boost for its slot only.
func TestProposerBoost(t *testing.T) {
	anchor := Block{Root: rootN(0)}
	bal := []uint64{32, 32, 32, 32, 32, 32, 32, 32}
	s, err := New(Config{SecondsPerSlot: 12, SlotsPerEpoch: 8, ProposerScoreBoost: 40}, anchor, 0,
		func(Checkpoint) ([]uint64, error) { return bal, nil })
	if err != nil {
		t.Fatal(err)
	}
	a := Block{Root: rootN(1), Parent: anchor.Root, Slot: 1}
	b := Block{Root: rootN(2), Parent: anchor.Root, Slot: 2}
	s.OnTick(12 * 1)
	if err := s.OnBlock(a); err != nil {
		t.Fatal(err)
	}
	s.ApplyVotes([]uint64{0}, a.Root, 0) // a has 32
	s.OnTick(12*2 + 1)                   // early in slot 2
	if err := s.OnBlock(b); err != nil {
		t.Fatal(err)
	}
	// boost = 256/8*40/100 = 12 < 32: a stays head.
	if h, _ := s.Head(); h != a.Root {
		t.Fatal("boost must not outweigh a real vote here")
	}
	s.ApplyVotes([]uint64{1}, b.Root, 0) // b: 32 + 12 boost > 32
	if h, _ := s.Head(); h != b.Root {
		t.Fatal("boosted block with equal votes should win")
	}
	s.OnTick(12 * 3) // new slot: boost gone; tie 32/32 broken by root
	h, _ := s.Head()
	want := a.Root
	if bytes.Compare(b.Root[:], a.Root[:]) > 0 {
		want = b.Root
	}
	if h != want {
		t.Fatal("boost not removed at the next slot")
	}
	// A late block (after the attesting interval) gets no boost.
	c := Block{Root: rootN(3), Parent: anchor.Root, Slot: 3}
	s.OnTick(12*3 + 5)
	if err := s.OnBlock(c); err != nil {
		t.Fatal(err)
	}
	if s.boostRoot != (Root{}) {
		t.Fatal("late block boosted")
	}
}

// TestOnBlockChecks: the state-free assertions of on_block.
func TestOnBlockChecks(t *testing.T) {
	anchor := Block{Root: rootN(0)}
	s, _ := New(Config{SecondsPerSlot: 6, SlotsPerEpoch: 4}, anchor, 0, nil)
	s.OnTick(6 * 2)
	if err := s.CheckBlock(3, anchor.Root); err == nil {
		t.Fatal("future block accepted")
	}
	if err := s.CheckBlock(2, rootN(9)); err != ErrUnknownParent {
		t.Fatal("unknown parent")
	}
	if err := s.CheckBlock(2, anchor.Root); err != nil {
		t.Fatal(err)
	}
	// Finalize epoch 1 at block 4 (slot 4); a fork from the anchor is then rejected.
	s.OnTick(6 * 20)
	prev := anchor.Root
	for i := 1; i <= 5; i++ {
		b := Block{Root: rootN(i), Parent: prev, Slot: uint64(i)}
		if i == 5 {
			b.Justified = Checkpoint{1, rootN(4)}
			b.Finalized = Checkpoint{1, rootN(4)}
		}
		if err := s.OnBlock(b); err != nil {
			t.Fatal(err)
		}
		prev = b.Root
	}
	if _, f, _ := s.Checkpoints(); f.Epoch != 1 {
		t.Fatal("not finalized")
	}
	if err := s.CheckBlock(6, rootN(3)); err == nil {
		t.Fatal("block conflicting with finality accepted")
	}
	if err := s.CheckBlock(6, rootN(5)); err != nil {
		t.Fatal(err)
	}
}
