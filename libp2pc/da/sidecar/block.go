package sidecar

import (
	"errors"
	"fmt"

	ssz "github.com/ferranbt/fastssz"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// Shapes of the inclusion proofs (both presets).
const (
	// bodyDepth: BeaconBlockBody has 12 (deneb) or 13 (electra, fulu)
	// fields, merkleized over 16 leaves.
	bodyDepth = 4
	// commitmentsField is blob_kzg_commitments' position in the body:
	// get_subtree_index(get_generalized_index(BeaconBlockBody,
	// 'blob_kzg_commitments')) = 27 - 16.
	commitmentsField = 11
	// MaxBlobCommitmentsPerBlock is MAX_BLOB_COMMITMENTS_PER_BLOCK; the
	// commitments list's data tree is log2 of it deep.
	MaxBlobCommitmentsPerBlock = 4096
	commitmentsDataDepth       = 12
	// KZGCommitmentInclusionProofDepth (deneb): data tree, length mix-in,
	// body tree = 12 + 1 + 4.
	KZGCommitmentInclusionProofDepth = commitmentsDataDepth + 1 + bodyDepth
	// KZGCommitmentsInclusionProofDepth (fulu): the body tree only.
	KZGCommitmentsInclusionProofDepth = bodyDepth
)

// Block is what the sidecar builders need of a signed block with blobs:
// its signed header, its commitments and the roots of its body's fields.
// Build it with FromDeneb or FromElectra (electra and fulu blocks).
type Block struct {
	Header      *phase0.SignedBeaconBlockHeader
	Commitments [][48]byte
	fieldRoots  [1 << bodyDepth][32]byte
}

// FromDeneb takes a deneb signed block apart.
func FromDeneb(b *deneb.SignedBeaconBlock) (*Block, error) {
	if b == nil || b.Message == nil || b.Message.Body == nil {
		return nil, errors.New("sidecar: block without message or body")
	}
	body := b.Message.Body
	if body.ExecutionPayload == nil {
		return nil, errors.New("sidecar: deneb block without execution payload")
	}
	roots, err := fieldRoots(body.RandaoReveal, body.Eth1Data, body.Graffiti,
		func() ([32]byte, error) { return listRoot(body.ProposerSlashings, config.MaxProposerSlashings) },
		func() ([32]byte, error) { return listRoot(body.AttesterSlashings, config.MaxAttesterSlashings) },
		func() ([32]byte, error) { return listRoot(body.Attestations, config.MaxAttestations) },
		func() ([32]byte, error) { return listRoot(body.Deposits, config.MaxDeposits) },
		func() ([32]byte, error) { return listRoot(body.VoluntaryExits, config.MaxVoluntaryExits) },
		body.SyncAggregate, body.ExecutionPayload,
		func() ([32]byte, error) { return listRoot(body.BLSToExecutionChanges, config.MaxBLSToExecutionChanges) },
		body.BlobKZGCommitments, nil)
	if err != nil {
		return nil, err
	}
	return newBlock(b.Message.Slot, b.Message.ProposerIndex, b.Message.ParentRoot, b.Message.StateRoot, b.Signature, body, body.BlobKZGCommitments, roots)
}

// FromElectra takes an electra (or fulu: the same containers) signed block
// apart.
func FromElectra(b *electra.SignedBeaconBlock) (*Block, error) {
	if b == nil || b.Message == nil || b.Message.Body == nil {
		return nil, errors.New("sidecar: block without message or body")
	}
	body := b.Message.Body
	if body.ExecutionPayload == nil || body.ExecutionRequests == nil {
		return nil, errors.New("sidecar: electra block without execution payload or requests")
	}
	roots, err := fieldRoots(body.RandaoReveal, body.Eth1Data, body.Graffiti,
		func() ([32]byte, error) { return listRoot(body.ProposerSlashings, config.MaxProposerSlashings) },
		func() ([32]byte, error) { return listRoot(body.AttesterSlashings, config.MaxAttesterSlashingsElectra) },
		func() ([32]byte, error) { return listRoot(body.Attestations, config.MaxAttestationsElectra) },
		func() ([32]byte, error) { return listRoot(body.Deposits, config.MaxDeposits) },
		func() ([32]byte, error) { return listRoot(body.VoluntaryExits, config.MaxVoluntaryExits) },
		body.SyncAggregate, body.ExecutionPayload,
		func() ([32]byte, error) { return listRoot(body.BLSToExecutionChanges, config.MaxBLSToExecutionChanges) },
		body.BlobKZGCommitments, body.ExecutionRequests)
	if err != nil {
		return nil, err
	}
	return newBlock(b.Message.Slot, b.Message.ProposerIndex, b.Message.ParentRoot, b.Message.StateRoot, b.Signature, body, body.BlobKZGCommitments, roots)
}

func newBlock(slot, proposer uint64, parent, state [32]byte, sig [96]byte, body ssz.HashRoot, commitments [][48]byte, roots [16][32]byte) (*Block, error) {
	bodyRoot, err := body.HashTreeRoot()
	if err != nil {
		return nil, fmt.Errorf("sidecar: body root: %w", err)
	}
	// The field roots computed here must rebuild the body root fastssz
	// computes; a mismatch means a limit or a field order here is wrong.
	if merkleRoot(roots[:]) != bodyRoot {
		return nil, errors.New("sidecar: body field roots do not rebuild the body root")
	}
	return &Block{
		Header: &phase0.SignedBeaconBlockHeader{
			Message:   &phase0.BeaconBlockHeader{Slot: slot, ProposerIndex: proposer, ParentRoot: parent, StateRoot: state, BodyRoot: bodyRoot},
			Signature: sig,
		},
		Commitments: commitments,
		fieldRoots:  roots,
	}, nil
}

type hashTreeRooter interface {
	HashTreeRoot() ([32]byte, error)
}

// fieldRoots computes the 16 leaves of a deneb/electra body; requests is
// nil for deneb (its 13th leaf stays zero).
func fieldRoots(randao [96]byte, eth1 *phase0.Eth1Data, graffiti [32]byte,
	proposerSlashings, attesterSlashings, attestations, deposits, exits func() ([32]byte, error),
	syncAggregate, payload hashTreeRooter, blsChanges func() ([32]byte, error),
	commitments [][48]byte, requests hashTreeRooter) ([16][32]byte, error) {
	var roots [16][32]byte
	var err error
	if roots[0], err = bytesRoot(randao[:]); err != nil {
		return roots, err
	}
	if eth1 == nil {
		eth1 = new(phase0.Eth1Data)
	}
	if roots[1], err = eth1.HashTreeRoot(); err != nil {
		return roots, err
	}
	roots[2] = graffiti
	for i, f := range []func() ([32]byte, error){proposerSlashings, attesterSlashings, attestations, deposits, exits} {
		if roots[3+i], err = f(); err != nil {
			return roots, err
		}
	}
	if syncAggregate == nil {
		return roots, errors.New("sidecar: block without sync aggregate")
	}
	if roots[8], err = syncAggregate.HashTreeRoot(); err != nil {
		return roots, err
	}
	if roots[9], err = payload.HashTreeRoot(); err != nil {
		return roots, err
	}
	if roots[10], err = blsChanges(); err != nil {
		return roots, err
	}
	if roots[11], err = CommitmentsRoot(commitments); err != nil {
		return roots, err
	}
	if requests != nil {
		if roots[12], err = requests.HashTreeRoot(); err != nil {
			return roots, err
		}
	}
	return roots, nil
}

func bytesRoot(b []byte) ([32]byte, error) {
	hh := ssz.DefaultHasherPool.Get()
	defer ssz.DefaultHasherPool.Put(hh)
	hh.PutBytes(b)
	return hh.HashRoot()
}

// listRoot is hash_tree_root(List[T, limit]) of SSZ containers.
func listRoot[T interface {
	HashTreeRootWith(ssz.HashWalker) error
}](items []T, limit uint64) ([32]byte, error) {
	if uint64(len(items)) > limit {
		return [32]byte{}, fmt.Errorf("sidecar: list of %d above its limit %d", len(items), limit)
	}
	hh := ssz.DefaultHasherPool.Get()
	defer ssz.DefaultHasherPool.Put(hh)
	idx := hh.Index()
	for _, it := range items {
		if err := it.HashTreeRootWith(hh); err != nil {
			return [32]byte{}, err
		}
	}
	hh.MerkleizeWithMixin(idx, uint64(len(items)), limit)
	return hh.HashRoot()
}

// CommitmentRoot is hash_tree_root(KZGCommitment): two chunks, the second
// zero-padded.
func CommitmentRoot(c [48]byte) [32]byte {
	var right [32]byte
	copy(right[:], c[32:])
	return hash(*(*[32]byte)(c[:32]), right)
}

// CommitmentsRoot is hash_tree_root(List[KZGCommitment,
// MAX_BLOB_COMMITMENTS_PER_BLOCK]).
func CommitmentsRoot(commitments [][48]byte) ([32]byte, error) {
	if len(commitments) > MaxBlobCommitmentsPerBlock {
		return [32]byte{}, fmt.Errorf("sidecar: %d commitments above MAX_BLOB_COMMITMENTS_PER_BLOCK", len(commitments))
	}
	leaves := make([][32]byte, len(commitments))
	for i, c := range commitments {
		leaves[i] = CommitmentRoot(c)
	}
	return mixInLength(sparseRoot(leaves, commitmentsDataDepth), uint64(len(commitments))), nil
}

// commitmentsInclusionProof is the fulu branch: blob_kzg_commitments' root
// up to the body root.
func (b *Block) commitmentsInclusionProof() [][32]byte {
	return branch(b.fieldRoots[:], bodyDepth, commitmentsField)
}

// commitmentInclusionProof is the deneb branch of commitment i: up the
// commitments' data tree, the length, then up the body.
func (b *Block) commitmentInclusionProof(i int) [][32]byte {
	leaves := make([][32]byte, len(b.Commitments))
	for j, c := range b.Commitments {
		leaves[j] = CommitmentRoot(c)
	}
	proof := sparseBranch(leaves, commitmentsDataDepth, i)
	proof = append(proof, lengthChunk(uint64(len(b.Commitments))))
	return append(proof, b.commitmentsInclusionProof()...)
}
