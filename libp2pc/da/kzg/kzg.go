// Package kzg is the project's KZG layer: the polynomial-commitment functions
// of consensus-specs deneb/polynomial-commitments.md and
// fulu/polynomial-commitments-sampling.md that data availability needs,
// over github.com/crate-crypto/go-eth-kzg.
//
// The trusted setup (the Ethereum KZG ceremony output embedded in go-eth-kzg)
// is parsed once, on the first call of Default, and the resulting Context is
// read-only: every method is safe for concurrent use.
//
// Errors: a verification that returns nil passed. ErrProofMismatch means the
// inputs were well-formed and the proof is wrong (the spec's False); any
// other error means an input was malformed (the spec raises), and names it.
package kzg

import (
	"errors"
	"fmt"
	"sync"

	goethkzg "github.com/crate-crypto/go-eth-kzg"
)

// Sizes of the serialized objects (mainnet and minimal presets alike).
const (
	BytesPerFieldElement = 32
	FieldElementsPerBlob = 4096
	BytesPerBlob         = FieldElementsPerBlob * BytesPerFieldElement // 131072
	FieldElementsPerCell = 64
	BytesPerCell         = FieldElementsPerCell * BytesPerFieldElement // 2048
	CellsPerExtBlob      = 128
	BytesPerCommitment   = 48
	BytesPerProof        = 48
)

// Commitment and Proof are compressed G1 points; they are plain arrays so
// the SSZ containers' [48]byte fields are usable as they are.
type (
	Commitment = [BytesPerCommitment]byte
	Proof      = [BytesPerProof]byte
)

var (
	// ErrProofMismatch: well-formed inputs, the proof does not verify.
	ErrProofMismatch = errors.New("kzg: proof does not verify")

	ErrBlobLength       = errors.New("kzg: blob length is not BYTES_PER_BLOB")
	ErrCellLength       = errors.New("kzg: cell length is not BYTES_PER_CELL")
	ErrCommitmentLength = errors.New("kzg: commitment length is not 48")
	ErrProofLength      = errors.New("kzg: proof length is not 48")
	ErrBatchLength      = errors.New("kzg: batch inputs differ in length")
	ErrCellIndex        = errors.New("kzg: cell index out of range")
	// ErrRecoverInput: the cell indices given to recovery are not strictly
	// ascending, or fewer than half of CELLS_PER_EXT_BLOB.
	ErrRecoverInput = errors.New("kzg: recovery needs at least 64 distinct cells in ascending index order")
	// ErrMalformed wraps what the library rejects while decoding: a field
	// element not below the BLS modulus, a byte string that is not a
	// compressed G1 point in the subgroup.
	ErrMalformed = errors.New("kzg: malformed input")
)

// Context holds the parsed trusted setup.
type Context struct {
	lib *goethkzg.Context
	// errOpening is go-eth-kzg's sentinel for a failed pairing check. The
	// library keeps it in an internal package, so it is captured once from
	// a verification known to fail (see New) instead of matched by text.
	errOpening error
}

var defaultContext = sync.OnceValues(New)

// Default is the process-wide Context, built on first use (about a second
// of CPU: the setup's points are decompressed).
func Default() (*Context, error) { return defaultContext() }

// g1Generator is the compressed generator of G1, a valid proof point that
// does not open the zero polynomial at any challenge.
var g1Generator = [48]byte{
	0x97, 0xf1, 0xd3, 0xa7, 0x31, 0x97, 0xd7, 0x94, 0x26, 0x95, 0x63, 0x8c,
	0x4f, 0xa9, 0xac, 0x0f, 0xc3, 0x68, 0x8c, 0x4f, 0x97, 0x74, 0xb9, 0x05,
	0xa1, 0x4e, 0x3a, 0x3f, 0x17, 0x1b, 0xac, 0x58, 0x6c, 0x55, 0xe8, 0x3f,
	0xf9, 0x7a, 0x1a, 0xef, 0xfb, 0x3a, 0xf0, 0x0a, 0xdb, 0x22, 0xc6, 0xbb,
}

// New parses the trusted setup into a new Context. Most callers want Default.
func New() (*Context, error) {
	lib, err := goethkzg.NewContext4096Secure()
	if err != nil {
		return nil, fmt.Errorf("kzg: trusted setup: %w", err)
	}
	// The zero blob commits to the point at infinity; the generator is not
	// its opening proof, so this fails in the pairing check and nowhere else.
	var zero goethkzg.Blob
	probe := lib.VerifyBlobKZGProof(&zero, goethkzg.KZGCommitment(goethkzg.PointAtInfinity), goethkzg.KZGProof(g1Generator))
	if probe == nil {
		return nil, errors.New("kzg: self-check failed: a wrong proof verified")
	}
	return &Context{lib: lib, errOpening: probe}, nil
}

// ParseCommitment and ParseProof check the length of a byte string read from
// the wire or a file; the point itself is checked where it is used.
func ParseCommitment(b []byte) (Commitment, error) {
	if len(b) != BytesPerCommitment {
		return Commitment{}, fmt.Errorf("%w: %d bytes", ErrCommitmentLength, len(b))
	}
	return Commitment(b), nil
}

func ParseProof(b []byte) (Proof, error) {
	if len(b) != BytesPerProof {
		return Proof{}, fmt.Errorf("%w: %d bytes", ErrProofLength, len(b))
	}
	return Proof(b), nil
}

func asBlob(b []byte) (*goethkzg.Blob, error) {
	if len(b) != BytesPerBlob {
		return nil, fmt.Errorf("%w: %d bytes", ErrBlobLength, len(b))
	}
	return (*goethkzg.Blob)(b), nil
}

func asCells(cells [][]byte) ([]*goethkzg.Cell, error) {
	out := make([]*goethkzg.Cell, len(cells))
	for i, c := range cells {
		if len(c) != BytesPerCell {
			return nil, fmt.Errorf("%w: cell %d has %d bytes", ErrCellLength, i, len(c))
		}
		out[i] = (*goethkzg.Cell)(c)
	}
	return out, nil
}

// verdict sorts a library verification error into nil, ErrProofMismatch or
// a malformed input.
func (c *Context) verdict(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, c.errOpening):
		return ErrProofMismatch
	case errors.Is(err, goethkzg.ErrBatchLengthCheck):
		return ErrBatchLength
	case errors.Is(err, goethkzg.ErrInvalidCellID):
		return ErrCellIndex
	default:
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
}

func malformed(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %v", ErrMalformed, err)
}

// BlobToCommitment is blob_to_kzg_commitment.
func (c *Context) BlobToCommitment(blob []byte) (Commitment, error) {
	b, err := asBlob(blob)
	if err != nil {
		return Commitment{}, err
	}
	comm, err := c.lib.BlobToKZGCommitment(b, 0)
	if err != nil {
		return Commitment{}, malformed(err)
	}
	return Commitment(comm), nil
}

// ComputeBlobProof is compute_blob_kzg_proof.
func (c *Context) ComputeBlobProof(blob []byte, commitment Commitment) (Proof, error) {
	b, err := asBlob(blob)
	if err != nil {
		return Proof{}, err
	}
	proof, err := c.lib.ComputeBlobKZGProof(b, goethkzg.KZGCommitment(commitment), 0)
	if err != nil {
		return Proof{}, malformed(err)
	}
	return Proof(proof), nil
}

// VerifyBlobProof is verify_blob_kzg_proof.
func (c *Context) VerifyBlobProof(blob []byte, commitment Commitment, proof Proof) error {
	b, err := asBlob(blob)
	if err != nil {
		return err
	}
	return c.verdict(c.lib.VerifyBlobKZGProof(b, goethkzg.KZGCommitment(commitment), goethkzg.KZGProof(proof)))
}

// VerifyBlobProofBatch is verify_blob_kzg_proof_batch (an empty batch passes).
func (c *Context) VerifyBlobProofBatch(blobs [][]byte, commitments []Commitment, proofs []Proof) error {
	if len(blobs) != len(commitments) || len(blobs) != len(proofs) {
		return ErrBatchLength
	}
	bs := make([]*goethkzg.Blob, len(blobs))
	comms := make([]goethkzg.KZGCommitment, len(blobs))
	prfs := make([]goethkzg.KZGProof, len(blobs))
	for i := range blobs {
		b, err := asBlob(blobs[i])
		if err != nil {
			return fmt.Errorf("blob %d: %w", i, err)
		}
		bs[i], comms[i], prfs[i] = b, goethkzg.KZGCommitment(commitments[i]), goethkzg.KZGProof(proofs[i])
	}
	return c.verdict(c.lib.VerifyBlobKZGProofBatch(bs, comms, prfs))
}

// CellsAndProofs are the CELLS_PER_EXT_BLOB cells of one extended blob and
// their proofs, index = column. The cells are BytesPerCell long each.
type CellsAndProofs struct {
	Cells  [][]byte
	Proofs []Proof
}

func fromLib(cells [goethkzg.CellsPerExtBlob]*goethkzg.Cell, proofs [goethkzg.CellsPerExtBlob]goethkzg.KZGProof) CellsAndProofs {
	out := CellsAndProofs{Cells: make([][]byte, CellsPerExtBlob), Proofs: make([]Proof, CellsPerExtBlob)}
	for i := range cells {
		out.Cells[i] = cells[i][:]
		out.Proofs[i] = Proof(proofs[i])
	}
	return out
}

// ComputeCellsAndProofs is compute_cells_and_kzg_proofs.
func (c *Context) ComputeCellsAndProofs(blob []byte) (CellsAndProofs, error) {
	b, err := asBlob(blob)
	if err != nil {
		return CellsAndProofs{}, err
	}
	cells, proofs, err := c.lib.ComputeCellsAndKZGProofs(b, 0)
	if err != nil {
		return CellsAndProofs{}, malformed(err)
	}
	return fromLib(cells, proofs), nil
}

// RecoverCellsAndProofs is recover_cells_and_kzg_proofs: from at least half
// of a blob's cells (indices strictly ascending), all of its cells and
// proofs.
func (c *Context) RecoverCellsAndProofs(cellIndices []uint64, cells [][]byte) (CellsAndProofs, error) {
	if len(cellIndices) != len(cells) {
		return CellsAndProofs{}, ErrBatchLength
	}
	if len(cellIndices) < CellsPerExtBlob/2 || len(cellIndices) > CellsPerExtBlob {
		return CellsAndProofs{}, fmt.Errorf("%w: %d cells", ErrRecoverInput, len(cellIndices))
	}
	for i, idx := range cellIndices {
		if idx >= CellsPerExtBlob {
			return CellsAndProofs{}, fmt.Errorf("%w: %d", ErrCellIndex, idx)
		}
		if i > 0 && idx <= cellIndices[i-1] {
			return CellsAndProofs{}, fmt.Errorf("%w: index %d follows %d", ErrRecoverInput, idx, cellIndices[i-1])
		}
	}
	cs, err := asCells(cells)
	if err != nil {
		return CellsAndProofs{}, err
	}
	outCells, outProofs, err := c.lib.RecoverCellsAndComputeKZGProofs(cellIndices, cs, 0)
	if err != nil {
		return CellsAndProofs{}, malformed(err)
	}
	return fromLib(outCells, outProofs), nil
}

// VerifyCellProofBatch is verify_cell_kzg_proof_batch: cell i is cell
// cellIndices[i] of the blob committed to by commitments[i], proven by
// proofs[i]. An empty batch passes.
func (c *Context) VerifyCellProofBatch(commitments []Commitment, cellIndices []uint64, cells [][]byte, proofs []Proof) error {
	n := len(commitments)
	if len(cellIndices) != n || len(cells) != n || len(proofs) != n {
		return ErrBatchLength
	}
	for _, idx := range cellIndices {
		if idx >= CellsPerExtBlob {
			return fmt.Errorf("%w: %d", ErrCellIndex, idx)
		}
	}
	cs, err := asCells(cells)
	if err != nil {
		return err
	}
	comms := make([]goethkzg.KZGCommitment, n)
	prfs := make([]goethkzg.KZGProof, n)
	for i := range n {
		comms[i], prfs[i] = goethkzg.KZGCommitment(commitments[i]), goethkzg.KZGProof(proofs[i])
	}
	return c.verdict(c.lib.VerifyCellKZGProofBatch(comms, cellIndices, cs, prfs))
}
