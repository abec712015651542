package transition

import (
	"fmt"
	"slices"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// Electra's block operations that change shape: attestations across the
// committees of a slot (EIP-7549), attester slashings with the larger
// indexed attestations, and the withdrawals with the pending partial
// withdrawals first (EIP-7251).

// BeaconProposerIndex is get_beacon_proposer_index for a state of any
// fork: phase0's sampling until deneb, electra's 16-bit sampling with
// MAX_EFFECTIVE_BALANCE_ELECTRA, and from fulu the state's
// proposer_lookahead.
func BeaconProposerIndex(s *state.BeaconState) (uint64, error) {
	switch {
	case s.ForkName >= forks.Fulu:
		if len(s.ProposerLookahead) != config.ProposerLookaheadLength {
			return 0, fmt.Errorf("get_beacon_proposer_index: proposer_lookahead has %d entries, not %d", len(s.ProposerLookahead), config.ProposerLookaheadLength)
		}
		return s.ProposerLookahead[s.Slot%config.SlotsPerEpoch], nil
	case s.ForkName >= forks.Electra:
		return helpers.BeaconProposerIndexElectra(s)
	}
	return helpers.BeaconProposerIndex(s)
}

// nextSyncCommitteeIndices is get_next_sync_committee_indices of the
// state's fork.
func nextSyncCommitteeIndices(s *state.BeaconState) ([]uint64, error) {
	if s.ForkName >= forks.Electra {
		return helpers.NextSyncCommitteeIndicesElectra(s)
	}
	return helpers.NextSyncCommitteeIndices(s)
}

// processAttestationElectra is electra's process_attestation: data.index
// is 0, committee_bits names the committees of the slot whose
// participation bits are concatenated in aggregation_bits, and each named
// committee has at least one attester.
func (c *blockContext) processAttestationElectra(s *state.BeaconState, a *electra.Attestation) error {
	const fn = "process_attestation"
	if a == nil {
		return incomplete(fn, "attestation")
	}
	if err := checkDataShape(fn, a.Data, "attestation"); err != nil {
		return err
	}
	data := a.Data
	current, previous := helpers.CurrentEpoch(s), helpers.PreviousEpoch(s)
	if data.Target.Epoch != previous && data.Target.Epoch != current {
		return invalid(fn, "target epoch %d is neither the previous (%d) nor the current (%d) epoch", data.Target.Epoch, previous, current)
	}
	if data.Target.Epoch != helpers.ComputeEpochAtSlot(data.Slot) {
		return invalid(fn, "target epoch %d does not contain slot %d", data.Target.Epoch, data.Slot)
	}
	if data.Slot+config.MinAttestationInclusionDelay > s.Slot {
		return invalid(fn, "attestation slot %d cannot be included at slot %d", data.Slot, s.Slot)
	}
	if data.Index != 0 {
		return invalid(fn, "data.index %d != 0", data.Index)
	}
	n, err := helpers.BitlistLen(a.AggregationBits)
	if err != nil {
		return invalid(fn, "aggregation bits: %v", err)
	}
	attesters, err := c.attestingIndicesElectra(s, a, n)
	if err != nil {
		return err
	}
	if err := c.recordParticipation(s, data, attesters); err != nil {
		return err
	}
	indexed := &phase0.IndexedAttestation{AttestingIndices: attesters, Data: data, Signature: a.Signature}
	if err := c.checkIndexedAttestation(s, indexed, "attestation"); err != nil {
		return invalid(fn, "%v", err)
	}
	return nil
}

// attestingIndicesElectra is electra's get_attesting_indices with the
// checks of process_attestation on the committees: each committee index
// exists, each committee has an attester, and the aggregation bits cover
// exactly the committees. n is the bitlist's length. The result is sorted.
func (c *blockContext) attestingIndicesElectra(s *state.BeaconState, a *electra.Attestation, n uint64) ([]uint64, error) {
	const fn = "process_attestation"
	data := a.Data
	ec := c.epochCommittees(s, data.Target.Epoch)
	var offset uint64
	var out []uint64
	for _, ci := range helpers.CommitteeIndices(a.CommitteeBits[:]) {
		if ci >= ec.CountPerSlot {
			return nil, invalid(fn, "committee index %d >= committees per slot %d", ci, ec.CountPerSlot)
		}
		committee, err := ec.Committee(data.Slot, ci)
		if err != nil {
			return nil, invalid(fn, "%v", err)
		}
		if offset+uint64(len(committee)) > n {
			return nil, invalid(fn, "aggregation bits length %d is shorter than the committees (%d so far)", n, offset+uint64(len(committee)))
		}
		hasAttester := false
		for i, v := range committee {
			if helpers.BitlistBit(a.AggregationBits, offset+uint64(i)) {
				out = append(out, v)
				hasAttester = true
			}
		}
		if !hasAttester {
			return nil, invalid(fn, "committee %d has no attester", ci)
		}
		offset += uint64(len(committee))
	}
	if n != offset {
		return nil, invalid(fn, "aggregation bits length %d != total committee size %d", n, offset)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// phase0AttesterSlashing views an electra attester slashing as a phase0
// one (same fields; only the SSZ limit of attesting_indices differs, which
// decoding already enforced), sharing memory. nil parts stay nil.
func phase0AttesterSlashing(op *electra.AttesterSlashing) *phase0.AttesterSlashing {
	if op == nil {
		return nil
	}
	conv := func(a *electra.IndexedAttestation) *phase0.IndexedAttestation {
		if a == nil {
			return nil
		}
		return &phase0.IndexedAttestation{AttestingIndices: a.AttestingIndices, Data: a.Data, Signature: a.Signature}
	}
	return &phase0.AttesterSlashing{Attestation1: conv(op.Attestation1), Attestation2: conv(op.Attestation2)}
}

// Withdrawals.

// isFullyWithdrawableElectra is electra's is_fully_withdrawable_validator.
func isFullyWithdrawableElectra(v *phase0.Validator, balance, epoch uint64) bool {
	return helpers.HasExecutionWithdrawalCredential(v) && v.WithdrawableEpoch <= epoch && balance > 0
}

// isPartiallyWithdrawableElectra is electra's is_partially_withdrawable_validator.
func isPartiallyWithdrawableElectra(v *phase0.Validator, balance uint64) bool {
	maxEB := helpers.MaxEffectiveBalanceElectra(v)
	return helpers.HasExecutionWithdrawalCredential(v) && v.EffectiveBalance == maxEB && balance > maxEB
}

// expectedWithdrawalsElectra is electra's get_expected_withdrawals: the
// pending partial withdrawals (get_pending_partial_withdrawals) then the
// validator sweep (get_validators_sweep_withdrawals), each seeing balances
// net of the withdrawals listed before (get_balance_after_withdrawals).
// It also returns processed_partial_withdrawals_count.
func expectedWithdrawalsElectra(s *state.BeaconState) ([]*capella.Withdrawal, int) {
	epoch := helpers.CurrentEpoch(s)
	withdrawalIndex := s.NextWithdrawalIndex
	var out []*capella.Withdrawal
	withdrawn := map[uint64]uint64{}
	balanceAfter := func(i uint64) uint64 {
		b, w := s.Balances[i], withdrawn[i]
		if w > b {
			return 0
		}
		return b - w
	}
	add := func(v *phase0.Validator, index, amount uint64) {
		out = append(out, &capella.Withdrawal{Index: withdrawalIndex, ValidatorIndex: index, Address: withdrawalAddress(v), Amount: amount})
		withdrawn[index] += amount
		withdrawalIndex++
	}

	partialsLimit := min(config.MaxPendingPartialsPerWithdrawalsSweep, config.MaxWithdrawalsPerPayload-1)
	processed := 0
	for _, w := range s.PendingPartialWithdrawals {
		if w.WithdrawableEpoch > epoch || len(out) >= partialsLimit {
			break
		}
		if w.ValidatorIndex < uint64(len(s.Validators)) {
			v := s.Validators[w.ValidatorIndex]
			balance := balanceAfter(w.ValidatorIndex)
			if helpers.IsEligibleForPartialWithdrawals(v, balance) {
				add(v, w.ValidatorIndex, min(balance-config.MinActivationBalance, w.Amount))
			}
		}
		processed++
	}

	n := uint64(len(s.Validators))
	if n == 0 {
		return out, processed
	}
	validatorIndex := s.NextWithdrawalValidatorIndex % n
	for range min(n, config.MaxValidatorsPerWithdrawalsSweep) {
		if len(out) >= config.MaxWithdrawalsPerPayload {
			break
		}
		v := s.Validators[validatorIndex]
		balance := balanceAfter(validatorIndex)
		switch {
		case isFullyWithdrawableElectra(v, balance, epoch):
			add(v, validatorIndex, balance)
		case isPartiallyWithdrawableElectra(v, balance):
			add(v, validatorIndex, balance-helpers.MaxEffectiveBalanceElectra(v))
		}
		validatorIndex = (validatorIndex + 1) % n
	}
	return out, processed
}

// expectedWithdrawalsAndPartials is get_expected_withdrawals of any
// capella-or-later state with the number of pending partial withdrawals it
// consumes (zero before electra).
func expectedWithdrawalsAndPartials(s *state.BeaconState) ([]*capella.Withdrawal, int) {
	if s.ForkName >= forks.Electra {
		return expectedWithdrawalsElectra(s)
	}
	return expectedWithdrawals(s), 0
}
