package transition

import (
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
)

// AdvanceSlots is process_slots for any fork, in place: it advances s to
// slot, running the epoch transition of the state's fork at each epoch
// boundary, and upgrading the state (upgrade_to_<fork>) at the first slot
// of every fork epoch the config schedules (ALTAIR_FORK_EPOCH, ...), so one
// call crosses any number of forks. A fork is only entered through its
// epoch: a state already at a fork stays there when the config does not
// schedule the next one.
func AdvanceSlots(cfg *config.Config, s *state.BeaconState, slot uint64) error {
	if s.Slot >= slot {
		return invalid("process_slots", "target slot %d is not after state slot %d", slot, s.Slot)
	}
	if _, err := rulesFor(s.ForkName); err != nil {
		return err
	}
	sched, err := forks.ScheduleOf(cfg)
	if err != nil {
		return fmt.Errorf("process_slots: %w", err)
	}
	for s.Slot < slot {
		if err := processSlot(s); err != nil {
			return err
		}
		if (s.Slot+1)%config.SlotsPerEpoch == 0 {
			if err := processEpoch(cfg, s); err != nil {
				return err
			}
		}
		s.Slot++
		if s.Slot%config.SlotsPerEpoch == 0 {
			if err := upgradeAtEpoch(cfg, sched, s, s.Slot/config.SlotsPerEpoch); err != nil {
				return err
			}
		}
	}
	return nil
}

// upgradeAtEpoch applies, in order, the upgrade of every later fork whose
// activation epoch is epoch.
func upgradeAtEpoch(cfg *config.Config, sched *forks.Schedule, s *state.BeaconState, epoch uint64) error {
	for f := s.ForkName + 1; f <= forks.Last; f++ {
		if sched.Epochs[f] != epoch {
			continue
		}
		if err := Upgrade(cfg, s, f); err != nil {
			return err
		}
	}
	return nil
}

// Upgrade is upgrade_to_<to>, in place: s must be a state of the fork just
// before to. (The fork/fork vectors call it directly; AdvanceSlots calls it
// at fork epochs.)
func Upgrade(cfg *config.Config, s *state.BeaconState, to forks.Fork) error {
	if to == forks.Phase0 || s.ForkName+1 != to {
		return fmt.Errorf("upgrade_to_%s: the state is at %s", to, s.ForkName)
	}
	r, err := rulesFor(to)
	if err != nil {
		return fmt.Errorf("upgrade_to_%s: %w", to, err)
	}
	if err := r.upgrade(cfg, s); err != nil {
		return fmt.Errorf("upgrade_to_%s: %w", to, err)
	}
	return nil
}

// processSlot is process_slot: caches the previous state and block roots.
func processSlot(s *state.BeaconState) error {
	stateRoot, err := s.HashTreeRoot()
	if err != nil {
		return fmt.Errorf("process_slot: hash_tree_root(state): %w", err)
	}
	s.StateRoots[s.Slot%config.SlotsPerHistoricalRoot] = stateRoot
	if s.LatestBlockHeader.StateRoot == ([32]byte{}) {
		s.LatestBlockHeader.StateRoot = stateRoot
	}
	blockRoot, err := s.LatestBlockHeader.HashTreeRoot()
	if err != nil {
		return fmt.Errorf("process_slot: hash_tree_root(latest_block_header): %w", err)
	}
	s.BlockRoots[s.Slot%config.SlotsPerHistoricalRoot] = blockRoot
	return nil
}

// processEpoch is process_epoch of the state's fork, in place.
func processEpoch(cfg *config.Config, s *state.BeaconState) error {
	r, err := rulesFor(s.ForkName)
	if err != nil {
		return err
	}
	// Phase0: justification and rewards share one computation of the
	// pending attestations' participation (see participationOnce).
	part := &participationOnce{s: s}
	for _, st := range r.epoch {
		var err error
		switch {
		case s.ForkName != forks.Phase0:
			err = st.fn(cfg, s)
		case st.name == "process_justification_and_finalization":
			err = justifyAndFinalize(s, part)
		case st.name == "process_rewards_and_penalties":
			err = rewardAndPenalizePhase0(s, part)
		default:
			err = st.fn(cfg, s)
		}
		if err != nil {
			return fmt.Errorf("process_epoch: %s: %w", st.name, err)
		}
	}
	return nil
}

// ProcessEpoch is process_epoch for a state of any implemented fork.
func ProcessEpoch(cfg *config.Config, s *state.BeaconState) error { return processEpoch(cfg, s) }
