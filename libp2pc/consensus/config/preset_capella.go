package config

import "strconv"

// Capella and deneb preset constants (presets/<preset>/capella.yaml and
// deneb.yaml) that are the same in both presets; MAX_WITHDRAWALS_PER_PAYLOAD
// and MAX_VALIDATORS_PER_WITHDRAWALS_SWEEP differ and live in
// preset_capella_mainnet.go / preset_capella_minimal.go.
const (
	MaxBLSToExecutionChanges   = 16
	MaxBlobCommitmentsPerBlock = 4096
	FieldElementsPerBlob       = 4096
)

// Capella and deneb spec constants (not configurable).
const (
	// EthAddressWithdrawalPrefix is ETH1_ADDRESS_WITHDRAWAL_PREFIX.
	EthAddressWithdrawalPrefix = 0x01
	// VersionedHashVersionKZG is VERSIONED_HASH_VERSION_KZG.
	VersionedHashVersionKZG = 0x01
)

// Capella domain type.
var DomainBLSToExecutionChange = [4]byte{0x0A, 0, 0, 0}

// CapellaDenebPresetValues returns the compiled capella and deneb preset
// values that the state transition uses (or that fix SSZ sizes), keyed by
// their YAML names, so they can be compared with
// presets/<name>/capella.yaml and deneb.yaml.
func CapellaDenebPresetValues() map[string]uint64 {
	return map[string]uint64{
		"MAX_BLS_TO_EXECUTION_CHANGES":         MaxBLSToExecutionChanges,
		"MAX_WITHDRAWALS_PER_PAYLOAD":          MaxWithdrawalsPerPayload,
		"MAX_VALIDATORS_PER_WITHDRAWALS_SWEEP": MaxValidatorsPerWithdrawalsSweep,
		"MAX_BLOB_COMMITMENTS_PER_BLOCK":       MaxBlobCommitmentsPerBlock,
		"FIELD_ELEMENTS_PER_BLOB":              FieldElementsPerBlob,
	}
}

// Deneb runtime config values (configs/*.yaml). They are read from Raw, so
// configs that predate deneb (or a Config built in Go) get the preset's
// published value instead.

// MaxPerEpochActivationChurnLimit is MAX_PER_EPOCH_ACTIVATION_CHURN_LIMIT
// (deneb, EIP-7514); DefaultMaxPerEpochActivationChurnLimit when the config
// lacks it.
func (c *Config) MaxPerEpochActivationChurnLimit() uint64 {
	return c.optRaw("MAX_PER_EPOCH_ACTIVATION_CHURN_LIMIT", DefaultMaxPerEpochActivationChurnLimit)
}

// MaxBlobsPerBlock is deneb's MAX_BLOBS_PER_BLOCK; DefaultMaxBlobsPerBlock
// when the config lacks it.
func (c *Config) MaxBlobsPerBlock() uint64 {
	return c.optRaw("MAX_BLOBS_PER_BLOCK", DefaultMaxBlobsPerBlock)
}

// DefaultMaxBlobsPerBlock is MAX_BLOBS_PER_BLOCK of the published deneb
// configs (mainnet and minimal).
const DefaultMaxBlobsPerBlock = 6

// optRaw reads an integer key of Raw, or def when it is absent or not an
// integer (ParseConfig does not check later forks' keys).
func (c *Config) optRaw(key string, def uint64) uint64 {
	if c == nil || c.Raw == nil {
		return def
	}
	v, ok := c.Raw[key]
	if !ok {
		return def
	}
	n, err := strconv.ParseUint(v, 0, 64)
	if err != nil {
		return def
	}
	return n
}
