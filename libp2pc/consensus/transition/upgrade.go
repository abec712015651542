package transition

import (
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// The upgrade_to_<fork> functions (specs/<fork>/fork.md), in place on the
// generic state: the fields both forks share stay as they are, the new
// fork's fields are initialised, the fork versions rotate.

// nextForkVersion rotates s.Fork to the version of fork to, at the
// state's current epoch.
func nextForkVersion(cfg *config.Config, s *state.BeaconState, to forks.Fork) error {
	sched, err := forks.ScheduleOf(cfg)
	if err != nil {
		return err
	}
	s.Fork = &phase0.Fork{
		PreviousVersion: s.Fork.CurrentVersion,
		CurrentVersion:  sched.Version(to),
		Epoch:           helpers.CurrentEpoch(s),
	}
	return nil
}

// upgradeToAltair is upgrade_to_altair, with translate_participation of
// the previous epoch's pending attestations.
func upgradeToAltair(cfg *config.Config, s *state.BeaconState) error {
	if err := nextForkVersion(cfg, s, forks.Altair); err != nil {
		return err
	}
	n := len(s.Validators)
	previousAttestations := s.PreviousEpochAttestations
	s.ForkName = forks.Altair
	s.PreviousEpochAttestations, s.CurrentEpochAttestations = nil, nil
	s.PreviousEpochParticipation = make([]byte, n)
	s.CurrentEpochParticipation = make([]byte, n)
	s.InactivityScores = make([]uint64, n)

	// translate_participation
	if len(previousAttestations) > 0 {
		committees := map[uint64]*helpers.EpochCommittees{}
		for _, a := range previousAttestations {
			flags, err := participationFlagIndices(s, a.Data, a.InclusionDelay)
			if err != nil {
				return err
			}
			ec := committees[a.Data.Target.Epoch]
			if ec == nil {
				ec = helpers.NewEpochCommittees(s, a.Data.Target.Epoch)
				committees[a.Data.Target.Epoch] = ec
			}
			indices, err := ec.AttestingIndices(a.Data, a.AggregationBits)
			if err != nil {
				return errorf("translate_participation: %v", err)
			}
			for _, i := range indices {
				for _, f := range flags {
					s.PreviousEpochParticipation[i] |= 1 << f
				}
			}
		}
	}

	// Both committees are computed from the same state, so they are equal.
	committee, err := nextSyncCommittee(s)
	if err != nil {
		return err
	}
	s.CurrentSyncCommittee = committee
	next := *committee
	s.NextSyncCommittee = &next
	return nil
}

// upgradeToBellatrix is upgrade_to_bellatrix: an empty execution payload
// header (the merge has not happened yet).
func upgradeToBellatrix(cfg *config.Config, s *state.BeaconState) error {
	if err := nextForkVersion(cfg, s, forks.Bellatrix); err != nil {
		return err
	}
	s.ForkName = forks.Bellatrix
	s.LatestExecutionPayloadHeader = &deneb.ExecutionPayloadHeader{}
	return nil
}
