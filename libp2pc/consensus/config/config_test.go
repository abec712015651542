package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const sample = `
PRESET_BASE: 'minimal'
MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: 64
MIN_GENESIS_TIME: 1578009600
GENESIS_FORK_VERSION: 0x00000001
GENESIS_DELAY: 300
ALTAIR_FORK_VERSION: 0x01000001
ALTAIR_FORK_EPOCH: 18446744073709551615
SECONDS_PER_SLOT: 6
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
BLOB_SCHEDULE:
  - EPOCH: 1
    MAX_BLOBS_PER_BLOCK: 9
`

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if c.GenesisForkVersion != (Version{0, 0, 0, 1}) {
		t.Errorf("GENESIS_FORK_VERSION parsed as %x (hex versions must not be read as integers)", c.GenesisForkVersion)
	}
	if c.MinPerEpochChurnLimit != 4 || c.ChurnLimitQuotient != 65536 || c.ShardCommitteePeriod != 64 {
		t.Errorf("churn/period values wrong: %+v", c)
	}
	if len(c.DepositContractAddress) != 20 {
		t.Errorf("deposit contract address has %d bytes", len(c.DepositContractAddress))
	}
	if v, err := c.Version("ALTAIR_FORK_VERSION"); err != nil || v != (Version{1, 0, 0, 1}) {
		t.Errorf("ALTAIR_FORK_VERSION = %x, %v", v, err)
	}
	if e, err := c.Uint("ALTAIR_FORK_EPOCH"); err != nil || e != FarFutureEpoch {
		t.Errorf("ALTAIR_FORK_EPOCH = %d, %v", e, err)
	}
}

func TestParseConfigErrorsNameTheKey(t *testing.T) {
	_, err := ParseConfig([]byte(strings.Replace(sample, "EJECTION_BALANCE: 16000000000", "EJECTION_BALANCE: lots", 1)))
	if err == nil || !strings.Contains(err.Error(), "EJECTION_BALANCE") {
		t.Fatalf("want an error naming EJECTION_BALANCE, got %v", err)
	}
	_, err = ParseConfig([]byte(strings.Replace(sample, "GENESIS_DELAY: 300\n", "", 1)))
	if err == nil || !strings.Contains(err.Error(), "GENESIS_DELAY") {
		t.Fatalf("want an error naming the missing GENESIS_DELAY, got %v", err)
	}
}

func TestCheckPresetReportsMismatch(t *testing.T) {
	values := PresetValues()
	if missing, err := CheckPreset(values); err != nil || len(missing) > 0 {
		t.Fatalf("compiled preset does not match itself: %v (missing %v)", err, missing)
	}
	delete(values, "SAFE_SLOTS_TO_UPDATE_JUSTIFIED")
	if missing, err := CheckPreset(values); err != nil || len(missing) != 1 {
		t.Fatalf("a key absent from the file is reported, not an error: %v, %v", missing, err)
	}
	values["SLOTS_PER_EPOCH"]++
	if _, err := CheckPreset(values); err == nil || !strings.Contains(err.Error(), "SLOTS_PER_EPOCH") {
		t.Fatalf("want a mismatch on SLOTS_PER_EPOCH, got %v", err)
	}
}

// The phase0 part of the size table must agree with the compiled preset.
func TestSSZSizesMatchPresetConstants(t *testing.T) {
	sizes := SSZSizes[PresetName]
	for k, want := range PresetValues() {
		if got, ok := sizes[k]; ok && got != want {
			t.Errorf("SSZSizes[%s][%s] = %d, preset constant %d", PresetName, k, got, want)
		}
	}
}

func TestForks(t *testing.T) {
	c, err := ParseConfig([]byte(sample + "BELLATRIX_FORK_VERSION: 0x02000001\nBELLATRIX_FORK_EPOCH: 5\n"))
	if err != nil {
		t.Fatal(err)
	}
	forks, err := c.Forks()
	if err != nil {
		t.Fatal(err)
	}
	if len(forks) != 3 || forks[0].Name != "GENESIS" || forks[1].Name != "ALTAIR" || forks[2].Name != "BELLATRIX" {
		t.Fatalf("forks = %+v", forks)
	}
	if forks[2].Epoch != 5 || forks[2].Version != (Version{2, 0, 0, 1}) || forks[1].Epoch != FarFutureEpoch {
		t.Fatalf("fork values wrong: %+v", forks)
	}
	c.Raw["CAPELLA_FORK_VERSION"] = "0x03000001" // epoch missing
	if _, err := c.Forks(); err == nil || !strings.Contains(err.Error(), "CAPELLA_FORK_EPOCH") {
		t.Fatalf("want an error naming CAPELLA_FORK_EPOCH, got %v", err)
	}
}

func TestRepeatedKeys(t *testing.T) {
	if _, err := ParseConfig([]byte(sample + "SECONDS_PER_SLOT: 6\n")); err != nil {
		t.Fatalf("a key repeated with the same value must load: %v", err)
	}
	_, err := ParseConfig([]byte(sample + "SECONDS_PER_SLOT: 12\n"))
	if err == nil || !strings.Contains(err.Error(), "SECONDS_PER_SLOT") {
		t.Fatalf("want an error naming the conflicting SECONDS_PER_SLOT, got %v", err)
	}
}

// One rule for the slot duration: SLOT_DURATION_MS or SECONDS_PER_SLOT,
// equal when both are given, a positive whole number of seconds.
func TestSlotDurationRule(t *testing.T) {
	without := strings.Replace(sample, "SECONDS_PER_SLOT: 6\n", "", 1)
	for _, x := range []struct {
		keys    string
		seconds uint64 // 0: rejected
	}{
		{"SECONDS_PER_SLOT: 6\n", 6},
		{"SLOT_DURATION_MS: 6000\n", 6},
		{"SLOT_DURATION_MS: 12000\nSECONDS_PER_SLOT: 12\n", 12},
		{"SLOT_DURATION_MS: 6500\n", 0},
		{"SLOT_DURATION_MS: 500\n", 0},
		{"SLOT_DURATION_MS: 0\n", 0},
		{"SECONDS_PER_SLOT: 0\n", 0},
		{"SLOT_DURATION_MS: 6000\nSECONDS_PER_SLOT: 12\n", 0},
		{"", 0},
	} {
		c, err := ParseConfig([]byte(without + x.keys))
		switch {
		case x.seconds == 0 && !errors.Is(err, ErrSlotDuration):
			t.Errorf("%q: %v, want ErrSlotDuration", x.keys, err)
		case x.seconds != 0 && err != nil:
			t.Errorf("%q: %v", x.keys, err)
		case x.seconds != 0 && (c.SecondsPerSlot != x.seconds || c.SlotDuration() != time.Duration(x.seconds)*time.Second):
			t.Errorf("%q: %d s (%v), want %d s", x.keys, c.SecondsPerSlot, c.SlotDuration(), x.seconds)
		}
	}
	for d, want := range map[time.Duration]uint64{time.Second: 1, 12 * time.Second: 12, 0: 0, 1500 * time.Millisecond: 0, -time.Second: 0} {
		got, err := SecondsPerSlotOf(d)
		if got != want || (want == 0) != errors.Is(err, ErrSlotDuration) {
			t.Errorf("SecondsPerSlotOf(%v) = %d, %v; want %d", d, got, err, want)
		}
	}
}

// baseDefaultedKeys are the phase0 keys a partial config (Prysm's
// config.yaml) may leave out: issue 18.
var baseDefaultedKeys = []string{"CHURN_LIMIT_QUOTIENT", "EJECTION_BALANCE", "MIN_PER_EPOCH_CHURN_LIMIT",
	"MIN_VALIDATOR_WITHDRAWABILITY_DELAY", "SHARD_COMMITTEE_PERIOD"}

// withoutKeys returns cfg without the lines of keys.
func withoutKeys(t *testing.T, cfg string, keys ...string) string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(cfg, "\n") {
		drop := false
		for _, k := range keys {
			drop = drop || strings.HasPrefix(l, k+":")
		}
		if !drop {
			out = append(out, l)
		}
	}
	if got := len(strings.Split(cfg, "\n")) - len(out); got != len(keys) {
		t.Fatalf("removed %d lines for %d keys", got, len(keys))
	}
	return strings.Join(out, "\n")
}

func TestMissingPhase0KeysTakeThePresetBaseValues(t *testing.T) {
	for _, tc := range []struct {
		base        string
		shardPeriod uint64
	}{{"minimal", 64}, {"mainnet", 256}} {
		t.Run(tc.base, func(t *testing.T) {
			partial := strings.Replace(withoutKeys(t, sample, baseDefaultedKeys...), "PRESET_BASE: 'minimal'", "PRESET_BASE: '"+tc.base+"'", 1)
			c, err := ParseConfig([]byte(partial))
			if err != nil {
				t.Fatalf("a config without the five phase0 keys: %v", err)
			}
			if strings.Join(c.DefaultedKeys, ",") != strings.Join(baseDefaultedKeys, ",") {
				t.Errorf("DefaultedKeys = %v, want %v", c.DefaultedKeys, baseDefaultedKeys)
			}
			if c.MinValidatorWithdrawabilityDelay != 256 || c.ShardCommitteePeriod != tc.shardPeriod ||
				c.EjectionBalance != 16_000_000_000 || c.MinPerEpochChurnLimit != 4 || c.ChurnLimitQuotient != 65536 {
				t.Errorf("defaults of %s: %+v", tc.base, c)
			}
			if v, err := c.Uint("SHARD_COMMITTEE_PERIOD"); err != nil || v != tc.shardPeriod {
				t.Errorf("Raw SHARD_COMMITTEE_PERIOD = %d, %v", v, err)
			}
		})
	}
	// A key the file gives is kept; only the missing ones are defaulted.
	c, err := ParseConfig([]byte(strings.Replace(withoutKeys(t, sample, "EJECTION_BALANCE"), "SHARD_COMMITTEE_PERIOD: 64", "SHARD_COMMITTEE_PERIOD: 32", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if c.ShardCommitteePeriod != 32 || c.EjectionBalance != 16_000_000_000 || strings.Join(c.DefaultedKeys, ",") != "EJECTION_BALANCE" {
		t.Errorf("period %d, ejection %d, defaulted %v", c.ShardCommitteePeriod, c.EjectionBalance, c.DefaultedKeys)
	}
	// A complete file defaults nothing.
	if c, err := ParseConfig([]byte(sample)); err != nil || len(c.DefaultedKeys) != 0 {
		t.Errorf("complete file: defaulted %v, %v", c.DefaultedKeys, err)
	}
	// A base libp2pc has no values for: the missing key is still an error naming it.
	_, err = ParseConfig([]byte(strings.Replace(withoutKeys(t, sample, "CHURN_LIMIT_QUOTIENT"), "'minimal'", "'gnosis'", 1)))
	if err == nil || !strings.Contains(err.Error(), "missing key CHURN_LIMIT_QUOTIENT") {
		t.Errorf("unknown base: want missing key CHURN_LIMIT_QUOTIENT, got %v", err)
	}
	// Keys that identify a network are never defaulted.
	_, err = ParseConfig([]byte(withoutKeys(t, sample, "DEPOSIT_CONTRACT_ADDRESS")))
	if err == nil || !strings.Contains(err.Error(), "DEPOSIT_CONTRACT_ADDRESS") {
		t.Errorf("want missing DEPOSIT_CONTRACT_ADDRESS, got %v", err)
	}
}

// The defaults are consensus-specs' configs/<base>.yaml values: checked
// against the files of the vector tree when SPEC_TESTS_DIR is set (make
// test-go sets it).
func TestBaseDefaultsMatchSpecConfigs(t *testing.T) {
	dir := os.Getenv("SPEC_TESTS_DIR")
	if dir == "" {
		t.Skip("SPEC_TESTS_DIR not set")
	}
	for base, defaults := range baseConfigDefaults {
		data, err := os.ReadFile(filepath.Join(dir, "configs", base+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := parseFlatYAML(data)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range defaults {
			if raw[k] != v {
				t.Errorf("configs/%s.yaml %s = %q, default %q", base, k, raw[k], v)
			}
		}
	}
}
