// Package config holds the consensus preset (compile-time constants that fix
// SSZ sizes, selected with the `minimal` build tag) and the runtime config
// (fork versions, churn limits, ...) loaded from the spec's YAML files.
package config

// Preset constants that are identical in the mainnet and minimal presets.
const (
	MaxValidatorsPerCommittee    = 2048
	HysteresisQuotient           = 4
	HysteresisDownwardMultiplier = 1
	HysteresisUpwardMultiplier   = 5
	MinDepositAmount             = 1_000_000_000
	MaxEffectiveBalance          = 32_000_000_000
	EffectiveBalanceIncrement    = 1_000_000_000
	MinAttestationInclusionDelay = 1
	MinSeedLookahead             = 1
	MaxSeedLookahead             = 4
	MinEpochsToInactivityPenalty = 4
	HistoricalRootsLimit         = 16_777_216
	ValidatorRegistryLimit       = 1_099_511_627_776
	BaseRewardFactor             = 64
	WhistleblowerRewardQuotient  = 512
	ProposerRewardQuotient       = 8
	MaxProposerSlashings         = 16
	MaxAttesterSlashings         = 2
	MaxAttestations              = 128
	MaxDeposits                  = 16
	MaxVoluntaryExits            = 16
)

// Derived sizes used in SSZ tags (kept here so the tags can be checked).
const (
	// Eth1DataVotesLimit is EPOCHS_PER_ETH1_VOTING_PERIOD * SLOTS_PER_EPOCH.
	Eth1DataVotesLimit = EpochsPerEth1VotingPeriod * SlotsPerEpoch
	// PendingAttestationsLimit is MAX_ATTESTATIONS * SLOTS_PER_EPOCH.
	PendingAttestationsLimit = MaxAttestations * SlotsPerEpoch
)

// Spec constants (not configurable).
const (
	FarFutureEpoch           = ^uint64(0)
	GenesisSlot              = 0
	GenesisEpoch             = 0
	BaseRewardsPerEpoch      = 4
	DepositContractTreeDepth = 32
	JustificationBitsLength  = 4
	BLSWithdrawalPrefix      = 0x00
)

// Domain types (spec constants).
var (
	DomainBeaconProposer    = [4]byte{0, 0, 0, 0}
	DomainBeaconAttester    = [4]byte{1, 0, 0, 0}
	DomainRandao            = [4]byte{2, 0, 0, 0}
	DomainDeposit           = [4]byte{3, 0, 0, 0}
	DomainVoluntaryExit     = [4]byte{4, 0, 0, 0}
	DomainSelectionProof    = [4]byte{5, 0, 0, 0}
	DomainAggregateAndProof = [4]byte{6, 0, 0, 0}
)
