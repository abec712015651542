package transition

import (
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
)

// increaseBalance is increase_balance.
func increaseBalance(s *state.BeaconState, index, delta uint64) {
	s.Balances[index] += delta
}

// decreaseBalance is decrease_balance (saturating at zero).
func decreaseBalance(s *state.BeaconState, index, delta uint64) {
	if delta > s.Balances[index] {
		s.Balances[index] = 0
	} else {
		s.Balances[index] -= delta
	}
}

// initiateValidatorExit is initiate_validator_exit; electra's takes the
// exit epoch from the balance churn (initiateValidatorExitElectra).
func initiateValidatorExit(cfg *config.Config, s *state.BeaconState, index uint64) {
	if s.ForkName >= forks.Electra {
		initiateValidatorExitElectra(cfg, s, index)
		return
	}
	v := s.Validators[index]
	if v.ExitEpoch != config.FarFutureEpoch {
		return
	}
	exitQueueEpoch := helpers.ComputeActivationExitEpoch(helpers.CurrentEpoch(s))
	for _, w := range s.Validators {
		if w.ExitEpoch != config.FarFutureEpoch && w.ExitEpoch > exitQueueEpoch {
			exitQueueEpoch = w.ExitEpoch
		}
	}
	var churn uint64
	for _, w := range s.Validators {
		if w.ExitEpoch == exitQueueEpoch {
			churn++
		}
	}
	if churn >= helpers.ValidatorChurnLimit(cfg, s) {
		exitQueueEpoch++
	}
	v.ExitEpoch = exitQueueEpoch
	v.WithdrawableEpoch = exitQueueEpoch + cfg.MinValidatorWithdrawabilityDelay
}

// slashValidator is slash_validator with the whistleblower defaulting to the
// proposer (the only use up to bellatrix). The penalty quotient and the
// proposer's share of the whistleblower reward depend on the fork.
func slashValidator(cfg *config.Config, s *state.BeaconState, slashed, proposer uint64) {
	epoch := helpers.CurrentEpoch(s)
	initiateValidatorExit(cfg, s, slashed)
	v := s.Validators[slashed]
	v.Slashed = true
	v.WithdrawableEpoch = max(v.WithdrawableEpoch, epoch+config.EpochsPerSlashingsVector)
	s.Slashings[epoch%config.EpochsPerSlashingsVector] += v.EffectiveBalance
	decreaseBalance(s, slashed, v.EffectiveBalance/minSlashingPenaltyQuotient(s.ForkName))

	whistleblowerReward := v.EffectiveBalance / whistleblowerRewardQuotient(s.ForkName)
	proposerReward := whistleblowerReward / config.ProposerRewardQuotient
	if s.ForkName >= forks.Altair {
		proposerReward = whistleblowerReward * config.ProposerWeight / config.WeightDenominator
	}
	increaseBalance(s, proposer, proposerReward)
	increaseBalance(s, proposer, whistleblowerReward-proposerReward)
}
