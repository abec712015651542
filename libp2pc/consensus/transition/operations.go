package transition

import (
	"slices"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/bls"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

func (c *blockContext) processProposerSlashing(s *state.BeaconState, op *phase0.ProposerSlashing) error {
	const fn = "process_proposer_slashing"
	if err := checkProposerSlashingShape(op); err != nil {
		return err
	}
	h1, h2 := op.SignedHeader1.Message, op.SignedHeader2.Message
	if h1.Slot != h2.Slot {
		return invalid(fn, "header slots differ (%d, %d)", h1.Slot, h2.Slot)
	}
	if h1.ProposerIndex != h2.ProposerIndex {
		return invalid(fn, "header proposer indices differ (%d, %d)", h1.ProposerIndex, h2.ProposerIndex)
	}
	if *h1 == *h2 {
		return invalid(fn, "headers are identical")
	}
	if h1.ProposerIndex >= uint64(len(s.Validators)) {
		return invalid(fn, "proposer index %d out of range", h1.ProposerIndex)
	}
	proposer := s.Validators[h1.ProposerIndex]
	if !helpers.IsSlashableValidator(proposer, helpers.CurrentEpoch(s)) {
		return invalid(fn, "validator %d is not slashable", h1.ProposerIndex)
	}
	if c.sigs != nil {
		for i, sh := range []*phase0.SignedBeaconBlockHeader{op.SignedHeader1, op.SignedHeader2} {
			domain, err := helpers.Domain(s, config.DomainBeaconProposer, helpers.ComputeEpochAtSlot(sh.Message.Slot))
			if err != nil {
				return err
			}
			root, err := helpers.SigningRoot(sh.Message, domain)
			if err != nil {
				return err
			}
			what := "process_proposer_slashing: signature of header 1"
			if i == 1 {
				what = "process_proposer_slashing: signature of header 2"
			}
			c.addSignature(bls.SignatureSet{PublicKeys: [][]byte{proposer.Pubkey[:]}, Message: root, Signature: sh.Signature[:], Description: c.describe(what)})
		}
	}
	whistleblower, err := c.proposerIndex(s)
	if err != nil {
		return invalid(fn, "%v", err)
	}
	slashValidator(c.cfg, s, h1.ProposerIndex, whistleblower)
	return nil
}

func (c *blockContext) processAttesterSlashing(s *state.BeaconState, op *phase0.AttesterSlashing) error {
	const fn = "process_attester_slashing"
	if err := checkAttesterSlashingShape(op); err != nil {
		return err
	}
	a1, a2 := op.Attestation1, op.Attestation2
	if !helpers.IsSlashableAttestationData(a1.Data, a2.Data) {
		return invalid(fn, "attestation data is neither a double vote nor a surround vote")
	}
	if err := c.checkIndexedAttestation(s, a1, "attestation_1"); err != nil {
		return invalid(fn, "%v", err)
	}
	if err := c.checkIndexedAttestation(s, a2, "attestation_2"); err != nil {
		return invalid(fn, "%v", err)
	}
	in2 := make(map[uint64]bool, len(a2.AttestingIndices))
	for _, i := range a2.AttestingIndices {
		in2[i] = true
	}
	epoch := helpers.CurrentEpoch(s)
	slashedAny := false
	for _, i := range a1.AttestingIndices { // sorted, as checkIndexedAttestation verified
		if in2[i] && helpers.IsSlashableValidator(s.Validators[i], epoch) {
			proposer, err := c.proposerIndex(s)
			if err != nil {
				return invalid(fn, "%v", err)
			}
			slashValidator(c.cfg, s, i, proposer)
			slashedAny = true
		}
	}
	if !slashedAny {
		return invalid(fn, "no validator in both attestations is slashable")
	}
	return nil
}

// checkIndexedAttestation is is_valid_indexed_attestation: indices non-empty,
// sorted and unique, known validators, and (when signatures are checked) the
// aggregate signature queued.
func (c *blockContext) checkIndexedAttestation(s *state.BeaconState, a *phase0.IndexedAttestation, what string) error {
	idx := a.AttestingIndices
	if len(idx) == 0 {
		return errorf("is_valid_indexed_attestation: %s has no attesting indices", what)
	}
	for i := 1; i < len(idx); i++ {
		if idx[i] <= idx[i-1] {
			return errorf("is_valid_indexed_attestation: %s attesting indices are not sorted and unique", what)
		}
	}
	if idx[len(idx)-1] >= uint64(len(s.Validators)) {
		return errorf("is_valid_indexed_attestation: %s attesting index %d out of range", what, idx[len(idx)-1])
	}
	if c.sigs == nil {
		return nil
	}
	pubkeys := make([][]byte, len(idx))
	for i, v := range idx {
		pubkeys[i] = s.Validators[v].Pubkey[:]
	}
	domain, err := helpers.Domain(s, config.DomainBeaconAttester, a.Data.Target.Epoch)
	if err != nil {
		return err
	}
	root, err := helpers.SigningRoot(a.Data, domain)
	if err != nil {
		return err
	}
	c.addSignature(bls.SignatureSet{PublicKeys: pubkeys, Message: root, Signature: a.Signature[:], Description: c.describe("is_valid_indexed_attestation: " + what + " aggregate signature")})
	return nil
}

func (c *blockContext) processAttestation(s *state.BeaconState, a *phase0.Attestation) error {
	const fn = "process_attestation"
	if err := checkAttestationShape(a); err != nil {
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
	// Deneb (EIP-7045) drops the upper bound: the target epoch check above
	// is the limit. Electra's attestations (committee bits, aggregates
	// across committees) go through processAttestationElectra.
	if data.Slot+config.MinAttestationInclusionDelay > s.Slot || (s.ForkName < forks.Deneb && s.Slot > data.Slot+config.SlotsPerEpoch) {
		return invalid(fn, "attestation slot %d cannot be included at slot %d", data.Slot, s.Slot)
	}
	ec := c.epochCommittees(s, data.Target.Epoch)
	if data.Index >= ec.CountPerSlot {
		return invalid(fn, "committee index %d >= committees per slot %d", data.Index, ec.CountPerSlot)
	}
	committee, err := ec.Committee(data.Slot, data.Index)
	if err != nil {
		return invalid(fn, "%v", err)
	}
	n, err := helpers.BitlistLen(a.AggregationBits)
	if err != nil {
		return invalid(fn, "aggregation bits: %v", err)
	}
	if n != uint64(len(committee)) {
		return invalid(fn, "aggregation bits length %d != committee size %d", n, len(committee))
	}
	proposer, err := c.proposerIndex(s)
	if err != nil {
		return invalid(fn, "%v", err)
	}
	indices, err := ec.AttestingIndices(data, a.AggregationBits)
	if err != nil {
		return invalid(fn, "%v", err)
	}
	if s.ForkName >= forks.Altair {
		if err := c.recordParticipation(s, data, indices); err != nil {
			return err
		}
	} else {
		pending := &phase0.PendingAttestation{
			AggregationBits: slices.Clone(a.AggregationBits),
			Data:            copyAttestationData(data),
			InclusionDelay:  s.Slot - data.Slot,
			ProposerIndex:   proposer,
		}
		if data.Target.Epoch == current {
			if *data.Source != *s.CurrentJustifiedCheckpoint {
				return invalid(fn, "source %d/%x != current justified checkpoint", data.Source.Epoch, data.Source.Root)
			}
			s.CurrentEpochAttestations = append(s.CurrentEpochAttestations, pending)
		} else {
			if *data.Source != *s.PreviousJustifiedCheckpoint {
				return invalid(fn, "source %d/%x != previous justified checkpoint", data.Source.Epoch, data.Source.Root)
			}
			s.PreviousEpochAttestations = append(s.PreviousEpochAttestations, pending)
		}
	}
	slices.Sort(indices)
	indexed := &phase0.IndexedAttestation{AttestingIndices: indices, Data: data, Signature: a.Signature}
	if err := c.checkIndexedAttestation(s, indexed, "attestation"); err != nil {
		return invalid(fn, "%v", err)
	}
	return nil
}

func copyAttestationData(d *phase0.AttestationData) *phase0.AttestationData {
	out := *d
	src, tgt := *d.Source, *d.Target
	out.Source, out.Target = &src, &tgt
	return &out
}

func (c *blockContext) processDeposit(s *state.BeaconState, d *phase0.Deposit) error {
	const fn = "process_deposit"
	if err := checkDepositShape(d); err != nil {
		return err
	}
	leaf, err := d.Data.HashTreeRoot()
	if err != nil {
		return invalid(fn, "hash_tree_root(deposit.data): %v", err)
	}
	if !helpers.IsValidMerkleBranch(leaf, d.Proof[:], config.DepositContractTreeDepth+1, s.Eth1DepositIndex, s.Eth1Data.DepositRoot) {
		return invalid(fn, "invalid Merkle proof for deposit index %d", s.Eth1DepositIndex)
	}
	s.Eth1DepositIndex++
	if s.ForkName >= forks.Electra {
		return applyDepositElectra(c.cfg, s, d.Data)
	}
	amount := d.Data.Amount
	for i, v := range s.Validators {
		if v.Pubkey == d.Data.Pubkey {
			increaseBalance(s, uint64(i), amount)
			return nil
		}
	}
	// New validator: the signature is a proof of possession over the
	// fork-agnostic deposit domain; a bad one means the deposit is ignored.
	domain, err := helpers.ComputeDomain(config.DomainDeposit, c.cfg.GenesisForkVersion, [32]byte{})
	if err != nil {
		return err
	}
	msg := &phase0.DepositMessage{Pubkey: d.Data.Pubkey, WithdrawalCredentials: d.Data.WithdrawalCredentials, Amount: amount}
	root, err := helpers.SigningRoot(msg, domain)
	if err != nil {
		return err
	}
	if !bls.Verify(d.Data.Pubkey[:], root[:], d.Data.Signature[:]) {
		return nil
	}
	s.Validators = append(s.Validators, &phase0.Validator{
		Pubkey:                     d.Data.Pubkey,
		WithdrawalCredentials:      d.Data.WithdrawalCredentials,
		EffectiveBalance:           min(amount-amount%config.EffectiveBalanceIncrement, config.MaxEffectiveBalance),
		ActivationEligibilityEpoch: config.FarFutureEpoch,
		ActivationEpoch:            config.FarFutureEpoch,
		ExitEpoch:                  config.FarFutureEpoch,
		WithdrawableEpoch:          config.FarFutureEpoch,
	})
	s.Balances = append(s.Balances, amount)
	if s.ForkName >= forks.Altair { // add_validator_to_registry
		s.PreviousEpochParticipation = append(s.PreviousEpochParticipation, 0)
		s.CurrentEpochParticipation = append(s.CurrentEpochParticipation, 0)
		s.InactivityScores = append(s.InactivityScores, 0)
	}
	return nil
}

func (c *blockContext) processVoluntaryExit(s *state.BeaconState, op *phase0.SignedVoluntaryExit) error {
	const fn = "process_voluntary_exit"
	if err := checkExitShape(op); err != nil {
		return err
	}
	exit := op.Message
	if exit.ValidatorIndex >= uint64(len(s.Validators)) {
		return invalid(fn, "validator index %d out of range", exit.ValidatorIndex)
	}
	v := s.Validators[exit.ValidatorIndex]
	epoch := helpers.CurrentEpoch(s)
	if !helpers.IsActiveValidator(v, epoch) {
		return invalid(fn, "validator %d is not active", exit.ValidatorIndex)
	}
	if v.ExitEpoch != config.FarFutureEpoch {
		return invalid(fn, "validator %d has already initiated an exit", exit.ValidatorIndex)
	}
	if epoch < exit.Epoch {
		return invalid(fn, "exit epoch %d is in the future (current %d)", exit.Epoch, epoch)
	}
	if epoch < v.ActivationEpoch+c.cfg.ShardCommitteePeriod {
		return invalid(fn, "validator %d has not been active for SHARD_COMMITTEE_PERIOD", exit.ValidatorIndex)
	}
	if s.ForkName >= forks.Electra {
		if pending := pendingBalanceToWithdraw(s, exit.ValidatorIndex); pending != 0 {
			return invalid(fn, "validator %d has %d Gwei of pending partial withdrawals", exit.ValidatorIndex, pending)
		}
	}
	if c.sigs != nil {
		domain, err := c.voluntaryExitDomain(s, exit.Epoch)
		if err != nil {
			return err
		}
		root, err := helpers.SigningRoot(exit, domain)
		if err != nil {
			return err
		}
		c.addSignature(bls.SignatureSet{PublicKeys: [][]byte{v.Pubkey[:]}, Message: root, Signature: op.Signature[:], Description: c.describe("process_voluntary_exit: signature")})
	}
	initiateValidatorExit(c.cfg, s, exit.ValidatorIndex)
	return nil
}
