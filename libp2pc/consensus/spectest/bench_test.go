package spectest

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	transition "github.com/libp2pc/libp2pc/libp2pc/internal/phase0transition" // the phase0-typed test helpers
)

// Benchmarks on the spec vectors of the compiled preset: the valid
// single-block sanity/blocks cases with the largest blocks.

type blockCase struct {
	name  string
	pre   *phase0.BeaconState
	block *phase0.SignedBeaconBlock
	size  int
}

func largestBlockCases(b *testing.B, n int) (*config.Config, []blockCase) {
	b.Helper()
	dir, err := Dir()
	if err != nil {
		b.Skip(err)
	}
	handler := filepath.Join(dir, "tests", config.PresetName, "phase0", "sanity", "blocks")
	if _, err := os.Stat(handler); err != nil {
		b.Skipf("no %s: %v", handler, err)
	}
	cfg, err := config.LoadConfigFile(filepath.Join(dir, "configs", config.PresetName+".yaml"))
	if err != nil {
		b.Fatal(err)
	}
	cases, err := Cases(handler)
	if err != nil {
		b.Fatal(err)
	}
	var out []blockCase
	for _, c := range cases {
		if len(lfsPointers(c.Dir)) > 0 || !c.Exists("post.ssz_snappy") {
			continue
		}
		var m meta
		if err := c.YAML("meta", &m); err != nil || m.BlocksCount != 1 || m.BlsSetting == 2 {
			continue
		}
		raw, err := c.SSZ("blocks_0")
		if err != nil {
			b.Fatal(err)
		}
		blk := new(phase0.SignedBeaconBlock)
		if err := blk.UnmarshalSSZ(raw); err != nil {
			b.Fatal(err)
		}
		preRaw, err := c.SSZ("pre")
		if err != nil {
			b.Fatal(err)
		}
		pre := new(phase0.BeaconState)
		if err := pre.UnmarshalSSZ(preRaw); err != nil {
			b.Fatal(err)
		}
		out = append(out, blockCase{name: filepath.Base(c.Dir), pre: pre, block: blk, size: len(raw)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].size > out[j].size })
	if len(out) > n {
		out = out[:n]
	}
	return cfg, out
}

func BenchmarkVectorStateHashTreeRoot(b *testing.B) {
	_, cases := largestBlockCases(b, 1)
	for _, c := range cases {
		b.Run(config.PresetName+"/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := c.pre.HashTreeRoot(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// process_slots from the last slot of the pre-state's epoch into the next.
func BenchmarkVectorProcessSlotsEpochBoundary(b *testing.B) {
	cfg, cases := largestBlockCases(b, 1)
	for _, c := range cases {
		b.Run(config.PresetName+"/"+c.name, func(b *testing.B) {
			base := c.pre.Copy()
			last := (base.Slot/config.SlotsPerEpoch+1)*config.SlotsPerEpoch - 1
			if last > base.Slot {
				if err := transition.ProcessSlots(cfg, base, last); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s := base.Copy()
				b.StartTimer()
				if err := transition.ProcessSlots(cfg, s, last+1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// state_transition with every signature verified and the state root
// checked, on the largest blocks; includes the copy of the pre-state.
func BenchmarkVectorProcessBlockWithSignatures(b *testing.B) {
	cfg, cases := largestBlockCases(b, 3)
	for _, c := range cases {
		b.Run(config.PresetName+"/"+c.name, func(b *testing.B) {
			// Warm-up: fills the bls public-key cache, as in a running node.
			if _, err := transition.StateTransition(cfg, c.pre, c.block, true, true); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := transition.StateTransition(cfg, c.pre, c.block, true, true); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(c.size), "block-bytes")
			b.ReportMetric(float64(len(c.block.Message.Body.Attestations)), "attestations")
		})
	}
}

// The copy state_transition makes so that a rejected block leaves the
// pre-state untouched.
func BenchmarkVectorStateCopy(b *testing.B) {
	_, cases := largestBlockCases(b, 1)
	for _, c := range cases {
		b.Run(config.PresetName+"/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				_ = c.pre.Copy()
			}
		})
	}
}
