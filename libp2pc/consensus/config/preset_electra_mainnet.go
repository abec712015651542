//go:build !minimal

package config

// Electra preset values that differ between the presets (mainnet).
const (
	PendingPartialWithdrawalsLimit        = 134_217_728
	PendingConsolidationsLimit            = 262_144
	MaxPendingPartialsPerWithdrawalsSweep = 8
)

// Electra config defaults of the mainnet config, used when a config lacks
// the key.
const (
	DefaultMinPerEpochChurnLimitElectra        = 128_000_000_000
	DefaultMaxPerEpochActivationExitChurnLimit = 256_000_000_000
)
