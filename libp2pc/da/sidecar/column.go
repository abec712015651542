package sidecar

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/da/custody"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
)

// NumberOfColumns is NUMBER_OF_COLUMNS (both presets).
const NumberOfColumns = kzg.CellsPerExtBlob

// ColumnRules are what the data column checks read of the configuration.
type ColumnRules struct {
	// Config gives the blob schedule (get_blob_parameters(epoch)).
	Config  *config.Config
	Custody custody.Params
}

// MaxBlobsAt is get_blob_parameters(compute_epoch_at_slot(slot)).max_blobs_per_block.
func (r ColumnRules) MaxBlobsAt(slot uint64) uint64 {
	return r.Config.BlobParametersAt(slot / config.SlotsPerEpoch).MaxBlobsPerBlock
}

func headerOK(sc *fulu.DataColumnSidecar) bool {
	return sc != nil && sc.SignedBlockHeader != nil && sc.SignedBlockHeader.Message != nil
}

// VerifyDataColumnSidecar is verify_data_column_sidecar: the index bound,
// at least one and at most the epoch's blob limit of commitments, and one
// cell and one proof per commitment.
func VerifyDataColumnSidecar(r ColumnRules, sc *fulu.DataColumnSidecar) error {
	if !headerOK(sc) {
		return reject(ReasonMalformed, "data column sidecar without signed block header")
	}
	if sc.Index >= NumberOfColumns {
		return reject(ReasonIndexOutOfRange, "column index %d, NUMBER_OF_COLUMNS %d", sc.Index, NumberOfColumns)
	}
	if len(sc.KZGCommitments) == 0 {
		return reject(ReasonNoCommitments, "column %d carries no commitments", sc.Index)
	}
	if limit := r.MaxBlobsAt(sc.SignedBlockHeader.Message.Slot); uint64(len(sc.KZGCommitments)) > limit {
		return reject(ReasonTooManyCommitments, "column %d: %d commitments, the blob limit at slot %d is %d", sc.Index, len(sc.KZGCommitments), sc.SignedBlockHeader.Message.Slot, limit)
	}
	if len(sc.Column) != len(sc.KZGCommitments) || len(sc.KZGProofs) != len(sc.KZGCommitments) {
		return reject(ReasonLengthMismatch, "column %d: %d cells, %d commitments, %d proofs", sc.Index, len(sc.Column), len(sc.KZGCommitments), len(sc.KZGProofs))
	}
	return nil
}

// CheckDataColumnSubnet: [REJECT] the sidecar is on the subnet of its index.
func CheckDataColumnSubnet(r ColumnRules, sc *fulu.DataColumnSidecar, subnet uint64) error {
	if want := r.Custody.ComputeSubnetForDataColumnSidecar(sc.Index); want != subnet {
		return reject(ReasonWrongSubnet, "column %d belongs on subnet %d, received on %d", sc.Index, want, subnet)
	}
	return nil
}

// VerifyDataColumnSidecarInclusionProof is
// verify_data_column_sidecar_inclusion_proof: the commitments list is the
// body's blob_kzg_commitments.
func VerifyDataColumnSidecarInclusionProof(sc *fulu.DataColumnSidecar) error {
	if !headerOK(sc) {
		return reject(ReasonMalformed, "data column sidecar without signed block header")
	}
	if len(sc.KZGCommitmentsInclusionProof) != KZGCommitmentsInclusionProofDepth {
		return reject(ReasonInclusionProof, "inclusion proof has %d nodes, want %d", len(sc.KZGCommitmentsInclusionProof), KZGCommitmentsInclusionProofDepth)
	}
	root, err := CommitmentsRoot(sc.KZGCommitments)
	if err != nil {
		return reject(ReasonTooManyCommitments, "%v", err)
	}
	if !helpers.IsValidMerkleBranch(root, sc.KZGCommitmentsInclusionProof, KZGCommitmentsInclusionProofDepth,
		commitmentsField, sc.SignedBlockHeader.Message.BodyRoot) {
		return reject(ReasonInclusionProof, "column %d: commitments are not in the body root %x", sc.Index, sc.SignedBlockHeader.Message.BodyRoot[:8])
	}
	return nil
}

// VerifyDataColumnSidecarKZGProofs is verify_data_column_sidecar_kzg_proofs:
// every cell of the column against its blob's commitment, in one batch.
func VerifyDataColumnSidecarKZGProofs(ctx *kzg.Context, sc *fulu.DataColumnSidecar) error {
	return VerifyDataColumnSidecarsKZGProofs(ctx, []*fulu.DataColumnSidecar{sc})
}

// VerifyDataColumnSidecarsKZGProofs verifies the cells of several columns
// (of one or more blocks) in a single batch, as a by-root or by-range
// response allows. The sidecars must have passed VerifyDataColumnSidecar.
func VerifyDataColumnSidecarsKZGProofs(ctx *kzg.Context, scs []*fulu.DataColumnSidecar) error {
	n := 0
	for _, sc := range scs {
		if len(sc.Column) != len(sc.KZGCommitments) || len(sc.KZGProofs) != len(sc.KZGCommitments) {
			return reject(ReasonLengthMismatch, "column %d: %d cells, %d commitments, %d proofs", sc.Index, len(sc.Column), len(sc.KZGCommitments), len(sc.KZGProofs))
		}
		n += len(sc.Column)
	}
	comms := make([]kzg.Commitment, 0, n)
	idx := make([]uint64, 0, n)
	cells := make([][]byte, 0, n)
	proofs := make([]kzg.Proof, 0, n)
	for _, sc := range scs {
		for i := range sc.Column {
			comms = append(comms, sc.KZGCommitments[i])
			idx = append(idx, sc.Index)
			cells = append(cells, sc.Column[i])
			proofs = append(proofs, sc.KZGProofs[i])
		}
	}
	err := ctx.VerifyCellProofBatch(comms, idx, cells, proofs)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, kzg.ErrProofMismatch):
		if len(scs) == 1 {
			return reject(ReasonKZGProof, "column %d: cell KZG proofs do not verify", scs[0].Index)
		}
		return reject(ReasonKZGProof, "cell KZG proofs of %d columns do not verify", len(scs))
	default:
		return reject(ReasonKZGInput, "%v", err)
	}
}

// VerifyDataColumn applies, in the spec's order, the
// data_column_sidecar_{subnet} rules that need no chain state: the field
// checks, the subnet, the inclusion proof and the KZG proofs. The caller
// adds the rest (time, finality, parent, signature, first-seen, proposer)
// and may verify the inclusion proof once per block rather than per column.
func VerifyDataColumn(ctx *kzg.Context, r ColumnRules, sc *fulu.DataColumnSidecar, subnet uint64) error {
	if err := VerifyDataColumnSidecar(r, sc); err != nil {
		return err
	}
	if err := CheckDataColumnSubnet(r, sc, subnet); err != nil {
		return err
	}
	if err := VerifyDataColumnSidecarInclusionProof(sc); err != nil {
		return err
	}
	return VerifyDataColumnSidecarKZGProofs(ctx, sc)
}

// ComputeCellsAndProofs computes the cells and proofs of every blob, the
// blobs spread over the CPUs.
func ComputeCellsAndProofs(ctx *kzg.Context, blobs [][]byte) ([]kzg.CellsAndProofs, error) {
	out := make([]kzg.CellsAndProofs, len(blobs))
	errs := make([]error, len(blobs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(blobs)) {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = ctx.ComputeCellsAndProofs(blobs[i])
			}
		})
	}
	for i := range blobs {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("sidecar: blob %d: %w", i, err)
		}
	}
	return out, nil
}

// BuildDataColumnSidecars is the proposer side for fulu
// (get_data_column_sidecars_from_block): the NUMBER_OF_COLUMNS sidecars of
// a block from its blobs.
func BuildDataColumnSidecars(ctx *kzg.Context, b *Block, blobs [][]byte) ([]*fulu.DataColumnSidecar, error) {
	if len(blobs) != len(b.Commitments) {
		return nil, fmt.Errorf("sidecar: %d blobs for %d commitments", len(blobs), len(b.Commitments))
	}
	cps, err := ComputeCellsAndProofs(ctx, blobs)
	if err != nil {
		return nil, err
	}
	return DataColumnSidecars(b.Header, b.Commitments, b.commitmentsInclusionProof(), cps)
}

// DataColumnSidecars is get_data_column_sidecars: column j holds cell j
// and proof j of every blob. Used by the proposer and after
// reconstruction (with the header, commitments and inclusion proof of a
// received sidecar of the same block). The sidecars share the header, the
// commitments and the inclusion proof (read-only, like the cells).
func DataColumnSidecars(header *phase0.SignedBeaconBlockHeader, commitments [][48]byte, inclusionProof [][32]byte, cps []kzg.CellsAndProofs) ([]*fulu.DataColumnSidecar, error) {
	h := header
	if h == nil || h.Message == nil {
		return nil, errors.New("sidecar: no signed block header")
	}
	if len(cps) != len(commitments) {
		return nil, fmt.Errorf("sidecar: cells of %d blobs for %d commitments", len(cps), len(commitments))
	}
	out := make([]*fulu.DataColumnSidecar, NumberOfColumns)
	for j := range NumberOfColumns {
		sc := &fulu.DataColumnSidecar{
			Index:                        uint64(j),
			Column:                       make([][]byte, len(cps)),
			KZGCommitments:               commitments,
			KZGProofs:                    make([][48]byte, len(cps)),
			SignedBlockHeader:            h,
			KZGCommitmentsInclusionProof: inclusionProof,
		}
		for i, cp := range cps {
			if len(cp.Cells) != NumberOfColumns || len(cp.Proofs) != NumberOfColumns {
				return nil, fmt.Errorf("sidecar: blob %d has %d cells", i, len(cp.Cells))
			}
			sc.Column[i] = cp.Cells[j]
			sc.KZGProofs[i] = cp.Proofs[j]
		}
		out[j] = sc
	}
	return out, nil
}

// inclusionKey identifies what an inclusion check proves: the same body
// root, commitments and proof nodes give the same answer.
type inclusionKey struct {
	bodyRoot, commitments [32]byte
	proof                 [KZGCommitmentsInclusionProofDepth][32]byte
}

// VerifyDataColumnSidecars checks the sidecars of a by-root or by-range
// response (no subnet): the field checks of each, the inclusion proof once
// per distinct (body root, commitments, proof) — once per block for honest
// columns — and every cell of every sidecar in one KZG batch. When the
// batch fails, the sidecars are checked one by one so the error names the
// first bad column.
func VerifyDataColumnSidecars(ctx *kzg.Context, r ColumnRules, scs []*fulu.DataColumnSidecar) error {
	verified := make(map[inclusionKey]bool)
	for _, sc := range scs {
		if err := VerifyDataColumnSidecar(r, sc); err != nil {
			return err
		}
		root, err := CommitmentsRoot(sc.KZGCommitments)
		if err != nil {
			return reject(ReasonTooManyCommitments, "%v", err)
		}
		key := inclusionKey{bodyRoot: sc.SignedBlockHeader.Message.BodyRoot, commitments: root}
		if len(sc.KZGCommitmentsInclusionProof) == KZGCommitmentsInclusionProofDepth {
			copy(key.proof[:], sc.KZGCommitmentsInclusionProof)
		}
		if verified[key] {
			continue
		}
		if err := VerifyDataColumnSidecarInclusionProof(sc); err != nil {
			return err
		}
		verified[key] = true
	}
	err := VerifyDataColumnSidecarsKZGProofs(ctx, scs)
	if err == nil || len(scs) == 1 {
		return err
	}
	for _, sc := range scs {
		if e := VerifyDataColumnSidecarKZGProofs(ctx, sc); e != nil {
			return e
		}
	}
	return err
}
