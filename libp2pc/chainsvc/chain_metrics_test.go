package chainsvc

import (
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// TestIsReorg: on a stored fork tree
//
//	g - a1 - a2 - a3
//	      \- b2 - b3
//
// moving the head along a branch is no reorg; moving it to the other
// branch (at the same or a higher slot, and skipping slots) is.
func TestIsReorg(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := func(b byte) [32]byte { return [32]byte{b} }
	put := func(root, parent [32]byte, slot uint64) {
		if _, err := st.PutBlock(store.BlockInfo{Root: root, Parent: parent, Slot: slot}, []byte{1}); err != nil {
			t.Fatal(err)
		}
	}
	g, a1, a2, a3, b2, b3 := r(1), r(2), r(3), r(4), r(5), r(6)
	put(g, [32]byte{}, 0)
	put(a1, g, 1)
	put(a2, a1, 2)
	put(a3, a2, 4) // slot 3 empty
	put(b2, a1, 2)
	put(b3, b2, 3)
	c := &chainState{st: st}
	for _, tc := range []struct {
		name     string
		old      [32]byte
		oldSlot  uint64
		newHead  [32]byte
		wantReor bool
	}{
		{"child", a1, 1, a2, false},
		{"skips a block and a slot", a2, 2, a3, false},
		{"from genesis", g, 0, a3, false},
		{"sibling", a2, 2, b2, true},
		{"other branch higher", a2, 2, b3, true},
		{"other branch lower", a3, 4, b3, true},
		{"back to an ancestor", a3, 4, a1, true},
		{"no previous head", [32]byte{}, 0, a1, false},
		{"same", a2, 2, a2, false},
	} {
		if got := c.isReorg(tc.old, tc.oldSlot, tc.newHead); got != tc.wantReor {
			t.Errorf("%s: isReorg = %v, want %v", tc.name, got, tc.wantReor)
		}
	}
}

// TestLatencyHistogram: observations land in the first bucket whose bound
// they do not exceed; the snapshot is cumulative, with +Inf in Count only.
func TestLatencyHistogram(t *testing.T) {
	var h latencyHisto
	for _, d := range []time.Duration{time.Millisecond, 5 * time.Millisecond, 30 * time.Millisecond, 3 * time.Second, time.Minute} {
		h.observe(d)
	}
	s := h.snapshot()
	want := map[float64]uint64{0.005: 2, 0.01: 2, 0.025: 2, 0.05: 3, 2.5: 3, 5: 4, 10: 4}
	for i, b := range s.Bounds {
		if w, ok := want[b]; ok && s.Cumulative[i] != w {
			t.Errorf("bucket <= %v: %d, want %d", b, s.Cumulative[i], w)
		}
	}
	if s.Count != 5 || s.SumSeconds < 63.03 || s.SumSeconds > 63.04 {
		t.Fatalf("count %d sum %v", s.Count, s.SumSeconds)
	}
}
