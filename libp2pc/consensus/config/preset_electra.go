package config

import (
	"fmt"
	"sort"

	"gopkg.in/yaml.v3"
)

// Electra and fulu preset constants (presets/<preset>/electra.yaml and
// fulu.yaml) that are the same in both presets. The ones that differ
// (PENDING_PARTIAL_WITHDRAWALS_LIMIT, PENDING_CONSOLIDATIONS_LIMIT,
// MAX_PENDING_PARTIALS_PER_WITHDRAWALS_SWEEP) live in
// preset_electra_mainnet.go / preset_electra_minimal.go.
const (
	MinActivationBalance               = 32_000_000_000
	MaxEffectiveBalanceElectra         = 2_048_000_000_000
	MinSlashingPenaltyQuotientElectra  = 4096
	WhistleblowerRewardQuotientElectra = 4096
	PendingDepositsLimit               = 134_217_728
	MaxAttesterSlashingsElectra        = 1
	MaxAttestationsElectra             = 8
	MaxDepositRequestsPerPayload       = 8192
	MaxWithdrawalRequestsPerPayload    = 16
	MaxConsolidationRequestsPerPayload = 2
	MaxPendingDepositsPerEpoch         = 16
)

// Electra spec constants (not configurable).
const (
	// UnsetDepositRequestsStartIndex is UNSET_DEPOSIT_REQUESTS_START_INDEX.
	UnsetDepositRequestsStartIndex = ^uint64(0)
	// FullExitRequestAmount is FULL_EXIT_REQUEST_AMOUNT.
	FullExitRequestAmount = 0
	// CompoundingWithdrawalPrefix is COMPOUNDING_WITHDRAWAL_PREFIX.
	CompoundingWithdrawalPrefix = 0x02
	// Request types of EIP-7685 (get_execution_requests_list).
	DepositRequestType       = 0x00
	WithdrawalRequestType    = 0x01
	ConsolidationRequestType = 0x02
)

// ProposerLookaheadLength is the length of fulu's proposer_lookahead,
// (MIN_SEED_LOOKAHEAD + 1) * SLOTS_PER_EPOCH.
const ProposerLookaheadLength = (MinSeedLookahead + 1) * SlotsPerEpoch

// ElectraPresetValues returns the compiled electra preset values, keyed by
// their YAML names, so they can be compared with presets/<name>/electra.yaml.
func ElectraPresetValues() map[string]uint64 {
	return map[string]uint64{
		"MIN_ACTIVATION_BALANCE":                     MinActivationBalance,
		"MAX_EFFECTIVE_BALANCE_ELECTRA":              MaxEffectiveBalanceElectra,
		"MIN_SLASHING_PENALTY_QUOTIENT_ELECTRA":      MinSlashingPenaltyQuotientElectra,
		"WHISTLEBLOWER_REWARD_QUOTIENT_ELECTRA":      WhistleblowerRewardQuotientElectra,
		"PENDING_DEPOSITS_LIMIT":                     PendingDepositsLimit,
		"PENDING_PARTIAL_WITHDRAWALS_LIMIT":          PendingPartialWithdrawalsLimit,
		"PENDING_CONSOLIDATIONS_LIMIT":               PendingConsolidationsLimit,
		"MAX_ATTESTER_SLASHINGS_ELECTRA":             MaxAttesterSlashingsElectra,
		"MAX_ATTESTATIONS_ELECTRA":                   MaxAttestationsElectra,
		"MAX_DEPOSIT_REQUESTS_PER_PAYLOAD":           MaxDepositRequestsPerPayload,
		"MAX_WITHDRAWAL_REQUESTS_PER_PAYLOAD":        MaxWithdrawalRequestsPerPayload,
		"MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD":     MaxConsolidationRequestsPerPayload,
		"MAX_PENDING_PARTIALS_PER_WITHDRAWALS_SWEEP": MaxPendingPartialsPerWithdrawalsSweep,
		"MAX_PENDING_DEPOSITS_PER_EPOCH":             MaxPendingDepositsPerEpoch,
	}
}

// Electra runtime config values (configs/*.yaml), read from Raw with the
// preset's published value as the default (the vectors' configs, written by
// a client, lack some of them).

// MinPerEpochChurnLimitElectra is MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA.
func (c *Config) MinPerEpochChurnLimitElectra() uint64 {
	return c.optRaw("MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA", DefaultMinPerEpochChurnLimitElectra)
}

// MaxPerEpochActivationExitChurnLimit is MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT.
func (c *Config) MaxPerEpochActivationExitChurnLimit() uint64 {
	return c.optRaw("MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT", DefaultMaxPerEpochActivationExitChurnLimit)
}

// MaxBlobsPerBlockElectra is MAX_BLOBS_PER_BLOCK_ELECTRA.
func (c *Config) MaxBlobsPerBlockElectra() uint64 {
	return c.optRaw("MAX_BLOBS_PER_BLOCK_ELECTRA", DefaultMaxBlobsPerBlockElectra)
}

// DefaultMaxBlobsPerBlockElectra is MAX_BLOBS_PER_BLOCK_ELECTRA of the
// published configs (mainnet and minimal).
const DefaultMaxBlobsPerBlockElectra = 9

// BlobParameters is one entry of fulu's BLOB_SCHEDULE.
type BlobParameters struct {
	Epoch            uint64
	MaxBlobsPerBlock uint64
}

// BlobParametersAt is fulu's get_blob_parameters(epoch): the entry of the
// blob schedule with the highest epoch at or before epoch, or
// (ELECTRA_FORK_EPOCH, MAX_BLOBS_PER_BLOCK_ELECTRA) when there is none.
func (c *Config) BlobParametersAt(epoch uint64) BlobParameters {
	if c != nil {
		for i := len(c.BlobSchedule) - 1; i >= 0; i-- { // sorted by epoch
			if e := c.BlobSchedule[i]; epoch >= e.Epoch {
				return e
			}
		}
	}
	electra := FarFutureEpoch
	if c != nil {
		if e, err := c.Uint("ELECTRA_FORK_EPOCH"); err == nil {
			electra = e
		}
	}
	return BlobParameters{Epoch: electra, MaxBlobsPerBlock: c.MaxBlobsPerBlockElectra()}
}

// parseBlobSchedule reads the BLOB_SCHEDULE list of a config file (entries
// with EPOCH and MAX_BLOBS_PER_BLOCK), sorted by epoch (stable). A file
// without the key gives an empty schedule.
func parseBlobSchedule(data []byte) ([]BlobParameters, error) {
	// Decode the BLOB_SCHEDULE node only: config dumps may repeat other keys,
	// which decoding the whole document into a struct rejects.
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("BLOB_SCHEDULE: %w", err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil
	}
	root := doc.Content[0]
	var node *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "BLOB_SCHEDULE" {
			node = root.Content[i+1]
		}
	}
	if node == nil {
		return nil, nil
	}
	var entries []struct {
		Epoch            *uint64 `yaml:"EPOCH"`
		MaxBlobsPerBlock *uint64 `yaml:"MAX_BLOBS_PER_BLOCK"`
	}
	if err := node.Decode(&entries); err != nil {
		return nil, fmt.Errorf("BLOB_SCHEDULE: %w", err)
	}
	out := make([]BlobParameters, 0, len(entries))
	for i, e := range entries {
		if e.Epoch == nil || e.MaxBlobsPerBlock == nil {
			return nil, fmt.Errorf("BLOB_SCHEDULE entry %d lacks EPOCH or MAX_BLOBS_PER_BLOCK", i)
		}
		out = append(out, BlobParameters{Epoch: *e.Epoch, MaxBlobsPerBlock: *e.MaxBlobsPerBlock})
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Epoch < out[b].Epoch })
	return out, nil
}
