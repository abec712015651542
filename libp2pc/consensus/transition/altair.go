package transition

import (
	"bytes"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/bls"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// Altair's participation flags, rewards, inactivity scores and sync
// committees (specs/altair/beacon-chain.md). Bellatrix keeps all of it,
// with other quotients (forks.go).

func hasFlag(flags byte, index int) bool { return flags>>index&1 == 1 }

// baseRewardPerIncrement is get_base_reward_per_increment for a total
// active balance.
func baseRewardPerIncrement(totalActiveBalance uint64) uint64 {
	return config.EffectiveBalanceIncrement * config.BaseRewardFactor / integerSquareRoot(totalActiveBalance)
}

// baseRewardAltair is altair's get_base_reward.
func baseRewardAltair(s *state.BeaconState, index, perIncrement uint64) uint64 {
	return s.Validators[index].EffectiveBalance / config.EffectiveBalanceIncrement * perIncrement
}

// unslashedParticipating is get_unslashed_participating_indices, as a set
// over the registry. epoch is the previous or the current epoch.
func unslashedParticipating(s *state.BeaconState, flag int, epoch uint64) indexSet {
	participation := s.PreviousEpochParticipation
	if epoch == helpers.CurrentEpoch(s) {
		participation = s.CurrentEpochParticipation
	}
	out := make(indexSet, len(s.Validators))
	for i, v := range s.Validators {
		if helpers.IsActiveValidator(v, epoch) && !v.Slashed && i < len(participation) && hasFlag(participation[i], flag) {
			out[i] = true
		}
	}
	return out
}

// eligibleValidators is get_eligible_validator_indices.
func eligibleValidators(s *state.BeaconState) []uint64 {
	previous := helpers.PreviousEpoch(s)
	var out []uint64
	for i, v := range s.Validators {
		if helpers.IsActiveValidator(v, previous) || (v.Slashed && previous+1 < v.WithdrawableEpoch) {
			out = append(out, uint64(i))
		}
	}
	return out
}

// finalityDelay is get_finality_delay.
func finalityDelay(s *state.BeaconState) uint64 {
	return helpers.PreviousEpoch(s) - s.FinalizedCheckpoint.Epoch
}

// inInactivityLeak is is_in_inactivity_leak.
func inInactivityLeak(s *state.BeaconState) bool {
	return finalityDelay(s) > config.MinEpochsToInactivityPenalty
}

// participationFlagIndices is get_attestation_participation_flag_indices.
// It fails (a rule) when the source does not match the justified checkpoint.
//
// From deneb (EIP-7045) a matching target earns the target flag whatever
// the inclusion delay.
func participationFlagIndices(s *state.BeaconState, data *phase0.AttestationData, inclusionDelay uint64) ([]int, error) {
	const fn = "get_attestation_participation_flag_indices"
	justified := s.PreviousJustifiedCheckpoint
	if data.Target.Epoch == helpers.CurrentEpoch(s) {
		justified = s.CurrentJustifiedCheckpoint
	}
	if *data.Source != *justified {
		return nil, invalid(fn, "source %d/%x != justified checkpoint %d/%x", data.Source.Epoch, data.Source.Root, justified.Epoch, justified.Root)
	}
	targetRoot, err := helpers.BlockRoot(s, data.Target.Epoch)
	if err != nil {
		return nil, invalid(fn, "%v", err)
	}
	matchingTarget := data.Target.Root == targetRoot
	matchingHead := false
	if matchingTarget {
		headRoot, err := helpers.BlockRootAtSlot(s, data.Slot)
		if err != nil {
			return nil, invalid(fn, "%v", err)
		}
		matchingHead = data.BeaconBlockRoot == headRoot
	}
	var flags []int
	if inclusionDelay <= integerSquareRoot(config.SlotsPerEpoch) {
		flags = append(flags, config.TimelySourceFlagIndex)
	}
	if matchingTarget && (s.ForkName >= forks.Deneb || inclusionDelay <= config.SlotsPerEpoch) {
		flags = append(flags, config.TimelyTargetFlagIndex)
	}
	if matchingHead && inclusionDelay == config.MinAttestationInclusionDelay {
		flags = append(flags, config.TimelyHeadFlagIndex)
	}
	return flags, nil
}

// recordParticipation is the altair part of process_attestation: set the
// attesters' new flags and reward the proposer for them.
func (c *blockContext) recordParticipation(s *state.BeaconState, data *phase0.AttestationData, attesters []uint64) error {
	flags, err := participationFlagIndices(s, data, s.Slot-data.Slot)
	if err != nil {
		return err
	}
	participation := s.PreviousEpochParticipation
	if data.Target.Epoch == helpers.CurrentEpoch(s) {
		participation = s.CurrentEpochParticipation
	}
	perIncrement := c.baseRewardPerIncrement(s)
	var numerator uint64
	for _, index := range attesters {
		for _, flag := range flags {
			if !hasFlag(participation[index], flag) {
				participation[index] |= 1 << flag
				numerator += baseRewardAltair(s, index, perIncrement) * config.ParticipationFlagWeights[flag]
			}
		}
	}
	const denominator = (config.WeightDenominator - config.ProposerWeight) * config.WeightDenominator / config.ProposerWeight
	proposer, err := c.proposerIndex(s)
	if err != nil {
		return invalid("process_attestation", "%v", err)
	}
	increaseBalance(s, proposer, numerator/denominator)
	return nil
}

// processRewardsAndPenalties is process_rewards_and_penalties of the
// state's fork.
func processRewardsAndPenalties(cfg *config.Config, s *state.BeaconState) error {
	if s.ForkName < forks.Altair {
		return processRewardsAndPenaltiesPhase0(cfg, s)
	}
	if helpers.CurrentEpoch(s) == config.GenesisEpoch {
		return nil
	}
	// Each component is applied in turn (increase, then saturating
	// decrease), as the spec does; summing first would differ when a
	// balance reaches zero.
	for _, d := range FlagAndInactivityDeltas(cfg, s) {
		for i := range s.Validators {
			increaseBalance(s, uint64(i), d.Rewards[i])
			decreaseBalance(s, uint64(i), d.Penalties[i])
		}
	}
	return nil
}

// FlagAndInactivityDeltas returns get_flag_index_deltas for each flag
// (source, target, head) followed by get_inactivity_penalty_deltas, for an
// altair-or-later state.
func FlagAndInactivityDeltas(cfg *config.Config, s *state.BeaconState) []Deltas {
	n := len(s.Validators)
	previous := helpers.PreviousEpoch(s)
	total := helpers.TotalActiveBalance(s)
	perIncrement := baseRewardPerIncrement(total)
	activeIncrements := total / config.EffectiveBalanceIncrement
	eligible := eligibleValidators(s)
	leak := inInactivityLeak(s)
	out := make([]Deltas, 0, len(config.ParticipationFlagWeights)+1)
	var targetSet indexSet
	for flag, weight := range config.ParticipationFlagWeights {
		d := newDeltas(n)
		set := unslashedParticipating(s, flag, previous)
		if flag == config.TimelyTargetFlagIndex {
			targetSet = set
		}
		participatingIncrements := set.totalBalance(s) / config.EffectiveBalanceIncrement
		for _, i := range eligible {
			base := baseRewardAltair(s, i, perIncrement)
			switch {
			case set[i]:
				if !leak {
					d.Rewards[i] += base * weight * participatingIncrements / (activeIncrements * config.WeightDenominator)
				}
			case flag != config.TimelyHeadFlagIndex:
				d.Penalties[i] += base * weight / config.WeightDenominator
			}
		}
		out = append(out, d)
	}
	// get_inactivity_penalty_deltas
	d := newDeltas(n)
	denominator := cfg.InactivityBias() * inactivityPenaltyQuotient(s.ForkName)
	for _, i := range eligible {
		if !targetSet[i] {
			d.Penalties[i] += s.Validators[i].EffectiveBalance * s.InactivityScores[i] / denominator
		}
	}
	return append(out, d)
}

// processInactivityUpdates is process_inactivity_updates.
func processInactivityUpdates(cfg *config.Config, s *state.BeaconState) error {
	if helpers.CurrentEpoch(s) == config.GenesisEpoch {
		return nil
	}
	target := unslashedParticipating(s, config.TimelyTargetFlagIndex, helpers.PreviousEpoch(s))
	leak := inInactivityLeak(s)
	bias, recovery := cfg.InactivityBias(), cfg.InactivityRecoveryRate()
	for _, i := range eligibleValidators(s) {
		if target[i] {
			s.InactivityScores[i] -= min(1, s.InactivityScores[i])
		} else {
			s.InactivityScores[i] += bias
		}
		if !leak {
			s.InactivityScores[i] -= min(recovery, s.InactivityScores[i])
		}
	}
	return nil
}

// processParticipationFlagUpdates is process_participation_flag_updates.
func processParticipationFlagUpdates(_ *config.Config, s *state.BeaconState) error {
	s.PreviousEpochParticipation = s.CurrentEpochParticipation
	s.CurrentEpochParticipation = make([]byte, len(s.Validators))
	return nil
}

// processSyncCommitteeUpdates is process_sync_committee_updates.
func processSyncCommitteeUpdates(_ *config.Config, s *state.BeaconState) error {
	if (helpers.CurrentEpoch(s)+1)%config.EpochsPerSyncCommitteePeriod != 0 {
		return nil
	}
	next, err := nextSyncCommittee(s)
	if err != nil {
		return err
	}
	s.CurrentSyncCommittee = s.NextSyncCommittee
	s.NextSyncCommittee = next
	return nil
}

// nextSyncCommittee is get_next_sync_committee.
func nextSyncCommittee(s *state.BeaconState) (*altair.SyncCommittee, error) {
	indices, err := nextSyncCommitteeIndices(s)
	if err != nil {
		return nil, err
	}
	pubkeys := make([][48]byte, len(indices))
	raw := make([][]byte, len(indices))
	for i, v := range indices {
		pubkeys[i] = s.Validators[v].Pubkey
		raw[i] = pubkeys[i][:]
	}
	agg, err := bls.AggregatePublicKeys(raw)
	if err != nil {
		return nil, errorf("get_next_sync_committee: eth_aggregate_pubkeys: %v", err)
	}
	return &altair.SyncCommittee{Pubkeys: pubkeys, AggregatePubkey: agg}, nil
}

// g2PointAtInfinity is G2_POINT_AT_INFINITY, the signature an empty sync
// aggregate must carry.
var g2PointAtInfinity = func() [96]byte { var b [96]byte; b[0] = 0xc0; return b }()

func stepSyncAggregate(c *blockContext, s *state.BeaconState, b *state.BeaconBlock) error {
	return c.processSyncAggregate(s, b.Body.SyncAggregate)
}

// processSyncAggregate is process_sync_aggregate.
func (c *blockContext) processSyncAggregate(s *state.BeaconState, agg *altair.SyncAggregate) error {
	const fn = "process_sync_aggregate"
	committee := s.CurrentSyncCommittee
	if committee == nil || len(committee.Pubkeys) != config.SyncCommitteeSize {
		return errorf("%s: the state has no current sync committee", fn)
	}
	bit := func(i int) bool { return agg.SyncCommitteeBits[i/8]>>(i%8)&1 == 1 }
	if c.sigs != nil {
		var participants [][]byte
		for i := range committee.Pubkeys {
			if bit(i) {
				participants = append(participants, committee.Pubkeys[i][:])
			}
		}
		previousSlot := max(s.Slot, 1) - 1
		if len(participants) == 0 {
			// eth_fast_aggregate_verify accepts no keys with the point at infinity only.
			if !bytes.Equal(agg.SyncCommitteeSignature[:], g2PointAtInfinity[:]) {
				return invalid(fn, "no participants, and the signature is not the point at infinity")
			}
		} else {
			domain, err := helpers.Domain(s, config.DomainSyncCommittee, helpers.ComputeEpochAtSlot(previousSlot))
			if err != nil {
				return err
			}
			blockRoot, err := helpers.BlockRootAtSlot(s, previousSlot)
			if err != nil {
				return invalid(fn, "%v", err)
			}
			root, err := helpers.SigningRootOfRoot(blockRoot, domain)
			if err != nil {
				return err
			}
			c.addSignature(bls.SignatureSet{PublicKeys: participants, Message: root, Signature: agg.SyncCommitteeSignature[:], Description: "process_sync_aggregate: sync committee signature"})
		}
	}
	totalActiveIncrements := helpers.TotalActiveBalance(s) / config.EffectiveBalanceIncrement
	totalBaseRewards := c.baseRewardPerIncrement(s) * totalActiveIncrements
	maxParticipantRewards := totalBaseRewards * config.SyncRewardWeight / config.WeightDenominator / config.SlotsPerEpoch
	participantReward := maxParticipantRewards / config.SyncCommitteeSize
	proposerReward := participantReward * config.ProposerWeight / (config.WeightDenominator - config.ProposerWeight)
	proposer, err := c.proposerIndex(s)
	if err != nil {
		return invalid(fn, "%v", err)
	}
	// committee_indices: the first validator with each committee pubkey.
	firstIndex := make(map[[48]byte]uint64, len(committee.Pubkeys))
	for _, pk := range committee.Pubkeys {
		firstIndex[pk] = ^uint64(0)
	}
	for i, v := range s.Validators {
		if idx, ok := firstIndex[v.Pubkey]; ok && idx == ^uint64(0) {
			firstIndex[v.Pubkey] = uint64(i)
		}
	}
	for i, pk := range committee.Pubkeys {
		index := firstIndex[pk]
		if index == ^uint64(0) {
			return errorf("%s: sync committee member %x is not in the registry", fn, pk[:8])
		}
		if bit(i) {
			increaseBalance(s, index, participantReward)
			increaseBalance(s, proposer, proposerReward)
		} else {
			decreaseBalance(s, index, participantReward)
		}
	}
	return nil
}
