package config

// PresetValues returns the compiled-in phase0 preset keyed by the spec's
// YAML names, so it can be compared with presets/<name>/phase0.yaml.
func PresetValues() map[string]uint64 {
	return map[string]uint64{
		"MAX_COMMITTEES_PER_SLOT":          MaxCommitteesPerSlot,
		"TARGET_COMMITTEE_SIZE":            TargetCommitteeSize,
		"MAX_VALIDATORS_PER_COMMITTEE":     MaxValidatorsPerCommittee,
		"SHUFFLE_ROUND_COUNT":              ShuffleRoundCount,
		"HYSTERESIS_QUOTIENT":              HysteresisQuotient,
		"HYSTERESIS_DOWNWARD_MULTIPLIER":   HysteresisDownwardMultiplier,
		"HYSTERESIS_UPWARD_MULTIPLIER":     HysteresisUpwardMultiplier,
		"SAFE_SLOTS_TO_UPDATE_JUSTIFIED":   SafeSlotsToUpdateJustified,
		"MIN_DEPOSIT_AMOUNT":               MinDepositAmount,
		"MAX_EFFECTIVE_BALANCE":            MaxEffectiveBalance,
		"EFFECTIVE_BALANCE_INCREMENT":      EffectiveBalanceIncrement,
		"MIN_ATTESTATION_INCLUSION_DELAY":  MinAttestationInclusionDelay,
		"SLOTS_PER_EPOCH":                  SlotsPerEpoch,
		"MIN_SEED_LOOKAHEAD":               MinSeedLookahead,
		"MAX_SEED_LOOKAHEAD":               MaxSeedLookahead,
		"EPOCHS_PER_ETH1_VOTING_PERIOD":    EpochsPerEth1VotingPeriod,
		"SLOTS_PER_HISTORICAL_ROOT":        SlotsPerHistoricalRoot,
		"MIN_EPOCHS_TO_INACTIVITY_PENALTY": MinEpochsToInactivityPenalty,
		"EPOCHS_PER_HISTORICAL_VECTOR":     EpochsPerHistoricalVector,
		"EPOCHS_PER_SLASHINGS_VECTOR":      EpochsPerSlashingsVector,
		"HISTORICAL_ROOTS_LIMIT":           HistoricalRootsLimit,
		"VALIDATOR_REGISTRY_LIMIT":         ValidatorRegistryLimit,
		"BASE_REWARD_FACTOR":               BaseRewardFactor,
		"WHISTLEBLOWER_REWARD_QUOTIENT":    WhistleblowerRewardQuotient,
		"PROPOSER_REWARD_QUOTIENT":         ProposerRewardQuotient,
		"INACTIVITY_PENALTY_QUOTIENT":      InactivityPenaltyQuotient,
		"MIN_SLASHING_PENALTY_QUOTIENT":    MinSlashingPenaltyQuotient,
		"PROPORTIONAL_SLASHING_MULTIPLIER": ProportionalSlashingMultiplier,
		"MAX_PROPOSER_SLASHINGS":           MaxProposerSlashings,
		"MAX_ATTESTER_SLASHINGS":           MaxAttesterSlashings,
		"MAX_ATTESTATIONS":                 MaxAttestations,
		"MAX_DEPOSITS":                     MaxDeposits,
		"MAX_VOLUNTARY_EXITS":              MaxVoluntaryExits,
	}
}
