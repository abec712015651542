package transition

import (
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// The phase0-typed API: the functions of the phase0 transition as they
// were before the multi-fork frame, for phase0 callers (the phase0 spec
// runners, testchain, benchmarks). Each wraps the phase0 container in the
// generic state (no copying: the conversions share memory), runs the
// generic code and writes the fields back, so in-place functions stay in
// place. They refuse to leave phase0: a slot range that reaches a
// configured fork epoch fails (use AdvanceSlots / Transition instead).

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

// StateTransition is state_transition for phase0 (see Transition): on a
// copy of pre, which is never modified.
func StateTransition(cfg *config.Config, pre *phase0.BeaconState, signed *phase0.SignedBeaconBlock, verifySignatures, validateResult bool) (*phase0.BeaconState, error) {
	if signed == nil {
		return nil, incomplete("state_transition", "signed block")
	}
	res, err := Transition(cfg, state.FromPhase0(pre), state.BlockFromPhase0(signed), Options{VerifySignatures: verifySignatures, ValidateStateRoot: validateResult})
	if err != nil {
		return nil, err
	}
	return res.State.ToPhase0()
}

// VerifyBlockSignature is verify_block_signature.
func VerifyBlockSignature(cfg *config.Config, s *phase0.BeaconState, signed *phase0.SignedBeaconBlock) error {
	return VerifyBlockSignatureAny(cfg, state.FromPhase0(s), state.BlockFromPhase0(signed))
}

// VerifyBlockSignatureAny is verify_block_signature for any fork.
func VerifyBlockSignatureAny(cfg *config.Config, s *state.BeaconState, signed *state.SignedBeaconBlock) error {
	if signed == nil || signed.Message == nil {
		return incomplete("verify_block_signature", "signed block")
	}
	ctx := newBlockContext(cfg, true, nil)
	if err := ctx.addBlockSignature(s, signed); err != nil {
		return err
	}
	return ctx.verifySignatures()
}

// ProcessSlots is process_slots for a phase0 state, in place.
func ProcessSlots(cfg *config.Config, s *phase0.BeaconState, slot uint64) error {
	sched, err := forks.ScheduleOf(cfg)
	if err != nil {
		return fmt.Errorf("process_slots: %w", err)
	}
	if f := sched.AtSlot(slot); f != forks.Phase0 && slot > s.Slot {
		return fmt.Errorf("process_slots: slot %d is in %s (from epoch %d): a phase0 state cannot go there; use AdvanceSlots", slot, f, sched.Epochs[f])
	}
	return onPhase0(s, func(g *state.BeaconState) error { return AdvanceSlots(cfg, g, slot) })
}

// ProcessEpoch is phase0's process_epoch, in place.
func ProcessEpoch(cfg *config.Config, s *phase0.BeaconState) error {
	return onPhase0(s, func(g *state.BeaconState) error { return processEpoch(cfg, g) })
}

// ProcessBlock is process_block, in place. With verifySignatures, every
// signature of the block except the proposer's block signature (see
// VerifyBlockSignature) is checked, in one batch at the end.
func ProcessBlock(cfg *config.Config, s *phase0.BeaconState, block *phase0.BeaconBlock, verifySignatures bool) error {
	return onPhase0(s, func(g *state.BeaconState) error {
		_, err := ProcessBlockAny(cfg, g, blockFromPhase0(block), verifySignatures, nil)
		return err
	})
}

// ProcessBlockAny is process_block for any implemented fork, in place
// (signatures as ProcessBlock). optimistic reports that an execution
// payload was accepted without a "valid" verdict of engine (nil: none).
func ProcessBlockAny(cfg *config.Config, s *state.BeaconState, block *state.BeaconBlock, verifySignatures bool, engine ExecutionEngine) (optimistic bool, err error) {
	ctx := newBlockContext(cfg, verifySignatures, engine)
	if err := ctx.processBlock(s, block); err != nil {
		return false, err
	}
	if err := ctx.verifySignatures(); err != nil {
		return false, err
	}
	return ctx.optimistic, nil
}

// ProcessBlockHeader is process_block_header, in place.
func ProcessBlockHeader(cfg *config.Config, s *phase0.BeaconState, block *phase0.BeaconBlock) error {
	b := blockFromPhase0(block)
	if err := checkBlockShape(b); err != nil {
		return err
	}
	return onPhase0(s, func(g *state.BeaconState) error { return newBlockContext(cfg, false, nil).processBlockHeader(g, b) })
}

func blockFromPhase0(b *phase0.BeaconBlock) *state.BeaconBlock {
	if b == nil {
		return nil
	}
	return state.BlockFromPhase0(&phase0.SignedBeaconBlock{Message: b}).Message
}

// The exported Process<Operation> functions apply one operation in place,
// checking its signatures immediately when verifySignatures is set (as the
// spec's operations tests do). Inside a block the same code queues the
// signatures for one batch instead.

func runOp(cfg *config.Config, s *phase0.BeaconState, verifySignatures bool, op func(*blockContext, *state.BeaconState) error) error {
	return onPhase0(s, func(g *state.BeaconState) error {
		c := newBlockContext(cfg, verifySignatures, nil)
		if err := op(c, g); err != nil {
			return err
		}
		return c.verifySignatures()
	})
}

// ProcessProposerSlashing is process_proposer_slashing.
func ProcessProposerSlashing(cfg *config.Config, s *phase0.BeaconState, op *phase0.ProposerSlashing, verifySignatures bool) error {
	return runOp(cfg, s, verifySignatures, func(c *blockContext, g *state.BeaconState) error { return c.processProposerSlashing(g, op) })
}

// ProcessAttesterSlashing is process_attester_slashing.
func ProcessAttesterSlashing(cfg *config.Config, s *phase0.BeaconState, op *phase0.AttesterSlashing, verifySignatures bool) error {
	return runOp(cfg, s, verifySignatures, func(c *blockContext, g *state.BeaconState) error { return c.processAttesterSlashing(g, op) })
}

// ProcessAttestation is process_attestation.
func ProcessAttestation(cfg *config.Config, s *phase0.BeaconState, op *phase0.Attestation, verifySignatures bool) error {
	return runOp(cfg, s, verifySignatures, func(c *blockContext, g *state.BeaconState) error { return c.processAttestation(g, op) })
}

// ProcessDeposit is process_deposit. The deposit signature is always
// checked: an invalid one does not make the deposit invalid, it makes it
// skip creating a validator, so it is part of the state transition proper.
func ProcessDeposit(cfg *config.Config, s *phase0.BeaconState, op *phase0.Deposit) error {
	return runOp(cfg, s, false, func(c *blockContext, g *state.BeaconState) error { return c.processDeposit(g, op) })
}

// ProcessVoluntaryExit is process_voluntary_exit.
func ProcessVoluntaryExit(cfg *config.Config, s *phase0.BeaconState, op *phase0.SignedVoluntaryExit, verifySignatures bool) error {
	return runOp(cfg, s, verifySignatures, func(c *blockContext, g *state.BeaconState) error { return c.processVoluntaryExit(g, op) })
}

// The epoch-processing steps, each in place on a phase0 state (the
// epoch_processing vectors run them one by one).

func epochStep0(cfg *config.Config, s *phase0.BeaconState, fn func(*config.Config, *state.BeaconState) error) error {
	return onPhase0(s, func(g *state.BeaconState) error { return fn(cfg, g) })
}

// ProcessJustificationAndFinalization is process_justification_and_finalization.
func ProcessJustificationAndFinalization(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep0(cfg, s, processJustificationAndFinalization)
}

// ProcessRewardsAndPenalties is process_rewards_and_penalties.
func ProcessRewardsAndPenalties(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep0(cfg, s, processRewardsAndPenalties)
}

// ProcessRegistryUpdates is process_registry_updates.
func ProcessRegistryUpdates(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep0(cfg, s, processRegistryUpdates)
}

// ProcessSlashings is process_slashings.
func ProcessSlashings(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep0(cfg, s, processSlashings)
}

// ProcessEth1DataReset is process_eth1_data_reset.
func ProcessEth1DataReset(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep0(cfg, s, processEth1DataReset)
}

// ProcessEffectiveBalanceUpdates is process_effective_balance_updates.
func ProcessEffectiveBalanceUpdates(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep0(cfg, s, processEffectiveBalanceUpdates)
}

// ProcessSlashingsReset is process_slashings_reset.
func ProcessSlashingsReset(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep0(cfg, s, processSlashingsReset)
}

// ProcessRandaoMixesReset is process_randao_mixes_reset.
func ProcessRandaoMixesReset(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep0(cfg, s, processRandaoMixesReset)
}

// ProcessHistoricalRootsUpdate is process_historical_roots_update.
func ProcessHistoricalRootsUpdate(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep0(cfg, s, processHistoricalRootsUpdate)
}

// ProcessParticipationRecordUpdates is process_participation_record_updates.
func ProcessParticipationRecordUpdates(cfg *config.Config, s *phase0.BeaconState) error {
	return epochStep0(cfg, s, processParticipationRecordUpdates)
}

// GetAttestationDeltas computes the five components of phase0's
// get_attestation_deltas (source, target, head, inclusion delay,
// inactivity penalty).
func GetAttestationDeltas(s *phase0.BeaconState) (*AttestationDeltas, error) {
	return getAttestationDeltas(state.FromPhase0(s))
}
