package spectest

import (
	"path/filepath"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// Rule-level checks of electra and fulu on top of the sanity vectors, in
// the manner of capella_deneb_test.go: a valid block of a vector case with
// one thing changed must be rejected for the right rule.

var electraFulu = []forks.Fork{forks.Electra, forks.Fulu}

// The compiled electra preset values are those of the presets shipped with
// the vectors; the electra config values are read from the config (with
// defaults equal to the published minimal config), and fulu's BLOB_SCHEDULE
// is parsed.
func TestElectraFuluPresetMatchesVectors(t *testing.T) {
	root, err := STFDir()
	if err != nil || config.PresetName != "minimal" {
		t.Skip("needs the minimal altair..fulu vectors")
	}
	file, err := config.LoadPresetFile(filepath.Join(root, "presets", "minimal", "electra.yaml"))
	if err != nil {
		t.Skipf("presets absent: %v", err)
	}
	for k, want := range config.ElectraPresetValues() {
		if got, ok := file[k]; !ok || got != want {
			t.Errorf("electra %s: file %d (present %v), compiled %d", k, got, ok, want)
		}
	}
	if len(file) != len(config.ElectraPresetValues()) {
		t.Errorf("electra.yaml has %d keys, %d compiled", len(file), len(config.ElectraPresetValues()))
	}
	fulu, err := config.LoadPresetFile(filepath.Join(root, "presets", "minimal", "fulu.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sizes := config.SSZSizes[config.PresetName]
	for _, k := range []string{"KZG_COMMITMENTS_INCLUSION_PROOF_DEPTH", "FIELD_ELEMENTS_PER_CELL", "NUMBER_OF_COLUMNS"} {
		if fulu[k] != sizes[k] {
			t.Errorf("fulu %s: file %d, SSZSizes %d", k, fulu[k], sizes[k])
		}
	}
	for _, f := range electraFulu {
		cfg, err := config.LoadConfigFile(filepath.Join(root, "configs", "minimal_"+f.String()+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := cfg.Uint("MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA")
		if err != nil || cfg.MinPerEpochChurnLimitElectra() != want || want != config.DefaultMinPerEpochChurnLimitElectra {
			t.Errorf("%s MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA: %d, file %d (%v)", f, cfg.MinPerEpochChurnLimitElectra(), want, err)
		}
		// The vectors' configs lack these two; the defaults are those of
		// consensus-specs' configs/minimal.yaml.
		if cfg.MaxPerEpochActivationExitChurnLimit() != 128_000_000_000 || cfg.MaxBlobsPerBlockElectra() != 9 {
			t.Errorf("%s: electra config defaults %d, %d", f, cfg.MaxPerEpochActivationExitChurnLimit(), cfg.MaxBlobsPerBlockElectra())
		}
		if len(cfg.BlobSchedule) != 1 || cfg.BlobSchedule[0] != (config.BlobParameters{Epoch: 0, MaxBlobsPerBlock: 9}) {
			t.Errorf("%s BLOB_SCHEDULE: %+v", f, cfg.BlobSchedule)
		}
	}
}

// EIP-7549: data.index must be 0; the committee bits must name committees
// that exist, each with an attester, and the aggregation bits must cover
// exactly them.
func TestElectraAttestationCommitteeBits(t *testing.T) {
	for _, f := range electraFulu {
		t.Run(f.String(), func(t *testing.T) {
			cfg, c := stfCase(t, f, "attestations_chain_4")
			i := firstBlock(t, c, f, func(b *state.BeaconBlockBody) bool { return len(b.ElectraAttestations) > 0 })
			pre := stateBefore(t, cfg, c, f, i)
			if _, err := transition.Transition(cfg, pre, caseBlock(t, c, f, i), transition.Options{VerifySignatures: true, ValidateStateRoot: true}); err != nil {
				t.Fatal(err)
			}
			for name, tc := range map[string]struct {
				change func(a *electra.Attestation)
				rule   string
			}{
				"data.index 1": {func(a *electra.Attestation) { a.Data.Index = 1 }, "data.index"},
				"no committee": {func(a *electra.Attestation) { a.CommitteeBits = [len(a.CommitteeBits)]byte{} }, "aggregation bits length"},
				"committee beyond the count": {func(a *electra.Attestation) {
					a.CommitteeBits[(config.MaxCommitteesPerSlot-1)/8] |= 1 << ((config.MaxCommitteesPerSlot - 1) % 8)
				}, "committees per slot"},
				"bits one longer": {func(a *electra.Attestation) {
					n := uint64(len(a.AggregationBits))*8 - 1
					for a.AggregationBits[n/8]>>(n%8)&1 == 0 {
						n--
					}
					a.AggregationBits[n/8] &^= 1 << (n % 8) // the delimiter moves one bit up
					if (n+1)/8 >= uint64(len(a.AggregationBits)) {
						a.AggregationBits = append(a.AggregationBits, 0)
					}
					a.AggregationBits[(n+1)/8] |= 1 << ((n + 1) % 8)
				}, "aggregation bits length"},
				"no attester": {func(a *electra.Attestation) {
					n := uint64(len(a.AggregationBits))*8 - 1
					for a.AggregationBits[n/8]>>(n%8)&1 == 0 {
						n--
					}
					for k := uint64(0); k < n; k++ {
						a.AggregationBits[k/8] &^= 1 << (k % 8)
					}
				}, "no attester"},
			} {
				b := caseBlock(t, c, f, i)
				tc.change(b.Message.Body.ElectraAttestations[0])
				_, err := transition.Transition(cfg, pre, b, transition.Options{})
				if err == nil {
					t.Fatalf("%s: accepted", name)
				}
				wantRule(t, err, "process_attestation", tc.rule)
			}
		})
	}
}

// EIP-7251: a validator with a pending partial withdrawal cannot exit
// voluntarily.
func TestElectraVoluntaryExitWithPendingWithdrawal(t *testing.T) {
	for _, f := range electraFulu {
		t.Run(f.String(), func(t *testing.T) {
			cfg, c := stfCase(t, f, "voluntary_exit")
			i := firstBlock(t, c, f, func(b *state.BeaconBlockBody) bool { return len(b.VoluntaryExits) > 0 })
			pre := stateBefore(t, cfg, c, f, i)
			block := caseBlock(t, c, f, i)
			index := block.Message.Body.VoluntaryExits[0].Message.ValidatorIndex
			pre = pinnedCopy(t, pre)
			pre.PendingPartialWithdrawals = append(pre.PendingPartialWithdrawals,
				&electra.PendingPartialWithdrawal{ValidatorIndex: index, Amount: 1, WithdrawableEpoch: config.FarFutureEpoch})
			_, err := transition.Transition(cfg, pre, block, transition.Options{})
			wantRule(t, err, "process_voluntary_exit", "pending partial withdrawals")
		})
	}
}

// EIP-6110: the eth1 bridge deposits must be included until
// deposit_requests_start_index, and none after.
func TestElectraEth1BridgeDeposits(t *testing.T) {
	for _, f := range electraFulu {
		t.Run(f.String(), func(t *testing.T) {
			cfg, c := stfCase(t, f, "deposit")
			pre := readStateAny(t, c, f, "pre")
			res, err := transition.Transition(cfg, pre, caseBlock(t, c, f, 0), transition.Options{VerifySignatures: true, ValidateStateRoot: true})
			if err != nil {
				t.Fatal(err)
			}
			// The new validator joins with a zero balance; its deposit waits
			// in the pending deposits.
			if n := len(res.State.Validators); n != len(pre.Validators)+1 || res.State.Balances[n-1] != 0 ||
				len(res.State.PendingDeposits) != len(pre.PendingDeposits)+1 {
				t.Fatalf("%d validators, %d pending deposits", n, len(res.State.PendingDeposits))
			}

			b := caseBlock(t, c, f, 0)
			b.Message.Body.Deposits = nil
			_, err = transition.Transition(cfg, pre, b, transition.Options{})
			wantRule(t, err, "process_operations", "must include 1")

			closed := pinnedCopy(t, pre)
			closed.DepositRequestsStartIndex = closed.Eth1DepositIndex
			_, err = transition.Transition(cfg, closed, caseBlock(t, c, f, 0), transition.Options{})
			wantRule(t, err, "process_operations", "must include 0")
		})
	}
}

// Electra's payload request carries the execution requests; electra allows
// MAX_BLOBS_PER_BLOCK_ELECTRA commitments, fulu the blob schedule's limit
// (9 in the vectors' config, both).
func TestElectraFuluPayloadRequest(t *testing.T) {
	for _, f := range electraFulu {
		t.Run(f.String(), func(t *testing.T) {
			cfg, c := stfCase(t, f, "execution_requests_withdrawal_and_consolidation")
			pre := readStateAny(t, c, f, "pre")
			rec := new(payloadRecorder)
			block := caseBlock(t, c, f, 0)
			if _, err := transition.Transition(cfg, pre, block, transition.Options{Engine: rec, VerifySignatures: true, ValidateStateRoot: true}); err != nil {
				t.Fatal(err)
			}
			if rec.req == nil || rec.req.ExecutionRequests != block.Message.Body.ExecutionRequests {
				t.Fatal("the payload request does not carry the execution requests")
			}
			list, err := rec.req.ExecutionRequestsList()
			if err != nil || len(list) != 2 || list[0][0] != 0x01 || list[1][0] != 0x02 {
				t.Fatalf("execution requests list: %v (%d entries)", err, len(list))
			}

			limit := 9
			commitments := make([][48]byte, limit+1)
			b := caseBlock(t, c, f, 0)
			b.Message.Body.BlobKZGCommitments = commitments
			_, err = transition.Transition(cfg, pre, b, transition.Options{})
			wantRule(t, err, "process_execution_payload", "MAX_BLOBS_PER_BLOCK")
			b = caseBlock(t, c, f, 0)
			b.Message.Body.BlobKZGCommitments = commitments[:limit]
			if _, err := transition.Transition(cfg, pre, b, transition.Options{}); err != nil {
				t.Fatalf("%d commitments: %v", limit, err)
			}
		})
	}
}

// Fulu: the proposer is read from proposer_lookahead (EIP-7917), so
// changing the state's entry for the slot changes the expected proposer.
func TestFuluProposerFromLookahead(t *testing.T) {
	cfg, c := stfCase(t, forks.Fulu, "empty_block_transition")
	pre := readStateAny(t, c, forks.Fulu, "pre")
	block := caseBlock(t, c, forks.Fulu, 0)
	slot := block.Message.Slot
	if slot >= config.SlotsPerEpoch {
		t.Skipf("block at slot %d is not in the pre-state's epoch", slot)
	}
	if got := pre.ProposerLookahead[slot%config.SlotsPerEpoch]; got != block.Message.ProposerIndex {
		t.Fatalf("lookahead proposer %d, block proposer %d", got, block.Message.ProposerIndex)
	}
	changed := pre.Copy()
	changed.ProposerLookahead[slot%config.SlotsPerEpoch] = (block.Message.ProposerIndex + 1) % uint64(len(pre.Validators))
	_, err := transition.Transition(cfg, changed, block, transition.Options{})
	wantRule(t, err, "process_block_header", "expected proposer")
}

// pinnedCopy copies s with the latest block header's state root filled in
// as process_slot would, so that changing the copy leaves the parent root
// the case's blocks expect unchanged.
func pinnedCopy(t *testing.T, s *state.BeaconState) *state.BeaconState {
	t.Helper()
	out := s.Copy()
	if out.LatestBlockHeader.StateRoot == ([32]byte{}) {
		root, err := s.HashTreeRoot()
		if err != nil {
			t.Fatal(err)
		}
		out.LatestBlockHeader.StateRoot = root
	}
	return out
}

// A Go-built block must carry the attestations in its fork's shape (the
// other shape would be processed but not hashed), and no execution
// requests before electra.
func TestElectraBlockShape(t *testing.T) {
	cfg, c := stfCase(t, forks.Electra, "attestations_chain_4")
	pre := readStateAny(t, c, forks.Electra, "pre")
	b := caseBlock(t, c, forks.Electra, 0)
	b.Message.Body.Attestations = []*phase0.Attestation{{Data: b.Message.Body.ElectraAttestations[0].Data}}
	_, err := transition.Transition(cfg, pre, b, transition.Options{})
	wantRule(t, err, "process_block", "pre-electra")

	dcfg, dc := stfCase(t, forks.Deneb, "empty_block_transition")
	db := caseBlock(t, dc, forks.Deneb, 0)
	db.Message.Body.ExecutionRequests = &electra.ExecutionRequests{}
	_, err = transition.Transition(dcfg, readStateAny(t, dc, forks.Deneb, "pre"), db, transition.Options{})
	wantRule(t, err, "process_block", "execution requests")
}
