// Package capella defines the SSZ containers added or changed by the
// capella fork (consensus-specs specs/capella/beacon-chain.md).
// Preset-dependent containers come from types.go.tmpl.
package capella

type Withdrawal struct {
	Index          uint64   `json:"index"`
	ValidatorIndex uint64   `json:"validator_index"`
	Address        [20]byte `json:"address" ssz-size:"20"`
	Amount         uint64   `json:"amount"`
}

type BLSToExecutionChange struct {
	ValidatorIndex     uint64   `json:"validator_index"`
	FromBLSPubkey      [48]byte `json:"from_bls_pubkey" ssz-size:"48"`
	ToExecutionAddress [20]byte `json:"to_execution_address" ssz-size:"20"`
}

type SignedBLSToExecutionChange struct {
	Message   *BLSToExecutionChange `json:"message"`
	Signature [96]byte              `json:"signature" ssz-size:"96"`
}

type HistoricalSummary struct {
	BlockSummaryRoot [32]byte `json:"block_summary_root" ssz-size:"32"`
	StateSummaryRoot [32]byte `json:"state_summary_root" ssz-size:"32"`
}

type ExecutionPayloadHeader struct {
	ParentHash   [32]byte  `json:"parent_hash" ssz-size:"32"`
	FeeRecipient [20]byte  `json:"fee_recipient" ssz-size:"20"`
	StateRoot    [32]byte  `json:"state_root" ssz-size:"32"`
	ReceiptsRoot [32]byte  `json:"receipts_root" ssz-size:"32"`
	LogsBloom    [256]byte `json:"logs_bloom" ssz-size:"256"`
	PrevRandao   [32]byte  `json:"prev_randao" ssz-size:"32"`
	BlockNumber  uint64    `json:"block_number"`
	GasLimit     uint64    `json:"gas_limit"`
	GasUsed      uint64    `json:"gas_used"`
	Timestamp    uint64    `json:"timestamp"`
	ExtraData    []byte    `json:"extra_data" ssz-max:"32"`
	// BaseFeePerGas is a uint256, little-endian (its SSZ encoding).
	BaseFeePerGas    [32]byte `json:"base_fee_per_gas" ssz-size:"32"`
	BlockHash        [32]byte `json:"block_hash" ssz-size:"32"`
	TransactionsRoot [32]byte `json:"transactions_root" ssz-size:"32"`
	WithdrawalsRoot  [32]byte `json:"withdrawals_root" ssz-size:"32"`
}
