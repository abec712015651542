//go:build minimal

package config

// Electra preset values that differ between the presets (minimal).
const (
	PendingPartialWithdrawalsLimit        = 64
	PendingConsolidationsLimit            = 64
	MaxPendingPartialsPerWithdrawalsSweep = 2
)

// Electra config defaults of the minimal config, used when a config lacks
// the key.
const (
	DefaultMinPerEpochChurnLimitElectra        = 64_000_000_000
	DefaultMaxPerEpochActivationExitChurnLimit = 128_000_000_000
)
