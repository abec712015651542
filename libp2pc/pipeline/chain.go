package pipeline

import (
	"github.com/libp2pc/libp2pc/libp2pc/forkchoice"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// Root is a 32-byte SSZ root.
type Root = [32]byte

// Checkpoint is an FFG checkpoint.
type Checkpoint = store.Checkpoint

// Block is a decoded signed block, fork-independent view. Decoded once
// per block process; the root is computed at decode time.
type Block interface {
	Root() Root // hash_tree_root(block.message)
	Slot() uint64
	ProposerIndex() uint64
	ParentRoot() Root
	StateRoot() Root
	SSZ() []byte // the signed block as received
}

// State is a decoded beacon state, fork-independent view. A State given
// to or returned by the Transitioner is never modified afterwards.
type State interface {
	Slot() uint64
	Justified() Checkpoint // current_justified_checkpoint
	Finalized() Checkpoint // finalized_checkpoint
}

// Vote is an attestation of a block, as the fork choice counts it.
type Vote struct {
	Attestation forkchoice.Attestation
	Indices     []uint64
}

// Transitioner is the narrow interface the pipeline needs from the
// consensus code. phase0.go implements it on the phase0 API of
// libp2pc/consensus/transition; a multi-fork implementation replaces it
// without touching the pipeline.
type Transitioner interface {
	DecodeBlock(ssz []byte) (Block, error)
	DecodeState(ssz []byte) (State, error)
	EncodeState(s State) ([]byte, error)
	// Transition is state_transition(pre, block) with the state root
	// checked, on a copy: pre is never modified. An invalid block returns
	// an error naming the rule (RuleOf extracts it).
	Transition(pre State, b Block, verifySignatures bool) (State, error)
	// Votes returns the fork-choice votes of the block's attestations,
	// computed on its post-state (the attestations were validated by the
	// transition).
	Votes(post State, b Block) ([]Vote, error)
	// Balances returns the effective balances of the validators active at
	// epoch (0 for others), the state being advanced to the epoch start
	// (the spec's checkpoint state).
	Balances(s State, epoch uint64) ([]uint64, error)
	// VerifyProposer checks, on the parent's post-state advanced to the
	// block's slot, that the block's proposer index is the expected one and
	// its signature valid (gossip validation).
	VerifyProposer(parent State, b Block) error
	// Anchor returns the anchor block of a trusted state (genesis or a
	// checkpoint state): its root and the SSZ the store keeps for it.
	Anchor(s State) (root Root, headerSSZ []byte, err error)
}
