package pipeline

import (
	"encoding/binary"
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/forkchoice"
)

// AnyFork implements Transitioner on the multi-fork state transition of
// libp2pc/consensus/transition (Transition, AdvanceSlots,
// VerifyBlockSignature) and the fork-generic state and block of
// libp2pc/consensus/state: phase0 .. fulu, crossing fork epochs (the state
// is upgraded by process_slots at the first slot of every fork epoch that
// Cfg schedules).
//
// SSZ does not carry the fork of a block or state: DecodeBlock and
// DecodeState read the slot at its fixed offset and take the fork that
// Cfg's schedule has in force at that slot (a state at slot s is the state
// of that fork: process_slots upgrades it on entering the fork epoch).
//
// Execution payloads (bellatrix and later): the pipeline asks its own
// Config.Engine (execution.go: newPayload during the transition, the
// verdict kept in the fork choice and the store) and leaves Engine here
// nil, so the transition runs the payload's consensus checks only. A
// caller that runs the transition alone may set Engine; the post-state
// then records an optimistic verdict (AnyForkState.Optimistic), which is
// lost when a state is re-read from the store.
type AnyFork struct {
	Cfg    *config.Config
	Engine transition.ExecutionEngine // nil: optimistic import of payloads
}

// Offsets of the slot in the SSZ encodings, the same in every fork:
// SignedBeaconBlock = offset(message) 4 B, signature 96 B, then the
// message's fixed part, which starts with slot; BeaconState = genesis_time
// 8 B, genesis_validators_root 32 B, slot.
const (
	signedBlockSlotOffset = 4 + 96
	stateSlotOffset       = 8 + 32
)

type anyBlock struct {
	b    *state.SignedBeaconBlock
	root Root
	ssz  []byte
}

func (b *anyBlock) Root() Root            { return b.root }
func (b *anyBlock) Slot() uint64          { return b.b.Message.Slot }
func (b *anyBlock) ProposerIndex() uint64 { return b.b.Message.ProposerIndex }
func (b *anyBlock) ParentRoot() Root      { return b.b.Message.ParentRoot }
func (b *anyBlock) StateRoot() Root       { return b.b.Message.StateRoot }
func (b *anyBlock) SSZ() []byte           { return b.ssz }

// Fork is the fork of the block's container.
func (b *anyBlock) Fork() forks.Fork { return b.b.Message.ForkName }

// AnyForkState is the State of AnyFork: a generic beacon state, never
// modified once wrapped.
type AnyForkState struct {
	s          *state.BeaconState
	optimistic bool
}

func (s *AnyForkState) Slot() uint64 { return s.s.Slot }
func (s *AnyForkState) Justified() Checkpoint {
	return Checkpoint{Epoch: s.s.CurrentJustifiedCheckpoint.Epoch, Root: s.s.CurrentJustifiedCheckpoint.Root}
}
func (s *AnyForkState) Finalized() Checkpoint {
	return Checkpoint{Epoch: s.s.FinalizedCheckpoint.Epoch, Root: s.s.FinalizedCheckpoint.Root}
}

// Fork is the fork of the state.
func (s *AnyForkState) Fork() forks.Fork { return s.s.ForkName }

// Optimistic reports that the transition that produced this state accepted
// an execution payload no engine confirmed (false for a state decoded from
// SSZ).
func (s *AnyForkState) Optimistic() bool { return s.optimistic }

// AnyState wraps a generic state as a State of AnyFork (tests, anchors).
// s must not be modified afterwards.
func AnyState(s *state.BeaconState) State { return &AnyForkState{s: s} }

// Generic returns the generic beacon state of s (a State of this adapter):
// shared, read-only.
func (p AnyFork) Generic(s State) *state.BeaconState { return s.(*AnyForkState).s }

func (p AnyFork) schedule() (*forks.Schedule, error) {
	if p.Cfg == nil {
		return nil, fmt.Errorf("pipeline: AnyFork without a config")
	}
	return forks.ScheduleOf(p.Cfg)
}

// ForkAtSlot is the fork Cfg has in force at slot.
func (p AnyFork) ForkAtSlot(slot uint64) (forks.Fork, error) {
	sc, err := p.schedule()
	if err != nil {
		return 0, err
	}
	return sc.AtSlot(slot), nil
}

func (p AnyFork) DecodeBlock(ssz []byte) (Block, error) {
	if len(ssz) < signedBlockSlotOffset+8 {
		return nil, fmt.Errorf("signed block of %d bytes is too short", len(ssz))
	}
	if off := binary.LittleEndian.Uint32(ssz); off != signedBlockSlotOffset {
		return nil, fmt.Errorf("signed block: message offset %d, not %d", off, signedBlockSlotOffset)
	}
	f, err := p.ForkAtSlot(binary.LittleEndian.Uint64(ssz[signedBlockSlotOffset:]))
	if err != nil {
		return nil, err
	}
	b, err := state.DecodeSignedBlock(f, ssz)
	if err != nil {
		return nil, err
	}
	root, err := b.Message.HashTreeRoot()
	if err != nil {
		return nil, err
	}
	return &anyBlock{b: b, root: root, ssz: ssz}, nil
}

func (p AnyFork) DecodeState(ssz []byte) (State, error) {
	if len(ssz) < stateSlotOffset+8 {
		return nil, fmt.Errorf("beacon state of %d bytes is too short", len(ssz))
	}
	f, err := p.ForkAtSlot(binary.LittleEndian.Uint64(ssz[stateSlotOffset:]))
	if err != nil {
		return nil, err
	}
	s, err := state.Decode(f, ssz)
	if err != nil {
		return nil, err
	}
	return &AnyForkState{s: s}, nil
}

func (p AnyFork) EncodeState(s State) ([]byte, error) { return s.(*AnyForkState).s.MarshalSSZ() }

func (p AnyFork) Transition(pre State, b Block, verify bool) (State, error) {
	res, err := transition.Transition(p.Cfg, pre.(*AnyForkState).s, b.(*anyBlock).b,
		transition.Options{VerifySignatures: verify, ValidateStateRoot: true, Engine: p.Engine})
	if err != nil {
		return nil, err
	}
	return &AnyForkState{s: res.State, optimistic: res.Optimistic}, nil
}

func (p AnyFork) Votes(post State, b Block) ([]Vote, error) {
	s := post.(*AnyForkState).s
	body := b.(*anyBlock).b.Message.Body
	var out []Vote
	add := func(d *phase0.AttestationData, idx []uint64) {
		out = append(out, Vote{Indices: idx, Attestation: forkchoice.Attestation{Slot: d.Slot, BlockRoot: d.BeaconBlockRoot,
			Target: forkchoice.Checkpoint{Epoch: d.Target.Epoch, Root: d.Target.Root}}})
	}
	for _, a := range body.Attestations { // phase0 .. deneb
		idx, err := helpers.AttestingIndices(s, a.Data, a.AggregationBits)
		if err != nil {
			return nil, err
		}
		add(a.Data, idx)
	}
	for _, a := range body.ElectraAttestations { // electra and later (EIP-7549)
		idx, err := attestingIndicesElectra(s, a.Data.Slot, a.CommitteeBits[:], a.AggregationBits)
		if err != nil {
			return nil, err
		}
		add(a.Data, idx)
	}
	return out, nil
}

// attestingIndicesElectra is electra's get_attesting_indices: the
// aggregation bits are the concatenation of the participation bits of the
// committees that committee_bits names, in committee order.
func attestingIndicesElectra(s *state.BeaconState, slot uint64, committeeBits, aggregationBits []byte) ([]uint64, error) {
	n, err := helpers.BitlistLen(aggregationBits)
	if err != nil {
		return nil, err
	}
	var out []uint64
	var offset uint64
	for _, ci := range helpers.CommitteeIndices(committeeBits) {
		committee, err := helpers.BeaconCommittee(s, slot, ci)
		if err != nil {
			return nil, err
		}
		for i, v := range committee {
			if helpers.BitlistBit(aggregationBits, offset+uint64(i)) {
				out = append(out, v)
			}
		}
		offset += uint64(len(committee))
	}
	if offset != n {
		return nil, fmt.Errorf("aggregation bits length %d != total committee size %d", n, offset)
	}
	return out, nil
}

// advanced returns s advanced to slot (crossing fork epochs) on a copy, or
// s itself when it is already there.
func (p AnyFork) advanced(s *state.BeaconState, slot uint64) (*state.BeaconState, error) {
	if s.Slot >= slot {
		return s, nil
	}
	c := s.Copy()
	if err := transition.AdvanceSlots(p.Cfg, c, slot); err != nil {
		return nil, err
	}
	return c, nil
}

func (p AnyFork) Balances(st State, epoch uint64) ([]uint64, error) {
	s, err := p.advanced(st.(*AnyForkState).s, epoch*config.SlotsPerEpoch)
	if err != nil {
		return nil, err
	}
	return activeBalances(s.Validators, epoch), nil
}

// activeBalances is the effective balance of each validator active at
// epoch, 0 for the others (both adapters' Balances).
func activeBalances(vs []*phase0.Validator, epoch uint64) []uint64 {
	out := make([]uint64, len(vs))
	for i, v := range vs {
		if v.ActivationEpoch <= epoch && epoch < v.ExitEpoch {
			out[i] = v.EffectiveBalance
		}
	}
	return out
}

// VerifyProposer checks the proposer index with the state's fork's
// get_beacon_proposer_index (phase0 sampling, electra's, or from fulu the
// state's proposer_lookahead, which process_slots keeps) and the proposer
// signature with the domain of the advanced state's fork.
func (p AnyFork) VerifyProposer(parent State, b Block) error {
	s, err := p.advanced(parent.(*AnyForkState).s, b.Slot())
	if err != nil {
		return err
	}
	blk := b.(*anyBlock).b
	if blk.Message.ForkName != s.ForkName {
		return fmt.Errorf("a %s block at slot %d, where the chain is at %s", blk.Message.ForkName, b.Slot(), s.ForkName)
	}
	want, err := transition.BeaconProposerIndex(s)
	if err != nil {
		return err
	}
	if want != b.ProposerIndex() {
		return fmt.Errorf("proposer index %d, expected %d", b.ProposerIndex(), want)
	}
	return transition.VerifyBlockSignature(p.Cfg, s, blk)
}

func (p AnyFork) Anchor(st State) (Root, []byte, error) {
	s := st.(*AnyForkState).s
	return anchorOf(*s.LatestBlockHeader, s.HashTreeRoot)
}

// anchorOf is the anchor block of a trusted state from its latest block
// header h (a copy): the state root filled in when process_slot has not
// yet done it, then the header's root and SSZ (both adapters' Anchor).
func anchorOf(h phase0.BeaconBlockHeader, stateRoot func() ([32]byte, error)) (Root, []byte, error) {
	if h.StateRoot == (Root{}) {
		r, err := stateRoot()
		if err != nil {
			return Root{}, nil, err
		}
		h.StateRoot = r
	}
	root, err := h.HashTreeRoot()
	if err != nil {
		return Root{}, nil, err
	}
	ssz, err := h.MarshalSSZ()
	return root, ssz, err
}

var _ Transitioner = AnyFork{}
