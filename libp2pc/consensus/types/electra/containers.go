// Package electra defines the SSZ containers added or changed by the
// electra fork (consensus-specs specs/electra/beacon-chain.md and
// validator.md). Preset-dependent containers come from types.go.tmpl.
package electra

import "github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"

type PendingDeposit struct {
	Pubkey                [48]byte `json:"pubkey" ssz-size:"48"`
	WithdrawalCredentials [32]byte `json:"withdrawal_credentials" ssz-size:"32"`
	Amount                uint64   `json:"amount"`
	Signature             [96]byte `json:"signature" ssz-size:"96"`
	Slot                  uint64   `json:"slot"`
}

type PendingPartialWithdrawal struct {
	ValidatorIndex    uint64 `json:"validator_index"`
	Amount            uint64 `json:"amount"`
	WithdrawableEpoch uint64 `json:"withdrawable_epoch"`
}

type PendingConsolidation struct {
	SourceIndex uint64 `json:"source_index"`
	TargetIndex uint64 `json:"target_index"`
}

type DepositRequest struct {
	Pubkey                [48]byte `json:"pubkey" ssz-size:"48"`
	WithdrawalCredentials [32]byte `json:"withdrawal_credentials" ssz-size:"32"`
	Amount                uint64   `json:"amount"`
	Signature             [96]byte `json:"signature" ssz-size:"96"`
	Index                 uint64   `json:"index"`
}

type WithdrawalRequest struct {
	SourceAddress   [20]byte `json:"source_address" ssz-size:"20"`
	ValidatorPubkey [48]byte `json:"validator_pubkey" ssz-size:"48"`
	Amount          uint64   `json:"amount"`
}

type ConsolidationRequest struct {
	SourceAddress [20]byte `json:"source_address" ssz-size:"20"`
	SourcePubkey  [48]byte `json:"source_pubkey" ssz-size:"48"`
	TargetPubkey  [48]byte `json:"target_pubkey" ssz-size:"48"`
}

// ExecutionRequests: the request limits are the same in both presets
// (MAX_DEPOSIT_REQUESTS_PER_PAYLOAD 8192, MAX_WITHDRAWAL_REQUESTS_PER_PAYLOAD
// 16, MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD 2).
type ExecutionRequests struct {
	Deposits       []*DepositRequest       `json:"deposits" ssz-max:"8192"`
	Withdrawals    []*WithdrawalRequest    `json:"withdrawals" ssz-max:"16"`
	Consolidations []*ConsolidationRequest `json:"consolidations" ssz-max:"2"`
}

type SingleAttestation struct {
	CommitteeIndex uint64                  `json:"committee_index"`
	AttesterIndex  uint64                  `json:"attester_index"`
	Data           *phase0.AttestationData `json:"data"`
	Signature      [96]byte                `json:"signature" ssz-size:"96"`
}
