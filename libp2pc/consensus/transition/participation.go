package transition

import (
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// indexSet is a set of validator indices, as a bitmap over the registry.
type indexSet []bool

// totalBalance is get_total_balance of the set's members: the same sum as
// helpers.TotalBalance over the members' indices, without building that list (at
// 65,536 validators the lists and the per-index accessor calls cost more
// than the sums).
func (set indexSet) totalBalance(s *state.BeaconState) uint64 {
	var sum uint64
	for i, in := range set {
		if in {
			sum += s.Validators[i].EffectiveBalance
		}
	}
	return max(config.EffectiveBalanceIncrement, sum)
}

// epochParticipation precomputes, once per epoch transition, what the
// spec's get_matching_*_attestations / get_unslashed_attesting_indices
// helpers derive from the pending attestations, so rewards and
// justification do not recompute committees per validator.
type epochParticipation struct {
	totalActiveBalance uint64
	// unslashed attesters of the previous epoch by matching kind
	previousSource, previousTarget, previousHead indexSet
	currentTarget                                indexSet
	// for each previous-epoch attester (indexed by validator, nil for
	// none): the attestation with the smallest inclusion delay (first one
	// on ties, like Python's min). A slice, not a map: at 65,536 validators
	// the map's inserts and growth were a third of phase0's epoch transition.
	earliest []*phase0.PendingAttestation
}

// participationOnce computes a state's epochParticipation at most once for
// one run of process_epoch: phase0's justification and rewards both read
// it, and nothing justification changes (checkpoints, justification bits)
// feeds it. Lazily, so that each step's early returns (genesis epochs) still
// come before any error of the computation, as in the spec.
type participationOnce struct {
	s    *state.BeaconState
	ep   *epochParticipation
	err  error
	done bool
}

func (p *participationOnce) get() (*epochParticipation, error) {
	if !p.done {
		p.ep, p.err = newEpochParticipation(p.s)
		p.done = true
	}
	return p.ep, p.err
}

func newEpochParticipation(s *state.BeaconState) (*epochParticipation, error) {
	n := len(s.Validators)
	ep := &epochParticipation{
		totalActiveBalance: helpers.TotalActiveBalance(s),
		previousSource:     make(indexSet, n),
		previousTarget:     make(indexSet, n),
		previousHead:       make(indexSet, n),
		currentTarget:      make(indexSet, n),
		earliest:           make([]*phase0.PendingAttestation, n),
	}
	previous, current := helpers.PreviousEpoch(s), helpers.CurrentEpoch(s)

	// Previous epoch: source, target, head.
	prevCommittees := helpers.NewEpochCommittees(s, previous)
	prevTargetRoot, prevTargetErr := helpers.BlockRoot(s, previous)
	for _, a := range s.PreviousEpochAttestations {
		indices, err := prevCommittees.AttestingIndices(a.Data, a.AggregationBits)
		if err != nil {
			return nil, err
		}
		isTarget := prevTargetErr == nil && a.Data.Target.Root == prevTargetRoot
		isHead := false
		if isTarget {
			headRoot, err := helpers.BlockRootAtSlot(s, a.Data.Slot)
			if err != nil {
				return nil, err
			}
			isHead = a.Data.BeaconBlockRoot == headRoot
		}
		for _, i := range indices {
			if e := ep.earliest[i]; e == nil || a.InclusionDelay < e.InclusionDelay {
				ep.earliest[i] = a
			}
			if s.Validators[i].Slashed {
				continue
			}
			ep.previousSource[i] = true
			if isTarget {
				ep.previousTarget[i] = true
			}
			if isHead {
				ep.previousHead[i] = true
			}
		}
	}
	if prevTargetErr != nil && len(s.PreviousEpochAttestations) > 0 {
		return nil, prevTargetErr
	}

	// Current epoch: target only (for justification).
	if len(s.CurrentEpochAttestations) > 0 {
		curCommittees := helpers.NewEpochCommittees(s, current)
		curTargetRoot, err := helpers.BlockRoot(s, current)
		if err != nil {
			return nil, err
		}
		for _, a := range s.CurrentEpochAttestations {
			if a.Data.Target.Root != curTargetRoot {
				continue
			}
			indices, err := curCommittees.AttestingIndices(a.Data, a.AggregationBits)
			if err != nil {
				return nil, err
			}
			for _, i := range indices {
				if !s.Validators[i].Slashed {
					ep.currentTarget[i] = true
				}
			}
		}
	}
	return ep, nil
}
