package transition

import (
	"fmt"
	"sort"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// processJustificationAndFinalization is process_justification_and_finalization.
func processJustificationAndFinalization(_ *config.Config, s *state.BeaconState) error {
	return justifyAndFinalize(s, &participationOnce{s: s})
}

// justifyAndFinalize is process_justification_and_finalization with phase0's
// participation from part (shared with the rewards step by processEpoch).
func justifyAndFinalize(s *state.BeaconState, part *participationOnce) error {
	if helpers.CurrentEpoch(s) <= config.GenesisEpoch+1 {
		return nil
	}
	var total, previousTarget, currentTarget uint64
	if s.ForkName >= forks.Altair {
		total = helpers.TotalActiveBalance(s)
		previousTarget = unslashedParticipating(s, config.TimelyTargetFlagIndex, helpers.PreviousEpoch(s)).totalBalance(s)
		currentTarget = unslashedParticipating(s, config.TimelyTargetFlagIndex, helpers.CurrentEpoch(s)).totalBalance(s)
	} else {
		ep, err := part.get()
		if err != nil {
			return err
		}
		total = ep.totalActiveBalance
		previousTarget = ep.previousTarget.totalBalance(s)
		currentTarget = ep.currentTarget.totalBalance(s)
	}
	return weighJustificationAndFinalization(s, total, previousTarget, currentTarget)
}

// weighJustificationAndFinalization is weigh_justification_and_finalization.
func weighJustificationAndFinalization(s *state.BeaconState, total, previousTarget, currentTarget uint64) error {
	previousEpoch, currentEpoch := helpers.PreviousEpoch(s), helpers.CurrentEpoch(s)
	oldPrevious := *s.PreviousJustifiedCheckpoint
	oldCurrent := *s.CurrentJustifiedCheckpoint
	s.PreviousJustifiedCheckpoint = &oldCurrent
	// justification_bits[1:] = justification_bits[:3]; bits[0] = 0
	bits := (s.JustificationBits[0] << 1) & 0x0f
	if previousTarget*3 >= total*2 {
		root, err := helpers.BlockRoot(s, previousEpoch)
		if err != nil {
			return err
		}
		s.CurrentJustifiedCheckpoint = &phase0.Checkpoint{Epoch: previousEpoch, Root: root}
		bits |= 1 << 1
	}
	if currentTarget*3 >= total*2 {
		root, err := helpers.BlockRoot(s, currentEpoch)
		if err != nil {
			return err
		}
		s.CurrentJustifiedCheckpoint = &phase0.Checkpoint{Epoch: currentEpoch, Root: root}
		bits |= 1 << 0
	}
	s.JustificationBits[0] = bits
	all := func(from, to uint) bool { // bits[from:to] all set
		for i := from; i < to; i++ {
			if bits>>i&1 == 0 {
				return false
			}
		}
		return true
	}
	// The 2nd/3rd/4th most recent epochs are justified, the 2nd using the 4th as source.
	if all(1, 4) && oldPrevious.Epoch+3 == currentEpoch {
		s.FinalizedCheckpoint = &oldPrevious
	}
	// The 2nd/3rd most recent epochs are justified, the 2nd using the 3rd as source.
	if all(1, 3) && oldPrevious.Epoch+2 == currentEpoch {
		s.FinalizedCheckpoint = &oldPrevious
	}
	// The 1st/2nd/3rd most recent epochs are justified, the 1st using the 3rd as source.
	if all(0, 3) && oldCurrent.Epoch+2 == currentEpoch {
		s.FinalizedCheckpoint = &oldCurrent
	}
	// The 1st/2nd most recent epochs are justified, the 1st using the 2nd as source.
	if all(0, 2) && oldCurrent.Epoch+1 == currentEpoch {
		s.FinalizedCheckpoint = &oldCurrent
	}
	return nil
}

// processRegistryUpdates is process_registry_updates; from deneb the
// activations are capped by get_validator_activation_churn_limit
// (activationChurnLimit); electra rewrites it (processRegistryUpdatesElectra).
func processRegistryUpdates(cfg *config.Config, s *state.BeaconState) error {
	if s.ForkName >= forks.Electra {
		return processRegistryUpdatesElectra(cfg, s)
	}
	epoch := helpers.CurrentEpoch(s)
	for i, v := range s.Validators {
		if helpers.IsEligibleForActivationQueue(v) {
			v.ActivationEligibilityEpoch = epoch + 1
		}
		if helpers.IsActiveValidator(v, epoch) && v.EffectiveBalance <= cfg.EjectionBalance {
			initiateValidatorExit(cfg, s, uint64(i))
		}
	}
	var queue []uint64
	for i, v := range s.Validators {
		if helpers.IsEligibleForActivation(s, v) {
			queue = append(queue, uint64(i))
		}
	}
	sort.SliceStable(queue, func(a, b int) bool {
		ea, eb := s.Validators[queue[a]].ActivationEligibilityEpoch, s.Validators[queue[b]].ActivationEligibilityEpoch
		if ea != eb {
			return ea < eb
		}
		return queue[a] < queue[b]
	})
	churn := activationChurnLimit(cfg, s)
	for i, index := range queue {
		if uint64(i) >= churn {
			break
		}
		s.Validators[index].ActivationEpoch = helpers.ComputeActivationExitEpoch(epoch)
	}
	return nil
}

// processSlashings is process_slashings (electra's: processSlashingsElectra).
func processSlashings(_ *config.Config, s *state.BeaconState) error {
	if s.ForkName >= forks.Electra {
		processSlashingsElectra(s)
		return nil
	}
	epoch := helpers.CurrentEpoch(s)
	total := helpers.TotalActiveBalance(s)
	var sum uint64
	for _, x := range s.Slashings {
		sum += x
	}
	adjusted := min(sum*proportionalSlashingMultiplier(s.ForkName), total)
	for i, v := range s.Validators {
		if v.Slashed && epoch+config.EpochsPerSlashingsVector/2 == v.WithdrawableEpoch {
			const increment = config.EffectiveBalanceIncrement // factored out to avoid uint64 overflow
			penaltyNumerator := v.EffectiveBalance / increment * adjusted
			penalty := penaltyNumerator / total * increment
			decreaseBalance(s, uint64(i), penalty)
		}
	}
	return nil
}

// processEth1DataReset is process_eth1_data_reset.
func processEth1DataReset(_ *config.Config, s *state.BeaconState) error {
	if (helpers.CurrentEpoch(s)+1)%config.EpochsPerEth1VotingPeriod == 0 {
		s.Eth1DataVotes = []*phase0.Eth1Data{}
	}
	return nil
}

// processEffectiveBalanceUpdates is process_effective_balance_updates;
// from electra the cap is the validator's get_max_effective_balance.
func processEffectiveBalanceUpdates(_ *config.Config, s *state.BeaconState) error {
	const hysteresisIncrement = config.EffectiveBalanceIncrement / config.HysteresisQuotient
	const downward = hysteresisIncrement * config.HysteresisDownwardMultiplier
	const upward = hysteresisIncrement * config.HysteresisUpwardMultiplier
	for i, v := range s.Validators {
		balance := s.Balances[i]
		if balance+downward < v.EffectiveBalance || v.EffectiveBalance+upward < balance {
			maxEffective := uint64(config.MaxEffectiveBalance)
			if s.ForkName >= forks.Electra {
				maxEffective = helpers.MaxEffectiveBalanceElectra(v)
			}
			v.EffectiveBalance = min(balance-balance%config.EffectiveBalanceIncrement, maxEffective)
		}
	}
	return nil
}

// processSlashingsReset is process_slashings_reset.
func processSlashingsReset(_ *config.Config, s *state.BeaconState) error {
	s.Slashings[(helpers.CurrentEpoch(s)+1)%config.EpochsPerSlashingsVector] = 0
	return nil
}

// processRandaoMixesReset is process_randao_mixes_reset.
func processRandaoMixesReset(_ *config.Config, s *state.BeaconState) error {
	epoch := helpers.CurrentEpoch(s)
	s.RandaoMixes[(epoch+1)%config.EpochsPerHistoricalVector] = helpers.RandaoMix(s, epoch)
	return nil
}

// processHistoricalRootsUpdate is process_historical_roots_update (until
// bellatrix; capella replaced it by process_historical_summaries_update).
func processHistoricalRootsUpdate(_ *config.Config, s *state.BeaconState) error {
	next := helpers.CurrentEpoch(s) + 1
	if next%(config.SlotsPerHistoricalRoot/config.SlotsPerEpoch) != 0 {
		return nil
	}
	batch := &phase0.HistoricalBatch{BlockRoots: s.BlockRoots, StateRoots: s.StateRoots}
	root, err := batch.HashTreeRoot()
	if err != nil {
		return fmt.Errorf("hash_tree_root(historical_batch): %w", err)
	}
	if uint64(len(s.HistoricalRoots)) >= config.HistoricalRootsLimit {
		return fmt.Errorf("historical_roots is full")
	}
	s.HistoricalRoots = append(s.HistoricalRoots, root)
	return nil
}

// processParticipationRecordUpdates is process_participation_record_updates.
// (phase0 only; altair replaced it by process_participation_flag_updates.)
func processParticipationRecordUpdates(_ *config.Config, s *state.BeaconState) error {
	s.PreviousEpochAttestations = s.CurrentEpochAttestations
	s.CurrentEpochAttestations = []*phase0.PendingAttestation{}
	return nil
}
