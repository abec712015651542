package state

import (
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/bellatrix"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// Conversions between the generic state and each fork's generated SSZ
// container. They are shallow: the result shares slices and nested
// containers with the argument (use Copy for an independent state), which
// makes them cheap enough to run around every hash_tree_root and encoding.
// Every field of the fork's container is carried over, so
// To<Fork>(From<Fork>(x)) encodes exactly as x (TestRoundTripEveryFork).

func wrongFork(s *BeaconState, want forks.Fork) error {
	return fmt.Errorf("state: a %s state cannot be converted to a %s container", s.ForkName, want)
}

// FromPhase0 wraps a phase0 state (sharing its memory).
func FromPhase0(p *phase0.BeaconState) *BeaconState {
	s := &BeaconState{ForkName: forks.Phase0}
	s.GenesisTime = p.GenesisTime
	s.GenesisValidatorsRoot = p.GenesisValidatorsRoot
	s.Slot = p.Slot
	s.Fork = p.Fork
	s.LatestBlockHeader = p.LatestBlockHeader
	s.BlockRoots = p.BlockRoots
	s.StateRoots = p.StateRoots
	s.HistoricalRoots = p.HistoricalRoots
	s.Eth1Data = p.Eth1Data
	s.Eth1DataVotes = p.Eth1DataVotes
	s.Eth1DepositIndex = p.Eth1DepositIndex
	s.Validators = p.Validators
	s.Balances = p.Balances
	s.RandaoMixes = p.RandaoMixes
	s.Slashings = p.Slashings
	s.PreviousEpochAttestations = p.PreviousEpochAttestations
	s.CurrentEpochAttestations = p.CurrentEpochAttestations
	s.JustificationBits = p.JustificationBits
	s.PreviousJustifiedCheckpoint = p.PreviousJustifiedCheckpoint
	s.CurrentJustifiedCheckpoint = p.CurrentJustifiedCheckpoint
	s.FinalizedCheckpoint = p.FinalizedCheckpoint
	s.hashShadow = p // keep p's hash cache for the phase0 state
	return s
}

// ToPhase0 returns the state as a phase0 container (sharing its memory).
func (s *BeaconState) ToPhase0() (*phase0.BeaconState, error) {
	if s.ForkName != forks.Phase0 {
		return nil, wrongFork(s, forks.Phase0)
	}
	p := &phase0.BeaconState{}
	p.GenesisTime = s.GenesisTime
	p.GenesisValidatorsRoot = s.GenesisValidatorsRoot
	p.Slot = s.Slot
	p.Fork = s.Fork
	p.LatestBlockHeader = s.LatestBlockHeader
	p.BlockRoots = s.BlockRoots
	p.StateRoots = s.StateRoots
	p.HistoricalRoots = s.HistoricalRoots
	p.Eth1Data = s.Eth1Data
	p.Eth1DataVotes = s.Eth1DataVotes
	p.Eth1DepositIndex = s.Eth1DepositIndex
	p.Validators = s.Validators
	p.Balances = s.Balances
	p.RandaoMixes = s.RandaoMixes
	p.Slashings = s.Slashings
	p.PreviousEpochAttestations = s.PreviousEpochAttestations
	p.CurrentEpochAttestations = s.CurrentEpochAttestations
	p.JustificationBits = s.JustificationBits
	p.PreviousJustifiedCheckpoint = s.PreviousJustifiedCheckpoint
	p.CurrentJustifiedCheckpoint = s.CurrentJustifiedCheckpoint
	p.FinalizedCheckpoint = s.FinalizedCheckpoint
	p.ShareHashCache(s.shadow())
	return p, nil
}

// FromAltair wraps a altair state (sharing its memory).
func FromAltair(p *altair.BeaconState) *BeaconState {
	s := &BeaconState{ForkName: forks.Altair}
	s.GenesisTime = p.GenesisTime
	s.GenesisValidatorsRoot = p.GenesisValidatorsRoot
	s.Slot = p.Slot
	s.Fork = p.Fork
	s.LatestBlockHeader = p.LatestBlockHeader
	s.BlockRoots = p.BlockRoots
	s.StateRoots = p.StateRoots
	s.HistoricalRoots = p.HistoricalRoots
	s.Eth1Data = p.Eth1Data
	s.Eth1DataVotes = p.Eth1DataVotes
	s.Eth1DepositIndex = p.Eth1DepositIndex
	s.Validators = p.Validators
	s.Balances = p.Balances
	s.RandaoMixes = p.RandaoMixes
	s.Slashings = p.Slashings
	s.PreviousEpochParticipation = p.PreviousEpochParticipation
	s.CurrentEpochParticipation = p.CurrentEpochParticipation
	s.JustificationBits = p.JustificationBits
	s.PreviousJustifiedCheckpoint = p.PreviousJustifiedCheckpoint
	s.CurrentJustifiedCheckpoint = p.CurrentJustifiedCheckpoint
	s.FinalizedCheckpoint = p.FinalizedCheckpoint
	s.InactivityScores = p.InactivityScores
	s.CurrentSyncCommittee = p.CurrentSyncCommittee
	s.NextSyncCommittee = p.NextSyncCommittee
	return s
}

// ToAltair returns the state as a altair container (sharing its memory).
func (s *BeaconState) ToAltair() (*altair.BeaconState, error) {
	if s.ForkName != forks.Altair {
		return nil, wrongFork(s, forks.Altair)
	}
	p := &altair.BeaconState{}
	p.GenesisTime = s.GenesisTime
	p.GenesisValidatorsRoot = s.GenesisValidatorsRoot
	p.Slot = s.Slot
	p.Fork = s.Fork
	p.LatestBlockHeader = s.LatestBlockHeader
	p.BlockRoots = s.BlockRoots
	p.StateRoots = s.StateRoots
	p.HistoricalRoots = s.HistoricalRoots
	p.Eth1Data = s.Eth1Data
	p.Eth1DataVotes = s.Eth1DataVotes
	p.Eth1DepositIndex = s.Eth1DepositIndex
	p.Validators = s.Validators
	p.Balances = s.Balances
	p.RandaoMixes = s.RandaoMixes
	p.Slashings = s.Slashings
	p.PreviousEpochParticipation = s.PreviousEpochParticipation
	p.CurrentEpochParticipation = s.CurrentEpochParticipation
	p.JustificationBits = s.JustificationBits
	p.PreviousJustifiedCheckpoint = s.PreviousJustifiedCheckpoint
	p.CurrentJustifiedCheckpoint = s.CurrentJustifiedCheckpoint
	p.FinalizedCheckpoint = s.FinalizedCheckpoint
	p.InactivityScores = s.InactivityScores
	p.CurrentSyncCommittee = s.CurrentSyncCommittee
	p.NextSyncCommittee = s.NextSyncCommittee
	return p, nil
}

// FromBellatrix wraps a bellatrix state (sharing its memory).
func FromBellatrix(p *bellatrix.BeaconState) *BeaconState {
	s := &BeaconState{ForkName: forks.Bellatrix}
	s.GenesisTime = p.GenesisTime
	s.GenesisValidatorsRoot = p.GenesisValidatorsRoot
	s.Slot = p.Slot
	s.Fork = p.Fork
	s.LatestBlockHeader = p.LatestBlockHeader
	s.BlockRoots = p.BlockRoots
	s.StateRoots = p.StateRoots
	s.HistoricalRoots = p.HistoricalRoots
	s.Eth1Data = p.Eth1Data
	s.Eth1DataVotes = p.Eth1DataVotes
	s.Eth1DepositIndex = p.Eth1DepositIndex
	s.Validators = p.Validators
	s.Balances = p.Balances
	s.RandaoMixes = p.RandaoMixes
	s.Slashings = p.Slashings
	s.PreviousEpochParticipation = p.PreviousEpochParticipation
	s.CurrentEpochParticipation = p.CurrentEpochParticipation
	s.JustificationBits = p.JustificationBits
	s.PreviousJustifiedCheckpoint = p.PreviousJustifiedCheckpoint
	s.CurrentJustifiedCheckpoint = p.CurrentJustifiedCheckpoint
	s.FinalizedCheckpoint = p.FinalizedCheckpoint
	s.InactivityScores = p.InactivityScores
	s.CurrentSyncCommittee = p.CurrentSyncCommittee
	s.NextSyncCommittee = p.NextSyncCommittee
	s.LatestExecutionPayloadHeader = headerFromBellatrix(p.LatestExecutionPayloadHeader)
	return s
}

// ToBellatrix returns the state as a bellatrix container (sharing its memory).
func (s *BeaconState) ToBellatrix() (*bellatrix.BeaconState, error) {
	if s.ForkName != forks.Bellatrix {
		return nil, wrongFork(s, forks.Bellatrix)
	}
	p := &bellatrix.BeaconState{}
	p.GenesisTime = s.GenesisTime
	p.GenesisValidatorsRoot = s.GenesisValidatorsRoot
	p.Slot = s.Slot
	p.Fork = s.Fork
	p.LatestBlockHeader = s.LatestBlockHeader
	p.BlockRoots = s.BlockRoots
	p.StateRoots = s.StateRoots
	p.HistoricalRoots = s.HistoricalRoots
	p.Eth1Data = s.Eth1Data
	p.Eth1DataVotes = s.Eth1DataVotes
	p.Eth1DepositIndex = s.Eth1DepositIndex
	p.Validators = s.Validators
	p.Balances = s.Balances
	p.RandaoMixes = s.RandaoMixes
	p.Slashings = s.Slashings
	p.PreviousEpochParticipation = s.PreviousEpochParticipation
	p.CurrentEpochParticipation = s.CurrentEpochParticipation
	p.JustificationBits = s.JustificationBits
	p.PreviousJustifiedCheckpoint = s.PreviousJustifiedCheckpoint
	p.CurrentJustifiedCheckpoint = s.CurrentJustifiedCheckpoint
	p.FinalizedCheckpoint = s.FinalizedCheckpoint
	p.InactivityScores = s.InactivityScores
	p.CurrentSyncCommittee = s.CurrentSyncCommittee
	p.NextSyncCommittee = s.NextSyncCommittee
	p.LatestExecutionPayloadHeader = headerToBellatrix(s.LatestExecutionPayloadHeader)
	return p, nil
}

// FromCapella wraps a capella state (sharing its memory).
func FromCapella(p *capella.BeaconState) *BeaconState {
	s := &BeaconState{ForkName: forks.Capella}
	s.GenesisTime = p.GenesisTime
	s.GenesisValidatorsRoot = p.GenesisValidatorsRoot
	s.Slot = p.Slot
	s.Fork = p.Fork
	s.LatestBlockHeader = p.LatestBlockHeader
	s.BlockRoots = p.BlockRoots
	s.StateRoots = p.StateRoots
	s.HistoricalRoots = p.HistoricalRoots
	s.Eth1Data = p.Eth1Data
	s.Eth1DataVotes = p.Eth1DataVotes
	s.Eth1DepositIndex = p.Eth1DepositIndex
	s.Validators = p.Validators
	s.Balances = p.Balances
	s.RandaoMixes = p.RandaoMixes
	s.Slashings = p.Slashings
	s.PreviousEpochParticipation = p.PreviousEpochParticipation
	s.CurrentEpochParticipation = p.CurrentEpochParticipation
	s.JustificationBits = p.JustificationBits
	s.PreviousJustifiedCheckpoint = p.PreviousJustifiedCheckpoint
	s.CurrentJustifiedCheckpoint = p.CurrentJustifiedCheckpoint
	s.FinalizedCheckpoint = p.FinalizedCheckpoint
	s.InactivityScores = p.InactivityScores
	s.CurrentSyncCommittee = p.CurrentSyncCommittee
	s.NextSyncCommittee = p.NextSyncCommittee
	s.LatestExecutionPayloadHeader = headerFromCapella(p.LatestExecutionPayloadHeader)
	s.NextWithdrawalIndex = p.NextWithdrawalIndex
	s.NextWithdrawalValidatorIndex = p.NextWithdrawalValidatorIndex
	s.HistoricalSummaries = p.HistoricalSummaries
	return s
}

// ToCapella returns the state as a capella container (sharing its memory).
func (s *BeaconState) ToCapella() (*capella.BeaconState, error) {
	if s.ForkName != forks.Capella {
		return nil, wrongFork(s, forks.Capella)
	}
	p := &capella.BeaconState{}
	p.GenesisTime = s.GenesisTime
	p.GenesisValidatorsRoot = s.GenesisValidatorsRoot
	p.Slot = s.Slot
	p.Fork = s.Fork
	p.LatestBlockHeader = s.LatestBlockHeader
	p.BlockRoots = s.BlockRoots
	p.StateRoots = s.StateRoots
	p.HistoricalRoots = s.HistoricalRoots
	p.Eth1Data = s.Eth1Data
	p.Eth1DataVotes = s.Eth1DataVotes
	p.Eth1DepositIndex = s.Eth1DepositIndex
	p.Validators = s.Validators
	p.Balances = s.Balances
	p.RandaoMixes = s.RandaoMixes
	p.Slashings = s.Slashings
	p.PreviousEpochParticipation = s.PreviousEpochParticipation
	p.CurrentEpochParticipation = s.CurrentEpochParticipation
	p.JustificationBits = s.JustificationBits
	p.PreviousJustifiedCheckpoint = s.PreviousJustifiedCheckpoint
	p.CurrentJustifiedCheckpoint = s.CurrentJustifiedCheckpoint
	p.FinalizedCheckpoint = s.FinalizedCheckpoint
	p.InactivityScores = s.InactivityScores
	p.CurrentSyncCommittee = s.CurrentSyncCommittee
	p.NextSyncCommittee = s.NextSyncCommittee
	p.LatestExecutionPayloadHeader = headerToCapella(s.LatestExecutionPayloadHeader)
	p.NextWithdrawalIndex = s.NextWithdrawalIndex
	p.NextWithdrawalValidatorIndex = s.NextWithdrawalValidatorIndex
	p.HistoricalSummaries = s.HistoricalSummaries
	return p, nil
}

// FromDeneb wraps a deneb state (sharing its memory).
func FromDeneb(p *deneb.BeaconState) *BeaconState {
	s := &BeaconState{ForkName: forks.Deneb}
	s.GenesisTime = p.GenesisTime
	s.GenesisValidatorsRoot = p.GenesisValidatorsRoot
	s.Slot = p.Slot
	s.Fork = p.Fork
	s.LatestBlockHeader = p.LatestBlockHeader
	s.BlockRoots = p.BlockRoots
	s.StateRoots = p.StateRoots
	s.HistoricalRoots = p.HistoricalRoots
	s.Eth1Data = p.Eth1Data
	s.Eth1DataVotes = p.Eth1DataVotes
	s.Eth1DepositIndex = p.Eth1DepositIndex
	s.Validators = p.Validators
	s.Balances = p.Balances
	s.RandaoMixes = p.RandaoMixes
	s.Slashings = p.Slashings
	s.PreviousEpochParticipation = p.PreviousEpochParticipation
	s.CurrentEpochParticipation = p.CurrentEpochParticipation
	s.JustificationBits = p.JustificationBits
	s.PreviousJustifiedCheckpoint = p.PreviousJustifiedCheckpoint
	s.CurrentJustifiedCheckpoint = p.CurrentJustifiedCheckpoint
	s.FinalizedCheckpoint = p.FinalizedCheckpoint
	s.InactivityScores = p.InactivityScores
	s.CurrentSyncCommittee = p.CurrentSyncCommittee
	s.NextSyncCommittee = p.NextSyncCommittee
	s.LatestExecutionPayloadHeader = p.LatestExecutionPayloadHeader
	s.NextWithdrawalIndex = p.NextWithdrawalIndex
	s.NextWithdrawalValidatorIndex = p.NextWithdrawalValidatorIndex
	s.HistoricalSummaries = p.HistoricalSummaries
	return s
}

// ToDeneb returns the state as a deneb container (sharing its memory).
func (s *BeaconState) ToDeneb() (*deneb.BeaconState, error) {
	if s.ForkName != forks.Deneb {
		return nil, wrongFork(s, forks.Deneb)
	}
	p := &deneb.BeaconState{}
	p.GenesisTime = s.GenesisTime
	p.GenesisValidatorsRoot = s.GenesisValidatorsRoot
	p.Slot = s.Slot
	p.Fork = s.Fork
	p.LatestBlockHeader = s.LatestBlockHeader
	p.BlockRoots = s.BlockRoots
	p.StateRoots = s.StateRoots
	p.HistoricalRoots = s.HistoricalRoots
	p.Eth1Data = s.Eth1Data
	p.Eth1DataVotes = s.Eth1DataVotes
	p.Eth1DepositIndex = s.Eth1DepositIndex
	p.Validators = s.Validators
	p.Balances = s.Balances
	p.RandaoMixes = s.RandaoMixes
	p.Slashings = s.Slashings
	p.PreviousEpochParticipation = s.PreviousEpochParticipation
	p.CurrentEpochParticipation = s.CurrentEpochParticipation
	p.JustificationBits = s.JustificationBits
	p.PreviousJustifiedCheckpoint = s.PreviousJustifiedCheckpoint
	p.CurrentJustifiedCheckpoint = s.CurrentJustifiedCheckpoint
	p.FinalizedCheckpoint = s.FinalizedCheckpoint
	p.InactivityScores = s.InactivityScores
	p.CurrentSyncCommittee = s.CurrentSyncCommittee
	p.NextSyncCommittee = s.NextSyncCommittee
	p.LatestExecutionPayloadHeader = s.LatestExecutionPayloadHeader
	p.NextWithdrawalIndex = s.NextWithdrawalIndex
	p.NextWithdrawalValidatorIndex = s.NextWithdrawalValidatorIndex
	p.HistoricalSummaries = s.HistoricalSummaries
	return p, nil
}

// FromElectra wraps a electra state (sharing its memory).
func FromElectra(p *electra.BeaconState) *BeaconState {
	s := &BeaconState{ForkName: forks.Electra}
	s.GenesisTime = p.GenesisTime
	s.GenesisValidatorsRoot = p.GenesisValidatorsRoot
	s.Slot = p.Slot
	s.Fork = p.Fork
	s.LatestBlockHeader = p.LatestBlockHeader
	s.BlockRoots = p.BlockRoots
	s.StateRoots = p.StateRoots
	s.HistoricalRoots = p.HistoricalRoots
	s.Eth1Data = p.Eth1Data
	s.Eth1DataVotes = p.Eth1DataVotes
	s.Eth1DepositIndex = p.Eth1DepositIndex
	s.Validators = p.Validators
	s.Balances = p.Balances
	s.RandaoMixes = p.RandaoMixes
	s.Slashings = p.Slashings
	s.PreviousEpochParticipation = p.PreviousEpochParticipation
	s.CurrentEpochParticipation = p.CurrentEpochParticipation
	s.JustificationBits = p.JustificationBits
	s.PreviousJustifiedCheckpoint = p.PreviousJustifiedCheckpoint
	s.CurrentJustifiedCheckpoint = p.CurrentJustifiedCheckpoint
	s.FinalizedCheckpoint = p.FinalizedCheckpoint
	s.InactivityScores = p.InactivityScores
	s.CurrentSyncCommittee = p.CurrentSyncCommittee
	s.NextSyncCommittee = p.NextSyncCommittee
	s.LatestExecutionPayloadHeader = p.LatestExecutionPayloadHeader
	s.NextWithdrawalIndex = p.NextWithdrawalIndex
	s.NextWithdrawalValidatorIndex = p.NextWithdrawalValidatorIndex
	s.HistoricalSummaries = p.HistoricalSummaries
	s.DepositRequestsStartIndex = p.DepositRequestsStartIndex
	s.DepositBalanceToConsume = p.DepositBalanceToConsume
	s.ExitBalanceToConsume = p.ExitBalanceToConsume
	s.EarliestExitEpoch = p.EarliestExitEpoch
	s.ConsolidationBalanceToConsume = p.ConsolidationBalanceToConsume
	s.EarliestConsolidationEpoch = p.EarliestConsolidationEpoch
	s.PendingDeposits = p.PendingDeposits
	s.PendingPartialWithdrawals = p.PendingPartialWithdrawals
	s.PendingConsolidations = p.PendingConsolidations
	return s
}

// ToElectra returns the state as a electra container (sharing its memory).
func (s *BeaconState) ToElectra() (*electra.BeaconState, error) {
	if s.ForkName != forks.Electra {
		return nil, wrongFork(s, forks.Electra)
	}
	p := &electra.BeaconState{}
	p.GenesisTime = s.GenesisTime
	p.GenesisValidatorsRoot = s.GenesisValidatorsRoot
	p.Slot = s.Slot
	p.Fork = s.Fork
	p.LatestBlockHeader = s.LatestBlockHeader
	p.BlockRoots = s.BlockRoots
	p.StateRoots = s.StateRoots
	p.HistoricalRoots = s.HistoricalRoots
	p.Eth1Data = s.Eth1Data
	p.Eth1DataVotes = s.Eth1DataVotes
	p.Eth1DepositIndex = s.Eth1DepositIndex
	p.Validators = s.Validators
	p.Balances = s.Balances
	p.RandaoMixes = s.RandaoMixes
	p.Slashings = s.Slashings
	p.PreviousEpochParticipation = s.PreviousEpochParticipation
	p.CurrentEpochParticipation = s.CurrentEpochParticipation
	p.JustificationBits = s.JustificationBits
	p.PreviousJustifiedCheckpoint = s.PreviousJustifiedCheckpoint
	p.CurrentJustifiedCheckpoint = s.CurrentJustifiedCheckpoint
	p.FinalizedCheckpoint = s.FinalizedCheckpoint
	p.InactivityScores = s.InactivityScores
	p.CurrentSyncCommittee = s.CurrentSyncCommittee
	p.NextSyncCommittee = s.NextSyncCommittee
	p.LatestExecutionPayloadHeader = s.LatestExecutionPayloadHeader
	p.NextWithdrawalIndex = s.NextWithdrawalIndex
	p.NextWithdrawalValidatorIndex = s.NextWithdrawalValidatorIndex
	p.HistoricalSummaries = s.HistoricalSummaries
	p.DepositRequestsStartIndex = s.DepositRequestsStartIndex
	p.DepositBalanceToConsume = s.DepositBalanceToConsume
	p.ExitBalanceToConsume = s.ExitBalanceToConsume
	p.EarliestExitEpoch = s.EarliestExitEpoch
	p.ConsolidationBalanceToConsume = s.ConsolidationBalanceToConsume
	p.EarliestConsolidationEpoch = s.EarliestConsolidationEpoch
	p.PendingDeposits = s.PendingDeposits
	p.PendingPartialWithdrawals = s.PendingPartialWithdrawals
	p.PendingConsolidations = s.PendingConsolidations
	return p, nil
}

// FromFulu wraps a fulu state (sharing its memory).
func FromFulu(p *fulu.BeaconState) *BeaconState {
	s := &BeaconState{ForkName: forks.Fulu}
	s.GenesisTime = p.GenesisTime
	s.GenesisValidatorsRoot = p.GenesisValidatorsRoot
	s.Slot = p.Slot
	s.Fork = p.Fork
	s.LatestBlockHeader = p.LatestBlockHeader
	s.BlockRoots = p.BlockRoots
	s.StateRoots = p.StateRoots
	s.HistoricalRoots = p.HistoricalRoots
	s.Eth1Data = p.Eth1Data
	s.Eth1DataVotes = p.Eth1DataVotes
	s.Eth1DepositIndex = p.Eth1DepositIndex
	s.Validators = p.Validators
	s.Balances = p.Balances
	s.RandaoMixes = p.RandaoMixes
	s.Slashings = p.Slashings
	s.PreviousEpochParticipation = p.PreviousEpochParticipation
	s.CurrentEpochParticipation = p.CurrentEpochParticipation
	s.JustificationBits = p.JustificationBits
	s.PreviousJustifiedCheckpoint = p.PreviousJustifiedCheckpoint
	s.CurrentJustifiedCheckpoint = p.CurrentJustifiedCheckpoint
	s.FinalizedCheckpoint = p.FinalizedCheckpoint
	s.InactivityScores = p.InactivityScores
	s.CurrentSyncCommittee = p.CurrentSyncCommittee
	s.NextSyncCommittee = p.NextSyncCommittee
	s.LatestExecutionPayloadHeader = p.LatestExecutionPayloadHeader
	s.NextWithdrawalIndex = p.NextWithdrawalIndex
	s.NextWithdrawalValidatorIndex = p.NextWithdrawalValidatorIndex
	s.HistoricalSummaries = p.HistoricalSummaries
	s.DepositRequestsStartIndex = p.DepositRequestsStartIndex
	s.DepositBalanceToConsume = p.DepositBalanceToConsume
	s.ExitBalanceToConsume = p.ExitBalanceToConsume
	s.EarliestExitEpoch = p.EarliestExitEpoch
	s.ConsolidationBalanceToConsume = p.ConsolidationBalanceToConsume
	s.EarliestConsolidationEpoch = p.EarliestConsolidationEpoch
	s.PendingDeposits = p.PendingDeposits
	s.PendingPartialWithdrawals = p.PendingPartialWithdrawals
	s.PendingConsolidations = p.PendingConsolidations
	s.ProposerLookahead = p.ProposerLookahead
	return s
}

// ToFulu returns the state as a fulu container (sharing its memory).
func (s *BeaconState) ToFulu() (*fulu.BeaconState, error) {
	if s.ForkName != forks.Fulu {
		return nil, wrongFork(s, forks.Fulu)
	}
	p := &fulu.BeaconState{}
	p.GenesisTime = s.GenesisTime
	p.GenesisValidatorsRoot = s.GenesisValidatorsRoot
	p.Slot = s.Slot
	p.Fork = s.Fork
	p.LatestBlockHeader = s.LatestBlockHeader
	p.BlockRoots = s.BlockRoots
	p.StateRoots = s.StateRoots
	p.HistoricalRoots = s.HistoricalRoots
	p.Eth1Data = s.Eth1Data
	p.Eth1DataVotes = s.Eth1DataVotes
	p.Eth1DepositIndex = s.Eth1DepositIndex
	p.Validators = s.Validators
	p.Balances = s.Balances
	p.RandaoMixes = s.RandaoMixes
	p.Slashings = s.Slashings
	p.PreviousEpochParticipation = s.PreviousEpochParticipation
	p.CurrentEpochParticipation = s.CurrentEpochParticipation
	p.JustificationBits = s.JustificationBits
	p.PreviousJustifiedCheckpoint = s.PreviousJustifiedCheckpoint
	p.CurrentJustifiedCheckpoint = s.CurrentJustifiedCheckpoint
	p.FinalizedCheckpoint = s.FinalizedCheckpoint
	p.InactivityScores = s.InactivityScores
	p.CurrentSyncCommittee = s.CurrentSyncCommittee
	p.NextSyncCommittee = s.NextSyncCommittee
	p.LatestExecutionPayloadHeader = s.LatestExecutionPayloadHeader
	p.NextWithdrawalIndex = s.NextWithdrawalIndex
	p.NextWithdrawalValidatorIndex = s.NextWithdrawalValidatorIndex
	p.HistoricalSummaries = s.HistoricalSummaries
	p.DepositRequestsStartIndex = s.DepositRequestsStartIndex
	p.DepositBalanceToConsume = s.DepositBalanceToConsume
	p.ExitBalanceToConsume = s.ExitBalanceToConsume
	p.EarliestExitEpoch = s.EarliestExitEpoch
	p.ConsolidationBalanceToConsume = s.ConsolidationBalanceToConsume
	p.EarliestConsolidationEpoch = s.EarliestConsolidationEpoch
	p.PendingDeposits = s.PendingDeposits
	p.PendingPartialWithdrawals = s.PendingPartialWithdrawals
	p.PendingConsolidations = s.PendingConsolidations
	p.ProposerLookahead = s.ProposerLookahead
	return p, nil
}

// The state keeps the execution payload header in its deneb shape (the
// superset of the bellatrix..fulu headers); these convert the earlier
// shapes, whose extra deneb fields are zero.

func headerFromBellatrix(h *bellatrix.ExecutionPayloadHeader) *deneb.ExecutionPayloadHeader {
	if h == nil {
		return nil
	}
	return &deneb.ExecutionPayloadHeader{
		ParentHash: h.ParentHash, FeeRecipient: h.FeeRecipient, StateRoot: h.StateRoot, ReceiptsRoot: h.ReceiptsRoot,
		LogsBloom: h.LogsBloom, PrevRandao: h.PrevRandao, BlockNumber: h.BlockNumber, GasLimit: h.GasLimit,
		GasUsed: h.GasUsed, Timestamp: h.Timestamp, ExtraData: h.ExtraData, BaseFeePerGas: h.BaseFeePerGas,
		BlockHash: h.BlockHash, TransactionsRoot: h.TransactionsRoot,
	}
}

func headerToBellatrix(h *deneb.ExecutionPayloadHeader) *bellatrix.ExecutionPayloadHeader {
	if h == nil {
		return nil
	}
	return &bellatrix.ExecutionPayloadHeader{
		ParentHash: h.ParentHash, FeeRecipient: h.FeeRecipient, StateRoot: h.StateRoot, ReceiptsRoot: h.ReceiptsRoot,
		LogsBloom: h.LogsBloom, PrevRandao: h.PrevRandao, BlockNumber: h.BlockNumber, GasLimit: h.GasLimit,
		GasUsed: h.GasUsed, Timestamp: h.Timestamp, ExtraData: h.ExtraData, BaseFeePerGas: h.BaseFeePerGas,
		BlockHash: h.BlockHash, TransactionsRoot: h.TransactionsRoot,
	}
}

func headerFromCapella(h *capella.ExecutionPayloadHeader) *deneb.ExecutionPayloadHeader {
	if h == nil {
		return nil
	}
	return &deneb.ExecutionPayloadHeader{
		ParentHash: h.ParentHash, FeeRecipient: h.FeeRecipient, StateRoot: h.StateRoot, ReceiptsRoot: h.ReceiptsRoot,
		LogsBloom: h.LogsBloom, PrevRandao: h.PrevRandao, BlockNumber: h.BlockNumber, GasLimit: h.GasLimit,
		GasUsed: h.GasUsed, Timestamp: h.Timestamp, ExtraData: h.ExtraData, BaseFeePerGas: h.BaseFeePerGas,
		BlockHash: h.BlockHash, TransactionsRoot: h.TransactionsRoot, WithdrawalsRoot: h.WithdrawalsRoot,
	}
}

func headerToCapella(h *deneb.ExecutionPayloadHeader) *capella.ExecutionPayloadHeader {
	if h == nil {
		return nil
	}
	return &capella.ExecutionPayloadHeader{
		ParentHash: h.ParentHash, FeeRecipient: h.FeeRecipient, StateRoot: h.StateRoot, ReceiptsRoot: h.ReceiptsRoot,
		LogsBloom: h.LogsBloom, PrevRandao: h.PrevRandao, BlockNumber: h.BlockNumber, GasLimit: h.GasLimit,
		GasUsed: h.GasUsed, Timestamp: h.Timestamp, ExtraData: h.ExtraData, BaseFeePerGas: h.BaseFeePerGas,
		BlockHash: h.BlockHash, TransactionsRoot: h.TransactionsRoot, WithdrawalsRoot: h.WithdrawalsRoot,
	}
}
