//go:build !minimal

package config

// PresetName is the preset this binary was compiled for.
const PresetName = "mainnet"

// Mainnet preset values that differ from the minimal preset.
const (
	MaxCommitteesPerSlot           = 64
	TargetCommitteeSize            = 128
	ShuffleRoundCount              = 90
	SafeSlotsToUpdateJustified     = 8
	SlotsPerEpoch                  = 32
	EpochsPerEth1VotingPeriod      = 64
	SlotsPerHistoricalRoot         = 8192
	EpochsPerHistoricalVector      = 65536
	EpochsPerSlashingsVector       = 8192
	InactivityPenaltyQuotient      = 67_108_864
	MinSlashingPenaltyQuotient     = 128
	ProportionalSlashingMultiplier = 1
)

// Altair preset values that differ between the presets.
const (
	SyncCommitteeSize            = 512
	EpochsPerSyncCommitteePeriod = 256
)
