package config

import "testing"

// The electra constants that also fix SSZ sizes agree with SSZSizes, in
// both presets' builds.
func TestElectraPresetMatchesSSZSizes(t *testing.T) {
	sizes := SSZSizes[PresetName]
	shared := 0
	for k, v := range ElectraPresetValues() {
		if s, ok := sizes[k]; ok {
			shared++
			if s != v {
				t.Errorf("%s: compiled %d, SSZSizes %d", k, v, s)
			}
		}
	}
	if shared < 5 {
		t.Fatalf("only %d keys shared with SSZSizes", shared)
	}
	if ProposerLookaheadLength != (MinSeedLookahead+1)*SlotsPerEpoch {
		t.Fatal("proposer lookahead length")
	}
}

func TestBlobSchedule(t *testing.T) {
	cfg, err := ParseConfig([]byte(minimalConfigForTest + `
ELECTRA_FORK_EPOCH: 3
SLOTS_PER_EPOCH: 8
SLOTS_PER_EPOCH: 8
BLOB_SCHEDULE:
  - EPOCH: 20
    MAX_BLOBS_PER_BLOCK: 15
  - EPOCH: 10
    MAX_BLOBS_PER_BLOCK: 12
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.BlobSchedule) != 2 || cfg.BlobSchedule[0].Epoch != 10 {
		t.Fatalf("schedule %+v (want sorted by epoch)", cfg.BlobSchedule)
	}
	for _, c := range []struct{ epoch, epochWant, blobs uint64 }{{0, 3, 9}, {9, 3, 9}, {10, 10, 12}, {25, 20, 15}} {
		if got := cfg.BlobParametersAt(c.epoch); got != (BlobParameters{c.epochWant, c.blobs}) {
			t.Errorf("epoch %d: %+v", c.epoch, got)
		}
	}
	if _, err := ParseConfig([]byte(minimalConfigForTest + "BLOB_SCHEDULE:\n  - EPOCH: 1\n")); err == nil {
		t.Fatal("an entry without MAX_BLOBS_PER_BLOCK was accepted")
	}
	if cfg, err := ParseConfig([]byte(minimalConfigForTest)); err != nil || cfg.BlobSchedule != nil && len(cfg.BlobSchedule) != 0 {
		t.Fatalf("no schedule: %v %+v", err, cfg)
	}
	var nilCfg *Config
	if got := nilCfg.BlobParametersAt(5); got != (BlobParameters{FarFutureEpoch, DefaultMaxBlobsPerBlockElectra}) {
		t.Fatalf("nil config: %+v", got)
	}
}

// minimalConfigForTest has every key ParseConfig requires.
const minimalConfigForTest = `PRESET_BASE: 'minimal'
MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: 64
MIN_GENESIS_TIME: 1578009600
GENESIS_FORK_VERSION: 0x00000001
GENESIS_DELAY: 300
SECONDS_PER_SLOT: 6
SECONDS_PER_ETH1_BLOCK: 14
MIN_VALIDATOR_WITHDRAWABILITY_DELAY: 256
SHARD_COMMITTEE_PERIOD: 64
ETH1_FOLLOW_DISTANCE: 16
EJECTION_BALANCE: 16000000000
MIN_PER_EPOCH_CHURN_LIMIT: 2
CHURN_LIMIT_QUOTIENT: 32
DEPOSIT_CHAIN_ID: 5
DEPOSIT_NETWORK_ID: 5
DEPOSIT_CONTRACT_ADDRESS: 0x1234567890123456789012345678901234567890
`
