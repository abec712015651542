package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Version is a 4-byte fork version.
type Version = [4]byte

// Config holds the runtime (non-preset) configuration values of the spec's
// configs/<name>.yaml. Values are parsed from their string form because the
// YAML files write versions as 0x-prefixed hex, which YAML would read as ints.
type Config struct {
	PresetBase string

	MinGenesisActiveValidatorCount uint64
	MinGenesisTime                 uint64
	GenesisForkVersion             Version
	GenesisDelay                   uint64

	// SecondsPerSlot is the slot duration, from SLOT_DURATION_MS or
	// SECONDS_PER_SLOT (see slotSeconds); SlotDuration gives it as a duration.
	SecondsPerSlot                   uint64
	SecondsPerEth1Block              uint64
	MinValidatorWithdrawabilityDelay uint64
	ShardCommitteePeriod             uint64
	Eth1FollowDistance               uint64

	EjectionBalance        uint64
	MinPerEpochChurnLimit  uint64
	ChurnLimitQuotient     uint64
	DepositChainID         uint64
	DepositNetworkID       uint64
	DepositContractAddress []byte

	// Altair values. Configs older than altair (such as the v1.1.0-alpha.8
	// phase0 one) may lack them; they then hold the spec's values, which
	// are the same in every published config (DefaultInactivityScoreBias, DefaultInactivityScoreRecoveryRate).
	InactivityScoreBias         uint64
	InactivityScoreRecoveryRate uint64

	// DefaultedKeys lists the keys the file lacked that took the value of
	// its PRESET_BASE network's config (baseConfigDefaults), sorted; also
	// in Raw. Empty for a complete file.
	DefaultedKeys []string

	// Raw keeps every key of the file (including later forks' values, such
	// as ALTAIR_FORK_VERSION), as written, plus the DefaultedKeys.
	Raw map[string]string

	// BlobSchedule is fulu's BLOB_SCHEDULE, sorted by epoch (empty when
	// the file has none); see BlobParametersAt.
	BlobSchedule []BlobParameters
}

// baseConfigDefaults are the values of consensus-specs configs/mainnet.yaml
// and configs/minimal.yaml for the phase0 config keys that a network's
// config file may leave out: Prysm's and Lodestar's config.yaml are partial
// files, and both clients take a missing key from the network their
// PRESET_BASE names (a Prysm devnet's config.yaml omits all five). They are
// consensus rules (exits, churn, ejection), the same for every network of
// one base, unlike the keys that identify a network (fork versions, genesis,
// deposit contract, slot duration), which stay required.
var baseConfigDefaults = map[string]map[string]string{
	"mainnet": {
		"MIN_VALIDATOR_WITHDRAWABILITY_DELAY": "256",
		"SHARD_COMMITTEE_PERIOD":              "256",
		"EJECTION_BALANCE":                    "16000000000",
		"MIN_PER_EPOCH_CHURN_LIMIT":           "4",
		"CHURN_LIMIT_QUOTIENT":                "65536",
	},
	"minimal": {
		"MIN_VALIDATOR_WITHDRAWABILITY_DELAY": "256",
		"SHARD_COMMITTEE_PERIOD":              "64",
		"EJECTION_BALANCE":                    "16000000000",
		"MIN_PER_EPOCH_CHURN_LIMIT":           "4",
		"CHURN_LIMIT_QUOTIENT":                "65536",
	},
}

// applyBaseDefaults adds to raw the baseConfigDefaults of base that raw
// lacks and returns those keys, sorted. An unknown base adds nothing: its
// missing keys stay errors naming the key.
func applyBaseDefaults(raw map[string]string, base string) []string {
	var added []string
	for k, v := range baseConfigDefaults[base] {
		if _, ok := raw[k]; !ok {
			raw[k] = v
			added = append(added, k)
		}
	}
	sort.Strings(added)
	return added
}

// Spec values of the altair config keys, used when a config lacks them
// (phase0-era configs, or a Config built in Go without them).
const (
	DefaultInactivityScoreBias         = 4
	DefaultInactivityScoreRecoveryRate = 16
)

// InactivityBias returns INACTIVITY_SCORE_BIAS, or its spec value when the
// Config was built without it (zero).
func (c *Config) InactivityBias() uint64 {
	if c.InactivityScoreBias == 0 {
		return DefaultInactivityScoreBias
	}
	return c.InactivityScoreBias
}

// InactivityRecoveryRate returns INACTIVITY_SCORE_RECOVERY_RATE, or its spec
// value when the Config was built without it (zero).
func (c *Config) InactivityRecoveryRate() uint64 {
	if c.InactivityScoreRecoveryRate == 0 {
		return DefaultInactivityScoreRecoveryRate
	}
	return c.InactivityScoreRecoveryRate
}

// LoadConfigFile reads a spec config YAML file.
func LoadConfigFile(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig parses the content of a spec config YAML file. Every phase0
// key must be present; unknown keys are kept in Raw.
func ParseConfig(data []byte) (*Config, error) {
	raw, err := parseFlatYAML(data)
	if err != nil {
		return nil, err
	}
	c := &Config{Raw: raw}
	p := fieldParser{raw: raw}
	c.PresetBase = p.str("PRESET_BASE")
	if p.err == nil {
		c.DefaultedKeys = applyBaseDefaults(raw, c.PresetBase)
	}
	c.MinGenesisActiveValidatorCount = p.uint("MIN_GENESIS_ACTIVE_VALIDATOR_COUNT")
	c.MinGenesisTime = p.uint("MIN_GENESIS_TIME")
	c.GenesisForkVersion = p.version("GENESIS_FORK_VERSION")
	c.GenesisDelay = p.uint("GENESIS_DELAY")
	c.SecondsPerEth1Block = p.uint("SECONDS_PER_ETH1_BLOCK")
	c.MinValidatorWithdrawabilityDelay = p.uint("MIN_VALIDATOR_WITHDRAWABILITY_DELAY")
	c.ShardCommitteePeriod = p.uint("SHARD_COMMITTEE_PERIOD")
	c.Eth1FollowDistance = p.uint("ETH1_FOLLOW_DISTANCE")
	c.EjectionBalance = p.uint("EJECTION_BALANCE")
	c.MinPerEpochChurnLimit = p.uint("MIN_PER_EPOCH_CHURN_LIMIT")
	c.ChurnLimitQuotient = p.uint("CHURN_LIMIT_QUOTIENT")
	c.DepositChainID = p.uint("DEPOSIT_CHAIN_ID")
	c.DepositNetworkID = p.uint("DEPOSIT_NETWORK_ID")
	c.DepositContractAddress = p.bytes("DEPOSIT_CONTRACT_ADDRESS")
	c.InactivityScoreBias = p.optUint("INACTIVITY_SCORE_BIAS", DefaultInactivityScoreBias)
	c.InactivityScoreRecoveryRate = p.optUint("INACTIVITY_SCORE_RECOVERY_RATE", DefaultInactivityScoreRecoveryRate)
	if p.err != nil {
		return nil, p.err
	}
	if c.SecondsPerSlot, err = slotSeconds(raw); err != nil {
		return nil, err
	}
	if c.BlobSchedule, err = parseBlobSchedule(data); err != nil {
		return nil, err
	}
	return c, nil
}

// ErrSlotDuration reports a config whose slot duration is missing, zero,
// not a whole number of seconds, or given twice with two values.
var ErrSlotDuration = errors.New("slot duration")

// slotSeconds is the one rule for the slot duration of a config file:
// SLOT_DURATION_MS (current configs) or SECONDS_PER_SLOT (older ones); a
// file giving both must give the same duration. The consensus functions
// count time in whole seconds (compute_timestamp_at_slot, the fork choice's
// store time), so a SLOT_DURATION_MS that is not a multiple of 1000 is
// rejected rather than rounded one way or the other.
func slotSeconds(raw map[string]string) (uint64, error) {
	p := fieldParser{raw: raw}
	_, hasMS := raw["SLOT_DURATION_MS"]
	_, hasSeconds := raw["SECONDS_PER_SLOT"]
	var ms, seconds uint64
	if hasMS {
		ms = p.uint("SLOT_DURATION_MS")
	}
	if hasSeconds {
		seconds = p.uint("SECONDS_PER_SLOT")
	}
	switch {
	case p.err != nil:
		return 0, p.err
	case !hasMS && !hasSeconds:
		return 0, fmt.Errorf("%w: missing key SLOT_DURATION_MS (or SECONDS_PER_SLOT)", ErrSlotDuration)
	case hasMS && (ms == 0 || ms%1000 != 0):
		return 0, fmt.Errorf("%w: SLOT_DURATION_MS %d is not a positive whole number of seconds", ErrSlotDuration, ms)
	case hasSeconds && seconds == 0:
		return 0, fmt.Errorf("%w: SECONDS_PER_SLOT is 0", ErrSlotDuration)
	case hasMS && hasSeconds && ms/1000 != seconds:
		return 0, fmt.Errorf("%w: SLOT_DURATION_MS %d and SECONDS_PER_SLOT %d disagree", ErrSlotDuration, ms, seconds)
	case hasMS:
		return ms / 1000, nil
	}
	return seconds, nil
}

// SecondsPerSlotOf applies the same rule to a duration given in Go (a
// node's gossip configuration): a positive whole number of seconds.
func SecondsPerSlotOf(d time.Duration) (uint64, error) {
	if d < time.Second || d%time.Second != 0 {
		return 0, fmt.Errorf("%w: %v is not a positive whole number of seconds", ErrSlotDuration, d)
	}
	return uint64(d / time.Second), nil
}

// SlotDuration is SECONDS_PER_SLOT as a duration (see slotSeconds).
func (c *Config) SlotDuration() time.Duration {
	return time.Duration(c.SecondsPerSlot) * time.Second
}

// Version returns a fork version by its YAML key (e.g. "ALTAIR_FORK_VERSION").
func (c *Config) Version(key string) (Version, error) {
	p := fieldParser{raw: c.Raw}
	v := p.version(key)
	return v, p.err
}

// Uint returns any integer value by its YAML key (e.g. "ALTAIR_FORK_EPOCH").
func (c *Config) Uint(key string) (uint64, error) {
	p := fieldParser{raw: c.Raw}
	v := p.uint(key)
	return v, p.err
}

// LoadPresetFile reads a spec preset YAML file (presets/<name>/<fork>.yaml)
// into a map of integer values.
func LoadPresetFile(path string) (map[string]uint64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("preset: read %s: %w", path, err)
	}
	raw, err := parseFlatYAML(data)
	if err != nil {
		return nil, fmt.Errorf("preset: %s: %w", path, err)
	}
	out := make(map[string]uint64, len(raw))
	for k, v := range raw {
		n, err := strconv.ParseUint(v, 0, 64)
		if err != nil {
			return nil, fmt.Errorf("preset: %s: key %s: %q is not an integer", path, k, v)
		}
		out[k] = n
	}
	return out, nil
}

// CheckPreset compares the compiled-in preset with the values of a preset
// file and reports every mismatching key. Keys the file does not have are
// returned in missing, not treated as errors: newer spec releases dropped
// some phase0 keys (e.g. SAFE_SLOTS_TO_UPDATE_JUSTIFIED) from the file.
func CheckPreset(fileValues map[string]uint64) (missing []string, err error) {
	var problems []string
	for k, want := range PresetValues() {
		got, ok := fileValues[k]
		switch {
		case !ok:
			missing = append(missing, k)
		case got != want:
			problems = append(problems, fmt.Sprintf("%s: file %d, compiled %d", k, got, want))
		}
	}
	sort.Strings(missing)
	if len(problems) > 0 {
		sort.Strings(problems)
		return missing, fmt.Errorf("preset %q does not match: %s", PresetName, strings.Join(problems, "; "))
	}
	return missing, nil
}

// parseFlatYAML reads the top-level scalar keys of a config or preset file.
// Non-scalar values (e.g. BLOB_SCHEDULE) are skipped. A key repeated with
// the same value is accepted (some clients' config dumps repeat preset
// keys); a key repeated with a different value is an error.
func parseFlatYAML(data []byte) (map[string]string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse yaml: %w", err)
	}
	raw := map[string]string{}
	if len(doc.Content) == 0 {
		return raw, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("parse yaml: top level is not a mapping")
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			continue
		}
		if prev, ok := raw[k.Value]; ok && prev != v.Value {
			return nil, fmt.Errorf("key %s set twice, to %q (line %d) and %q", k.Value, prev, v.Line, v.Value)
		}
		raw[k.Value] = v.Value
	}
	return raw, nil
}

// fieldParser collects the first error so ParseConfig stays readable.
type fieldParser struct {
	raw map[string]string
	err error
}

func (p *fieldParser) get(key string) (string, bool) {
	if p.err != nil {
		return "", false
	}
	v, ok := p.raw[key]
	if !ok {
		p.err = fmt.Errorf("missing key %s", key)
	}
	return v, ok
}

func (p *fieldParser) str(key string) string {
	v, _ := p.get(key)
	return v
}

func (p *fieldParser) uint(key string) uint64 {
	v, ok := p.get(key)
	if !ok {
		return 0
	}
	n, err := strconv.ParseUint(v, 0, 64)
	if err != nil {
		p.err = fmt.Errorf("key %s: %q is not an unsigned integer", key, v)
	}
	return n
}

// optUint is uint for a key a config may lack (a later fork's value).
func (p *fieldParser) optUint(key string, def uint64) uint64 {
	if _, ok := p.raw[key]; !ok {
		return def
	}
	return p.uint(key)
}

func (p *fieldParser) bytes(key string) []byte {
	v, ok := p.get(key)
	if !ok {
		return nil
	}
	b, err := hex.DecodeString(strings.TrimPrefix(v, "0x"))
	if err != nil || !strings.HasPrefix(v, "0x") {
		p.err = fmt.Errorf("key %s: %q is not 0x-prefixed hex", key, v)
		return nil
	}
	return b
}

func (p *fieldParser) version(key string) Version {
	var out Version
	b := p.bytes(key)
	if p.err == nil && len(b) != 4 {
		p.err = fmt.Errorf("key %s: version must be 4 bytes, got %d", key, len(b))
	}
	copy(out[:], b)
	return out
}
