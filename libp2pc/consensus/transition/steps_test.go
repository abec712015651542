package transition_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
)

// ProcessEpochStep runs a step of the state's fork by its spec name and
// refuses a name that is not one of that fork's process_epoch steps.
func TestProcessEpochStepByName(t *testing.T) {
	cfg := testchain.Config()
	s := state.FromPhase0(genesis(t))
	// process_slashings_reset zeroes slashings[(epoch+1) % EPOCHS_PER_SLASHINGS_VECTOR].
	next := (0 + 1) % config.EpochsPerSlashingsVector
	s.Slashings[next] = 7
	if err := transition.ProcessEpochStep(cfg, s, "process_slashings_reset"); err != nil {
		t.Fatal(err)
	}
	if s.Slashings[next] != 0 {
		t.Fatalf("slashings[%d] = %d after process_slashings_reset", next, s.Slashings[next])
	}
	for _, name := range []string{"process_inactivity_updates", "slashings_reset", ""} {
		err := transition.ProcessEpochStep(cfg, s, name)
		if err == nil || !strings.Contains(err.Error(), "not a step of phase0's process_epoch") {
			t.Fatalf("%q on a phase0 state: %v", name, err)
		}
	}
}

// ProcessOperation names what it cannot apply; a nil block header is an
// incomplete block (a RuleError), as in process_block.
func TestProcessOperationRefusesUnknownOperations(t *testing.T) {
	cfg := testchain.Config()
	s := state.FromPhase0(genesis(t))
	err := transition.ProcessOperation(cfg, s, &altair.SyncAggregate{}, false)
	if err == nil || !strings.Contains(err.Error(), "unsupported operation *altair.SyncAggregate") {
		t.Fatalf("sync aggregate as an operation: %v", err)
	}
	var noBlock *state.BeaconBlock
	var re *transition.RuleError
	if err := transition.ProcessOperation(cfg, s, noBlock, false); !errors.As(err, &re) {
		t.Fatalf("nil block header: %v, want a RuleError", err)
	}
}
