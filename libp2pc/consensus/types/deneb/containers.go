// Package deneb defines the SSZ containers added or changed by the deneb
// fork (consensus-specs specs/deneb/beacon-chain.md and p2p-interface.md).
// Preset-dependent containers come from types.go.tmpl.
package deneb

import "github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"

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
	BlobGasUsed      uint64   `json:"blob_gas_used"`
	ExcessBlobGas    uint64   `json:"excess_blob_gas"`
}

type BlobIdentifier struct {
	BlockRoot [32]byte `json:"block_root" ssz-size:"32"`
	Index     uint64   `json:"index"`
}

// BlobSidecar: the blob is FIELD_ELEMENTS_PER_BLOB (4096) * 32 bytes and the
// inclusion proof KZG_COMMITMENT_INCLUSION_PROOF_DEPTH (17) deep in both
// presets.
type BlobSidecar struct {
	Index                       uint64                          `json:"index"`
	Blob                        []byte                          `json:"blob" ssz-size:"131072"`
	KZGCommitment               [48]byte                        `json:"kzg_commitment" ssz-size:"48"`
	KZGProof                    [48]byte                        `json:"kzg_proof" ssz-size:"48"`
	SignedBlockHeader           *phase0.SignedBeaconBlockHeader `json:"signed_block_header"`
	KZGCommitmentInclusionProof [][32]byte                      `json:"kzg_commitment_inclusion_proof" ssz-size:"17,32"`
}
