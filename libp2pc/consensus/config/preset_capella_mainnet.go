//go:build !minimal

package config

// Capella preset values that differ between the presets (mainnet).
const (
	MaxWithdrawalsPerPayload         = 16
	MaxValidatorsPerWithdrawalsSweep = 16384
)

// DefaultMaxPerEpochActivationChurnLimit is the mainnet config's
// MAX_PER_EPOCH_ACTIVATION_CHURN_LIMIT, used when a config lacks the key.
const DefaultMaxPerEpochActivationChurnLimit = 8
