package pipeline

import (
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/forkchoice"
	"github.com/libp2pc/libp2pc/libp2pc/internal/phase0transition"
)

// Phase0 is a test Transitioner on the phase0 containers, through the
// phase0 test helpers of libp2pc/internal/phase0transition (StateTransition,
// ProcessSlots, VerifyBlockSignature): the pipeline's own tests drive it
// with synthetic phase0 chains. The shipped pipeline uses the multi-fork
// Forks transitioner (forks.go).
type Phase0 struct {
	Cfg *config.Config
}

type p0Block struct {
	b    *phase0.SignedBeaconBlock
	root Root
	ssz  []byte
}

func (b *p0Block) Root() Root            { return b.root }
func (b *p0Block) Slot() uint64          { return b.b.Message.Slot }
func (b *p0Block) ProposerIndex() uint64 { return b.b.Message.ProposerIndex }
func (b *p0Block) ParentRoot() Root      { return b.b.Message.ParentRoot }
func (b *p0Block) StateRoot() Root       { return b.b.Message.StateRoot }
func (b *p0Block) SSZ() []byte           { return b.ssz }

type p0State struct{ s *phase0.BeaconState }

func (s *p0State) Slot() uint64 { return s.s.Slot }
func (s *p0State) Justified() Checkpoint {
	return Checkpoint{Epoch: s.s.CurrentJustifiedCheckpoint.Epoch, Root: s.s.CurrentJustifiedCheckpoint.Root}
}
func (s *p0State) Finalized() Checkpoint {
	return Checkpoint{Epoch: s.s.FinalizedCheckpoint.Epoch, Root: s.s.FinalizedCheckpoint.Root}
}

// Phase0State wraps a phase0 state as a State (tests, anchors).
func Phase0State(s *phase0.BeaconState) State { return &p0State{s} }

func (p Phase0) DecodeBlock(ssz []byte) (Block, error) {
	b := new(phase0.SignedBeaconBlock)
	if err := b.UnmarshalSSZ(ssz); err != nil {
		return nil, err
	}
	root, err := b.Message.HashTreeRoot()
	if err != nil {
		return nil, err
	}
	return &p0Block{b: b, root: root, ssz: ssz}, nil
}

func (p Phase0) DecodeState(ssz []byte) (State, error) {
	s := new(phase0.BeaconState)
	if err := s.UnmarshalSSZ(ssz); err != nil {
		return nil, err
	}
	return &p0State{s}, nil
}

func (p Phase0) EncodeState(s State) ([]byte, error) { return s.(*p0State).s.MarshalSSZ() }

func (p Phase0) Transition(pre State, b Block, verify bool) (State, error) {
	post, err := phase0transition.StateTransition(p.Cfg, pre.(*p0State).s, b.(*p0Block).b, verify, true)
	if err != nil {
		return nil, err
	}
	return &p0State{post}, nil
}

func (p Phase0) Votes(post State, b Block) ([]Vote, error) {
	s := post.(*p0State).s
	var out []Vote
	for _, a := range b.(*p0Block).b.Message.Body.Attestations {
		idx, err := helpers.AttestingIndices(s, a.Data, a.AggregationBits)
		if err != nil {
			return nil, err
		}
		out = append(out, Vote{
			Attestation: forkchoice.Attestation{Slot: a.Data.Slot, BlockRoot: a.Data.BeaconBlockRoot,
				Target: forkchoice.Checkpoint{Epoch: a.Data.Target.Epoch, Root: a.Data.Target.Root}},
			Indices: idx,
		})
	}
	return out, nil
}

func (p Phase0) advanced(s *phase0.BeaconState, slot uint64) (*phase0.BeaconState, error) {
	if s.Slot >= slot {
		return s, nil
	}
	c := s.Copy()
	if err := phase0transition.ProcessSlots(p.Cfg, c, slot); err != nil {
		return nil, err
	}
	return c, nil
}

func (p Phase0) Balances(st State, epoch uint64) ([]uint64, error) {
	s, err := p.advanced(st.(*p0State).s, epoch*config.SlotsPerEpoch)
	if err != nil {
		return nil, err
	}
	return activeBalances(s.Validators, epoch), nil
}

func (p Phase0) VerifyProposer(parent State, b Block) error {
	s, err := p.advanced(parent.(*p0State).s, b.Slot())
	if err != nil {
		return err
	}
	want, err := helpers.BeaconProposerIndex(s)
	if err != nil {
		return err
	}
	if want != b.ProposerIndex() {
		return fmt.Errorf("proposer index %d, expected %d", b.ProposerIndex(), want)
	}
	return phase0transition.VerifyBlockSignature(p.Cfg, s, b.(*p0Block).b)
}

func (p Phase0) Anchor(st State) (Root, []byte, error) {
	s := st.(*p0State).s
	return anchorOf(*s.LatestBlockHeader, s.HashTreeRoot)
}
