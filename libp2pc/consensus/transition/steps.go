package transition

import (
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// The parts of state_transition that callers run on their own, each in
// place on a state of any fork: the spec-test runners (operations,
// epoch_processing and rewards vectors run one spec function at a time)
// and the pipeline's proposer check. Transition remains the one entry
// point to the state transition itself.

// VerifyBlockSignature is verify_block_signature for any fork.
func VerifyBlockSignature(cfg *config.Config, s *state.BeaconState, signed *state.SignedBeaconBlock) error {
	if signed == nil || signed.Message == nil {
		return incomplete("verify_block_signature", "signed block")
	}
	ctx := newBlockContext(cfg, true, nil)
	if err := ctx.addBlockSignature(s, signed); err != nil {
		return err
	}
	return ctx.verifySignatures()
}

// ProcessBlock is process_block for any implemented fork, in place.
// With verifySignatures, every signature of the block except the
// proposer's block signature (see VerifyBlockSignature) is checked, in
// one batch at the end. optimistic reports that an execution payload was
// accepted without a "valid" verdict of engine (nil: none).
func ProcessBlock(cfg *config.Config, s *state.BeaconState, block *state.BeaconBlock, verifySignatures bool, engine ExecutionEngine) (optimistic bool, err error) {
	ctx := newBlockContext(cfg, verifySignatures, engine)
	if err := ctx.processBlock(s, block); err != nil {
		return false, err
	}
	if err := ctx.verifySignatures(); err != nil {
		return false, err
	}
	return ctx.optimistic, nil
}

// ProcessOperation applies one block operation to s in place, as the
// spec's operations vectors do: op is a *state.BeaconBlock
// (process_block_header), *phase0.ProposerSlashing, *phase0.AttesterSlashing,
// *phase0.Attestation, *phase0.Deposit or *phase0.SignedVoluntaryExit. With
// verifySignatures the operation's signatures are checked immediately
// (inside a block the same code queues them for one batch). A deposit's
// signature is always checked: an invalid one does not make the deposit
// invalid, it makes it skip creating a validator, so it is part of the
// transition proper.
func ProcessOperation(cfg *config.Config, s *state.BeaconState, op any, verifySignatures bool) error {
	if b, ok := op.(*state.BeaconBlock); ok {
		if err := checkBlockShape(b); err != nil {
			return err
		}
		return newBlockContext(cfg, false, nil).processBlockHeader(s, b)
	}
	var apply func(c *blockContext) error
	switch o := op.(type) {
	case *phase0.ProposerSlashing:
		apply = func(c *blockContext) error { return c.processProposerSlashing(s, o) }
	case *phase0.AttesterSlashing:
		apply = func(c *blockContext) error { return c.processAttesterSlashing(s, o) }
	case *phase0.Attestation:
		apply = func(c *blockContext) error { return c.processAttestation(s, o) }
	case *phase0.Deposit:
		verifySignatures = false // checked by process_deposit itself (see above)
		apply = func(c *blockContext) error { return c.processDeposit(s, o) }
	case *phase0.SignedVoluntaryExit:
		apply = func(c *blockContext) error { return c.processVoluntaryExit(s, o) }
	default:
		return fmt.Errorf("process_operation: unsupported operation %T", op)
	}
	c := newBlockContext(cfg, verifySignatures, nil)
	if err := apply(c); err != nil {
		return err
	}
	return c.verifySignatures()
}

// ProcessEpochStep runs one step of process_epoch, named as the spec names
// it ("process_registry_updates", ...), in place on s, as the spec's
// epoch_processing vectors do. The step must be one of the fork's
// process_epoch (the table of forks.go).
func ProcessEpochStep(cfg *config.Config, s *state.BeaconState, name string) error {
	r, err := rulesFor(s.ForkName)
	if err != nil {
		return err
	}
	for _, st := range r.epoch {
		if st.name == name {
			return st.fn(cfg, s)
		}
	}
	return fmt.Errorf("transition: %s is not a step of %s's process_epoch", name, s.ForkName)
}

// AttestationDeltasOf computes the five components of phase0's
// get_attestation_deltas (source, target, head, inclusion delay,
// inactivity penalty) for a phase0 state.
func AttestationDeltasOf(s *state.BeaconState) (*AttestationDeltas, error) {
	return getAttestationDeltas(s)
}
