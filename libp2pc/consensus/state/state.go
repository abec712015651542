package state

import (
	"sync"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// BeaconState is the beacon state of any fork: the union of the fields of
// every fork's BeaconState container (phase0 .. fulu), tagged with the fork
// whose container it is. Fields the fork does not have are zero/nil and
// are neither encoded nor hashed. Field names and types are those of the
// generated containers, so spec code reads the same on every fork.
type BeaconState struct {
	// ForkName is the fork whose container this state is (it selects the
	// SSZ shape and the state-transition rules). Not part of the SSZ value.
	ForkName forks.Fork

	GenesisTime           uint64
	GenesisValidatorsRoot [32]byte
	Slot                  uint64
	Fork                  *phase0.Fork
	LatestBlockHeader     *phase0.BeaconBlockHeader
	BlockRoots            [][32]byte
	StateRoots            [][32]byte
	HistoricalRoots       [][32]byte
	Eth1Data              *phase0.Eth1Data
	Eth1DataVotes         []*phase0.Eth1Data
	Eth1DepositIndex      uint64
	Validators            []*phase0.Validator
	Balances              []uint64
	RandaoMixes           [][32]byte
	Slashings             []uint64

	// phase0 only
	PreviousEpochAttestations []*phase0.PendingAttestation
	CurrentEpochAttestations  []*phase0.PendingAttestation

	// altair and later
	PreviousEpochParticipation []byte
	CurrentEpochParticipation  []byte

	JustificationBits           [1]byte
	PreviousJustifiedCheckpoint *phase0.Checkpoint
	CurrentJustifiedCheckpoint  *phase0.Checkpoint
	FinalizedCheckpoint         *phase0.Checkpoint

	// altair and later
	InactivityScores     []uint64
	CurrentSyncCommittee *altair.SyncCommittee
	NextSyncCommittee    *altair.SyncCommittee

	// bellatrix and later; kept in the deneb shape, the superset of every
	// fork's header (bellatrix and capella states leave the extra fields zero).
	LatestExecutionPayloadHeader *deneb.ExecutionPayloadHeader

	// capella and later
	NextWithdrawalIndex          uint64
	NextWithdrawalValidatorIndex uint64
	HistoricalSummaries          []*capella.HistoricalSummary

	// electra and later
	DepositRequestsStartIndex     uint64
	DepositBalanceToConsume       uint64
	ExitBalanceToConsume          uint64
	EarliestExitEpoch             uint64
	ConsolidationBalanceToConsume uint64
	EarliestConsolidationEpoch    uint64
	PendingDeposits               []*electra.PendingDeposit
	PendingPartialWithdrawals     []*electra.PendingPartialWithdrawal
	PendingConsolidations         []*electra.PendingConsolidation

	// fulu
	ProposerLookahead []uint64

	// hashShadow carries the incremental hash cache of phase0 states (see
	// HashTreeRoot). Shared by copies, like phase0.BeaconState's cache.
	hashShadow *phase0.BeaconState
	// hashCache is the incremental hash cache of altair+ states (see
	// hashcache.go). Shared by copies, like hashShadow.
	hashCache *forkHashCache
	// pubkeyIndex maps pubkeys to validator indices (see pubkeyindex.go).
	// Shared by copies.
	pubkeyIndex *pubkeyIndex
}

// shadow returns the holder of the phase0 hash cache, creating it.
func (s *BeaconState) shadow() *phase0.BeaconState {
	lazyMu.Lock()
	defer lazyMu.Unlock()
	if s.hashShadow == nil {
		s.hashShadow = new(phase0.BeaconState)
	}
	return s.hashShadow
}

// lazyMu guards the creation of the caches a state creates on first use
// (hashShadow, hashCache, pubkeyIndex) and their copying by Copy: a state
// shared by goroutines (the pipeline's hot states) may be hashed or copied
// by two of them at once. The caches themselves serialize their own use.
var lazyMu sync.Mutex

// Accessors of the helpers.State interface (the read-only view the spec
// helpers need), also implemented by *phase0.BeaconState.

func (s *BeaconState) GetSlot() uint64                            { return s.Slot }
func (s *BeaconState) GetFork() *phase0.Fork                      { return s.Fork }
func (s *BeaconState) GetGenesisValidatorsRoot() [32]byte         { return s.GenesisValidatorsRoot }
func (s *BeaconState) GetValidators() []*phase0.Validator         { return s.Validators }
func (s *BeaconState) GetBlockRoots() [][32]byte                  { return s.BlockRoots }
func (s *BeaconState) GetRandaoMixes() [][32]byte                 { return s.RandaoMixes }
func (s *BeaconState) GetFinalizedCheckpoint() *phase0.Checkpoint { return s.FinalizedCheckpoint }
