package config

// Altair and bellatrix preset constants (presets/<preset>/altair.yaml and
// bellatrix.yaml). The values below are the same in the mainnet and minimal
// presets; SYNC_COMMITTEE_SIZE and EPOCHS_PER_SYNC_COMMITTEE_PERIOD differ
// and live in preset_mainnet.go / preset_minimal.go.
const (
	InactivityPenaltyQuotientAltair      = 50_331_648 // 3 * 2**24
	MinSlashingPenaltyQuotientAltair     = 64
	ProportionalSlashingMultiplierAltair = 2
	MinSyncCommitteeParticipants         = 1

	InactivityPenaltyQuotientBellatrix      = 16_777_216 // 2**24
	MinSlashingPenaltyQuotientBellatrix     = 32
	ProportionalSlashingMultiplierBellatrix = 3
)

// Altair spec constants (not configurable).
const (
	TimelySourceFlagIndex = 0
	TimelyTargetFlagIndex = 1
	TimelyHeadFlagIndex   = 2

	TimelySourceWeight = 14
	TimelyTargetWeight = 26
	TimelyHeadWeight   = 14
	SyncRewardWeight   = 2
	ProposerWeight     = 8
	WeightDenominator  = 64
)

// ParticipationFlagWeights is PARTICIPATION_FLAG_WEIGHTS, by flag index.
var ParticipationFlagWeights = [3]uint64{TimelySourceWeight, TimelyTargetWeight, TimelyHeadWeight}

// Altair domain types.
var (
	DomainSyncCommittee               = [4]byte{7, 0, 0, 0}
	DomainSyncCommitteeSelectionProof = [4]byte{8, 0, 0, 0}
	DomainContributionAndProof        = [4]byte{9, 0, 0, 0}
)

// AltairPresetValues returns the compiled altair and bellatrix preset
// values that the state transition uses, keyed by their YAML names, so they
// can be compared with presets/<name>/altair.yaml and bellatrix.yaml.
func AltairPresetValues() map[string]uint64 {
	return map[string]uint64{
		"INACTIVITY_PENALTY_QUOTIENT_ALTAIR":         InactivityPenaltyQuotientAltair,
		"MIN_SLASHING_PENALTY_QUOTIENT_ALTAIR":       MinSlashingPenaltyQuotientAltair,
		"PROPORTIONAL_SLASHING_MULTIPLIER_ALTAIR":    ProportionalSlashingMultiplierAltair,
		"SYNC_COMMITTEE_SIZE":                        SyncCommitteeSize,
		"EPOCHS_PER_SYNC_COMMITTEE_PERIOD":           EpochsPerSyncCommitteePeriod,
		"MIN_SYNC_COMMITTEE_PARTICIPANTS":            MinSyncCommitteeParticipants,
		"INACTIVITY_PENALTY_QUOTIENT_BELLATRIX":      InactivityPenaltyQuotientBellatrix,
		"MIN_SLASHING_PENALTY_QUOTIENT_BELLATRIX":    MinSlashingPenaltyQuotientBellatrix,
		"PROPORTIONAL_SLASHING_MULTIPLIER_BELLATRIX": ProportionalSlashingMultiplierBellatrix,
	}
}
