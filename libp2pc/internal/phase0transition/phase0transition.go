// Package phase0transition is a test helper: the state transition on the
// phase0 containers (phase0.BeaconState, phase0.SignedBeaconBlock), for
// the phase0 spec-test runners, the phase0 test chains and benchmarks.
// Each function wraps the container in the generic state (no copying: the
// conversions share memory), runs the one multi-fork implementation of
// package transition and writes the fields back, so in-place functions
// stay in place. They refuse to leave phase0: a slot range that reaches a
// configured fork epoch fails (use transition.AdvanceSlots instead).
//
// Shipped code uses package transition directly (Transition, AdvanceSlots).
package phase0transition

import (
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// The result and error types of package transition, so a phase0 test can
// use this package in its place.
type (
	RuleError         = transition.RuleError
	Deltas            = transition.Deltas
	AttestationDeltas = transition.AttestationDeltas
)

// onPhase0 runs fn on p seen as a generic state, then stores the result
// back into p.
func onPhase0(p *phase0.BeaconState, fn func(*state.BeaconState) error) error {
	g := state.FromPhase0(p)
	err := fn(g)
	back, convErr := g.ToPhase0()
	if convErr != nil {
		return convErr // cannot happen: ProcessSlots checks the range first
	}
	*p = *back
	return err
}

// StateTransition is state_transition (transition.Transition) on a copy of
// pre, which is never modified.
func StateTransition(cfg *config.Config, pre *phase0.BeaconState, signed *phase0.SignedBeaconBlock, verifySignatures, validateResult bool) (*phase0.BeaconState, error) {
	// A nil block converts to nil, which Transition reports as incomplete.
	res, err := transition.Transition(cfg, state.FromPhase0(pre), state.BlockFromPhase0(signed), transition.Options{VerifySignatures: verifySignatures, ValidateStateRoot: validateResult})
	if err != nil {
		return nil, err
	}
	return res.State.ToPhase0()
}

// VerifyBlockSignature is verify_block_signature.
func VerifyBlockSignature(cfg *config.Config, s *phase0.BeaconState, signed *phase0.SignedBeaconBlock) error {
	return transition.VerifyBlockSignature(cfg, state.FromPhase0(s), state.BlockFromPhase0(signed))
}

// ProcessSlots is process_slots, in place.
func ProcessSlots(cfg *config.Config, s *phase0.BeaconState, slot uint64) error {
	sched, err := forks.ScheduleOf(cfg)
	if err != nil {
		return fmt.Errorf("process_slots: %w", err)
	}
	if f := sched.AtSlot(slot); f != forks.Phase0 && slot > s.Slot {
		return fmt.Errorf("process_slots: slot %d is in %s (from epoch %d): a phase0 state cannot go there; use AdvanceSlots", slot, f, sched.Epochs[f])
	}
	return onPhase0(s, func(g *state.BeaconState) error { return transition.AdvanceSlots(cfg, g, slot) })
}

// ProcessEpoch is process_epoch, in place.
func ProcessEpoch(cfg *config.Config, s *phase0.BeaconState) error {
	return onPhase0(s, func(g *state.BeaconState) error { return transition.ProcessEpoch(cfg, g) })
}

// ProcessBlock is process_block, in place. With verifySignatures, every
// signature of the block except the proposer's block signature (see
// VerifyBlockSignature) is checked, in one batch at the end.
func ProcessBlock(cfg *config.Config, s *phase0.BeaconState, block *phase0.BeaconBlock, verifySignatures bool) error {
	return onPhase0(s, func(g *state.BeaconState) error {
		_, err := transition.ProcessBlock(cfg, g, blockFromPhase0(block), verifySignatures, nil)
		return err
	})
}

// ProcessBlockHeader is process_block_header, in place.
func ProcessBlockHeader(cfg *config.Config, s *phase0.BeaconState, block *phase0.BeaconBlock) error {
	return operation(cfg, s, blockFromPhase0(block), false)
}

func blockFromPhase0(b *phase0.BeaconBlock) *state.BeaconBlock {
	if b == nil {
		return nil
	}
	return state.BlockFromPhase0(&phase0.SignedBeaconBlock{Message: b}).Message
}

// The Process<Operation> functions apply one operation in place, checking
// its signatures immediately when verifySignatures is set (as the spec's
// operations tests do); see transition.ProcessOperation.

func operation(cfg *config.Config, s *phase0.BeaconState, op any, verifySignatures bool) error {
	return onPhase0(s, func(g *state.BeaconState) error { return transition.ProcessOperation(cfg, g, op, verifySignatures) })
}

// ProcessProposerSlashing is process_proposer_slashing.
func ProcessProposerSlashing(cfg *config.Config, s *phase0.BeaconState, op *phase0.ProposerSlashing, verifySignatures bool) error {
	return operation(cfg, s, op, verifySignatures)
}

// ProcessAttesterSlashing is process_attester_slashing.
func ProcessAttesterSlashing(cfg *config.Config, s *phase0.BeaconState, op *phase0.AttesterSlashing, verifySignatures bool) error {
	return operation(cfg, s, op, verifySignatures)
}

// ProcessAttestation is process_attestation.
func ProcessAttestation(cfg *config.Config, s *phase0.BeaconState, op *phase0.Attestation, verifySignatures bool) error {
	return operation(cfg, s, op, verifySignatures)
}

// ProcessDeposit is process_deposit (its signature is always checked).
func ProcessDeposit(cfg *config.Config, s *phase0.BeaconState, op *phase0.Deposit) error {
	return operation(cfg, s, op, false)
}

// ProcessVoluntaryExit is process_voluntary_exit.
func ProcessVoluntaryExit(cfg *config.Config, s *phase0.BeaconState, op *phase0.SignedVoluntaryExit, verifySignatures bool) error {
	return operation(cfg, s, op, verifySignatures)
}

// The epoch-processing steps, each in place (the epoch_processing vectors
// run them one by one); see transition.ProcessEpochStep.

func epochStep(cfg *config.Config, s *phase0.BeaconState, name string) error {
	return onPhase0(s, func(g *state.BeaconState) error { return transition.ProcessEpochStep(cfg, g, name) })
}

// ProcessJustificationAndFinalization is process_justification_and_finalization.
func ProcessJustificationAndFinalization(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep(cfg, s, "process_justification_and_finalization")
}

// ProcessRewardsAndPenalties is process_rewards_and_penalties.
func ProcessRewardsAndPenalties(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep(cfg, s, "process_rewards_and_penalties")
}

// ProcessRegistryUpdates is process_registry_updates.
func ProcessRegistryUpdates(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep(cfg, s, "process_registry_updates")
}

// ProcessSlashings is process_slashings.
func ProcessSlashings(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep(cfg, s, "process_slashings")
}

// ProcessEth1DataReset is process_eth1_data_reset.
func ProcessEth1DataReset(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep(cfg, s, "process_eth1_data_reset")
}

// ProcessEffectiveBalanceUpdates is process_effective_balance_updates.
func ProcessEffectiveBalanceUpdates(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep(cfg, s, "process_effective_balance_updates")
}

// ProcessSlashingsReset is process_slashings_reset.
func ProcessSlashingsReset(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep(cfg, s, "process_slashings_reset")
}

// ProcessRandaoMixesReset is process_randao_mixes_reset.
func ProcessRandaoMixesReset(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep(cfg, s, "process_randao_mixes_reset")
}

// ProcessHistoricalRootsUpdate is process_historical_roots_update.
func ProcessHistoricalRootsUpdate(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep(cfg, s, "process_historical_roots_update")
}

// ProcessParticipationRecordUpdates is process_participation_record_updates.
func ProcessParticipationRecordUpdates(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep(cfg, s, "process_participation_record_updates")
}

// GetAttestationDeltas computes the five components of get_attestation_deltas.
func GetAttestationDeltas(s *phase0.BeaconState) (*AttestationDeltas, error) {
	return transition.AttestationDeltasOf(state.FromPhase0(s))
}
