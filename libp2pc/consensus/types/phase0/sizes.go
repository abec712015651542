package phase0

import "github.com/libp2pc/libp2pc/libp2pc/consensus/config"

// Sizes of the preset-dependent BeaconState fields, for the hash cache
// (TestPresetTagsMatchConfig ties the SSZ tags to the same constants).
const (
	slotsPerHistoricalRoot    = config.SlotsPerHistoricalRoot
	epochsPerHistoricalVector = config.EpochsPerHistoricalVector
	epochsPerSlashingsVector  = config.EpochsPerSlashingsVector
	historicalRootsLimit      = config.HistoricalRootsLimit
	eth1DataVotesLimit        = config.Eth1DataVotesLimit
	validatorRegistryLimit    = config.ValidatorRegistryLimit
	pendingAttestationsLimit  = config.PendingAttestationsLimit
)
