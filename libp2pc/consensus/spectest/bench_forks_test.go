package spectest

import (
	"fmt"
	mathbits "math/bits"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
)

// Per-fork state-transition benchmarks, on the vectors of the compiled
// preset (the correctness run of the same trees is TestForkStateTransitions:
// `make spec-test-mainnet-scale` points SPEC_TESTS_DIR at the mainnet one):
//
//   - minimal: phase0 from the phase0 tree (SPEC_TESTS_DIR, configs/minimal.yaml),
//     altair..fulu from the stf tree (STF_TESTS_DIR, configs/minimal_<fork>.yaml);
//   - mainnet: the mainnet-scale bench inputs (65,536 validators; phase0,
//     deneb, electra, fulu) at $MAINNET_BENCH_DIR, default build/bench-mainnet
//     (`make spec-test-mainnet-scale` / `make bench-consensus` unpack it),
//     configs/mainnet_<fork>.yaml.
//
// Every fork, phase0 included, runs through the generic multi-fork
// transition (transition.Transition / AdvanceSlots), which is also what the
// phase0 API wraps; phase0 states keep their incremental hash cache there.
//
// Benchmarks (names group by fork, then preset):
//
//	BenchmarkForkStateTransition/<fork>/<preset>/{cold,warm}
//	    state_transition of the largest signed block: process_slots up to the
//	    block's slot, process_block with every signature verified (proposer,
//	    RANDAO, attestations, sync aggregate, ...; one batch), state-root check.
//	    cold: freshly decoded pre-state (nothing hashed); warm: a pre-state
//	    already hashed and through one transition, as a running node holds it.
//	    The copy Transition makes of its pre-state is included.
//	BenchmarkForkProcessBlock/<fork>/<preset>
//	    process_block alone (plus verify_block_signature), every signature
//	    verified, on a copy (untimed) of a state already at the block's slot.
//	BenchmarkForkEpochTransition/<fork>/<preset>/{cold,warm}
//	    process_slots from the last slot of an epoch across the boundary
//	    (process_slot + process_epoch), on a copy (untimed) of the pre-state of
//	    the sanity/slots epoch case. cold: freshly decoded; warm: hashed.
//
// The BLS public-key cache is process-wide: every benchmark fills it before
// timing, "cold" too (cold means the state, not the process).

// MainnetBenchDirEnv names the unpacked mainnet-scale bench archive.
const MainnetBenchDirEnv = "MAINNET_BENCH_DIR"

// forkInputs locates the vectors of fork f for the compiled preset: the
// root of its tree, its config, and its tests/<preset>/<fork> directory.
type forkInputs struct {
	fork forks.Fork
	cfg  *config.Config
	dir  string // tests/<preset>/<fork>
}

func mainnetBenchDir() (string, error) {
	if d := os.Getenv(MainnetBenchDirEnv); d != "" {
		return d, nil
	}
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(dir), "bench-mainnet"), nil
}

// locateFork returns the inputs of fork f, or a reason they are absent.
func locateFork(f forks.Fork) (*forkInputs, string, error) {
	var root string
	switch {
	case config.PresetName == "minimal" && f == forks.Phase0:
		dir, err := Dir()
		if err != nil {
			return nil, err.Error(), nil
		}
		root = dir
	case config.PresetName == "minimal":
		dir, err := STFDir()
		if err != nil {
			return nil, err.Error(), nil
		}
		root = dir
	default:
		dir, err := mainnetBenchDir()
		if err != nil {
			return nil, err.Error(), nil
		}
		root = dir
	}
	dir := filepath.Join(root, "tests", config.PresetName, f.String())
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Sprintf("no %s vectors at %s (set SPEC_TESTS_DIR / STF_TESTS_DIR / %s, or run `make bench-consensus`)", f, dir, MainnetBenchDirEnv), nil
	}
	cfgPath, err := ForkConfigPath(root, config.PresetName, f.String())
	if err != nil {
		return nil, "", err
	}
	cfg, err := config.LoadConfigFile(cfgPath)
	if err != nil {
		return nil, "", err
	}
	return &forkInputs{fork: f, cfg: cfg, dir: dir}, "", nil
}

// benchForks is every fork with its inputs for the compiled preset; forks
// without inputs are reported through b.Skip in their own sub-benchmark.
func benchForks(b *testing.B, fn func(b *testing.B, in *forkInputs)) {
	for _, f := range forks.All() {
		b.Run(f.String()+"/"+config.PresetName, func(b *testing.B) {
			in, reason, err := locateFork(f)
			if err != nil {
				b.Fatal(err)
			}
			if in == nil {
				b.Skip(reason)
			}
			fn(b, in)
		})
	}
}

// benchBlockCase is the chosen sanity/blocks case of a fork: the pre-state
// (as SSZ, and decoded and advanced through the blocks before the chosen
// one) and the chosen block.
type benchBlockCase struct {
	name      string
	preSSZ    []byte // the case's pre-state
	startSSZ  []byte // the pre-state of block (after the blocks before it)
	before    int    // blocks applied to pre before block (setup)
	blocks    []*state.SignedBeaconBlock
	block     *state.SignedBeaconBlock
	size      int
	numAtts   int
	attesters int
	numBlock  int
}

// attestationsOf returns the number of attestations of a block and of
// attesters they carry (set aggregation bits; the bitlists' length bit
// excluded).
func attestationsOf(b *state.SignedBeaconBlock) (atts, attesters int) {
	count := func(bits []byte) int {
		n := 0
		for _, x := range bits {
			n += mathbits.OnesCount8(x)
		}
		return max(n-1, 0)
	}
	for _, a := range b.Message.Body.Attestations {
		atts++
		attesters += count(a.AggregationBits)
	}
	for _, a := range b.Message.Body.ElectraAttestations {
		atts++
		attesters += count(a.AggregationBits)
	}
	return atts, attesters
}

// pickBlockCase chooses, among the valid sanity/blocks cases with
// signatures, the block with the most attesters (then the most bytes):
// bench_block_full_attestations on the mainnet inputs. The benchmarked block
// is applied to the state after the blocks of its case before it.
func pickBlockCase(b *testing.B, in *forkInputs) *benchBlockCase {
	b.Helper()
	handler := filepath.Join(in.dir, "sanity", "blocks")
	cases, err := Cases(handler)
	if err != nil {
		b.Skipf("no sanity/blocks for %s: %v", in.fork, err)
	}
	var best *benchBlockCase
	var bestCase Case
	for _, c := range cases {
		if len(lfsPointers(c.Dir)) > 0 || !c.Exists("post.ssz_snappy") {
			continue
		}
		var m meta
		if c.Exists("meta.yaml") {
			if err := c.YAML("meta", &m); err != nil {
				b.Fatal(err)
			}
		}
		if m.BlsSetting == 2 {
			continue
		}
		var blocks []*state.SignedBeaconBlock
		for i := 0; i < m.BlocksCount; i++ {
			raw, err := c.SSZ(fmt.Sprintf("blocks_%d", i))
			if err != nil {
				b.Fatal(err)
			}
			blk, err := state.DecodeSignedBlock(in.fork, raw)
			if err != nil {
				b.Fatal(err)
			}
			blocks = append(blocks, blk)
			atts, attesters := attestationsOf(blk)
			if best == nil || attesters > best.attesters || (attesters == best.attesters && len(raw) > best.size) {
				best = &benchBlockCase{name: filepath.Base(c.Dir), before: i, size: len(raw), numAtts: atts, attesters: attesters, numBlock: m.BlocksCount}
				bestCase = c
			}
		}
		if best != nil && bestCase.Dir == c.Dir {
			best.blocks = blocks[:best.before+1]
		}
	}
	if best == nil {
		b.Skipf("no valid signed sanity/blocks case for %s under %s", in.fork, handler)
	}
	if best.preSSZ, err = bestCase.SSZ("pre"); err != nil {
		b.Fatal(err)
	}
	best.block = best.blocks[best.before]
	return best
}

// preState returns a freshly decoded pre-state of the benchmarked block
// (nothing hashed, no cache): the case's pre-state after the blocks before
// it (applied once, then kept encoded).
func (c *benchBlockCase) preState(b *testing.B, in *forkInputs) *state.BeaconState {
	b.Helper()
	if c.startSSZ == nil {
		s, err := state.Decode(in.fork, c.preSSZ)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < c.before; i++ {
			res, err := transition.Transition(in.cfg, s, c.blocks[i], transition.Options{ValidateStateRoot: true})
			if err != nil {
				b.Fatalf("%s block %d: %v", c.name, i, err)
			}
			s = res.State
		}
		if c.startSSZ, err = s.MarshalSSZ(); err != nil {
			b.Fatal(err)
		}
	}
	s, err := state.Decode(c.block.Message.ForkName, c.startSSZ)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func (c *benchBlockCase) report(b *testing.B) {
	b.ReportMetric(float64(c.size), "block-bytes")
	b.ReportMetric(float64(c.attesters), "attesters")
}

var fullOpts = transition.Options{VerifySignatures: true, ValidateStateRoot: true}

func BenchmarkForkStateTransition(b *testing.B) {
	benchForks(b, func(b *testing.B, in *forkInputs) {
		c := pickBlockCase(b, in)
		b.Logf("%s: case %s, block %d of %d, %d bytes, %d attestations, %d attesters", in.fork, c.name, c.before, c.numBlock, c.size, c.numAtts, c.attesters)
		b.Run("cold", func(b *testing.B) {
			// Untimed: fills the process-wide BLS public-key cache (about
			// 1.2 s for the ~16,900 keys of a mainnet bench block), which
			// a running node has filled long before.
			if _, err := transition.Transition(in.cfg, c.preState(b, in), c.block, fullOpts); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				pre := c.preState(b, in)
				b.StartTimer()
				if _, err := transition.Transition(in.cfg, pre, c.block, fullOpts); err != nil {
					b.Fatal(err)
				}
			}
			c.report(b)
		})
		b.Run("warm", func(b *testing.B) {
			pre := c.preState(b, in)
			if _, err := pre.HashTreeRoot(); err != nil {
				b.Fatal(err)
			}
			// One transition fills the caches a running node has (BLS
			// keys, phase0's hash cache through the shared shadow).
			if _, err := transition.Transition(in.cfg, pre, c.block, fullOpts); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := transition.Transition(in.cfg, pre, c.block, fullOpts); err != nil {
					b.Fatal(err)
				}
			}
			c.report(b)
		})
	})
}

func BenchmarkForkProcessBlock(b *testing.B) {
	benchForks(b, func(b *testing.B, in *forkInputs) {
		c := pickBlockCase(b, in)
		base := c.preState(b, in)
		if base.Slot < c.block.Message.Slot {
			if err := transition.AdvanceSlots(in.cfg, base, c.block.Message.Slot); err != nil {
				b.Fatal(err)
			}
		}
		// Untimed: fills the BLS public-key cache.
		if _, err := transition.ProcessBlock(in.cfg, base.Copy(), c.block.Message, true, nil); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			s := base.Copy()
			b.StartTimer()
			if err := transition.VerifyBlockSignature(in.cfg, s, c.block); err != nil {
				b.Fatal(err)
			}
			if _, err := transition.ProcessBlock(in.cfg, s, c.block.Message, true, nil); err != nil {
				b.Fatal(err)
			}
		}
		c.report(b)
	})
}

// pickSlotsState returns the pre-state of the sanity/slots case that
// crosses an epoch boundary (bench_epoch_transition, else
// over_epoch_boundary, else any), advanced (untimed) to the last slot of
// its epoch.
func pickSlotsState(b *testing.B, in *forkInputs) (string, []byte) {
	b.Helper()
	handler := filepath.Join(in.dir, "sanity", "slots")
	cases, err := Cases(handler)
	if err != nil || len(cases) == 0 {
		b.Skipf("no sanity/slots for %s: %v", in.fork, err)
	}
	pick := cases[0]
	rank := func(name string) int {
		switch {
		case name == "bench_epoch_transition":
			return 0
		case name == "over_epoch_boundary":
			return 1
		case strings.Contains(name, "epoch"):
			return 2
		}
		return 3
	}
	for _, c := range cases {
		if rank(filepath.Base(c.Dir)) < rank(filepath.Base(pick.Dir)) {
			pick = c
		}
	}
	raw, err := pick.SSZ("pre")
	if err != nil {
		b.Fatal(err)
	}
	return filepath.Base(pick.Dir), raw
}

func BenchmarkForkEpochTransition(b *testing.B) {
	benchForks(b, func(b *testing.B, in *forkInputs) {
		name, raw := pickSlotsState(b, in)
		// The pre-state advanced (once) to the last slot of its epoch,
		// kept encoded: each cold run decodes it afresh.
		s, err := state.Decode(in.fork, raw)
		if err != nil {
			b.Fatal(err)
		}
		if last := (s.Slot/config.SlotsPerEpoch+1)*config.SlotsPerEpoch - 1; last > s.Slot {
			if err := transition.AdvanceSlots(in.cfg, s, last); err != nil {
				b.Fatal(err)
			}
			if raw, err = s.MarshalSSZ(); err != nil {
				b.Fatal(err)
			}
		}
		fork := s.ForkName
		decode := func(b *testing.B) *state.BeaconState {
			s, err := state.Decode(fork, raw)
			if err != nil {
				b.Fatal(err)
			}
			return s
		}
		b.Logf("%s: sanity/slots case %s", in.fork, name)
		b.Run("cold", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s := decode(b)
				b.StartTimer()
				if err := transition.AdvanceSlots(in.cfg, s, s.Slot+1); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("warm", func(b *testing.B) {
			base := decode(b)
			if _, err := base.HashTreeRoot(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s := base.Copy()
				b.StartTimer()
				if err := transition.AdvanceSlots(in.cfg, s, s.Slot+1); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
