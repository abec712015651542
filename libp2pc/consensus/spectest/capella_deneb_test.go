package spectest

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// Rule-level checks of capella and deneb on top of the sanity vectors:
// each takes a valid block of a vector case, changes one thing, and
// requires the rejection to name the rule (or, for a rule that widens what
// is valid, the acceptance). Signatures and state roots are only checked
// where the test is about them.

// stfCase loads the config of fork f and one of its sanity/blocks cases.
func stfCase(t *testing.T, f forks.Fork, name string) (*config.Config, Case) {
	t.Helper()
	root, err := STFDir()
	if err != nil || config.PresetName != "minimal" {
		t.Skip("needs the minimal altair..fulu vectors")
	}
	cfg, err := config.LoadConfigFile(filepath.Join(root, "configs", "minimal_"+f.String()+".yaml"))
	if err != nil {
		t.Skipf("vectors absent: %v", err)
	}
	c := Case{Dir: filepath.Join(root, "tests", "minimal", f.String(), "sanity", "blocks", "pyspec_tests", name), Name: name}
	if !c.Exists("pre.ssz_snappy") {
		t.Skipf("%s/%s absent", f, name)
	}
	return cfg, c
}

// caseBlock decodes blocks_<i> afresh (so a test may change it freely).
func caseBlock(t *testing.T, c Case, f forks.Fork, i int) *state.SignedBeaconBlock {
	t.Helper()
	raw, err := c.SSZ(fmt.Sprintf("blocks_%d", i))
	if err != nil {
		t.Fatal(err)
	}
	b, err := state.DecodeSignedBlock(f, raw)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stateBefore returns the case's state before block i (blocks 0..i-1
// applied, fully checked).
func stateBefore(t *testing.T, cfg *config.Config, c Case, f forks.Fork, i int) *state.BeaconState {
	t.Helper()
	s := readStateAny(t, c, f, "pre")
	for j := 0; j < i; j++ {
		res, err := transition.Transition(cfg, s, caseBlock(t, c, f, j), transition.Options{VerifySignatures: true, ValidateStateRoot: true})
		if err != nil {
			t.Fatalf("block %d: %v", j, err)
		}
		s = res.State
	}
	return s
}

// firstBlock returns the index of the first block of c for which pick holds.
func firstBlock(t *testing.T, c Case, f forks.Fork, pick func(*state.BeaconBlockBody) bool) int {
	t.Helper()
	m := readMeta(t, c)
	for i := 0; i < m.BlocksCount; i++ {
		if pick(caseBlock(t, c, f, i).Message.Body) {
			return i
		}
	}
	t.Fatalf("%s: no block of the kind the test needs", c.Name)
	return 0
}

// wantRule requires a *RuleError of function fn whose text contains sub.
func wantRule(t *testing.T, err error, fn, sub string) {
	t.Helper()
	var re *transition.RuleError
	if !errors.As(err, &re) {
		t.Fatalf("got %v, want a rule error of %s", err, fn)
	}
	if re.Fn != fn || !strings.Contains(re.Error(), sub) {
		t.Fatalf("got %q, want %s (%q)", re.Error(), fn, sub)
	}
}

var capellaDeneb = []forks.Fork{forks.Capella, forks.Deneb}

// The compiled capella and deneb preset values are those of the presets
// shipped with the vectors, and the deneb config values are read from the
// config (with defaults equal to the published minimal config).
func TestCapellaDenebPresetMatchesVectors(t *testing.T) {
	root, err := STFDir()
	if err != nil || config.PresetName != "minimal" {
		t.Skip("needs the minimal altair..fulu vectors")
	}
	file := map[string]uint64{}
	for _, name := range []string{"capella", "deneb"} {
		values, err := config.LoadPresetFile(filepath.Join(root, "presets", "minimal", name+".yaml"))
		if err != nil {
			t.Skipf("presets absent: %v", err)
		}
		for k, v := range values {
			file[k] = v
		}
	}
	for k, want := range config.CapellaDenebPresetValues() {
		if got, ok := file[k]; !ok || got != want {
			t.Errorf("%s: file %d (present %v), compiled %d", k, got, ok, want)
		}
	}
	for _, f := range capellaDeneb {
		cfg, err := config.LoadConfigFile(filepath.Join(root, "configs", "minimal_"+f.String()+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for key, got := range map[string]uint64{
			"MAX_PER_EPOCH_ACTIVATION_CHURN_LIMIT": cfg.MaxPerEpochActivationChurnLimit(),
			"MAX_BLOBS_PER_BLOCK":                  cfg.MaxBlobsPerBlock(),
		} {
			want, err := cfg.Uint(key)
			if err != nil || got != want {
				t.Errorf("%s %s: %d, file %d (%v)", f, key, got, want, err)
			}
		}
		if cfg.MaxPerEpochActivationChurnLimit() != config.DefaultMaxPerEpochActivationChurnLimit || cfg.MaxBlobsPerBlock() != config.DefaultMaxBlobsPerBlock {
			t.Errorf("%s: the defaults differ from the minimal config", f)
		}
	}
	if got := (&config.Config{}).MaxPerEpochActivationChurnLimit(); got != config.DefaultMaxPerEpochActivationChurnLimit {
		t.Errorf("default MAX_PER_EPOCH_ACTIVATION_CHURN_LIMIT %d", got)
	}
}

// process_withdrawals: the payload must carry exactly the expected
// withdrawals (get_expected_withdrawals), which ExpectedWithdrawals gives.
func TestWithdrawalsMustBeTheExpectedOnes(t *testing.T) {
	for _, f := range capellaDeneb {
		t.Run(f.String(), func(t *testing.T) {
			cfg, c := stfCase(t, f, "withdrawals_partial_and_full")
			i := firstBlock(t, c, f, func(b *state.BeaconBlockBody) bool { return len(b.ExecutionPayload.Withdrawals) >= 2 })
			pre := stateBefore(t, cfg, c, f, i)
			block := caseBlock(t, c, f, i)
			at := pre.Copy()
			if err := transition.AdvanceSlots(cfg, at, block.Message.Slot); err != nil {
				t.Fatal(err)
			}
			expected, err := transition.ExpectedWithdrawals(at)
			if err != nil {
				t.Fatal(err)
			}
			got := block.Message.Body.ExecutionPayload.Withdrawals
			if len(expected) != len(got) {
				t.Fatalf("ExpectedWithdrawals: %d, block has %d", len(expected), len(got))
			}
			var full, partial bool
			for k := range got {
				if *got[k] != *expected[k] {
					t.Fatalf("withdrawal %d: expected %+v, block %+v", k, *expected[k], *got[k])
				}
				if got[k].Amount == at.Balances[got[k].ValidatorIndex] {
					full = true
				} else {
					partial = true
				}
			}
			if !full || !partial {
				t.Logf("block %d has full withdrawals: %v, partial: %v", i, full, partial)
			}
			for name, change := range map[string]func(b *state.BeaconBlockBody){
				"amount + 1": func(b *state.BeaconBlockBody) { b.ExecutionPayload.Withdrawals[0].Amount++ },
				"index + 1":  func(b *state.BeaconBlockBody) { b.ExecutionPayload.Withdrawals[0].Index++ },
				"address":    func(b *state.BeaconBlockBody) { b.ExecutionPayload.Withdrawals[0].Address[0] ^= 1 },
				"one less": func(b *state.BeaconBlockBody) {
					b.ExecutionPayload.Withdrawals = b.ExecutionPayload.Withdrawals[:len(b.ExecutionPayload.Withdrawals)-1]
				},
				"none": func(b *state.BeaconBlockBody) { b.ExecutionPayload.Withdrawals = nil },
			} {
				b := caseBlock(t, c, f, i)
				change(b.Message.Body)
				_, err := transition.Transition(cfg, pre, b, transition.Options{})
				if err == nil {
					t.Fatalf("%s: accepted", name)
				}
				wantRule(t, err, "process_withdrawals", "")
			}
		})
	}
}

// process_bls_to_execution_change: the credential switches to 0x01 with
// the address; a wrong pubkey, a non-BLS credential and a signature over
// another domain than GENESIS_FORK_VERSION's are rejected.
func TestBLSToExecutionChange(t *testing.T) {
	for _, f := range capellaDeneb {
		t.Run(f.String(), func(t *testing.T) {
			cfg, c := stfCase(t, f, "bls_to_execution_changes")
			i := firstBlock(t, c, f, func(b *state.BeaconBlockBody) bool { return len(b.BLSToExecutionChanges) > 0 })
			pre := stateBefore(t, cfg, c, f, i)
			block := caseBlock(t, c, f, i)
			res, err := transition.Transition(cfg, pre, block, transition.Options{VerifySignatures: true, ValidateStateRoot: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range block.Message.Body.BLSToExecutionChanges {
				creds := res.State.Validators[op.Message.ValidatorIndex].WithdrawalCredentials
				if creds[0] != 0x01 || [11]byte(creds[1:12]) != [11]byte{} || [20]byte(creds[12:]) != op.Message.ToExecutionAddress {
					t.Fatalf("validator %d: credentials %x", op.Message.ValidatorIndex, creds)
				}
			}

			b := caseBlock(t, c, f, i)
			b.Message.Body.BLSToExecutionChanges[0].Message.FromBLSPubkey[0] ^= 1
			_, err = transition.Transition(cfg, pre, b, transition.Options{})
			wantRule(t, err, "process_bls_to_execution_change", "from_bls_pubkey")

			b = caseBlock(t, c, f, i)
			ops := b.Message.Body.BLSToExecutionChanges
			b.Message.Body.BLSToExecutionChanges = append(ops, ops[0]) // the second one meets a 0x01 credential
			_, err = transition.Transition(cfg, pre, b, transition.Options{})
			wantRule(t, err, "process_bls_to_execution_change", "not BLS")

			// The domain is the genesis fork version's, whatever the
			// state's fork: another genesis version breaks the change's
			// signature (and no other of the unchanged block).
			other := *cfg
			other.GenesisForkVersion[3] ^= 0xff
			_, err = transition.Transition(&other, pre, caseBlock(t, c, f, i), transition.Options{VerifySignatures: true})
			wantRule(t, err, "signature", "process_bls_to_execution_change")
		})
	}
}

// payloadRecorder accepts every payload and keeps the last request.
type payloadRecorder struct{ req *transition.NewPayloadRequest }

func (r *payloadRecorder) NotifyNewPayload(req *transition.NewPayloadRequest) (transition.PayloadStatus, error) {
	r.req = req
	return transition.PayloadValid, nil
}

// Deneb: at most MAX_BLOBS_PER_BLOCK commitments; the engine gets their
// versioned hashes and the parent beacon block root. Capella passes
// neither.
func TestDenebBlobCommitments(t *testing.T) {
	cfg, c := stfCase(t, forks.Deneb, "empty_block_transition")
	pre := readStateAny(t, c, forks.Deneb, "pre")
	limit := int(cfg.MaxBlobsPerBlock())
	commitments := func(n int) [][48]byte {
		out := make([][48]byte, n)
		for i := range out {
			out[i][0], out[i][47] = 0xc0, byte(i)
		}
		return out
	}
	b := caseBlock(t, c, forks.Deneb, 0)
	b.Message.Body.BlobKZGCommitments = commitments(limit + 1)
	_, err := transition.Transition(cfg, pre, b, transition.Options{})
	wantRule(t, err, "process_execution_payload", "MAX_BLOBS_PER_BLOCK")

	b = caseBlock(t, c, forks.Deneb, 0)
	b.Message.Body.BlobKZGCommitments = commitments(limit)
	rec := new(payloadRecorder)
	res, err := transition.Transition(cfg, pre, b, transition.Options{Engine: rec})
	if err != nil {
		t.Fatal(err)
	}
	if res.Optimistic || rec.req == nil || len(rec.req.VersionedHashes) != limit {
		t.Fatalf("engine request %+v", rec.req)
	}
	for i, h := range rec.req.VersionedHashes {
		want := sha256.Sum256(b.Message.Body.BlobKZGCommitments[i][:])
		want[0] = 0x01
		if h != want {
			t.Fatalf("versioned hash %d: %x, want %x", i, h, want)
		}
	}
	if rec.req.ParentBeaconBlockRoot != b.Message.ParentRoot || rec.req.Fork != forks.Deneb {
		t.Fatalf("parent beacon block root %x, want %x", rec.req.ParentBeaconBlockRoot, b.Message.ParentRoot)
	}
	if h := res.State.LatestExecutionPayloadHeader; h.BlobGasUsed != b.Message.Body.ExecutionPayload.BlobGasUsed ||
		h.ExcessBlobGas != b.Message.Body.ExecutionPayload.ExcessBlobGas {
		t.Fatal("blob gas fields not carried to the header")
	}

	ccfg, cc := stfCase(t, forks.Capella, "empty_block_transition")
	rec = new(payloadRecorder)
	if _, err := transition.Transition(ccfg, readStateAny(t, cc, forks.Capella, "pre"), caseBlock(t, cc, forks.Capella, 0), transition.Options{Engine: rec}); err != nil {
		t.Fatal(err)
	}
	if rec.req == nil || rec.req.VersionedHashes != nil || rec.req.ParentBeaconBlockRoot != ([32]byte{}) {
		t.Fatalf("capella engine request %+v", rec.req)
	}
}

// EIP-7044: deneb exits are signed over CAPELLA_FORK_VERSION (so changing
// it in the config breaks the signature); capella exits over the state's
// fork (the config's CAPELLA_FORK_VERSION plays no part).
func TestVoluntaryExitDomain(t *testing.T) {
	for _, f := range capellaDeneb {
		t.Run(f.String(), func(t *testing.T) {
			cfg, c := stfCase(t, f, "voluntary_exit")
			i := firstBlock(t, c, f, func(b *state.BeaconBlockBody) bool { return len(b.VoluntaryExits) > 0 })
			pre := stateBefore(t, cfg, c, f, i)
			other := *cfg
			other.Raw = map[string]string{}
			for k, v := range cfg.Raw {
				other.Raw[k] = v
			}
			other.Raw["CAPELLA_FORK_VERSION"] = "0x030000ff"
			_, err := transition.Transition(&other, pre, caseBlock(t, c, f, i), transition.Options{VerifySignatures: true, ValidateStateRoot: true})
			if f == forks.Deneb {
				wantRule(t, err, "signature", "process_voluntary_exit")
			} else if err != nil {
				t.Fatalf("capella exit depends on CAPELLA_FORK_VERSION: %v", err)
			}
		})
	}
}

// EIP-7045: from deneb an attestation of the previous epoch can be
// included more than SLOTS_PER_EPOCH slots after its slot, and earns the
// target flag; capella rejects it.
func TestLateAttestationInclusion(t *testing.T) {
	for _, f := range capellaDeneb {
		t.Run(f.String(), func(t *testing.T) {
			cfg, c := stfCase(t, f, "full_two_epochs_attestations")
			i := firstBlock(t, c, f, func(b *state.BeaconBlockBody) bool {
				for _, a := range b.Attestations {
					if a.Data.Slot%config.SlotsPerEpoch <= config.SlotsPerEpoch-2 {
						return true
					}
				}
				return false
			})
			pre := stateBefore(t, cfg, c, f, i)
			var att *phase0.Attestation
			for _, a := range caseBlock(t, c, f, i).Message.Body.Attestations {
				if a.Data.Slot%config.SlotsPerEpoch <= config.SlotsPerEpoch-2 {
					att = a
					break
				}
			}
			slot := att.Data.Slot + config.SlotsPerEpoch + 1 // next epoch, inclusion delay SLOTS_PER_EPOCH + 1
			block := buildBlock(t, cfg, pre, slot, []*phase0.Attestation{att})
			res, err := transition.Transition(cfg, pre, block, transition.Options{})
			if f < forks.Deneb {
				wantRule(t, err, "process_attestation", "cannot be included")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			without := pre.Copy()
			if err := transition.AdvanceSlots(cfg, without, slot); err != nil {
				t.Fatal(err)
			}
			changed := 0
			for v, flags := range res.State.PreviousEpochParticipation {
				if d := flags ^ without.PreviousEpochParticipation[v]; d != 0 {
					if d != 1<<config.TimelyTargetFlagIndex {
						t.Fatalf("validator %d: flags %03b -> %03b, want only the target flag added", v, without.PreviousEpochParticipation[v], flags)
					}
					changed++
				}
			}
			if changed == 0 {
				t.Fatal("the late attestation set no target flag")
			}
		})
	}
}

// buildBlock makes an unsigned block of pre's fork (capella or deneb) at
// slot carrying atts: right proposer, parent, eth1 vote, payload and
// withdrawals, no other operation. Only valid with signatures and the
// state root unchecked.
func buildBlock(t *testing.T, cfg *config.Config, pre *state.BeaconState, slot uint64, atts []*phase0.Attestation) *state.SignedBeaconBlock {
	t.Helper()
	s := pre.Copy()
	if err := transition.AdvanceSlots(cfg, s, slot); err != nil {
		t.Fatal(err)
	}
	proposer, err := helpers.BeaconProposerIndex(s)
	if err != nil {
		t.Fatal(err)
	}
	parent, err := s.LatestBlockHeader.HashTreeRoot()
	if err != nil {
		t.Fatal(err)
	}
	withdrawals, err := transition.ExpectedWithdrawals(s)
	if err != nil {
		t.Fatal(err)
	}
	eth1 := *s.Eth1Data
	return &state.SignedBeaconBlock{Message: &state.BeaconBlock{
		ForkName: s.ForkName, Slot: slot, ProposerIndex: proposer, ParentRoot: parent,
		Body: &state.BeaconBlockBody{
			Eth1Data:      &eth1,
			Attestations:  atts,
			SyncAggregate: &altair.SyncAggregate{},
			ExecutionPayload: &deneb.ExecutionPayload{
				ParentHash:  s.LatestExecutionPayloadHeader.BlockHash,
				PrevRandao:  helpers.RandaoMix(s, helpers.CurrentEpoch(s)),
				Timestamp:   s.GenesisTime + slot*cfg.SecondsPerSlot,
				BlockNumber: s.LatestExecutionPayloadHeader.BlockNumber + 1,
				Withdrawals: withdrawals,
			},
		},
	}}
}

// process_historical_summaries_update: every SLOTS_PER_HISTORICAL_ROOT
// slots, capella appends hash_tree_root(block_roots) and
// hash_tree_root(state_roots) (which hash together to the phase0
// HistoricalBatch root) and leaves historical_roots alone.
func TestHistoricalSummariesUpdate(t *testing.T) {
	for _, f := range capellaDeneb {
		t.Run(f.String(), func(t *testing.T) {
			cfg, c := stfCase(t, f, "empty_block_transition")
			s := readStateAny(t, c, f, "pre")
			before, roots := len(s.HistoricalSummaries), len(s.HistoricalRoots)
			boundary := (s.Slot/config.SlotsPerHistoricalRoot + 1) * config.SlotsPerHistoricalRoot
			if err := transition.AdvanceSlots(cfg, s, boundary); err != nil {
				t.Fatal(err)
			}
			if len(s.HistoricalSummaries) != before+1 || len(s.HistoricalRoots) != roots {
				t.Fatalf("summaries %d -> %d, historical roots %d -> %d", before, len(s.HistoricalSummaries), roots, len(s.HistoricalRoots))
			}
			sum := s.HistoricalSummaries[before]
			batch, err := (&phase0.HistoricalBatch{BlockRoots: s.BlockRoots, StateRoots: s.StateRoots}).HashTreeRoot()
			if err != nil {
				t.Fatal(err)
			}
			if helpers.Hash(sum.BlockSummaryRoot[:], sum.StateSummaryRoot[:]) != batch {
				t.Fatal("historical summary does not match the historical batch of the roots")
			}
			if _, err := s.HashTreeRoot(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// EIP-7514: from deneb, activations per epoch are capped at
// MAX_PER_EPOCH_ACTIVATION_CHURN_LIMIT even when the churn limit is larger.
func TestActivationChurnCap(t *testing.T) {
	for _, f := range capellaDeneb {
		t.Run(f.String(), func(t *testing.T) {
			cfg, c := stfCase(t, f, "empty_block_transition")
			big := *cfg
			big.MinPerEpochChurnLimit = 10
			s := readStateAny(t, c, f, "pre")
			const pending = 8
			n := len(s.Validators)
			for _, v := range s.Validators[n-pending:] {
				v.ActivationEpoch = config.FarFutureEpoch
				v.ActivationEligibilityEpoch = s.FinalizedCheckpoint.Epoch
			}
			next := (s.Slot/config.SlotsPerEpoch + 1) * config.SlotsPerEpoch
			if err := transition.AdvanceSlots(&big, s, next); err != nil {
				t.Fatal(err)
			}
			activated := 0
			for _, v := range s.Validators[n-pending:] {
				if v.ActivationEpoch != config.FarFutureEpoch {
					activated++
				}
			}
			want := pending // capella: churn limit 10 > 8 pending
			if f >= forks.Deneb {
				want = int(cfg.MaxPerEpochActivationChurnLimit())
			}
			if activated != want {
				t.Fatalf("%d activated, want %d", activated, want)
			}
		})
	}
}

// The withdrawal sweep: full withdrawals take the whole balance, partial
// ones the excess; at most MAX_WITHDRAWALS_PER_PAYLOAD per block (the next
// sweep starts after the last one), at most
// MAX_VALIDATORS_PER_WITHDRAWALS_SWEEP validators visited (the next sweep
// starts that many further).
func TestWithdrawalSweep(t *testing.T) {
	for _, f := range capellaDeneb {
		t.Run(f.String(), func(t *testing.T) {
			cfg, c := stfCase(t, f, "empty_block_transition")
			base := readStateAny(t, c, f, "pre")
			n := uint64(len(base.Validators))
			eth1 := func(v *phase0.Validator, i uint64) {
				v.WithdrawalCredentials = [32]byte{0x01}
				v.WithdrawalCredentials[31] = byte(i)
			}
			run := func(s *state.BeaconState) (*state.BeaconState, []uint64) {
				t.Helper()
				b := buildBlock(t, cfg, s, s.Slot+1, nil)
				res, err := transition.Transition(cfg, s, b, transition.Options{})
				if err != nil {
					t.Fatal(err)
				}
				var amounts []uint64
				for _, w := range b.Message.Body.ExecutionPayload.Withdrawals {
					amounts = append(amounts, w.Amount)
				}
				return res.State, amounts
			}

			// Every validator partially withdrawable: 4 withdrawals from index 5.
			s := base.Copy()
			s.NextWithdrawalValidatorIndex, s.NextWithdrawalIndex = 5, 100
			for i, v := range s.Validators {
				eth1(v, uint64(i))
				v.EffectiveBalance = config.MaxEffectiveBalance
				s.Balances[i] = config.MaxEffectiveBalance + 1000 + uint64(i)
			}
			post, amounts := run(s)
			if len(amounts) != config.MaxWithdrawalsPerPayload || amounts[0] != 1005 ||
				post.NextWithdrawalValidatorIndex != 5+config.MaxWithdrawalsPerPayload ||
				post.NextWithdrawalIndex != 100+config.MaxWithdrawalsPerPayload || post.Balances[5] != config.MaxEffectiveBalance {
				t.Fatalf("partial: amounts %v, next validator %d, next index %d", amounts, post.NextWithdrawalValidatorIndex, post.NextWithdrawalIndex)
			}

			// One fully withdrawable validator (withdrawable epoch passed)
			// inside the window: its whole balance.
			s = base.Copy()
			s.NextWithdrawalValidatorIndex = n - 2 // the window wraps around
			v := s.Validators[1]
			eth1(v, 1)
			v.ExitEpoch, v.WithdrawableEpoch = 0, 0
			post, amounts = run(s)
			if len(amounts) != 1 || amounts[0] != s.Balances[1] || post.Balances[1] != 0 ||
				post.NextWithdrawalValidatorIndex != (n-2+config.MaxValidatorsPerWithdrawalsSweep)%n {
				t.Fatalf("full: amounts %v, next validator %d", amounts, post.NextWithdrawalValidatorIndex)
			}

			// Withdrawable only outside the window: nothing, the sweep
			// moves on by MAX_VALIDATORS_PER_WITHDRAWALS_SWEEP.
			if n > config.MaxValidatorsPerWithdrawalsSweep {
				s = base.Copy()
				v := s.Validators[config.MaxValidatorsPerWithdrawalsSweep]
				eth1(v, 0)
				v.ExitEpoch, v.WithdrawableEpoch = 0, 0
				post, amounts = run(s)
				if len(amounts) != 0 || post.NextWithdrawalValidatorIndex != config.MaxValidatorsPerWithdrawalsSweep%n {
					t.Fatalf("outside the window: amounts %v, next validator %d", amounts, post.NextWithdrawalValidatorIndex)
				}
			}
		})
	}
}
