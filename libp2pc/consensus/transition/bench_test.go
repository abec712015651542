package transition_test

import (
	"fmt"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/internal/phase0transition"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
)

// Synthetic-chain benchmarks, for the compiled preset. The spectest package
// has the same measurements on the largest spec vectors.

var benchSizes = []int{1024, 16384}

func BenchmarkSyntheticStateHashTreeRoot(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("%s/validators=%d", config.PresetName, n), func(b *testing.B) {
			s, err := testchain.Genesis(n)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.HashTreeRoot(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The incremental hash the state transition uses, after the changes of a
// typical slot (slot, one state root, one block root, one balance).
func BenchmarkSyntheticStateCachedHashTreeRoot(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("%s/validators=%d", config.PresetName, n), func(b *testing.B) {
			s, err := testchain.Genesis(n)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.CachedHashTreeRoot(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.Slot++
				s.StateRoots[s.Slot%config.SlotsPerHistoricalRoot][0]++
				s.BlockRoots[s.Slot%config.SlotsPerHistoricalRoot][0]++
				s.Balances[i%n]++
				if _, err := s.CachedHashTreeRoot(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSyntheticStateCopy(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("%s/validators=%d", config.PresetName, n), func(b *testing.B) {
			s, err := testchain.Genesis(n)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_ = s.Copy()
			}
		})
	}
}

// process_slots from the last slot of epoch 1 over the boundary into epoch 2.
func BenchmarkSyntheticProcessSlotsEpochBoundary(b *testing.B) {
	cfg := testchain.Config()
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("%s/validators=%d", config.PresetName, n), func(b *testing.B) {
			s, err := testchain.Genesis(n)
			if err != nil {
				b.Fatal(err)
			}
			from := uint64(2*config.SlotsPerEpoch - 1)
			if err := phase0transition.ProcessSlots(cfg, s, from); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				c := s.Copy()
				b.StartTimer()
				if err := phase0transition.ProcessSlots(cfg, c, from+1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// state_transition (copy, slots, block with all signatures batch-verified,
// state root check) of a block carrying a full epoch of attestations.
func BenchmarkSyntheticProcessBlockWithSignatures(b *testing.B) {
	cfg := testchain.Config()
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("%s/validators=%d", config.PresetName, n), func(b *testing.B) {
			s, err := testchain.Genesis(n)
			if err != nil {
				b.Fatal(err)
			}
			// The block at slot SLOTS_PER_EPOCH+1 carries the attestations of
			// the SLOTS_PER_EPOCH slots before it; s stays one slot behind.
			slot := uint64(config.SlotsPerEpoch + 1)
			if err := phase0transition.ProcessSlots(cfg, s, slot-1); err != nil {
				b.Fatal(err)
			}
			blk, err := testchain.ProduceBlock(cfg, s, slot, config.SlotsPerEpoch)
			if err != nil {
				b.Fatal(err)
			}
			// Warm-up: decompresses the validators' keys into the bls
			// package's cache, as a running node always has them.
			if _, err := phase0transition.StateTransition(cfg, s, blk, true, true); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := phase0transition.StateTransition(cfg, s, blk, true, true); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(blk.Message.Body.Attestations)), "attestations")
		})
	}
}
