package phase0

// Copy returns a deep copy of the state. The state transition works on a
// copy so that a rejected block leaves the caller's state untouched.
// Validators are copied into one backing array (one allocation instead of
// one per validator). Keep in step with the fields of BeaconState.
func (s *BeaconState) Copy() *BeaconState {
	out := *s
	out.Fork = copyPtr(s.Fork)
	out.LatestBlockHeader = copyPtr(s.LatestBlockHeader)
	out.BlockRoots = append([][32]byte(nil), s.BlockRoots...)
	out.StateRoots = append([][32]byte(nil), s.StateRoots...)
	out.HistoricalRoots = append([][32]byte(nil), s.HistoricalRoots...)
	out.Eth1Data = copyPtr(s.Eth1Data)
	out.Eth1DataVotes = make([]*Eth1Data, len(s.Eth1DataVotes))
	votes := make([]Eth1Data, len(s.Eth1DataVotes))
	for i, v := range s.Eth1DataVotes {
		votes[i] = *v
		out.Eth1DataVotes[i] = &votes[i]
	}
	out.Validators = make([]*Validator, len(s.Validators))
	vals := make([]Validator, len(s.Validators))
	for i, v := range s.Validators {
		vals[i] = *v
		out.Validators[i] = &vals[i]
	}
	out.Balances = append([]uint64(nil), s.Balances...)
	out.RandaoMixes = append([][32]byte(nil), s.RandaoMixes...)
	out.Slashings = append([]uint64(nil), s.Slashings...)
	out.PreviousEpochAttestations = copyPendingAttestations(s.PreviousEpochAttestations)
	out.CurrentEpochAttestations = copyPendingAttestations(s.CurrentEpochAttestations)
	out.PreviousJustifiedCheckpoint = copyPtr(s.PreviousJustifiedCheckpoint)
	out.CurrentJustifiedCheckpoint = copyPtr(s.CurrentJustifiedCheckpoint)
	out.FinalizedCheckpoint = copyPtr(s.FinalizedCheckpoint)
	return &out
}

// copyPendingAttestations copies the list; the attestations themselves are
// never modified after they are appended, so they are shared.
func copyPendingAttestations(in []*PendingAttestation) []*PendingAttestation {
	if in == nil {
		return nil
	}
	return append([]*PendingAttestation(nil), in...)
}

func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}
