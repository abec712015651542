package state

import (
	"slices"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
)

// Copy returns a deep copy of the state, so that a transition on the copy
// leaves s untouched. Containers that the transition never modifies in
// place once they are in the state (pending attestations, sync committees,
// historical summaries, the execution payload header: each is replaced, not
// edited) are shared. Keep in step with the fields of BeaconState.
func (s *BeaconState) Copy() *BeaconState {
	lazyMu.Lock() // the lazily created caches (shadow, hashCache, pubkeyIndex)
	out := *s
	lazyMu.Unlock()
	out.Fork = copyPtr(s.Fork)
	out.LatestBlockHeader = copyPtr(s.LatestBlockHeader)
	out.BlockRoots = slices.Clone(s.BlockRoots)
	out.StateRoots = slices.Clone(s.StateRoots)
	out.HistoricalRoots = slices.Clone(s.HistoricalRoots)
	out.Eth1Data = copyPtr(s.Eth1Data)
	out.Eth1DataVotes = copyElems(s.Eth1DataVotes)
	out.Validators = copyElems(s.Validators)
	out.Balances = slices.Clone(s.Balances)
	out.RandaoMixes = slices.Clone(s.RandaoMixes)
	out.Slashings = slices.Clone(s.Slashings)
	out.PreviousEpochAttestations = slices.Clone(s.PreviousEpochAttestations)
	out.CurrentEpochAttestations = slices.Clone(s.CurrentEpochAttestations)
	out.PreviousEpochParticipation = slices.Clone(s.PreviousEpochParticipation)
	out.CurrentEpochParticipation = slices.Clone(s.CurrentEpochParticipation)
	out.PreviousJustifiedCheckpoint = copyPtr(s.PreviousJustifiedCheckpoint)
	out.CurrentJustifiedCheckpoint = copyPtr(s.CurrentJustifiedCheckpoint)
	out.FinalizedCheckpoint = copyPtr(s.FinalizedCheckpoint)
	out.InactivityScores = slices.Clone(s.InactivityScores)
	out.CurrentSyncCommittee = copySyncCommittee(s.CurrentSyncCommittee)
	out.NextSyncCommittee = copySyncCommittee(s.NextSyncCommittee)
	out.LatestExecutionPayloadHeader = copyPtr(s.LatestExecutionPayloadHeader)
	out.HistoricalSummaries = slices.Clone(s.HistoricalSummaries)
	out.PendingDeposits = copyElems(s.PendingDeposits)
	out.PendingPartialWithdrawals = copyElems(s.PendingPartialWithdrawals)
	out.PendingConsolidations = copyElems(s.PendingConsolidations)
	out.ProposerLookahead = slices.Clone(s.ProposerLookahead)
	return &out
}

func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

// copyElems copies a list of pointers to flat structs into one backing
// array (one allocation instead of one per element). nil stays nil.
func copyElems[T any](in []*T) []*T {
	if in == nil {
		return nil
	}
	vals := make([]T, len(in))
	out := make([]*T, len(in))
	for i, v := range in {
		if v != nil {
			vals[i] = *v
			out[i] = &vals[i]
		}
	}
	return out
}

func copySyncCommittee(c *altair.SyncCommittee) *altair.SyncCommittee {
	if c == nil {
		return nil
	}
	out := *c
	out.Pubkeys = slices.Clone(c.Pubkeys)
	return &out
}
