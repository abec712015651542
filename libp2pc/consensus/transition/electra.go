package transition

import (
	"cmp"
	"slices"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/bls"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// Electra (specs/electra/beacon-chain.md, fork.md): the EIP-7251 balance
// model (compounding credentials, balance-denominated churn, the pending
// deposit / partial withdrawal / consolidation queues), execution-layer
// requests (EIP-6110 deposits, EIP-7002 withdrawals, EIP-7251
// consolidations) and attestations across committees (EIP-7549, in
// electra_attestations.go). The rules of earlier forks that electra
// modifies branch on `s.ForkName >= forks.Electra` and call the functions
// of this file.

// upgradeToElectra is upgrade_to_electra: the churn state starts from the
// current exits, validators not yet activated go through the pending
// deposit queue, and compounding early adopters queue their excess balance.
func upgradeToElectra(cfg *config.Config, s *state.BeaconState) error {
	if err := nextForkVersion(cfg, s, forks.Electra); err != nil {
		return err
	}
	s.ForkName = forks.Electra
	current := helpers.CurrentEpoch(s)
	earliestExit := helpers.ComputeActivationExitEpoch(current)
	for _, v := range s.Validators {
		if v.ExitEpoch != config.FarFutureEpoch {
			earliestExit = max(earliestExit, v.ExitEpoch)
		}
	}
	s.DepositRequestsStartIndex = config.UnsetDepositRequestsStartIndex
	s.DepositBalanceToConsume = 0
	s.EarliestExitEpoch = earliestExit + 1
	s.EarliestConsolidationEpoch = helpers.ComputeActivationExitEpoch(current)
	s.PendingDeposits = []*electra.PendingDeposit{}
	s.PendingPartialWithdrawals = []*electra.PendingPartialWithdrawal{}
	s.PendingConsolidations = []*electra.PendingConsolidation{}
	s.ExitBalanceToConsume = activationExitChurnLimit(cfg, s)
	s.ConsolidationBalanceToConsume = consolidationChurnLimit(cfg, s)

	// Validators not activated yet go through the pending deposits, in the
	// order (activation_eligibility_epoch, index).
	var preActivation []uint64
	for i, v := range s.Validators {
		if v.ActivationEpoch == config.FarFutureEpoch {
			preActivation = append(preActivation, uint64(i))
		}
	}
	slices.SortFunc(preActivation, func(a, b uint64) int {
		ea, eb := s.Validators[a].ActivationEligibilityEpoch, s.Validators[b].ActivationEligibilityEpoch
		if c := cmp.Compare(ea, eb); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	for _, index := range preActivation {
		balance := s.Balances[index]
		s.Balances[index] = 0
		v := s.Validators[index]
		v.EffectiveBalance = 0
		v.ActivationEligibilityEpoch = config.FarFutureEpoch
		s.PendingDeposits = append(s.PendingDeposits, &electra.PendingDeposit{
			Pubkey: v.Pubkey, WithdrawalCredentials: v.WithdrawalCredentials, Amount: balance,
			Signature: g2PointAtInfinity, Slot: config.GenesisSlot,
		})
	}
	// Early adopters of compounding credentials go through the activation churn.
	for i, v := range s.Validators {
		if helpers.HasCompoundingWithdrawalCredential(v) {
			queueExcessActiveBalance(s, uint64(i))
		}
	}
	return nil
}

// Churn (EIP-7251): balance-denominated limits.

// balanceChurnLimit is get_balance_churn_limit.
func balanceChurnLimit(cfg *config.Config, s *state.BeaconState) uint64 {
	churn := max(cfg.MinPerEpochChurnLimitElectra(), helpers.TotalActiveBalance(s)/cfg.ChurnLimitQuotient)
	return churn - churn%config.EffectiveBalanceIncrement
}

// activationExitChurnLimit is get_activation_exit_churn_limit.
func activationExitChurnLimit(cfg *config.Config, s *state.BeaconState) uint64 {
	return min(cfg.MaxPerEpochActivationExitChurnLimit(), balanceChurnLimit(cfg, s))
}

// consolidationChurnLimit is get_consolidation_churn_limit.
func consolidationChurnLimit(cfg *config.Config, s *state.BeaconState) uint64 {
	return balanceChurnLimit(cfg, s) - activationExitChurnLimit(cfg, s)
}

// computeExitEpochAndUpdateChurn is compute_exit_epoch_and_update_churn.
func computeExitEpochAndUpdateChurn(cfg *config.Config, s *state.BeaconState, exitBalance uint64) uint64 {
	earliest := max(s.EarliestExitEpoch, helpers.ComputeActivationExitEpoch(helpers.CurrentEpoch(s)))
	perEpoch := activationExitChurnLimit(cfg, s)
	toConsume := s.ExitBalanceToConsume
	if s.EarliestExitEpoch < earliest { // a new epoch for exits
		toConsume = perEpoch
	}
	if exitBalance > toConsume { // the exit does not fit in the earliest epoch
		additional := (exitBalance-toConsume-1)/perEpoch + 1
		earliest += additional
		toConsume += additional * perEpoch
	}
	s.ExitBalanceToConsume = toConsume - exitBalance
	s.EarliestExitEpoch = earliest
	return earliest
}

// computeConsolidationEpochAndUpdateChurn is
// compute_consolidation_epoch_and_update_churn.
func computeConsolidationEpochAndUpdateChurn(cfg *config.Config, s *state.BeaconState, balance uint64) uint64 {
	earliest := max(s.EarliestConsolidationEpoch, helpers.ComputeActivationExitEpoch(helpers.CurrentEpoch(s)))
	perEpoch := consolidationChurnLimit(cfg, s)
	toConsume := s.ConsolidationBalanceToConsume
	if s.EarliestConsolidationEpoch < earliest {
		toConsume = perEpoch
	}
	if balance > toConsume {
		// perEpoch > 0 here: process_consolidation_request only gets this
		// far when the consolidation churn exceeds MIN_ACTIVATION_BALANCE.
		additional := (balance-toConsume-1)/perEpoch + 1
		earliest += additional
		toConsume += additional * perEpoch
	}
	s.ConsolidationBalanceToConsume = toConsume - balance
	s.EarliestConsolidationEpoch = earliest
	return earliest
}

// initiateValidatorExitElectra is electra's initiate_validator_exit (the
// exit epoch comes from the balance churn).
func initiateValidatorExitElectra(cfg *config.Config, s *state.BeaconState, index uint64) {
	v := s.Validators[index]
	if v.ExitEpoch != config.FarFutureEpoch {
		return
	}
	v.ExitEpoch = computeExitEpochAndUpdateChurn(cfg, s, v.EffectiveBalance)
	v.WithdrawableEpoch = v.ExitEpoch + cfg.MinValidatorWithdrawabilityDelay
}

// switchToCompoundingValidator is switch_to_compounding_validator.
func switchToCompoundingValidator(s *state.BeaconState, index uint64) {
	v := s.Validators[index]
	v.WithdrawalCredentials[0] = config.CompoundingWithdrawalPrefix
	queueExcessActiveBalance(s, index)
}

// queueExcessActiveBalance is queue_excess_active_balance: the balance
// above MIN_ACTIVATION_BALANCE goes back through the pending deposits.
func queueExcessActiveBalance(s *state.BeaconState, index uint64) {
	balance := s.Balances[index]
	if balance <= config.MinActivationBalance {
		return
	}
	s.Balances[index] = config.MinActivationBalance
	v := s.Validators[index]
	s.PendingDeposits = append(s.PendingDeposits, &electra.PendingDeposit{
		Pubkey: v.Pubkey, WithdrawalCredentials: v.WithdrawalCredentials, Amount: balance - config.MinActivationBalance,
		Signature: g2PointAtInfinity, Slot: config.GenesisSlot,
	})
}

// pendingBalanceToWithdraw is get_pending_balance_to_withdraw.
func pendingBalanceToWithdraw(s *state.BeaconState, index uint64) uint64 {
	var sum uint64
	for _, w := range s.PendingPartialWithdrawals {
		if w.ValidatorIndex == index {
			sum += w.Amount
		}
	}
	return sum
}

// validatorIndexByPubkey is validator_pubkeys.index(pubkey), with ok false
// when no validator has the key (an index map shared by state copies, not a
// scan of the registry: state/pubkeyindex.go).
func validatorIndexByPubkey(s *state.BeaconState, pubkey [48]byte) (uint64, bool) {
	return s.ValidatorIndex(pubkey)
}

// Epoch processing.

// processRegistryUpdatesElectra is electra's process_registry_updates:
// eligibility, ejections and activations in one pass, activations no
// longer rate-limited here (the pending deposits are).
func processRegistryUpdatesElectra(cfg *config.Config, s *state.BeaconState) error {
	current := helpers.CurrentEpoch(s)
	activationEpoch := helpers.ComputeActivationExitEpoch(current)
	for i, v := range s.Validators {
		switch {
		case helpers.IsEligibleForActivationQueueElectra(v):
			v.ActivationEligibilityEpoch = current + 1
		case helpers.IsActiveValidator(v, current) && v.EffectiveBalance <= cfg.EjectionBalance:
			initiateValidatorExit(cfg, s, uint64(i))
		case helpers.IsEligibleForActivation(s, v):
			v.ActivationEpoch = activationEpoch
		}
	}
	return nil
}

// processSlashingsElectra is electra's process_slashings: the penalty per
// effective-balance increment is computed once.
func processSlashingsElectra(s *state.BeaconState) {
	epoch := helpers.CurrentEpoch(s)
	total := helpers.TotalActiveBalance(s)
	var sum uint64
	for _, x := range s.Slashings {
		sum += x
	}
	adjusted := min(sum*proportionalSlashingMultiplier(s.ForkName), total)
	const increment = config.EffectiveBalanceIncrement
	perIncrement := adjusted / (total / increment)
	for i, v := range s.Validators {
		if v.Slashed && epoch+config.EpochsPerSlashingsVector/2 == v.WithdrawableEpoch {
			decreaseBalance(s, uint64(i), perIncrement*(v.EffectiveBalance/increment))
		}
	}
}

// processPendingDeposits is process_pending_deposits.
func processPendingDeposits(cfg *config.Config, s *state.BeaconState) error {
	nextEpoch := helpers.CurrentEpoch(s) + 1
	available := s.DepositBalanceToConsume + activationExitChurnLimit(cfg, s)
	var processed uint64
	next := 0
	var postponed []*electra.PendingDeposit
	churnReached := false
	finalizedSlot := helpers.ComputeStartSlotAtEpoch(s.FinalizedCheckpoint.Epoch)
	for _, d := range s.PendingDeposits {
		// Deposit requests wait until the eth1 bridge deposits are applied.
		if d.Slot > config.GenesisSlot && s.Eth1DepositIndex < s.DepositRequestsStartIndex {
			break
		}
		if d.Slot > finalizedSlot {
			break
		}
		if next >= config.MaxPendingDepositsPerEpoch {
			break
		}
		exited, withdrawn := false, false
		if index, ok := validatorIndexByPubkey(s, d.Pubkey); ok {
			v := s.Validators[index]
			exited = v.ExitEpoch < config.FarFutureEpoch
			withdrawn = v.WithdrawableEpoch < nextEpoch
		}
		switch {
		case withdrawn:
			// The balance will never be active: no churn consumed.
			if err := applyPendingDeposit(cfg, s, d); err != nil {
				return err
			}
		case exited:
			postponed = append(postponed, d)
		default:
			churnReached = processed+d.Amount > available
			if churnReached {
				break
			}
			processed += d.Amount
			if err := applyPendingDeposit(cfg, s, d); err != nil {
				return err
			}
		}
		if churnReached {
			break
		}
		next++
	}
	rest := make([]*electra.PendingDeposit, 0, len(s.PendingDeposits)-next+len(postponed))
	rest = append(rest, s.PendingDeposits[next:]...)
	s.PendingDeposits = append(rest, postponed...)
	if churnReached {
		s.DepositBalanceToConsume = available - processed
	} else {
		s.DepositBalanceToConsume = 0
	}
	return nil
}

// applyPendingDeposit is apply_pending_deposit: a new validator (if the
// proof of possession holds) or a top-up.
func applyPendingDeposit(cfg *config.Config, s *state.BeaconState, d *electra.PendingDeposit) error {
	if index, ok := validatorIndexByPubkey(s, d.Pubkey); ok {
		increaseBalance(s, index, d.Amount)
		return nil
	}
	valid, err := isValidDepositSignature(cfg, d.Pubkey, d.WithdrawalCredentials, d.Amount, d.Signature)
	if err != nil || !valid {
		return err
	}
	addValidatorToRegistry(s, d.Pubkey, d.WithdrawalCredentials, d.Amount)
	return nil
}

// processPendingConsolidations is process_pending_consolidations.
func processPendingConsolidations(_ *config.Config, s *state.BeaconState) error {
	nextEpoch := helpers.CurrentEpoch(s) + 1
	next := 0
	for _, pc := range s.PendingConsolidations {
		source := s.Validators[pc.SourceIndex]
		if source.Slashed {
			next++
			continue
		}
		if source.WithdrawableEpoch > nextEpoch {
			break
		}
		amount := min(s.Balances[pc.SourceIndex], source.EffectiveBalance)
		decreaseBalance(s, pc.SourceIndex, amount)
		increaseBalance(s, pc.TargetIndex, amount)
		next++
	}
	s.PendingConsolidations = append([]*electra.PendingConsolidation{}, s.PendingConsolidations[next:]...)
	return nil
}

// Deposits.

// isValidDepositSignature is is_valid_deposit_signature (the proof of
// possession, over the fork-agnostic deposit domain).
func isValidDepositSignature(cfg *config.Config, pubkey [48]byte, creds [32]byte, amount uint64, sig [96]byte) (bool, error) {
	domain, err := helpers.ComputeDomain(config.DomainDeposit, cfg.GenesisForkVersion, [32]byte{})
	if err != nil {
		return false, err
	}
	msg := &phase0.DepositMessage{Pubkey: pubkey, WithdrawalCredentials: creds, Amount: amount}
	root, err := helpers.SigningRoot(msg, domain)
	if err != nil {
		return false, err
	}
	return bls.Verify(pubkey[:], root[:], sig[:]), nil
}

// addValidatorToRegistry is electra's add_validator_to_registry, with
// get_validator_from_deposit capping the effective balance by the
// credential's maximum.
func addValidatorToRegistry(s *state.BeaconState, pubkey [48]byte, creds [32]byte, amount uint64) {
	v := &phase0.Validator{
		Pubkey:                     pubkey,
		WithdrawalCredentials:      creds,
		ActivationEligibilityEpoch: config.FarFutureEpoch,
		ActivationEpoch:            config.FarFutureEpoch,
		ExitEpoch:                  config.FarFutureEpoch,
		WithdrawableEpoch:          config.FarFutureEpoch,
	}
	v.EffectiveBalance = min(amount-amount%config.EffectiveBalanceIncrement, helpers.MaxEffectiveBalanceElectra(v))
	s.Validators = append(s.Validators, v)
	s.Balances = append(s.Balances, amount)
	s.PreviousEpochParticipation = append(s.PreviousEpochParticipation, 0)
	s.CurrentEpochParticipation = append(s.CurrentEpochParticipation, 0)
	s.InactivityScores = append(s.InactivityScores, 0)
}

// applyDepositElectra is electra's apply_deposit (after process_deposit's
// proof check): a new validator joins with a zero balance and the amount
// goes to the pending deposits.
func applyDepositElectra(cfg *config.Config, s *state.BeaconState, data *phase0.DepositData) error {
	if _, ok := validatorIndexByPubkey(s, data.Pubkey); !ok {
		valid, err := isValidDepositSignature(cfg, data.Pubkey, data.WithdrawalCredentials, data.Amount, data.Signature)
		if err != nil {
			return err
		}
		if !valid {
			return nil
		}
		addValidatorToRegistry(s, data.Pubkey, data.WithdrawalCredentials, 0)
	}
	s.PendingDeposits = append(s.PendingDeposits, &electra.PendingDeposit{
		Pubkey: data.Pubkey, WithdrawalCredentials: data.WithdrawalCredentials, Amount: data.Amount,
		Signature: data.Signature, Slot: config.GenesisSlot,
	})
	return nil
}

// eth1DepositsExpected is the number of eth1-bridge deposits a block must
// carry: min(MAX_DEPOSITS, pending) where pending counts up to
// eth1_data.deposit_count, and from electra no further than
// deposit_requests_start_index (the bridge is closed once the deposit
// requests take over).
func eth1DepositsExpected(s *state.BeaconState) uint64 {
	limit := s.Eth1Data.DepositCount
	if s.ForkName >= forks.Electra {
		limit = min(limit, s.DepositRequestsStartIndex)
	}
	if s.Eth1DepositIndex >= limit {
		return 0
	}
	return min(config.MaxDeposits, limit-s.Eth1DepositIndex)
}

// Execution-layer requests.

func (c *blockContext) processExecutionRequests(s *state.BeaconState, r *electra.ExecutionRequests) error {
	for _, d := range r.Deposits {
		processDepositRequest(s, d)
	}
	for _, w := range r.Withdrawals {
		processWithdrawalRequest(c.cfg, s, w)
	}
	for _, cr := range r.Consolidations {
		processConsolidationRequest(c.cfg, s, cr)
	}
	return nil
}

// processDepositRequest is process_deposit_request (EIP-6110).
func processDepositRequest(s *state.BeaconState, r *electra.DepositRequest) {
	if s.DepositRequestsStartIndex == config.UnsetDepositRequestsStartIndex {
		s.DepositRequestsStartIndex = r.Index
	}
	s.PendingDeposits = append(s.PendingDeposits, &electra.PendingDeposit{
		Pubkey: r.Pubkey, WithdrawalCredentials: r.WithdrawalCredentials, Amount: r.Amount,
		Signature: r.Signature, Slot: s.Slot,
	})
}

// processWithdrawalRequest is process_withdrawal_request (EIP-7002): a
// full exit, or (compounding validators) a partial withdrawal queued
// behind the exit churn. Requests that do not qualify are ignored.
func processWithdrawalRequest(cfg *config.Config, s *state.BeaconState, r *electra.WithdrawalRequest) {
	amount := r.Amount
	fullExit := amount == config.FullExitRequestAmount
	if uint64(len(s.PendingPartialWithdrawals)) == config.PendingPartialWithdrawalsLimit && !fullExit {
		return
	}
	index, ok := validatorIndexByPubkey(s, r.ValidatorPubkey)
	if !ok {
		return
	}
	v := s.Validators[index]
	if !helpers.HasExecutionWithdrawalCredential(v) || withdrawalAddress(v) != r.SourceAddress {
		return
	}
	current := helpers.CurrentEpoch(s)
	if !helpers.IsActiveValidator(v, current) || v.ExitEpoch != config.FarFutureEpoch {
		return
	}
	if current < v.ActivationEpoch+cfg.ShardCommitteePeriod {
		return
	}
	pending := pendingBalanceToWithdraw(s, index)
	if fullExit {
		if pending == 0 {
			initiateValidatorExit(cfg, s, index)
		}
		return
	}
	balance := s.Balances[index]
	if helpers.HasCompoundingWithdrawalCredential(v) && v.EffectiveBalance >= config.MinActivationBalance &&
		balance > config.MinActivationBalance+pending {
		toWithdraw := min(balance-config.MinActivationBalance-pending, amount)
		exitEpoch := computeExitEpochAndUpdateChurn(cfg, s, toWithdraw)
		s.PendingPartialWithdrawals = append(s.PendingPartialWithdrawals, &electra.PendingPartialWithdrawal{
			ValidatorIndex: index, Amount: toWithdraw, WithdrawableEpoch: exitEpoch + cfg.MinValidatorWithdrawabilityDelay,
		})
	}
}

// isValidSwitchToCompoundingRequest is is_valid_switch_to_compounding_request.
func isValidSwitchToCompoundingRequest(s *state.BeaconState, r *electra.ConsolidationRequest) (uint64, bool) {
	if r.SourcePubkey != r.TargetPubkey {
		return 0, false
	}
	index, ok := validatorIndexByPubkey(s, r.SourcePubkey)
	if !ok {
		return 0, false
	}
	v := s.Validators[index]
	if withdrawalAddress(v) != r.SourceAddress || !helpers.HasEth1WithdrawalCredential(v) {
		return 0, false
	}
	if !helpers.IsActiveValidator(v, helpers.CurrentEpoch(s)) || v.ExitEpoch != config.FarFutureEpoch {
		return 0, false
	}
	return index, true
}

// processConsolidationRequest is process_consolidation_request (EIP-7251):
// a switch to compounding credentials (source == target), or a
// consolidation of source into a compounding target, queued behind the
// consolidation churn. Requests that do not qualify are ignored.
func processConsolidationRequest(cfg *config.Config, s *state.BeaconState, r *electra.ConsolidationRequest) {
	if index, ok := isValidSwitchToCompoundingRequest(s, r); ok {
		switchToCompoundingValidator(s, index)
		return
	}
	if r.SourcePubkey == r.TargetPubkey { // a consolidation is not an exit
		return
	}
	if uint64(len(s.PendingConsolidations)) == config.PendingConsolidationsLimit {
		return
	}
	if consolidationChurnLimit(cfg, s) <= config.MinActivationBalance {
		return
	}
	sourceIndex, ok := validatorIndexByPubkey(s, r.SourcePubkey)
	if !ok {
		return
	}
	targetIndex, ok := validatorIndexByPubkey(s, r.TargetPubkey)
	if !ok {
		return
	}
	source, target := s.Validators[sourceIndex], s.Validators[targetIndex]
	if !helpers.HasExecutionWithdrawalCredential(source) || withdrawalAddress(source) != r.SourceAddress {
		return
	}
	if !helpers.HasCompoundingWithdrawalCredential(target) {
		return
	}
	current := helpers.CurrentEpoch(s)
	if !helpers.IsActiveValidator(source, current) || !helpers.IsActiveValidator(target, current) {
		return
	}
	if source.ExitEpoch != config.FarFutureEpoch || target.ExitEpoch != config.FarFutureEpoch {
		return
	}
	if current < source.ActivationEpoch+cfg.ShardCommitteePeriod {
		return
	}
	if pendingBalanceToWithdraw(s, sourceIndex) > 0 {
		return
	}
	source.ExitEpoch = computeConsolidationEpochAndUpdateChurn(cfg, s, source.EffectiveBalance)
	source.WithdrawableEpoch = source.ExitEpoch + cfg.MinValidatorWithdrawabilityDelay
	s.PendingConsolidations = append(s.PendingConsolidations, &electra.PendingConsolidation{SourceIndex: sourceIndex, TargetIndex: targetIndex})
}

// executionRequestsList is get_execution_requests_list (EIP-7685): each
// non-empty request list, SSZ-encoded behind its type byte.
func executionRequestsList(r *electra.ExecutionRequests) ([][]byte, error) {
	var out [][]byte
	if len(r.Deposits) > 0 {
		b := []byte{config.DepositRequestType}
		for _, d := range r.Deposits {
			enc, err := d.MarshalSSZ()
			if err != nil {
				return nil, err
			}
			b = append(b, enc...)
		}
		out = append(out, b)
	}
	if len(r.Withdrawals) > 0 {
		b := []byte{config.WithdrawalRequestType}
		for _, w := range r.Withdrawals {
			enc, err := w.MarshalSSZ()
			if err != nil {
				return nil, err
			}
			b = append(b, enc...)
		}
		out = append(out, b)
	}
	if len(r.Consolidations) > 0 {
		b := []byte{config.ConsolidationRequestType}
		for _, cr := range r.Consolidations {
			enc, err := cr.MarshalSSZ()
			if err != nil {
				return nil, err
			}
			b = append(b, enc...)
		}
		out = append(out, b)
	}
	return out, nil
}
