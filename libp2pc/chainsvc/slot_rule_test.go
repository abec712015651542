package chainsvc

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// chainYAML is a consensus config of the test chain (every fork after
// phase0 unscheduled) with the given slot-duration keys.
func chainYAML(slotKeys string) []byte {
	return []byte(`PRESET_BASE: '` + config.PresetName + `'
MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: 16
MIN_GENESIS_TIME: 0
GENESIS_FORK_VERSION: 0x00000001
GENESIS_DELAY: 0
SECONDS_PER_ETH1_BLOCK: 14
MIN_VALIDATOR_WITHDRAWABILITY_DELAY: 256
SHARD_COMMITTEE_PERIOD: 64
ETH1_FOLLOW_DISTANCE: 16
EJECTION_BALANCE: 16000000000
MIN_PER_EPOCH_CHURN_LIMIT: 4
CHURN_LIMIT_QUOTIENT: 65536
DEPOSIT_CHAIN_ID: 5
DEPOSIT_NETWORK_ID: 5
DEPOSIT_CONTRACT_ADDRESS: 0x1234567890123456789012345678901234567890
ALTAIR_FORK_VERSION: 0x01000001
ALTAIR_FORK_EPOCH: 18446744073709551615
` + slotKeys)
}

// One rule for SLOT_DURATION_MS vs SECONDS_PER_SLOT at both entry points:
// a YAML that eth2_configure accepts (only SLOT_DURATION_MS, as current
// spec configs write it) starts the chain too, one it rejects (a slot that
// is not whole seconds) is rejected by chain_start for the same reason, and
// chain_start refuses a consensus config whose slot is not the node's.
func TestSlotDurationRuleAtBothEntryPoints(t *testing.T) {
	g, err := testchain.Genesis(16)
	if err != nil {
		t.Fatal(err)
	}
	anchor, err := g.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	genesis := time.Unix(time.Now().Unix()-3, 0)

	msOnly := chainYAML("SLOT_DURATION_MS: 1000\n")
	ec, err := node.Eth2ConfigFromYAML(msOnly, genesis, [32]byte{1})
	if err != nil {
		t.Fatalf("eth2_configure's parser: %v", err)
	}
	if ec.Chain.SlotDuration != time.Second {
		t.Fatalf("slot duration %v, want 1s", ec.Chain.SlotDuration)
	}
	n, rec := startEth2Node(t, ec, nil)

	// A slot that is not whole seconds: both entry points refuse it, with
	// the consensus config's error.
	half := chainYAML("SLOT_DURATION_MS: 1500\n")
	if _, err := node.Eth2ConfigFromYAML(half, genesis, [32]byte{1}); status.CodeOf(err) != status.InvalidArgument || !errors.Is(err, config.ErrSlotDuration) {
		t.Fatalf("eth2_configure with 1500 ms: %v, want INVALID_ARGUMENT (ErrSlotDuration)", err)
	}
	// chain_start checks its config after the call returns: the refusal is
	// the completion's (INVALID_ARGUMENT, naming the slot duration).
	refused := func(what string, yaml []byte, text string) {
		t.Helper()
		req, err := Start(n, ChainConfig{DataDir: t.TempDir(), AnchorState: anchor, ConsensusConfig: yaml})
		if err != nil {
			t.Fatalf("%s: the call itself failed: %v", what, err)
		}
		e := rec.waitFor(t, what, doneFor(req))
		if status.Code(e.Status) != status.InvalidArgument || !strings.Contains(e.Text, text) {
			t.Fatalf("%s: completion %d %q, want INVALID_ARGUMENT containing %q", what, e.Status, e.Text, text)
		}
	}
	refused("chain_start with 1500 ms", half, config.ErrSlotDuration.Error())
	// A whole-second slot that is not the node's: two clocks, refused.
	refused("chain_start with 2 s slots on a 1 s node", chainYAML("SECONDS_PER_SLOT: 2\n"), "is not the node's")

	// The YAML eth2_configure accepted starts the chain.
	req, err := Start(n, ChainConfig{DataDir: t.TempDir(), AnchorState: anchor, ConsensusConfig: msOnly, StatusPollPeriod: -1})
	mustOK(t, rec, req, err, "chain_start with the eth2_configure YAML")
	if _, slot, err := Head(n); err != nil || slot != 0 {
		t.Fatalf("head slot %d, %v", slot, err)
	}
}
