//go:build minimal

package config

// Capella preset values that differ between the presets (minimal).
const (
	MaxWithdrawalsPerPayload         = 4
	MaxValidatorsPerWithdrawalsSweep = 16
)

// DefaultMaxPerEpochActivationChurnLimit is the minimal config's
// MAX_PER_EPOCH_ACTIVATION_CHURN_LIMIT, used when a config lacks the key.
const DefaultMaxPerEpochActivationChurnLimit = 4
