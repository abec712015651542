package phase0

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
)

// TestPresetTagsMatchConfig checks that the preset-dependent SSZ tags of the
// compiled state file agree with package config's preset constants, so the
// two hand-kept files (state_mainnet.go, state_minimal.go) cannot drift from
// the preset they claim.
func TestPresetTagsMatchConfig(t *testing.T) {
	checks := []struct {
		typ   reflect.Type
		field string
		tag   string
		want  uint64
	}{
		{reflect.TypeOf(BeaconState{}), "BlockRoots", "ssz-size", config.SlotsPerHistoricalRoot},
		{reflect.TypeOf(BeaconState{}), "StateRoots", "ssz-size", config.SlotsPerHistoricalRoot},
		{reflect.TypeOf(BeaconState{}), "HistoricalRoots", "ssz-max", config.HistoricalRootsLimit},
		{reflect.TypeOf(BeaconState{}), "Eth1DataVotes", "ssz-max", config.Eth1DataVotesLimit},
		{reflect.TypeOf(BeaconState{}), "Validators", "ssz-max", config.ValidatorRegistryLimit},
		{reflect.TypeOf(BeaconState{}), "Balances", "ssz-max", config.ValidatorRegistryLimit},
		{reflect.TypeOf(BeaconState{}), "RandaoMixes", "ssz-size", config.EpochsPerHistoricalVector},
		{reflect.TypeOf(BeaconState{}), "Slashings", "ssz-size", config.EpochsPerSlashingsVector},
		{reflect.TypeOf(BeaconState{}), "PreviousEpochAttestations", "ssz-max", config.PendingAttestationsLimit},
		{reflect.TypeOf(BeaconState{}), "CurrentEpochAttestations", "ssz-max", config.PendingAttestationsLimit},
		{reflect.TypeOf(HistoricalBatch{}), "BlockRoots", "ssz-size", config.SlotsPerHistoricalRoot},
		{reflect.TypeOf(HistoricalBatch{}), "StateRoots", "ssz-size", config.SlotsPerHistoricalRoot},
		{reflect.TypeOf(BeaconBlockBody{}), "ProposerSlashings", "ssz-max", config.MaxProposerSlashings},
		{reflect.TypeOf(BeaconBlockBody{}), "AttesterSlashings", "ssz-max", config.MaxAttesterSlashings},
		{reflect.TypeOf(BeaconBlockBody{}), "Attestations", "ssz-max", config.MaxAttestations},
		{reflect.TypeOf(BeaconBlockBody{}), "Deposits", "ssz-max", config.MaxDeposits},
		{reflect.TypeOf(BeaconBlockBody{}), "VoluntaryExits", "ssz-max", config.MaxVoluntaryExits},
		{reflect.TypeOf(Attestation{}), "AggregationBits", "ssz-max", config.MaxValidatorsPerCommittee},
		{reflect.TypeOf(PendingAttestation{}), "AggregationBits", "ssz-max", config.MaxValidatorsPerCommittee},
		{reflect.TypeOf(IndexedAttestation{}), "AttestingIndices", "ssz-max", config.MaxValidatorsPerCommittee},
	}
	for _, c := range checks {
		f, ok := c.typ.FieldByName(c.field)
		if !ok {
			t.Fatalf("%s has no field %s", c.typ.Name(), c.field)
		}
		tag := f.Tag.Get(c.tag)
		// the first dimension is the preset-dependent one ("8192,32")
		for i := range tag {
			if tag[i] == ',' {
				tag = tag[:i]
				break
			}
		}
		got, err := strconv.ParseUint(tag, 10, 64)
		if err != nil {
			t.Fatalf("%s.%s: %s tag %q: %v", c.typ.Name(), c.field, c.tag, f.Tag.Get(c.tag), err)
		}
		if got != c.want {
			t.Errorf("%s.%s: %s %d, preset %s wants %d", c.typ.Name(), c.field, c.tag, got, config.PresetName, c.want)
		}
	}
}

// TestCopyIsDeep: mutating the copy leaves the original unchanged.
func TestCopyIsDeep(t *testing.T) {
	s := &BeaconState{
		Fork:                        &Fork{},
		LatestBlockHeader:           &BeaconBlockHeader{},
		BlockRoots:                  make([][32]byte, config.SlotsPerHistoricalRoot),
		StateRoots:                  make([][32]byte, config.SlotsPerHistoricalRoot),
		Eth1Data:                    &Eth1Data{},
		Eth1DataVotes:               []*Eth1Data{{DepositCount: 1}},
		Validators:                  []*Validator{{EffectiveBalance: 1}},
		Balances:                    []uint64{1},
		RandaoMixes:                 make([][32]byte, config.EpochsPerHistoricalVector),
		Slashings:                   make([]uint64, config.EpochsPerSlashingsVector),
		PreviousJustifiedCheckpoint: &Checkpoint{},
		CurrentJustifiedCheckpoint:  &Checkpoint{},
		FinalizedCheckpoint:         &Checkpoint{},
	}
	before, err := s.HashTreeRoot()
	if err != nil {
		t.Fatal(err)
	}
	c := s.Copy()
	c.Fork.Epoch = 9
	c.LatestBlockHeader.Slot = 9
	c.BlockRoots[0][0] = 9
	c.StateRoots[0][0] = 9
	c.Eth1Data.DepositCount = 9
	c.Eth1DataVotes[0].DepositCount = 9
	c.Validators[0].EffectiveBalance = 9
	c.Balances[0] = 9
	c.RandaoMixes[0][0] = 9
	c.Slashings[0] = 9
	c.FinalizedCheckpoint.Epoch = 9
	c.CurrentJustifiedCheckpoint.Epoch = 9
	c.PreviousJustifiedCheckpoint.Epoch = 9
	after, err := s.HashTreeRoot()
	if err != nil {
		t.Fatal(err)
	}
	if before != after {
		t.Fatal("modifying the copy changed the original")
	}
}
