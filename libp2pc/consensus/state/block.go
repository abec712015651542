package state

import (
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// SignedBeaconBlock is a signed beacon block of any fork (phase0 .. fulu).
type SignedBeaconBlock struct {
	Message   *BeaconBlock
	Signature [96]byte
}

// BeaconBlock is a beacon block of any fork, tagged with it, like
// BeaconState. Its hash_tree_root is that of the fork's container (fulu
// blocks use the electra containers: the fulu block is unchanged).
type BeaconBlock struct {
	ForkName      forks.Fork
	Slot          uint64
	ProposerIndex uint64
	ParentRoot    [32]byte
	StateRoot     [32]byte
	Body          *BeaconBlockBody
}

// BeaconBlockBody is the union of the block bodies of phase0 .. fulu.
//
// Attestations and attester slashings change type in electra (EIP-7549:
// attestations span every committee of a slot, with committee_bits and a
// larger aggregation_bits limit; indexed attestations get a larger
// attesting_indices limit). Electra and fulu blocks carry them in
// ElectraAttestations and ElectraAttesterSlashings and leave Attestations
// and AttesterSlashings nil; earlier forks do the opposite. Every other
// field keeps one type across forks; fields a fork does not have are
// nil/zero and are neither encoded nor hashed.
//
// The conversions (convert_gen.go) are generated from these names: a
// container field N is carried by the field N of the same type, else by
// <package>N (electra's Attestations by ElectraAttestations), else, for a
// pointer to a struct of another shape, by a generated field-by-field
// converter (bellatrix and capella payloads into the deneb shape).
type BeaconBlockBody struct {
	RandaoReveal      [96]byte
	Eth1Data          *phase0.Eth1Data
	Graffiti          [32]byte
	ProposerSlashings []*phase0.ProposerSlashing
	// phase0 .. deneb
	AttesterSlashings []*phase0.AttesterSlashing
	Attestations      []*phase0.Attestation
	// electra and later
	ElectraAttesterSlashings []*electra.AttesterSlashing
	ElectraAttestations      []*electra.Attestation

	Deposits       []*phase0.Deposit
	VoluntaryExits []*phase0.SignedVoluntaryExit
	// altair and later
	SyncAggregate *altair.SyncAggregate
	// bellatrix and later, in the deneb shape (the superset; earlier forks
	// leave the later fields empty: bellatrix has no withdrawals, bellatrix
	// and capella no blob gas fields)
	ExecutionPayload *deneb.ExecutionPayload
	// capella and later
	BLSToExecutionChanges []*capella.SignedBLSToExecutionChange
	// deneb and later
	BlobKZGCommitments [][48]byte
	// electra and later
	ExecutionRequests *electra.ExecutionRequests
}

// Container returns the block as its fork's generated BeaconBlock
// container (sharing memory with b; fulu blocks as electra.BeaconBlock).
func (b *BeaconBlock) Container() (SSZObject, error) {
	if b.Body == nil {
		return nil, fmt.Errorf("state: block without body")
	}
	return blockContainer(b)
}

// Container returns the signed block as its fork's generated
// SignedBeaconBlock container (sharing memory with b).
func (b *SignedBeaconBlock) Container() (SSZObject, error) {
	if b.Message == nil {
		return nil, fmt.Errorf("state: signed block without message")
	}
	if b.Message.Body == nil {
		return nil, fmt.Errorf("state: block without body")
	}
	return signedBlockContainer(b)
}

// MarshalSSZ encodes the signed block as its fork's SignedBeaconBlock.
func (b *SignedBeaconBlock) MarshalSSZ() ([]byte, error) {
	c, err := b.Container()
	if err != nil {
		return nil, err
	}
	return c.MarshalSSZ()
}

// HashTreeRoot is hash_tree_root of the block as its fork's container.
func (b *BeaconBlock) HashTreeRoot() ([32]byte, error) {
	c, err := b.Container()
	if err != nil {
		return [32]byte{}, err
	}
	return c.HashTreeRoot()
}

// BodyRoot is hash_tree_root(block.body) as the fork's body container.
func (b *BeaconBlock) BodyRoot() ([32]byte, error) {
	if b.Body == nil {
		return [32]byte{}, fmt.Errorf("state: block without body")
	}
	c, err := bodyContainer(b)
	if err != nil {
		return [32]byte{}, err
	}
	return c.HashTreeRoot()
}
