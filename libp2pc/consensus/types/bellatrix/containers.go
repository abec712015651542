// Package bellatrix defines the SSZ containers added or changed by the
// bellatrix fork (consensus-specs specs/bellatrix/beacon-chain.md).
// Preset-dependent containers come from types.go.tmpl.
package bellatrix

type ExecutionPayload struct {
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
	BaseFeePerGas [32]byte `json:"base_fee_per_gas" ssz-size:"32"`
	BlockHash     [32]byte `json:"block_hash" ssz-size:"32"`
	Transactions  [][]byte `json:"transactions" ssz-size:"?,?" ssz-max:"1048576,1073741824"`
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
}
