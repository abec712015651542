//go:build minimal

package config

// PresetName is the preset this binary was compiled for.
const PresetName = "minimal"

// Minimal preset values that differ from the mainnet preset.
const (
	MaxCommitteesPerSlot           = 4
	TargetCommitteeSize            = 4
	ShuffleRoundCount              = 10
	SafeSlotsToUpdateJustified     = 2
	SlotsPerEpoch                  = 8
	EpochsPerEth1VotingPeriod      = 4
	SlotsPerHistoricalRoot         = 64
	EpochsPerHistoricalVector      = 64
	EpochsPerSlashingsVector       = 64
	InactivityPenaltyQuotient      = 33_554_432
	MinSlashingPenaltyQuotient     = 64
	ProportionalSlashingMultiplier = 2
)

// Altair preset values that differ between the presets.
const (
	SyncCommitteeSize            = 32
	EpochsPerSyncCommitteePeriod = 8
)
