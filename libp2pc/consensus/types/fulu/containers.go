// Package fulu defines the SSZ containers added or changed by the fulu fork
// (consensus-specs specs/fulu/beacon-chain.md, das-core.md and
// p2p-interface.md). Fulu blocks are electra blocks. Preset-dependent
// containers come from types.go.tmpl.
package fulu

import "github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"

// DataColumnSidecar: cells are FIELD_ELEMENTS_PER_CELL (64) * 32 bytes, the
// lists are bounded by MAX_BLOB_COMMITMENTS_PER_BLOCK (4096) and the proof
// is KZG_COMMITMENTS_INCLUSION_PROOF_DEPTH (4) deep, in both presets.
type DataColumnSidecar struct {
	Index                        uint64                          `json:"index"`
	Column                       [][]byte                        `json:"column" ssz-size:"?,2048" ssz-max:"4096"`
	KZGCommitments               [][48]byte                      `json:"kzg_commitments" ssz-size:"?,48" ssz-max:"4096"`
	KZGProofs                    [][48]byte                      `json:"kzg_proofs" ssz-size:"?,48" ssz-max:"4096"`
	SignedBlockHeader            *phase0.SignedBeaconBlockHeader `json:"signed_block_header"`
	KZGCommitmentsInclusionProof [][32]byte                      `json:"kzg_commitments_inclusion_proof" ssz-size:"4,32"`
}

type DataColumnsByRootIdentifier struct {
	BlockRoot [32]byte `json:"block_root" ssz-size:"32"`
	Columns   []uint64 `json:"columns" ssz-max:"128"`
}

type MatrixEntry struct {
	Cell        []byte   `json:"cell" ssz-size:"2048"`
	KZGProof    [48]byte `json:"kzg_proof" ssz-size:"48"`
	ColumnIndex uint64   `json:"column_index"`
	RowIndex    uint64   `json:"row_index"`
}
