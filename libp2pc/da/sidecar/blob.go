package sidecar

import (
	"errors"
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
)

// blobInclusionIndex is get_subtree_index(get_generalized_index(
// BeaconBlockBody, 'blob_kzg_commitments', i)) - i: the commitments field
// (11) above the list's data subtree (left of the length mix-in).
const blobInclusionIndex = commitmentsField << (commitmentsDataDepth + 1)

// BlobRules are the limits of the fork a blob sidecar belongs to:
// MAX_BLOBS_PER_BLOCK and BLOB_SIDECAR_SUBNET_COUNT for deneb, their
// _ELECTRA values for electra.
type BlobRules struct {
	MaxBlobsPerBlock uint64
	SubnetCount      uint64
}

// ComputeSubnetForBlobSidecar is compute_subnet_for_blob_sidecar.
func (r BlobRules) ComputeSubnetForBlobSidecar(index uint64) uint64 {
	if r.SubnetCount == 0 {
		return index
	}
	return index % r.SubnetCount
}

// VerifyBlobSidecar applies, in the spec's order, the blob_sidecar_{subnet}
// rules that need no chain state: the index bound, the subnet, the
// commitment's inclusion proof and the KZG blob proof.
func VerifyBlobSidecar(ctx *kzg.Context, r BlobRules, sc *deneb.BlobSidecar, subnet uint64) error {
	if sc == nil || sc.SignedBlockHeader == nil || sc.SignedBlockHeader.Message == nil {
		return reject(ReasonMalformed, "blob sidecar without signed block header")
	}
	// [REJECT] blob_sidecar.index < MAX_BLOBS_PER_BLOCK(_ELECTRA).
	if sc.Index >= r.MaxBlobsPerBlock {
		return reject(ReasonIndexOutOfRange, "blob index %d, limit %d", sc.Index, r.MaxBlobsPerBlock)
	}
	// [REJECT] compute_subnet_for_blob_sidecar(blob_sidecar.index) == subnet_id.
	if want := r.ComputeSubnetForBlobSidecar(sc.Index); want != subnet {
		return reject(ReasonWrongSubnet, "blob %d belongs on subnet %d, received on %d", sc.Index, want, subnet)
	}
	if err := VerifyBlobSidecarInclusionProof(sc); err != nil {
		return err
	}
	return VerifyBlobSidecarKZGProof(ctx, sc)
}

// VerifyBlobSidecarInclusionProof is verify_blob_sidecar_inclusion_proof.
func VerifyBlobSidecarInclusionProof(sc *deneb.BlobSidecar) error {
	if sc == nil || sc.SignedBlockHeader == nil || sc.SignedBlockHeader.Message == nil {
		return reject(ReasonMalformed, "blob sidecar without signed block header")
	}
	if len(sc.KZGCommitmentInclusionProof) != KZGCommitmentInclusionProofDepth {
		return reject(ReasonInclusionProof, "inclusion proof has %d nodes, want %d", len(sc.KZGCommitmentInclusionProof), KZGCommitmentInclusionProofDepth)
	}
	if sc.Index >= MaxBlobCommitmentsPerBlock {
		return reject(ReasonIndexOutOfRange, "blob index %d not below MAX_BLOB_COMMITMENTS_PER_BLOCK", sc.Index)
	}
	if !helpers.IsValidMerkleBranch(CommitmentRoot(sc.KZGCommitment), sc.KZGCommitmentInclusionProof,
		KZGCommitmentInclusionProofDepth, blobInclusionIndex+sc.Index, sc.SignedBlockHeader.Message.BodyRoot) {
		return reject(ReasonInclusionProof, "commitment %d is not in the body root %x", sc.Index, sc.SignedBlockHeader.Message.BodyRoot[:8])
	}
	return nil
}

// VerifyBlobSidecarKZGProof is verify_blob_kzg_proof(blob, commitment, proof).
func VerifyBlobSidecarKZGProof(ctx *kzg.Context, sc *deneb.BlobSidecar) error {
	err := ctx.VerifyBlobProof(sc.Blob, sc.KZGCommitment, sc.KZGProof)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, kzg.ErrProofMismatch):
		return reject(ReasonKZGProof, "blob %d: KZG proof does not verify", sc.Index)
	default:
		return reject(ReasonKZGInput, "blob %d: %v", sc.Index, err)
	}
}

// BuildBlobSidecars is the proposer side for deneb and electra: the blob
// sidecars of a block, one per blob, with inclusion proofs. proofs are the
// blobs' KZG proofs (as the execution layer hands them over), or nil to
// compute them here. Blobs that do not match the block's commitments are
// refused.
func BuildBlobSidecars(ctx *kzg.Context, b *Block, blobs [][]byte, proofs []kzg.Proof) ([]*deneb.BlobSidecar, error) {
	if len(blobs) != len(b.Commitments) {
		return nil, fmt.Errorf("sidecar: %d blobs for %d commitments", len(blobs), len(b.Commitments))
	}
	if proofs == nil {
		proofs = make([]kzg.Proof, len(blobs))
		for i, blob := range blobs {
			p, err := ctx.ComputeBlobProof(blob, b.Commitments[i])
			if err != nil {
				return nil, fmt.Errorf("sidecar: blob %d: %w", i, err)
			}
			proofs[i] = p
		}
	}
	if len(proofs) != len(blobs) {
		return nil, fmt.Errorf("sidecar: %d proofs for %d blobs", len(proofs), len(blobs))
	}
	// One batch catches a blob that is not the committed one (its proof,
	// computed against the block's commitment, cannot verify).
	if err := ctx.VerifyBlobProofBatch(blobs, b.Commitments, proofs); err != nil {
		return nil, fmt.Errorf("sidecar: blobs do not match the block's commitments: %w", err)
	}
	out := make([]*deneb.BlobSidecar, len(blobs))
	for i := range blobs {
		out[i] = &deneb.BlobSidecar{
			Index:                       uint64(i),
			Blob:                        blobs[i],
			KZGCommitment:               b.Commitments[i],
			KZGProof:                    proofs[i],
			SignedBlockHeader:           b.Header,
			KZGCommitmentInclusionProof: b.commitmentInclusionProof(i),
		}
	}
	return out, nil
}

// BlobRulesAt are the blob sidecar limits in force at epoch: electra's
// (MAX_BLOBS_PER_BLOCK_ELECTRA, BLOB_SIDECAR_SUBNET_COUNT_ELECTRA) from
// ELECTRA_FORK_EPOCH on, deneb's before. Keys absent from the config take
// the published values (6 and 6, 9 and 9).
func BlobRulesAt(cfg *config.Config, epoch uint64) BlobRules {
	uintOr := func(key string, def uint64) uint64 {
		if cfg == nil {
			return def
		}
		if v, err := cfg.Uint(key); err == nil {
			return v
		}
		return def
	}
	if epoch >= uintOr("ELECTRA_FORK_EPOCH", config.FarFutureEpoch) {
		return BlobRules{MaxBlobsPerBlock: cfg.MaxBlobsPerBlockElectra(), SubnetCount: uintOr("BLOB_SIDECAR_SUBNET_COUNT_ELECTRA", 9)}
	}
	return BlobRules{MaxBlobsPerBlock: cfg.MaxBlobsPerBlock(), SubnetCount: uintOr("BLOB_SIDECAR_SUBNET_COUNT", 6)}
}
