package transition_test

import (
	"slices"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
)

// AdvanceSlots crosses deneb -> electra (epoch 6) -> fulu (epoch 7) and
// keeps going: the electra fields are initialised, fulu's proposer
// lookahead is filled at the upgrade and shifted at each epoch, and the
// proposers it announced for the next epoch are those of that epoch.
func TestAdvanceSlotsIntoElectraAndFulu(t *testing.T) {
	cfg := forkConfig()
	cfg.Raw["FULU_FORK_VERSION"], cfg.Raw["FULU_FORK_EPOCH"] = "0x06000001", "7"
	s := state.FromPhase0(genesis(t))
	if err := transition.AdvanceSlots(cfg, s, 6*config.SlotsPerEpoch+1); err != nil {
		t.Fatal(err)
	}
	if s.ForkName != forks.Electra || s.Fork.CurrentVersion != (config.Version{5, 0, 0, 1}) ||
		s.DepositRequestsStartIndex != config.UnsetDepositRequestsStartIndex || s.PendingDeposits == nil ||
		s.EarliestExitEpoch != helpers.ComputeActivationExitEpoch(6)+1 {
		t.Fatalf("after epoch 6: fork %v, %+v, earliest exit %d", s.ForkName, s.Fork, s.EarliestExitEpoch)
	}
	p, err := transition.BeaconProposerIndex(s)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := helpers.BeaconProposerIndexElectra(s); p != want {
		t.Fatalf("electra proposer %d, want %d", p, want)
	}
	if err := transition.AdvanceSlots(cfg, s, 7*config.SlotsPerEpoch); err != nil {
		t.Fatal(err)
	}
	if s.ForkName != forks.Fulu || s.Fork.CurrentVersion != (config.Version{6, 0, 0, 1}) || s.Fork.PreviousVersion != (config.Version{5, 0, 0, 1}) ||
		len(s.ProposerLookahead) != config.ProposerLookaheadLength {
		t.Fatalf("after epoch 7: fork %v, %+v, lookahead %d", s.ForkName, s.Fork, len(s.ProposerLookahead))
	}
	announced := slices.Clone(s.ProposerLookahead[config.SlotsPerEpoch:])
	for slot := s.Slot; slot < s.Slot+config.SlotsPerEpoch; slot++ {
		at := s.Copy()
		at.Slot = slot
		at.ForkName = forks.Electra // what electra would compute on demand
		want, err := transition.BeaconProposerIndex(at)
		if err != nil {
			t.Fatal(err)
		}
		at.ForkName = forks.Fulu
		if got, _ := transition.BeaconProposerIndex(at); got != want {
			t.Fatalf("slot %d: lookahead proposer %d, electra's %d", slot, got, want)
		}
	}
	if err := transition.AdvanceSlots(cfg, s, 8*config.SlotsPerEpoch); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.ProposerLookahead[:config.SlotsPerEpoch], announced) {
		t.Fatalf("epoch 8 proposers %v, announced %v", s.ProposerLookahead[:config.SlotsPerEpoch], announced)
	}
	if _, err := s.HashTreeRoot(); err != nil {
		t.Fatal(err)
	}
}
