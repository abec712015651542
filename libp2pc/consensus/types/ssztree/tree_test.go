package ssztree

import (
	"math/rand"
	"testing"
)

// naive merkleization, for comparison.
func naiveRoot(leaves [][32]byte, depth int) [32]byte {
	layer := append([][32]byte(nil), leaves...)
	for h := 0; h < depth; h++ {
		var next [][32]byte
		for i := 0; i < len(layer); i += 2 {
			right := ZeroHashes[h]
			if i+1 < len(layer) {
				right = layer[i+1]
			}
			next = append(next, hash(layer[i], right))
		}
		if len(next) == 0 {
			return ZeroHashes[depth]
		}
		layer = next
	}
	if len(layer) == 0 {
		return ZeroHashes[depth]
	}
	return layer[0]
}

func TestTreeMatchesNaiveUnderChanges(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for _, limit := range []uint64{1, 2, 5, 64, 1000, 1 << 40} {
		tr := New(limit)
		var leaves [][32]byte
		maxLen := int(min(limit, 300))
		for step := 0; step < 200; step++ {
			switch r.Intn(4) {
			case 0: // grow
				for k := r.Intn(5); k > 0 && len(leaves) < maxLen; k-- {
					var c [32]byte
					r.Read(c[:])
					leaves = append(leaves, c)
				}
			case 1: // shrink
				if len(leaves) > 0 {
					leaves = leaves[:r.Intn(len(leaves)+1)]
				}
			default: // change some
				for k := r.Intn(3); k > 0 && len(leaves) > 0; k-- {
					r.Read(leaves[r.Intn(len(leaves))][:])
				}
			}
			if got, want := tr.Root(leaves), naiveRoot(leaves, Depth(limit)); got != want {
				t.Fatalf("limit %d, step %d, %d leaves: root %x, want %x", limit, step, len(leaves), got, want)
			}
		}
	}
}
