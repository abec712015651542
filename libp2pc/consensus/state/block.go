package state

import (
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/bellatrix"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// SignedBeaconBlock is a signed beacon block of any fork implemented by the
// generic block (phase0 .. bellatrix so far).
type SignedBeaconBlock struct {
	Message   *BeaconBlock
	Signature [96]byte
}

// BeaconBlock is a beacon block of any fork, tagged with it, like
// BeaconState. Its hash_tree_root is that of the fork's container.
type BeaconBlock struct {
	ForkName      forks.Fork
	Slot          uint64
	ProposerIndex uint64
	ParentRoot    [32]byte
	StateRoot     [32]byte
	Body          *BeaconBlockBody
}

// BeaconBlockBody is the union of the block bodies of phase0 .. bellatrix.
//
// HOOK (capella and later): add BLSToExecutionChanges (capella),
// BlobKZGCommitments (deneb), ExecutionRequests and the electra
// attestation/attester-slashing shapes (electra), and extend the
// conversions below and in DecodeSignedBlock.
type BeaconBlockBody struct {
	RandaoReveal      [96]byte
	Eth1Data          *phase0.Eth1Data
	Graffiti          [32]byte
	ProposerSlashings []*phase0.ProposerSlashing
	AttesterSlashings []*phase0.AttesterSlashing
	Attestations      []*phase0.Attestation
	Deposits          []*phase0.Deposit
	VoluntaryExits    []*phase0.SignedVoluntaryExit
	// altair and later
	SyncAggregate *altair.SyncAggregate
	// bellatrix and later, in the deneb shape (the superset; earlier forks
	// leave the later fields empty)
	ExecutionPayload *deneb.ExecutionPayload
}

// DecodeSignedBlock decodes the SSZ encoding of a fork's SignedBeaconBlock.
func DecodeSignedBlock(f forks.Fork, data []byte) (*SignedBeaconBlock, error) {
	switch f {
	case forks.Phase0:
		b := new(phase0.SignedBeaconBlock)
		if err := b.UnmarshalSSZ(data); err != nil {
			return nil, fmt.Errorf("state: decode phase0 SignedBeaconBlock: %w", err)
		}
		return BlockFromPhase0(b), nil
	case forks.Altair:
		b := new(altair.SignedBeaconBlock)
		if err := b.UnmarshalSSZ(data); err != nil {
			return nil, fmt.Errorf("state: decode altair SignedBeaconBlock: %w", err)
		}
		return BlockFromAltair(b), nil
	case forks.Bellatrix:
		b := new(bellatrix.SignedBeaconBlock)
		if err := b.UnmarshalSSZ(data); err != nil {
			return nil, fmt.Errorf("state: decode bellatrix SignedBeaconBlock: %w", err)
		}
		return BlockFromBellatrix(b), nil
	}
	return nil, fmt.Errorf("state: %s blocks are not implemented in the generic block yet", f)
}

// BlockFromPhase0 wraps a phase0 block (sharing its memory). A nil message
// or body gives a block without message or body.
func BlockFromPhase0(b *phase0.SignedBeaconBlock) *SignedBeaconBlock {
	if b == nil {
		return nil
	}
	out := &SignedBeaconBlock{Signature: b.Signature}
	if m := b.Message; m != nil {
		out.Message = &BeaconBlock{ForkName: forks.Phase0, Slot: m.Slot, ProposerIndex: m.ProposerIndex, ParentRoot: m.ParentRoot, StateRoot: m.StateRoot}
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
		out.Message = &BeaconBlock{ForkName: forks.Altair, Slot: m.Slot, ProposerIndex: m.ProposerIndex, ParentRoot: m.ParentRoot, StateRoot: m.StateRoot}
		if bd := m.Body; bd != nil {
			out.Message.Body = &BeaconBlockBody{RandaoReveal: bd.RandaoReveal, Eth1Data: bd.Eth1Data, Graffiti: bd.Graffiti,
				ProposerSlashings: bd.ProposerSlashings, AttesterSlashings: bd.AttesterSlashings, Attestations: bd.Attestations,
				Deposits: bd.Deposits, VoluntaryExits: bd.VoluntaryExits, SyncAggregate: bd.SyncAggregate}
		}
	}
	return out
}

// BlockFromBellatrix wraps a bellatrix block (sharing its memory).
func BlockFromBellatrix(b *bellatrix.SignedBeaconBlock) *SignedBeaconBlock {
	if b == nil {
		return nil
	}
	out := &SignedBeaconBlock{Signature: b.Signature}
	if m := b.Message; m != nil {
		out.Message = &BeaconBlock{ForkName: forks.Bellatrix, Slot: m.Slot, ProposerIndex: m.ProposerIndex, ParentRoot: m.ParentRoot, StateRoot: m.StateRoot}
		if bd := m.Body; bd != nil {
			out.Message.Body = &BeaconBlockBody{RandaoReveal: bd.RandaoReveal, Eth1Data: bd.Eth1Data, Graffiti: bd.Graffiti,
				ProposerSlashings: bd.ProposerSlashings, AttesterSlashings: bd.AttesterSlashings, Attestations: bd.Attestations,
				Deposits: bd.Deposits, VoluntaryExits: bd.VoluntaryExits, SyncAggregate: bd.SyncAggregate,
				ExecutionPayload: payloadFromBellatrix(bd.ExecutionPayload)}
		}
	}
	return out
}

// Container returns the block as its fork's generated BeaconBlock
// container (sharing memory with b).
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
	}
	return nil, fmt.Errorf("state: %s blocks are not implemented in the generic block yet", b.ForkName)
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
	}
	return [32]byte{}, fmt.Errorf("state: no body root for %s blocks", b.ForkName)
}

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
