package state

import (
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/bellatrix"
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

// DecodeSignedBlock decodes the SSZ encoding of a fork's SignedBeaconBlock.
func DecodeSignedBlock(f forks.Fork, data []byte) (*SignedBeaconBlock, error) {
	var (
		obj  SSZObject
		wrap func() *SignedBeaconBlock
	)
	switch f {
	case forks.Phase0:
		b := new(phase0.SignedBeaconBlock)
		obj, wrap = b, func() *SignedBeaconBlock { return BlockFromPhase0(b) }
	case forks.Altair:
		b := new(altair.SignedBeaconBlock)
		obj, wrap = b, func() *SignedBeaconBlock { return BlockFromAltair(b) }
	case forks.Bellatrix:
		b := new(bellatrix.SignedBeaconBlock)
		obj, wrap = b, func() *SignedBeaconBlock { return BlockFromBellatrix(b) }
	case forks.Capella:
		b := new(capella.SignedBeaconBlock)
		obj, wrap = b, func() *SignedBeaconBlock { return BlockFromCapella(b) }
	case forks.Deneb:
		b := new(deneb.SignedBeaconBlock)
		obj, wrap = b, func() *SignedBeaconBlock { return BlockFromDeneb(b) }
	case forks.Electra:
		b := new(electra.SignedBeaconBlock)
		obj, wrap = b, func() *SignedBeaconBlock { return BlockFromElectra(b) }
	case forks.Fulu:
		b := new(electra.SignedBeaconBlock)
		obj, wrap = b, func() *SignedBeaconBlock { return BlockFromFulu(b) }
	default:
		return nil, fmt.Errorf("state: decode: unknown fork %v", f)
	}
	if err := obj.UnmarshalSSZ(data); err != nil {
		return nil, fmt.Errorf("state: decode %s SignedBeaconBlock: %w", f, err)
	}
	return wrap(), nil
}

// header starts the generic block of a fork's message.
func header(f forks.Fork, slot, proposer uint64, parent, stateRoot [32]byte) *BeaconBlock {
	return &BeaconBlock{ForkName: f, Slot: slot, ProposerIndex: proposer, ParentRoot: parent, StateRoot: stateRoot}
}

// BlockFromPhase0 wraps a phase0 block (sharing its memory). A nil message
// or body gives a block without message or body; the same holds for every
// BlockFrom<Fork>.
func BlockFromPhase0(b *phase0.SignedBeaconBlock) *SignedBeaconBlock {
	if b == nil {
		return nil
	}
	out := &SignedBeaconBlock{Signature: b.Signature}
	if m := b.Message; m != nil {
		out.Message = header(forks.Phase0, m.Slot, m.ProposerIndex, m.ParentRoot, m.StateRoot)
		if bd := m.Body; bd != nil {
			out.Message.Body = &BeaconBlockBody{RandaoReveal: bd.RandaoReveal, Eth1Data: bd.Eth1Data, Graffiti: bd.Graffiti,
				ProposerSlashings: bd.ProposerSlashings, AttesterSlashings: bd.AttesterSlashings, Attestations: bd.Attestations,
				Deposits: bd.Deposits, VoluntaryExits: bd.VoluntaryExits}
		}
	}
	return out
}

// BlockFromAltair wraps an altair block (sharing its memory).
func BlockFromAltair(b *altair.SignedBeaconBlock) *SignedBeaconBlock {
	if b == nil {
		return nil
	}
	out := &SignedBeaconBlock{Signature: b.Signature}
	if m := b.Message; m != nil {
		out.Message = header(forks.Altair, m.Slot, m.ProposerIndex, m.ParentRoot, m.StateRoot)
		if bd := m.Body; bd != nil {
			out.Message.Body = &BeaconBlockBody{RandaoReveal: bd.RandaoReveal, Eth1Data: bd.Eth1Data, Graffiti: bd.Graffiti,
				ProposerSlashings: bd.ProposerSlashings, AttesterSlashings: bd.AttesterSlashings, Attestations: bd.Attestations,
				Deposits: bd.Deposits, VoluntaryExits: bd.VoluntaryExits, SyncAggregate: bd.SyncAggregate}
		}
	}
	return out
}

// BlockFromBellatrix wraps a bellatrix block (sharing its memory, but for
// the execution payload's outer struct).
func BlockFromBellatrix(b *bellatrix.SignedBeaconBlock) *SignedBeaconBlock {
	if b == nil {
		return nil
	}
	out := &SignedBeaconBlock{Signature: b.Signature}
	if m := b.Message; m != nil {
		out.Message = header(forks.Bellatrix, m.Slot, m.ProposerIndex, m.ParentRoot, m.StateRoot)
		if bd := m.Body; bd != nil {
			out.Message.Body = &BeaconBlockBody{RandaoReveal: bd.RandaoReveal, Eth1Data: bd.Eth1Data, Graffiti: bd.Graffiti,
				ProposerSlashings: bd.ProposerSlashings, AttesterSlashings: bd.AttesterSlashings, Attestations: bd.Attestations,
				Deposits: bd.Deposits, VoluntaryExits: bd.VoluntaryExits, SyncAggregate: bd.SyncAggregate,
				ExecutionPayload: payloadFromBellatrix(bd.ExecutionPayload)}
		}
	}
	return out
}

// BlockFromCapella wraps a capella block (sharing its memory, but for the
// execution payload's outer struct).
func BlockFromCapella(b *capella.SignedBeaconBlock) *SignedBeaconBlock {
	if b == nil {
		return nil
	}
	out := &SignedBeaconBlock{Signature: b.Signature}
	if m := b.Message; m != nil {
		out.Message = header(forks.Capella, m.Slot, m.ProposerIndex, m.ParentRoot, m.StateRoot)
		if bd := m.Body; bd != nil {
			out.Message.Body = &BeaconBlockBody{RandaoReveal: bd.RandaoReveal, Eth1Data: bd.Eth1Data, Graffiti: bd.Graffiti,
				ProposerSlashings: bd.ProposerSlashings, AttesterSlashings: bd.AttesterSlashings, Attestations: bd.Attestations,
				Deposits: bd.Deposits, VoluntaryExits: bd.VoluntaryExits, SyncAggregate: bd.SyncAggregate,
				ExecutionPayload: payloadFromCapella(bd.ExecutionPayload), BLSToExecutionChanges: bd.BLSToExecutionChanges}
		}
	}
	return out
}

// BlockFromDeneb wraps a deneb block (sharing its memory).
func BlockFromDeneb(b *deneb.SignedBeaconBlock) *SignedBeaconBlock {
	if b == nil {
		return nil
	}
	out := &SignedBeaconBlock{Signature: b.Signature}
	if m := b.Message; m != nil {
		out.Message = header(forks.Deneb, m.Slot, m.ProposerIndex, m.ParentRoot, m.StateRoot)
		if bd := m.Body; bd != nil {
			out.Message.Body = &BeaconBlockBody{RandaoReveal: bd.RandaoReveal, Eth1Data: bd.Eth1Data, Graffiti: bd.Graffiti,
				ProposerSlashings: bd.ProposerSlashings, AttesterSlashings: bd.AttesterSlashings, Attestations: bd.Attestations,
				Deposits: bd.Deposits, VoluntaryExits: bd.VoluntaryExits, SyncAggregate: bd.SyncAggregate,
				ExecutionPayload: bd.ExecutionPayload, BLSToExecutionChanges: bd.BLSToExecutionChanges,
				BlobKZGCommitments: bd.BlobKZGCommitments}
		}
	}
	return out
}

// BlockFromElectra wraps an electra block (sharing its memory).
func BlockFromElectra(b *electra.SignedBeaconBlock) *SignedBeaconBlock {
	return blockFromElectraShape(forks.Electra, b)
}

// BlockFromFulu wraps a fulu block, whose containers are electra's
// (sharing its memory).
func BlockFromFulu(b *electra.SignedBeaconBlock) *SignedBeaconBlock {
	return blockFromElectraShape(forks.Fulu, b)
}

func blockFromElectraShape(f forks.Fork, b *electra.SignedBeaconBlock) *SignedBeaconBlock {
	if b == nil {
		return nil
	}
	out := &SignedBeaconBlock{Signature: b.Signature}
	if m := b.Message; m != nil {
		out.Message = header(f, m.Slot, m.ProposerIndex, m.ParentRoot, m.StateRoot)
		if bd := m.Body; bd != nil {
			out.Message.Body = &BeaconBlockBody{RandaoReveal: bd.RandaoReveal, Eth1Data: bd.Eth1Data, Graffiti: bd.Graffiti,
				ProposerSlashings: bd.ProposerSlashings, ElectraAttesterSlashings: bd.AttesterSlashings,
				ElectraAttestations: bd.Attestations, Deposits: bd.Deposits, VoluntaryExits: bd.VoluntaryExits,
				SyncAggregate: bd.SyncAggregate, ExecutionPayload: bd.ExecutionPayload,
				BLSToExecutionChanges: bd.BLSToExecutionChanges, BlobKZGCommitments: bd.BlobKZGCommitments,
				ExecutionRequests: bd.ExecutionRequests}
		}
	}
	return out
}

// Container returns the block as its fork's generated BeaconBlock
// container (sharing memory with b; fulu blocks as electra.BeaconBlock).
func (b *BeaconBlock) Container() (SSZObject, error) {
	bd := b.Body
	if bd == nil {
		return nil, fmt.Errorf("state: block without body")
	}
	switch b.ForkName {
	case forks.Phase0:
		return &phase0.BeaconBlock{Slot: b.Slot, ProposerIndex: b.ProposerIndex, ParentRoot: b.ParentRoot, StateRoot: b.StateRoot,
			Body: &phase0.BeaconBlockBody{RandaoReveal: bd.RandaoReveal, Eth1Data: bd.Eth1Data, Graffiti: bd.Graffiti,
				ProposerSlashings: bd.ProposerSlashings, AttesterSlashings: bd.AttesterSlashings, Attestations: bd.Attestations,
				Deposits: bd.Deposits, VoluntaryExits: bd.VoluntaryExits}}, nil
	case forks.Altair:
		return &altair.BeaconBlock{Slot: b.Slot, ProposerIndex: b.ProposerIndex, ParentRoot: b.ParentRoot, StateRoot: b.StateRoot,
			Body: &altair.BeaconBlockBody{RandaoReveal: bd.RandaoReveal, Eth1Data: bd.Eth1Data, Graffiti: bd.Graffiti,
				ProposerSlashings: bd.ProposerSlashings, AttesterSlashings: bd.AttesterSlashings, Attestations: bd.Attestations,
				Deposits: bd.Deposits, VoluntaryExits: bd.VoluntaryExits, SyncAggregate: bd.SyncAggregate}}, nil
	case forks.Bellatrix:
		return &bellatrix.BeaconBlock{Slot: b.Slot, ProposerIndex: b.ProposerIndex, ParentRoot: b.ParentRoot, StateRoot: b.StateRoot,
			Body: &bellatrix.BeaconBlockBody{RandaoReveal: bd.RandaoReveal, Eth1Data: bd.Eth1Data, Graffiti: bd.Graffiti,
				ProposerSlashings: bd.ProposerSlashings, AttesterSlashings: bd.AttesterSlashings, Attestations: bd.Attestations,
				Deposits: bd.Deposits, VoluntaryExits: bd.VoluntaryExits, SyncAggregate: bd.SyncAggregate,
				ExecutionPayload: payloadToBellatrix(bd.ExecutionPayload)}}, nil
	case forks.Capella:
		return &capella.BeaconBlock{Slot: b.Slot, ProposerIndex: b.ProposerIndex, ParentRoot: b.ParentRoot, StateRoot: b.StateRoot,
			Body: &capella.BeaconBlockBody{RandaoReveal: bd.RandaoReveal, Eth1Data: bd.Eth1Data, Graffiti: bd.Graffiti,
				ProposerSlashings: bd.ProposerSlashings, AttesterSlashings: bd.AttesterSlashings, Attestations: bd.Attestations,
				Deposits: bd.Deposits, VoluntaryExits: bd.VoluntaryExits, SyncAggregate: bd.SyncAggregate,
				ExecutionPayload: payloadToCapella(bd.ExecutionPayload), BLSToExecutionChanges: bd.BLSToExecutionChanges}}, nil
	case forks.Deneb:
		return &deneb.BeaconBlock{Slot: b.Slot, ProposerIndex: b.ProposerIndex, ParentRoot: b.ParentRoot, StateRoot: b.StateRoot,
			Body: &deneb.BeaconBlockBody{RandaoReveal: bd.RandaoReveal, Eth1Data: bd.Eth1Data, Graffiti: bd.Graffiti,
				ProposerSlashings: bd.ProposerSlashings, AttesterSlashings: bd.AttesterSlashings, Attestations: bd.Attestations,
				Deposits: bd.Deposits, VoluntaryExits: bd.VoluntaryExits, SyncAggregate: bd.SyncAggregate,
				ExecutionPayload: bd.ExecutionPayload, BLSToExecutionChanges: bd.BLSToExecutionChanges,
				BlobKZGCommitments: bd.BlobKZGCommitments}}, nil
	case forks.Electra, forks.Fulu:
		return &electra.BeaconBlock{Slot: b.Slot, ProposerIndex: b.ProposerIndex, ParentRoot: b.ParentRoot, StateRoot: b.StateRoot,
			Body: &electra.BeaconBlockBody{RandaoReveal: bd.RandaoReveal, Eth1Data: bd.Eth1Data, Graffiti: bd.Graffiti,
				ProposerSlashings: bd.ProposerSlashings, AttesterSlashings: bd.ElectraAttesterSlashings,
				Attestations: bd.ElectraAttestations, Deposits: bd.Deposits, VoluntaryExits: bd.VoluntaryExits,
				SyncAggregate: bd.SyncAggregate, ExecutionPayload: bd.ExecutionPayload,
				BLSToExecutionChanges: bd.BLSToExecutionChanges, BlobKZGCommitments: bd.BlobKZGCommitments,
				ExecutionRequests: bd.ExecutionRequests}}, nil
	}
	return nil, fmt.Errorf("state: unknown block fork %v", b.ForkName)
}

// Container returns the signed block as its fork's generated
// SignedBeaconBlock container (sharing memory with b).
func (b *SignedBeaconBlock) Container() (SSZObject, error) {
	if b.Message == nil {
		return nil, fmt.Errorf("state: signed block without message")
	}
	c, err := b.Message.Container()
	if err != nil {
		return nil, err
	}
	switch m := c.(type) {
	case *phase0.BeaconBlock:
		return &phase0.SignedBeaconBlock{Message: m, Signature: b.Signature}, nil
	case *altair.BeaconBlock:
		return &altair.SignedBeaconBlock{Message: m, Signature: b.Signature}, nil
	case *bellatrix.BeaconBlock:
		return &bellatrix.SignedBeaconBlock{Message: m, Signature: b.Signature}, nil
	case *capella.BeaconBlock:
		return &capella.SignedBeaconBlock{Message: m, Signature: b.Signature}, nil
	case *deneb.BeaconBlock:
		return &deneb.SignedBeaconBlock{Message: m, Signature: b.Signature}, nil
	case *electra.BeaconBlock:
		return &electra.SignedBeaconBlock{Message: m, Signature: b.Signature}, nil
	}
	return nil, fmt.Errorf("state: no signed block container for %s", b.Message.ForkName)
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
	c, err := b.Container()
	if err != nil {
		return [32]byte{}, err
	}
	switch blk := c.(type) {
	case *phase0.BeaconBlock:
		return blk.Body.HashTreeRoot()
	case *altair.BeaconBlock:
		return blk.Body.HashTreeRoot()
	case *bellatrix.BeaconBlock:
		return blk.Body.HashTreeRoot()
	case *capella.BeaconBlock:
		return blk.Body.HashTreeRoot()
	case *deneb.BeaconBlock:
		return blk.Body.HashTreeRoot()
	case *electra.BeaconBlock:
		return blk.Body.HashTreeRoot()
	}
	return [32]byte{}, fmt.Errorf("state: no body root for %s blocks", b.ForkName)
}

// The generic body keeps the execution payload in its deneb shape (the
// superset of the bellatrix..fulu payloads); these convert the earlier
// shapes, whose extra fields stay empty.

func payloadFromBellatrix(p *bellatrix.ExecutionPayload) *deneb.ExecutionPayload {
	if p == nil {
		return nil
	}
	return &deneb.ExecutionPayload{
		ParentHash: p.ParentHash, FeeRecipient: p.FeeRecipient, StateRoot: p.StateRoot, ReceiptsRoot: p.ReceiptsRoot,
		LogsBloom: p.LogsBloom, PrevRandao: p.PrevRandao, BlockNumber: p.BlockNumber, GasLimit: p.GasLimit,
		GasUsed: p.GasUsed, Timestamp: p.Timestamp, ExtraData: p.ExtraData, BaseFeePerGas: p.BaseFeePerGas,
		BlockHash: p.BlockHash, Transactions: p.Transactions,
	}
}

func payloadToBellatrix(p *deneb.ExecutionPayload) *bellatrix.ExecutionPayload {
	if p == nil {
		return nil
	}
	return &bellatrix.ExecutionPayload{
		ParentHash: p.ParentHash, FeeRecipient: p.FeeRecipient, StateRoot: p.StateRoot, ReceiptsRoot: p.ReceiptsRoot,
		LogsBloom: p.LogsBloom, PrevRandao: p.PrevRandao, BlockNumber: p.BlockNumber, GasLimit: p.GasLimit,
		GasUsed: p.GasUsed, Timestamp: p.Timestamp, ExtraData: p.ExtraData, BaseFeePerGas: p.BaseFeePerGas,
		BlockHash: p.BlockHash, Transactions: p.Transactions,
	}
}

func payloadFromCapella(p *capella.ExecutionPayload) *deneb.ExecutionPayload {
	if p == nil {
		return nil
	}
	return &deneb.ExecutionPayload{
		ParentHash: p.ParentHash, FeeRecipient: p.FeeRecipient, StateRoot: p.StateRoot, ReceiptsRoot: p.ReceiptsRoot,
		LogsBloom: p.LogsBloom, PrevRandao: p.PrevRandao, BlockNumber: p.BlockNumber, GasLimit: p.GasLimit,
		GasUsed: p.GasUsed, Timestamp: p.Timestamp, ExtraData: p.ExtraData, BaseFeePerGas: p.BaseFeePerGas,
		BlockHash: p.BlockHash, Transactions: p.Transactions, Withdrawals: p.Withdrawals,
	}
}

func payloadToCapella(p *deneb.ExecutionPayload) *capella.ExecutionPayload {
	if p == nil {
		return nil
	}
	return &capella.ExecutionPayload{
		ParentHash: p.ParentHash, FeeRecipient: p.FeeRecipient, StateRoot: p.StateRoot, ReceiptsRoot: p.ReceiptsRoot,
		LogsBloom: p.LogsBloom, PrevRandao: p.PrevRandao, BlockNumber: p.BlockNumber, GasLimit: p.GasLimit,
		GasUsed: p.GasUsed, Timestamp: p.Timestamp, ExtraData: p.ExtraData, BaseFeePerGas: p.BaseFeePerGas,
		BlockHash: p.BlockHash, Transactions: p.Transactions, Withdrawals: p.Withdrawals,
	}
}
