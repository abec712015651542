package helpers

import (
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// EpochCommittees answers get_beacon_committee for the slots of one epoch
// without recomputing the active set for every call (get_beacon_committee
// itself is O(validators)). It is valid as long as the validator registry's
// activation and exit epochs and the RANDAO mix behind the epoch's seed are
// unchanged, which holds within a block and within epoch processing.
type EpochCommittees struct {
	Epoch        uint64
	Active       []uint64
	Seed         [32]byte
	CountPerSlot uint64
}

// NewEpochCommittees prepares the committees of epoch.
func NewEpochCommittees(s State, epoch uint64) *EpochCommittees {
	active := ActiveValidatorIndices(s, epoch)
	return &EpochCommittees{
		Epoch:        epoch,
		Active:       active,
		Seed:         Seed(s, epoch, config.DomainBeaconAttester),
		CountPerSlot: committeeCount(uint64(len(active))),
	}
}

// Committee is get_beacon_committee(state, slot, index) for a slot of the
// epoch.
func (c *EpochCommittees) Committee(slot, index uint64) ([]uint64, error) {
	if ComputeEpochAtSlot(slot) != c.Epoch {
		return nil, fmt.Errorf("get_beacon_committee: slot %d is not in epoch %d", slot, c.Epoch)
	}
	if index >= c.CountPerSlot {
		return nil, fmt.Errorf("get_beacon_committee: committee index %d >= committees per slot %d", index, c.CountPerSlot)
	}
	return ComputeCommittee(c.Active, c.Seed, (slot%config.SlotsPerEpoch)*c.CountPerSlot+index, c.CountPerSlot*config.SlotsPerEpoch)
}

// AttestingIndices is get_attesting_indices using the cached committees.
func (c *EpochCommittees) AttestingIndices(data *phase0.AttestationData, bits []byte) ([]uint64, error) {
	committee, err := c.Committee(data.Slot, data.Index)
	if err != nil {
		return nil, err
	}
	return attestingIndices(committee, bits)
}
