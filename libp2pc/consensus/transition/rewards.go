package transition

import (
	"math/bits"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
)

// Deltas are per-validator rewards and penalties (the spec's Tuple of
// Sequence[Gwei]).
type Deltas struct {
	Rewards   []uint64
	Penalties []uint64
}

func newDeltas(n int) Deltas {
	return Deltas{Rewards: make([]uint64, n), Penalties: make([]uint64, n)}
}

// AttestationDeltas holds the components of get_attestation_deltas.
type AttestationDeltas struct {
	Source, Target, Head, InclusionDelay, InactivityPenalty Deltas
}

// integerSquareRoot is integer_squareroot: the largest x with x*x <= n.
func integerSquareRoot(n uint64) uint64 {
	if n == 0 {
		return 0
	}
	x := uint64(1) << ((bits.Len64(n) + 1) / 2) // >= sqrt(n)
	for {
		y := (x + n/x) / 2
		if y >= x {
			return x
		}
		x = y
	}
}

// rewardsContext memoizes what get_base_reward needs.
type rewardsContext struct {
	s                *state.BeaconState
	ep               *epochParticipation
	sqrtTotalBalance uint64
	eligible         []uint64
	finalityDelay    uint64
	inLeak           bool
}

func (r *rewardsContext) baseReward(i uint64) uint64 {
	return r.s.Validators[i].EffectiveBalance * config.BaseRewardFactor / r.sqrtTotalBalance / config.BaseRewardsPerEpoch
}

func (r *rewardsContext) proposerReward(i uint64) uint64 {
	return r.baseReward(i) / config.ProposerRewardQuotient
}

// getAttestationDeltas computes the five components of get_attestation_deltas
// (source, target, head, inclusion delay, inactivity penalty).
func getAttestationDeltas(s *state.BeaconState) (*AttestationDeltas, error) {
	return attestationDeltas(s, &participationOnce{s: s})
}

func attestationDeltas(s *state.BeaconState, part *participationOnce) (*AttestationDeltas, error) {
	ep, err := part.get()
	if err != nil {
		return nil, err
	}
	r := &rewardsContext{s: s, ep: ep, sqrtTotalBalance: integerSquareRoot(ep.totalActiveBalance)}
	previous := helpers.PreviousEpoch(s)
	for i, v := range s.Validators {
		if helpers.IsActiveValidator(v, previous) || (v.Slashed && previous+1 < v.WithdrawableEpoch) {
			r.eligible = append(r.eligible, uint64(i))
		}
	}
	r.finalityDelay = previous - s.FinalizedCheckpoint.Epoch
	r.inLeak = r.finalityDelay > config.MinEpochsToInactivityPenalty

	n := len(s.Validators)
	out := &AttestationDeltas{
		Source:         r.componentDeltas(ep.previousSource),
		Target:         r.componentDeltas(ep.previousTarget),
		Head:           r.componentDeltas(ep.previousHead),
		InclusionDelay: newDeltas(n),
	}
	// get_inclusion_delay_deltas
	for i, in := range ep.previousSource {
		if !in {
			continue
		}
		idx := uint64(i)
		a := ep.earliest[idx]
		out.InclusionDelay.Rewards[a.ProposerIndex] += r.proposerReward(idx)
		maxAttesterReward := r.baseReward(idx) - r.proposerReward(idx)
		out.InclusionDelay.Rewards[idx] += maxAttesterReward / a.InclusionDelay
	}
	// get_inactivity_penalty_deltas
	out.InactivityPenalty = newDeltas(n)
	if r.inLeak {
		for _, i := range r.eligible {
			// With optimal participation this cancels all rewards for a neutral balance.
			out.InactivityPenalty.Penalties[i] += config.BaseRewardsPerEpoch*r.baseReward(i) - r.proposerReward(i)
			if !ep.previousTarget[i] {
				out.InactivityPenalty.Penalties[i] += s.Validators[i].EffectiveBalance * r.finalityDelay / config.InactivityPenaltyQuotient
			}
		}
	}
	return out, nil
}

// componentDeltas is get_attestation_component_deltas for the unslashed
// attesters of one kind.
func (r *rewardsContext) componentDeltas(attesters indexSet) Deltas {
	d := newDeltas(len(r.s.Validators))
	const increment = config.EffectiveBalanceIncrement // factored out to avoid uint64 overflow
	attestingBalance := attesters.totalBalance(r.s)
	for _, i := range r.eligible {
		if attesters[i] {
			if r.inLeak {
				// The inactivity penalty cancels the full base reward, so
				// optimal participation gets the full base reward here.
				d.Rewards[i] += r.baseReward(i)
			} else {
				d.Rewards[i] += r.baseReward(i) * (attestingBalance / increment) / (r.ep.totalActiveBalance / increment)
			}
		} else {
			d.Penalties[i] += r.baseReward(i)
		}
	}
	return d
}

// processRewardsAndPenaltiesPhase0 is phase0's process_rewards_and_penalties.
func processRewardsAndPenaltiesPhase0(_ *config.Config, s *state.BeaconState) error {
	return rewardAndPenalizePhase0(s, &participationOnce{s: s})
}

// rewardAndPenalizePhase0 is phase0's process_rewards_and_penalties with the
// participation from part (shared with justification by processEpoch).
func rewardAndPenalizePhase0(s *state.BeaconState, part *participationOnce) error {
	if helpers.CurrentEpoch(s) == config.GenesisEpoch {
		return nil
	}
	d, err := attestationDeltas(s, part)
	if err != nil {
		return err
	}
	for i := range s.Validators {
		idx := uint64(i)
		var reward, penalty uint64
		for _, c := range []*Deltas{&d.Source, &d.Target, &d.Head, &d.InclusionDelay, &d.InactivityPenalty} {
			reward += c.Rewards[i]
			penalty += c.Penalties[i]
		}
		increaseBalance(s, idx, reward)
		decreaseBalance(s, idx, penalty)
	}
	return nil
}
