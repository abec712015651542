package forks

import (
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
)

func TestParseAndString(t *testing.T) {
	for _, f := range All() {
		g, err := Parse(f.String())
		if err != nil || g != f {
			t.Fatalf("Parse(%q) = %v, %v", f.String(), g, err)
		}
	}
	if f, err := Parse("MERGE"); err != nil || f != Bellatrix {
		t.Fatalf("MERGE: %v %v", f, err)
	}
	if _, err := Parse("sharding"); err == nil {
		t.Fatal("unknown fork accepted")
	}
}

func TestScheduleAtEpoch(t *testing.T) {
	cfg, err := config.ParseConfig([]byte(`
PRESET_BASE: 'minimal'
MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: 64
MIN_GENESIS_TIME: 0
GENESIS_FORK_VERSION: 0x00000001
GENESIS_DELAY: 0
SECONDS_PER_SLOT: 6
SECONDS_PER_ETH1_BLOCK: 14
MIN_VALIDATOR_WITHDRAWABILITY_DELAY: 256
SHARD_COMMITTEE_PERIOD: 64
ETH1_FOLLOW_DISTANCE: 16
EJECTION_BALANCE: 16000000000
MIN_PER_EPOCH_CHURN_LIMIT: 4
CHURN_LIMIT_QUOTIENT: 32
DEPOSIT_CHAIN_ID: 5
DEPOSIT_NETWORK_ID: 5
DEPOSIT_CONTRACT_ADDRESS: 0x1234567890123456789012345678901234567890
ALTAIR_FORK_VERSION: 0x01000001
ALTAIR_FORK_EPOCH: 2
BELLATRIX_FORK_VERSION: 0x02000001
BELLATRIX_FORK_EPOCH: 2
CAPELLA_FORK_VERSION: 0x03000001
CAPELLA_FORK_EPOCH: 5
`))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ScheduleOf(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for epoch, want := range map[uint64]Fork{0: Phase0, 1: Phase0, 2: Bellatrix, 4: Bellatrix, 5: Capella, 1 << 40: Capella} {
		if got := sc.AtEpoch(epoch); got != want {
			t.Errorf("AtEpoch(%d) = %v, want %v", epoch, got, want)
		}
	}
	if sc.Version(Altair) != (config.Version{1, 0, 0, 1}) || sc.Epochs[Deneb] != config.FarFutureEpoch {
		t.Fatalf("schedule %+v", sc)
	}
}
