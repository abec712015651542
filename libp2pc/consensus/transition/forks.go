package transition

import (
	"errors"
	"fmt"
	"slices"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
)

// ErrForkNotImplemented is returned (wrapped) for a state or block of a
// fork whose rules are not registered yet, and when a slot range reaches
// the activation epoch of such a fork.
var ErrForkNotImplemented = errors.New("state transition not implemented for this fork")

// epochStep is one process_* function of process_epoch.
type epochStep struct {
	name string
	fn   func(*config.Config, *state.BeaconState) error
}

// blockStep is one process_* function of process_block.
type blockStep func(c *blockContext, s *state.BeaconState, b *state.BeaconBlock) error

// forkRules is what the state transition needs to know about one fork.
// Rules that a fork changes only slightly (a quotient, one extra step in an
// operation) are written once in the shared code, selected with
// `s.ForkName >= forks.X`; see the parameter functions below.
type forkRules struct {
	// upgrade is upgrade_to_<fork>: turns a state of the previous fork, at
	// the first slot of the fork epoch, into a state of this fork, in
	// place. nil for phase0.
	upgrade func(cfg *config.Config, s *state.BeaconState) error
	// epoch lists process_epoch's steps in the spec's order.
	epoch []epochStep
	// block lists process_block's steps in the spec's order.
	block []blockStep
}

// rules is the per-fork table. A nil entry is a fork not implemented yet.
//
// Adding a fork: write its upgrade function and its new process_* steps,
// and register them here (in init, which avoids an initialization cycle:
// the steps call rulesFor themselves).
var rules [forks.Last + 1]*forkRules

func init() {
	phase0Epoch := []epochStep{
		{"process_justification_and_finalization", processJustificationAndFinalization},
		{"process_rewards_and_penalties", processRewardsAndPenalties},
		{"process_registry_updates", processRegistryUpdates},
		{"process_slashings", processSlashings},
		{"process_eth1_data_reset", processEth1DataReset},
		{"process_effective_balance_updates", processEffectiveBalanceUpdates},
		{"process_slashings_reset", processSlashingsReset},
		{"process_randao_mixes_reset", processRandaoMixesReset},
		{"process_historical_roots_update", processHistoricalRootsUpdate},
		{"process_participation_record_updates", processParticipationRecordUpdates},
	}
	altairEpoch := []epochStep{
		{"process_justification_and_finalization", processJustificationAndFinalization},
		{"process_inactivity_updates", processInactivityUpdates},
		{"process_rewards_and_penalties", processRewardsAndPenalties},
		{"process_registry_updates", processRegistryUpdates},
		{"process_slashings", processSlashings},
		{"process_eth1_data_reset", processEth1DataReset},
		{"process_effective_balance_updates", processEffectiveBalanceUpdates},
		{"process_slashings_reset", processSlashingsReset},
		{"process_randao_mixes_reset", processRandaoMixesReset},
		{"process_historical_roots_update", processHistoricalRootsUpdate},
		{"process_participation_flag_updates", processParticipationFlagUpdates},
		{"process_sync_committee_updates", processSyncCommitteeUpdates},
	}
	rules[forks.Phase0] = &forkRules{
		epoch: phase0Epoch,
		block: []blockStep{stepBlockHeader, stepRandao, stepEth1Data, stepOperations},
	}
	rules[forks.Altair] = &forkRules{
		upgrade: upgradeToAltair,
		epoch:   altairEpoch,
		block:   []blockStep{stepBlockHeader, stepRandao, stepEth1Data, stepOperations, stepSyncAggregate},
	}
	rules[forks.Bellatrix] = &forkRules{
		upgrade: upgradeToBellatrix,
		epoch:   altairEpoch, // unchanged; the quotients differ (see below)
		block:   []blockStep{stepBlockHeader, stepExecutionPayload, stepRandao, stepEth1Data, stepOperations, stepSyncAggregate},
	}
	// Capella: process_historical_summaries_update replaces
	// process_historical_roots_update; withdrawals come before the payload,
	// which no longer depends on is_execution_enabled.
	capellaEpoch := slices.Clone(altairEpoch)
	for i := range capellaEpoch {
		if capellaEpoch[i].name == "process_historical_roots_update" {
			capellaEpoch[i] = epochStep{"process_historical_summaries_update", processHistoricalSummariesUpdate}
		}
	}
	capellaBlock := []blockStep{stepBlockHeader, stepWithdrawals, stepExecutionPayload, stepRandao, stepEth1Data, stepOperations, stepSyncAggregate}
	rules[forks.Capella] = &forkRules{
		upgrade: upgradeToCapella,
		epoch:   capellaEpoch,
		block:   capellaBlock,
	}
	// Deneb: same steps; the changes are inside them (deneb.go).
	rules[forks.Deneb] = &forkRules{
		upgrade: upgradeToDeneb,
		epoch:   capellaEpoch,
		block:   capellaBlock,
	}
	// Electra: the pending deposits and consolidations queues are processed
	// after process_eth1_data_reset; the rest changes inside the steps
	// (electra.go, electra_ops.go). Fulu adds process_proposer_lookahead
	// last (fulu.go).
	electraEpoch := make([]epochStep, 0, len(capellaEpoch)+2)
	for _, st := range capellaEpoch {
		electraEpoch = append(electraEpoch, st)
		if st.name == "process_eth1_data_reset" {
			electraEpoch = append(electraEpoch,
				epochStep{"process_pending_deposits", processPendingDeposits},
				epochStep{"process_pending_consolidations", processPendingConsolidations})
		}
	}
	rules[forks.Electra] = &forkRules{
		upgrade: upgradeToElectra,
		epoch:   electraEpoch,
		block:   capellaBlock,
	}
	fuluEpoch := append(slices.Clone(electraEpoch), epochStep{"process_proposer_lookahead", processProposerLookahead})
	rules[forks.Fulu] = &forkRules{
		upgrade: upgradeToFulu,
		epoch:   fuluEpoch,
		block:   capellaBlock,
	}
}

// rulesFor returns the rules of fork f, or an error wrapping
// ErrForkNotImplemented.
func rulesFor(f forks.Fork) (*forkRules, error) {
	if f > forks.Last || rules[f] == nil {
		return nil, fmt.Errorf("transition: %s: %w", f, ErrForkNotImplemented)
	}
	return rules[f], nil
}

// Implemented reports whether the state transition of fork f is available.
func Implemented(f forks.Fork) bool {
	_, err := rulesFor(f)
	return err == nil
}

// Parameters that change from fork to fork.

func minSlashingPenaltyQuotient(f forks.Fork) uint64 {
	switch {
	case f >= forks.Electra:
		return config.MinSlashingPenaltyQuotientElectra
	case f >= forks.Bellatrix:
		return config.MinSlashingPenaltyQuotientBellatrix
	case f >= forks.Altair:
		return config.MinSlashingPenaltyQuotientAltair
	}
	return config.MinSlashingPenaltyQuotient
}

// whistleblowerRewardQuotient is WHISTLEBLOWER_REWARD_QUOTIENT, _ELECTRA
// from electra.
func whistleblowerRewardQuotient(f forks.Fork) uint64 {
	if f >= forks.Electra {
		return config.WhistleblowerRewardQuotientElectra
	}
	return config.WhistleblowerRewardQuotient
}

func proportionalSlashingMultiplier(f forks.Fork) uint64 {
	switch {
	case f >= forks.Bellatrix:
		return config.ProportionalSlashingMultiplierBellatrix
	case f >= forks.Altair:
		return config.ProportionalSlashingMultiplierAltair
	}
	return config.ProportionalSlashingMultiplier
}

func inactivityPenaltyQuotient(f forks.Fork) uint64 {
	switch {
	case f >= forks.Bellatrix:
		return config.InactivityPenaltyQuotientBellatrix
	case f >= forks.Altair:
		return config.InactivityPenaltyQuotientAltair
	}
	return config.InactivityPenaltyQuotient
}
