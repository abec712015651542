package spectest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	transition "github.com/libp2pc/libp2pc/libp2pc/internal/phase0transition" // the phase0-typed test helpers
)

// meta is meta.yaml of the state-transition formats.
type meta struct {
	BlsSetting  int `yaml:"bls_setting"`
	BlocksCount int `yaml:"blocks_count"`
}

func readMeta(t *testing.T, c Case) meta {
	t.Helper()
	var m meta
	if c.Exists("meta.yaml") {
		if err := c.YAML("meta", &m); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// verifySignatures follows bls_setting: 0/absent optional (we verify),
// 1 required, 2 ignored (the vectors were made with BLS off).
func (m meta) verifySignatures() bool { return m.BlsSetting != 2 }

func readState(t *testing.T, c Case, name string) *phase0.BeaconState {
	t.Helper()
	raw, err := c.SSZ(name)
	if err != nil {
		t.Fatal(err)
	}
	s := new(phase0.BeaconState)
	if err := s.UnmarshalSSZ(raw); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return s
}

// readObject decodes name.ssz_snappy into obj.
func readObject(t *testing.T, c Case, name string, obj interface{ UnmarshalSSZ([]byte) error }) {
	t.Helper()
	raw, err := c.SSZ(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.UnmarshalSSZ(raw); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
}

// expectPost compares got with post.ssz_snappy (by serialization, which
// is what hash_tree_root commits to as well), or, when the case has no post
// file, requires that the transition failed.
func expectPost(t *testing.T, c Case, got *phase0.BeaconState, err error) {
	t.Helper()
	if !c.Exists("post.ssz_snappy") {
		if err == nil {
			t.Fatal("transition succeeded, but the case has no post state: it must be rejected")
		}
		var re *transition.RuleError
		if !errors.As(err, &re) {
			t.Errorf("rejected, but not for a consensus rule: %v", err)
		}
		t.Logf("rejected as expected: %v", err)
		return
	}
	if err != nil {
		t.Fatalf("transition failed: %v", err)
	}
	want := readState(t, c, "post")
	if diff := stateDiff(got, want); diff != "" {
		t.Fatalf("post state differs: %s", diff)
	}
}

// stateDiff names the first top-level field that differs, or "".
func stateDiff(got, want *phase0.BeaconState) string {
	g, err := got.MarshalSSZ()
	if err != nil {
		return fmt.Sprintf("encode result: %v", err)
	}
	w, err := want.MarshalSSZ()
	if err != nil {
		return fmt.Sprintf("encode expected: %v", err)
	}
	if bytes.Equal(g, w) {
		return ""
	}
	type field struct {
		name string
		a, b any
	}
	fields := []field{
		{"slot", got.Slot, want.Slot},
		{"fork", *got.Fork, *want.Fork},
		{"latest_block_header", *got.LatestBlockHeader, *want.LatestBlockHeader},
		{"block_roots", got.BlockRoots, want.BlockRoots},
		{"state_roots", got.StateRoots, want.StateRoots},
		{"historical_roots", got.HistoricalRoots, want.HistoricalRoots},
		{"eth1_data", *got.Eth1Data, *want.Eth1Data},
		{"eth1_deposit_index", got.Eth1DepositIndex, want.Eth1DepositIndex},
		{"balances", got.Balances, want.Balances},
		{"randao_mixes", got.RandaoMixes, want.RandaoMixes},
		{"slashings", got.Slashings, want.Slashings},
		{"justification_bits", got.JustificationBits, want.JustificationBits},
		{"previous_justified_checkpoint", *got.PreviousJustifiedCheckpoint, *want.PreviousJustifiedCheckpoint},
		{"current_justified_checkpoint", *got.CurrentJustifiedCheckpoint, *want.CurrentJustifiedCheckpoint},
		{"finalized_checkpoint", *got.FinalizedCheckpoint, *want.FinalizedCheckpoint},
	}
	for _, f := range fields {
		if fmt.Sprint(f.a) != fmt.Sprint(f.b) {
			if a, ok := f.a.([]uint64); ok {
				b := f.b.([]uint64)
				for i := range min(len(a), len(b)) {
					if a[i] != b[i] {
						return fmt.Sprintf("%s[%d]: got %d, want %d (lengths %d, %d)", f.name, i, a[i], b[i], len(a), len(b))
					}
				}
			}
			return f.name
		}
	}
	if len(got.Validators) != len(want.Validators) {
		return fmt.Sprintf("validators: %d, want %d", len(got.Validators), len(want.Validators))
	}
	for i := range got.Validators {
		if *got.Validators[i] != *want.Validators[i] {
			return fmt.Sprintf("validators[%d]: got %+v, want %+v", i, *got.Validators[i], *want.Validators[i])
		}
	}
	return "eth1_data_votes or epoch attestations"
}

func TestSanitySlots(t *testing.T) {
	cfg := loadConfig(t)
	dir := handlerDir(t, config.PresetName, "sanity", "slots")
	summary.Run(t, "sanity", "slots", dir, func(t *testing.T, c Case) {
		pre := readState(t, c, "pre")
		var slots uint64
		if err := c.YAML("slots", &slots); err != nil {
			t.Fatal(err)
		}
		err := transition.ProcessSlots(cfg, pre, pre.Slot+slots)
		expectPost(t, c, pre, err)
	})
}

// runBlocks applies blocks_<i> in order with state_transition (signatures
// per bls_setting, state root checked), as sanity/blocks and finality do.
func runBlocks(t *testing.T, cfg *config.Config, c Case) {
	m := readMeta(t, c)
	pre := readState(t, c, "pre")
	preBytes, _ := pre.MarshalSSZ()
	state := pre
	var err error
	for i := 0; i < m.BlocksCount; i++ {
		block := new(phase0.SignedBeaconBlock)
		readObject(t, c, fmt.Sprintf("blocks_%d", i), block)
		var next *phase0.BeaconState
		next, err = transition.StateTransition(cfg, state, block, m.verifySignatures(), true)
		if err != nil {
			err = fmt.Errorf("block %d: %w", i, err)
			break
		}
		state = next
	}
	if after, _ := pre.MarshalSSZ(); !bytes.Equal(after, preBytes) {
		t.Fatal("state_transition modified its pre-state")
	}
	expectPost(t, c, state, err)
}

func TestSanityBlocks(t *testing.T) {
	cfg := loadConfig(t)
	dir := handlerDir(t, config.PresetName, "sanity", "blocks")
	summary.Run(t, "sanity", "blocks", dir, func(t *testing.T, c Case) { runBlocks(t, cfg, c) })
}

func TestFinality(t *testing.T) {
	cfg := loadConfig(t)
	dir := handlerDir(t, config.PresetName, "finality", "finality")
	summary.Run(t, "finality", "finality", dir, func(t *testing.T, c Case) { runBlocks(t, cfg, c) })
}

func TestOperations(t *testing.T) {
	cfg := loadConfig(t)
	type op struct {
		file  string
		apply func(t *testing.T, c Case, s *phase0.BeaconState, verify bool) error
	}
	ops := map[string]op{
		"attestation": {"attestation", func(t *testing.T, c Case, s *phase0.BeaconState, verify bool) error {
			o := new(phase0.Attestation)
			readObject(t, c, "attestation", o)
			return transition.ProcessAttestation(cfg, s, o, verify)
		}},
		"attester_slashing": {"attester_slashing", func(t *testing.T, c Case, s *phase0.BeaconState, verify bool) error {
			o := new(phase0.AttesterSlashing)
			readObject(t, c, "attester_slashing", o)
			return transition.ProcessAttesterSlashing(cfg, s, o, verify)
		}},
		"block_header": {"block", func(t *testing.T, c Case, s *phase0.BeaconState, verify bool) error {
			o := new(phase0.BeaconBlock)
			readObject(t, c, "block", o)
			return transition.ProcessBlockHeader(cfg, s, o)
		}},
		"deposit": {"deposit", func(t *testing.T, c Case, s *phase0.BeaconState, verify bool) error {
			o := new(phase0.Deposit)
			readObject(t, c, "deposit", o)
			return transition.ProcessDeposit(cfg, s, o)
		}},
		"proposer_slashing": {"proposer_slashing", func(t *testing.T, c Case, s *phase0.BeaconState, verify bool) error {
			o := new(phase0.ProposerSlashing)
			readObject(t, c, "proposer_slashing", o)
			return transition.ProcessProposerSlashing(cfg, s, o, verify)
		}},
		"voluntary_exit": {"voluntary_exit", func(t *testing.T, c Case, s *phase0.BeaconState, verify bool) error {
			o := new(phase0.SignedVoluntaryExit)
			readObject(t, c, "voluntary_exit", o)
			return transition.ProcessVoluntaryExit(cfg, s, o, verify)
		}},
	}
	for _, name := range sortedKeys(ops) {
		o := ops[name]
		t.Run(name, func(t *testing.T) {
			dir := handlerDir(t, config.PresetName, "operations", name)
			summary.Run(t, "operations", name, dir, func(t *testing.T, c Case) {
				m := readMeta(t, c)
				s := readState(t, c, "pre")
				err := o.apply(t, c, s, m.verifySignatures())
				expectPost(t, c, s, err)
			})
		})
	}
}

func TestEpochProcessing(t *testing.T) {
	cfg := loadConfig(t)
	handlers := map[string]func(*config.Config, *phase0.BeaconState) error{
		"justification_and_finalization": transition.ProcessJustificationAndFinalization,
		"rewards_and_penalties":          transition.ProcessRewardsAndPenalties,
		"registry_updates":               transition.ProcessRegistryUpdates,
		"slashings":                      transition.ProcessSlashings,
		"eth1_data_reset":                transition.ProcessEth1DataReset,
		"effective_balance_updates":      transition.ProcessEffectiveBalanceUpdates,
		"slashings_reset":                transition.ProcessSlashingsReset,
		"randao_mixes_reset":             transition.ProcessRandaoMixesReset,
		"historical_roots_update":        transition.ProcessHistoricalRootsUpdate,
		"participation_record_updates":   transition.ProcessParticipationRecordUpdates,
	}
	for _, name := range sortedKeys(handlers) {
		fn := handlers[name]
		t.Run(name, func(t *testing.T) {
			dir := handlerDir(t, config.PresetName, "epoch_processing", name)
			summary.Run(t, "epoch_processing", name, dir, func(t *testing.T, c Case) {
				s := readState(t, c, "pre")
				err := fn(cfg, s)
				expectPost(t, c, s, err)
			})
		})
	}
}

// decodeDeltas decodes the rewards format's Deltas container:
// (rewards: List[Gwei, N], penalties: List[Gwei, N]), two offsets then data.
func decodeDeltas(b []byte) (transition.Deltas, error) {
	var d transition.Deltas
	if len(b) < 8 {
		return d, errors.New("deltas: too short")
	}
	o1, o2 := binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint32(b[4:8])
	if o1 != 8 || o2 < o1 || int(o2) > len(b) || (o2-o1)%8 != 0 || (uint32(len(b))-o2)%8 != 0 {
		return d, errors.New("deltas: bad offsets")
	}
	read := func(p []byte) []uint64 {
		out := make([]uint64, len(p)/8)
		for i := range out {
			out[i] = binary.LittleEndian.Uint64(p[i*8:])
		}
		return out
	}
	d.Rewards, d.Penalties = read(b[o1:o2]), read(b[o2:])
	return d, nil
}

func TestRewards(t *testing.T) {
	for _, handler := range []string{"basic", "leak", "random"} {
		t.Run(handler, func(t *testing.T) {
			dir := handlerDir(t, config.PresetName, "rewards", handler)
			summary.Run(t, "rewards", handler, dir, func(t *testing.T, c Case) {
				s := readState(t, c, "pre")
				got, err := transition.GetAttestationDeltas(s)
				if err != nil {
					t.Fatal(err)
				}
				for _, comp := range []struct {
					file string
					d    transition.Deltas
				}{
					{"source_deltas", got.Source},
					{"target_deltas", got.Target},
					{"head_deltas", got.Head},
					{"inclusion_delay_deltas", got.InclusionDelay},
					{"inactivity_penalty_deltas", got.InactivityPenalty},
				} {
					raw, err := c.SSZ(comp.file)
					if err != nil {
						t.Fatal(err)
					}
					want, err := decodeDeltas(raw)
					if err != nil {
						t.Fatalf("%s: %v", comp.file, err)
					}
					if fmt.Sprint(want.Rewards) != fmt.Sprint(comp.d.Rewards) {
						t.Errorf("%s rewards: got %v, want %v", comp.file, comp.d.Rewards, want.Rewards)
					}
					if fmt.Sprint(want.Penalties) != fmt.Sprint(comp.d.Penalties) {
						t.Errorf("%s penalties: got %v, want %v", comp.file, comp.d.Penalties, want.Penalties)
					}
				}
			})
		})
	}
}
