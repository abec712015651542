package gossipcheck

import (
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/da/dafixture"
)

// BenchmarkValidateDataColumnSidecar: one column of a 21-blob block
// through every rule, the header signature and inclusion proof already
// cached (the other columns of the block came first) — the per-column
// cost, dominated by the batch KZG verification of its 21 cells.
// (Issue 15's target: under 25 ms on 2 cores.)
func BenchmarkValidateDataColumnSidecar(b *testing.B) {
	f := loadFixture(b)
	cols := dafixture.Columns(b, f.kzg, dafixture.BlockSpec{Slot: fuluSlot, Proposer: proposer, Parent: parentRoot, Blobs: 21, Seed: 21})
	chain := newChainFacts(b)
	v := newValidator(b, chain)
	if r := v.ValidateDataColumnSidecar(cols[0], 0, time.Now()); r.Verdict != Accept {
		b.Fatal(r)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// A fresh seen set each round: the rule would IGNORE a repeat.
		v.seenCols = map[seenKey]struct{}{}
		idx := 1 + i%127
		if r := v.ValidateDataColumnSidecar(cols[idx], uint64(idx), time.Now()); r.Verdict != Accept {
			b.Fatal(r)
		}
	}
}
