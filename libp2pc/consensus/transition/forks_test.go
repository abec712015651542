package transition_test

import (
	"errors"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/internal/phase0transition"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
)

// forkConfig schedules altair at epoch 1, bellatrix at 2, capella at 4,
// deneb at 5, electra at 6.
func forkConfig() *config.Config {
	cfg := testchain.Config()
	cfg.Raw = map[string]string{
		"ALTAIR_FORK_VERSION": "0x01000001", "ALTAIR_FORK_EPOCH": "1",
		"BELLATRIX_FORK_VERSION": "0x02000001", "BELLATRIX_FORK_EPOCH": "2",
		"CAPELLA_FORK_VERSION": "0x03000001", "CAPELLA_FORK_EPOCH": "4",
		"DENEB_FORK_VERSION": "0x04000001", "DENEB_FORK_EPOCH": "5",
		"ELECTRA_FORK_VERSION": "0x05000001", "ELECTRA_FORK_EPOCH": "6",
	}
	return cfg
}

// One AdvanceSlots call crosses two forks, upgrading at each fork epoch,
// and stops with ErrForkNotImplemented at a fork without rules.
func TestAdvanceSlotsCrossesForks(t *testing.T) {
	cfg := forkConfig()
	s := state.FromPhase0(genesis(t))
	if err := transition.AdvanceSlots(cfg, s, config.SlotsPerEpoch+1); err != nil {
		t.Fatal(err)
	}
	if s.ForkName != forks.Altair || s.Fork.Epoch != 1 || s.Fork.CurrentVersion != (config.Version{1, 0, 0, 1}) ||
		s.Fork.PreviousVersion != cfg.GenesisForkVersion {
		t.Fatalf("after epoch 1: fork %v, %+v", s.ForkName, s.Fork)
	}
	if len(s.CurrentSyncCommittee.Pubkeys) != config.SyncCommitteeSize || len(s.InactivityScores) != testValidators ||
		len(s.CurrentEpochParticipation) != testValidators || s.PreviousEpochAttestations != nil {
		t.Fatal("altair fields not initialised by the upgrade")
	}
	if err := transition.AdvanceSlots(cfg, s, 3*config.SlotsPerEpoch); err != nil {
		t.Fatal(err)
	}
	if s.ForkName != forks.Bellatrix || s.Fork.Epoch != 2 || s.Fork.PreviousVersion != (config.Version{1, 0, 0, 1}) ||
		s.LatestExecutionPayloadHeader == nil {
		t.Fatalf("after epoch 2: fork %v, %+v", s.ForkName, s.Fork)
	}
	if _, err := s.HashTreeRoot(); err != nil {
		t.Fatal(err)
	}
	// Bellatrix (epochs 2-3) to capella (4) to deneb (5), in one call.
	if err := transition.AdvanceSlots(cfg, s, 5*config.SlotsPerEpoch+1); err != nil {
		t.Fatal(err)
	}
	if s.ForkName != forks.Deneb || s.Fork.Epoch != 5 || s.Fork.PreviousVersion != (config.Version{3, 0, 0, 1}) ||
		s.Fork.CurrentVersion != (config.Version{4, 0, 0, 1}) || s.HistoricalSummaries == nil ||
		s.NextWithdrawalIndex != 0 {
		t.Fatalf("after epoch 5: fork %v, %+v", s.ForkName, s.Fork)
	}
	if _, err := s.HashTreeRoot(); err != nil {
		t.Fatal(err)
	}
	err := transition.AdvanceSlots(cfg, s, 6*config.SlotsPerEpoch)
	if transition.Implemented(forks.Electra) {
		if err != nil || s.ForkName != forks.Electra {
			t.Fatalf("entering electra: %v, fork %v", err, s.ForkName)
		}
	} else if !errors.Is(err, transition.ErrForkNotImplemented) {
		t.Fatalf("entering electra: %v, want ErrForkNotImplemented", err)
	}
}

// The phase0-typed API does not silently leave phase0.
func TestPhase0ProcessSlotsRefusesToLeavePhase0(t *testing.T) {
	s := genesis(t)
	if err := phase0transition.ProcessSlots(forkConfig(), s, 2*config.SlotsPerEpoch); err == nil {
		t.Fatal("phase0 ProcessSlots crossed ALTAIR_FORK_EPOCH without an error")
	}
	if s.Slot != 0 || s.StateRoots[0] != ([32]byte{}) {
		t.Fatalf("the phase0 state was modified (slot %d)", s.Slot)
	}
}

// Phase0 .. deneb are implemented; a state of a fork without rules (if
// any is left) is refused with ErrForkNotImplemented.
func TestNotImplementedFork(t *testing.T) {
	for _, f := range forks.All() {
		if f <= forks.Deneb && !transition.Implemented(f) {
			t.Fatalf("Implemented(%v) = false", f)
		}
		if transition.Implemented(f) {
			continue
		}
		s := state.FromPhase0(genesis(t))
		s.ForkName = f
		if err := transition.AdvanceSlots(testchain.Config(), s, 1); !errors.Is(err, transition.ErrForkNotImplemented) {
			t.Fatalf("%v state: %v", f, err)
		}
	}
}
