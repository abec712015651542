package transition

import (
	"fmt"

	ssz "github.com/ferranbt/fastssz"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/bls"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// Capella (specs/capella/beacon-chain.md, fork.md): withdrawals, BLS to
// execution credential changes, historical summaries.

// upgradeToCapella is upgrade_to_capella: the execution payload header
// gains an empty withdrawals_root, the withdrawal sweep starts at index 0
// and historical_summaries starts empty.
func upgradeToCapella(cfg *config.Config, s *state.BeaconState) error {
	if err := nextForkVersion(cfg, s, forks.Capella); err != nil {
		return err
	}
	s.ForkName = forks.Capella
	h := new(deneb.ExecutionPayloadHeader)
	if pre := s.LatestExecutionPayloadHeader; pre != nil {
		*h = *pre
	}
	h.WithdrawalsRoot = [32]byte{}
	h.BlobGasUsed, h.ExcessBlobGas = 0, 0
	s.LatestExecutionPayloadHeader = h
	s.NextWithdrawalIndex = 0
	s.NextWithdrawalValidatorIndex = 0
	s.HistoricalSummaries = []*capella.HistoricalSummary{}
	return nil
}

// processHistoricalSummariesUpdate is process_historical_summaries_update,
// which replaces process_historical_roots_update from capella on.
func processHistoricalSummariesUpdate(_ *config.Config, s *state.BeaconState) error {
	next := helpers.CurrentEpoch(s) + 1
	if next%(config.SlotsPerHistoricalRoot/config.SlotsPerEpoch) != 0 {
		return nil
	}
	blockRoot, err := rootsVectorRoot(s.BlockRoots)
	if err != nil {
		return fmt.Errorf("hash_tree_root(block_roots): %w", err)
	}
	stateRoot, err := rootsVectorRoot(s.StateRoots)
	if err != nil {
		return fmt.Errorf("hash_tree_root(state_roots): %w", err)
	}
	if uint64(len(s.HistoricalSummaries)) >= config.HistoricalRootsLimit {
		return fmt.Errorf("historical_summaries is full")
	}
	s.HistoricalSummaries = append(s.HistoricalSummaries, &capella.HistoricalSummary{BlockSummaryRoot: blockRoot, StateSummaryRoot: stateRoot})
	return nil
}

// rootsVectorRoot is hash_tree_root of a Vector[Root, SLOTS_PER_HISTORICAL_ROOT].
func rootsVectorRoot(roots [][32]byte) ([32]byte, error) {
	if len(roots) != config.SlotsPerHistoricalRoot {
		return [32]byte{}, ssz.ErrVectorLength
	}
	hh := ssz.NewHasher()
	idx := hh.Index()
	for _, r := range roots {
		hh.Append(r[:])
	}
	hh.Merkleize(idx)
	return hh.HashRoot()
}

// hasEth1WithdrawalCredential is has_eth1_withdrawal_credential. (Electra's
// withdrawal predicates, with has_execution_withdrawal_credential, are in
// electra_ops.go.)
func hasEth1WithdrawalCredential(v *phase0.Validator) bool {
	return v.WithdrawalCredentials[0] == config.EthAddressWithdrawalPrefix
}

// isFullyWithdrawableValidator is is_fully_withdrawable_validator.
func isFullyWithdrawableValidator(v *phase0.Validator, balance, epoch uint64) bool {
	return hasEth1WithdrawalCredential(v) && v.WithdrawableEpoch <= epoch && balance > 0
}

// isPartiallyWithdrawableValidator is is_partially_withdrawable_validator
// (until deneb; electra's is isPartiallyWithdrawableElectra).
func isPartiallyWithdrawableValidator(v *phase0.Validator, balance uint64) bool {
	return hasEth1WithdrawalCredential(v) && v.EffectiveBalance == config.MaxEffectiveBalance && balance > config.MaxEffectiveBalance
}

// withdrawalAddress is ExecutionAddress(validator.withdrawal_credentials[12:]).
func withdrawalAddress(v *phase0.Validator) [20]byte {
	var a [20]byte
	copy(a[:], v.WithdrawalCredentials[12:])
	return a
}

// expectedWithdrawals is get_expected_withdrawals of capella (the
// validator sweep, get_validators_sweep_withdrawals): starting at
// next_withdrawal_validator_index, at most MAX_VALIDATORS_PER_WITHDRAWALS_SWEEP
// validators are visited, full withdrawals (withdrawable, eth1 credential)
// take the whole balance, partial ones the excess over MAX_EFFECTIVE_BALANCE,
// up to MAX_WITHDRAWALS_PER_PAYLOAD withdrawals.
//
// From electra, pending partial withdrawals come first, and the balance
// seen by the sweep is net of the withdrawals already listed
// (expectedWithdrawalsElectra); with the sweep alone (capella, deneb) no
// validator appears twice, so its balance is the state's.
func expectedWithdrawals(s *state.BeaconState) []*capella.Withdrawal {
	if s.ForkName >= forks.Electra {
		w, _ := expectedWithdrawalsElectra(s)
		return w
	}
	n := uint64(len(s.Validators))
	if n == 0 {
		return nil
	}
	epoch := helpers.CurrentEpoch(s)
	withdrawalIndex := s.NextWithdrawalIndex
	validatorIndex := s.NextWithdrawalValidatorIndex % n
	var out []*capella.Withdrawal
	for range min(n, config.MaxValidatorsPerWithdrawalsSweep) {
		if len(out) >= config.MaxWithdrawalsPerPayload {
			break
		}
		v := s.Validators[validatorIndex]
		balance := s.Balances[validatorIndex]
		switch {
		case isFullyWithdrawableValidator(v, balance, epoch):
			out = append(out, &capella.Withdrawal{Index: withdrawalIndex, ValidatorIndex: validatorIndex, Address: withdrawalAddress(v), Amount: balance})
			withdrawalIndex++
		case isPartiallyWithdrawableValidator(v, balance):
			out = append(out, &capella.Withdrawal{Index: withdrawalIndex, ValidatorIndex: validatorIndex, Address: withdrawalAddress(v), Amount: balance - config.MaxEffectiveBalance})
			withdrawalIndex++
		}
		validatorIndex = (validatorIndex + 1) % n
	}
	return out
}

// ExpectedWithdrawals is get_expected_withdrawals (capella and later
// states), for block producers.
func ExpectedWithdrawals(s *state.BeaconState) ([]*capella.Withdrawal, error) {
	if s.ForkName < forks.Capella {
		return nil, fmt.Errorf("transition: %s states have no withdrawals", s.ForkName)
	}
	if _, err := rulesFor(s.ForkName); err != nil {
		return nil, err
	}
	return expectedWithdrawals(s), nil
}

func stepWithdrawals(_ *blockContext, s *state.BeaconState, b *state.BeaconBlock) error {
	return processWithdrawals(s, b.Body.ExecutionPayload)
}

// processWithdrawals is process_withdrawals: the payload's withdrawals must
// be exactly the expected ones; they are debited and the sweep advances
// (from electra, the processed pending partial withdrawals leave the queue).
func processWithdrawals(s *state.BeaconState, payload *deneb.ExecutionPayload) error {
	const fn = "process_withdrawals"
	expected, processedPartials := expectedWithdrawalsAndPartials(s)
	if len(payload.Withdrawals) != len(expected) {
		return invalid(fn, "payload has %d withdrawals, %d expected", len(payload.Withdrawals), len(expected))
	}
	for i, w := range payload.Withdrawals {
		if w == nil || *w != *expected[i] {
			return invalid(fn, "withdrawal %d is %+v, expected %+v", i, w, *expected[i])
		}
	}
	for _, w := range expected {
		decreaseBalance(s, w.ValidatorIndex, w.Amount)
	}
	if len(expected) > 0 {
		s.NextWithdrawalIndex = expected[len(expected)-1].Index + 1
	}
	if processedPartials > 0 { // update_pending_partial_withdrawals (electra)
		s.PendingPartialWithdrawals = append(s.PendingPartialWithdrawals[:0:0], s.PendingPartialWithdrawals[processedPartials:]...)
	}
	n := uint64(len(s.Validators))
	if n == 0 {
		return nil
	}
	if len(expected) == config.MaxWithdrawalsPerPayload {
		s.NextWithdrawalValidatorIndex = (expected[len(expected)-1].ValidatorIndex + 1) % n
	} else {
		s.NextWithdrawalValidatorIndex = (s.NextWithdrawalValidatorIndex + config.MaxValidatorsPerWithdrawalsSweep) % n
	}
	return nil
}

// withdrawalsRoot is hash_tree_root(payload.withdrawals), a
// List[Withdrawal, MAX_WITHDRAWALS_PER_PAYLOAD].
func withdrawalsRoot(ws []*capella.Withdrawal) ([32]byte, error) {
	if len(ws) > config.MaxWithdrawalsPerPayload {
		return [32]byte{}, ssz.ErrIncorrectListSize
	}
	hh := ssz.NewHasher()
	idx := hh.Index()
	for _, w := range ws {
		if w == nil {
			return [32]byte{}, fmt.Errorf("nil withdrawal")
		}
		if err := w.HashTreeRootWith(hh); err != nil {
			return [32]byte{}, err
		}
	}
	hh.MerkleizeWithMixin(idx, uint64(len(ws)), config.MaxWithdrawalsPerPayload)
	return hh.HashRoot()
}

// processBLSToExecutionChange is process_bls_to_execution_change: a
// validator with a BLS (0x00) withdrawal credential switches to an eth1
// (0x01) one, signed by the BLS withdrawal key over the fork-agnostic
// domain (GENESIS_FORK_VERSION, genesis_validators_root).
func (c *blockContext) processBLSToExecutionChange(s *state.BeaconState, op *capella.SignedBLSToExecutionChange) error {
	const fn = "process_bls_to_execution_change"
	if op == nil || op.Message == nil {
		return incomplete(fn, "bls to execution change message")
	}
	change := op.Message
	if change.ValidatorIndex >= uint64(len(s.Validators)) {
		return invalid(fn, "validator index %d out of range", change.ValidatorIndex)
	}
	v := s.Validators[change.ValidatorIndex]
	if v.WithdrawalCredentials[0] != config.BLSWithdrawalPrefix {
		return invalid(fn, "validator %d has withdrawal credential prefix %#02x, not BLS", change.ValidatorIndex, v.WithdrawalCredentials[0])
	}
	if h := helpers.Hash(change.FromBLSPubkey[:]); [31]byte(h[1:]) != [31]byte(v.WithdrawalCredentials[1:]) {
		return invalid(fn, "from_bls_pubkey does not match validator %d's withdrawal credential", change.ValidatorIndex)
	}
	if c.sigs != nil {
		domain, err := helpers.ComputeDomain(config.DomainBLSToExecutionChange, c.cfg.GenesisForkVersion, s.GenesisValidatorsRoot)
		if err != nil {
			return err
		}
		root, err := helpers.SigningRoot(change, domain)
		if err != nil {
			return err
		}
		c.addSignature(bls.SignatureSet{PublicKeys: [][]byte{change.FromBLSPubkey[:]}, Message: root, Signature: op.Signature[:], Description: c.describe("process_bls_to_execution_change: signature")})
	}
	var creds [32]byte
	creds[0] = config.EthAddressWithdrawalPrefix
	copy(creds[12:], change.ToExecutionAddress[:])
	v.WithdrawalCredentials = creds
	return nil
}
