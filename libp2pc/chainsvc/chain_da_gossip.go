package chainsvc

// The chain's data-availability gossip: with a sink configured (the
// pipeline, or a da.Tracker), the chain starts the node's DA gossip
// (node.StartDAGossip) with its own answers to gossipcheck's chain
// questions, and stops it when the chain stops.

import (
	"fmt"
	"sync"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/da/gossipcheck"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/pipeline"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// ChainDAConfig is the DA gossip part of ChainConfig.
type ChainDAConfig struct {
	// Disabled leaves the DA topics alone (a host validating them itself,
	// or one with no use for sidecars; blocks with blobs then wait for
	// sidecars the host must hand over, and are dropped without them).
	Disabled bool
	// Sink receives accepted sidecars; nil: the chain's pipeline.
	Sink node.DASink
	KZG  *kzg.Context
	// Timeout bounds how long after its arrival a block may wait for its
	// sidecars before it is dropped (pipeline.DAConfig.Timeout); 0: the
	// pipeline's default, 4 slots. Go only (not in the C ABI's chain
	// config): tests whose proposer builds columns slowly under -race
	// raise it, and a test of the drop can shorten it.
	Timeout time.Duration
}

// startDAGossip is the chain's hook (wire): with deneb or fulu scheduled,
// the DA topics are validated with the chain's facts and joined, and
// accepted sidecars go to the pipeline. A host that started DA gossip
// itself keeps it: the chain's start then fails with BadState.
func (c *chainState) startDAGossip() error {
	if c.cfg.DA.Disabled || c.nd == nil || !daScheduled(c.ccfg) {
		return nil
	}
	sink := c.cfg.DA.Sink
	if sink == nil {
		sink = c.p
	}
	err := c.nd.StartDAGossip(node.DAGossipConfig{Chain: &chainDAFacts{c: c}, Spec: c.ccfg, Sink: sink,
		CustodyGroupCount: c.cfg.CustodyGroupCount, KZG: c.cfg.DA.KZG})
	if err != nil {
		if status.CodeOf(err) == status.BadState {
			return status.Errorf(status.BadState, "da gossip: %v (a host that runs the chain leaves DA gossip to it)", err)
		}
		return err
	}
	c.daStarted.Store(true)
	return nil
}

// daScheduled: the chain's config schedules deneb or a later fork, so
// sidecars exist on its network. Without them the DA gossip is not
// started (its KZG setup alone takes seconds).
func daScheduled(cfg *config.Config) bool {
	forks, err := cfg.Forks()
	if err != nil {
		return true // let StartDAGossip report the config
	}
	for _, f := range forks {
		switch f.Name {
		case "DENEB", "ELECTRA", "FULU":
			if f.Epoch != config.FarFutureEpoch {
				return true
			}
		}
	}
	return false
}

// stopDAGossip undoes startDAGossip (abandon); the host's own DA gossip
// is left alone.
func (c *chainState) stopDAGossip() {
	if c.daStarted.CompareAndSwap(true, false) {
		c.nd.StopDAGossip()
	}
}

// chainDAFacts answers gossipcheck's questions from the chain: fork
// choice for blocks and the finalized checkpoint, stored post-states for
// keys and proposers.
type chainDAFacts struct {
	c *chainState

	mu      sync.Mutex
	pubkeys [][48]byte // validators' keys from the last head state read (append-only)
}

var _ gossipcheck.Chain = (*chainDAFacts)(nil)

func (f *chainDAFacts) Finalized() (uint64, [32]byte) {
	f.c.hmu.Lock()
	defer f.c.hmu.Unlock()
	return f.c.finalized.Epoch, f.c.finalized.Root
}

func (f *chainDAFacts) Block(root [32]byte) (uint64, gossipcheck.BlockState) {
	// In fork choice: imported, its state exists. A block the pipeline
	// holds but has not imported is "not seen" for the rule (IGNORE), and
	// so, for want of an exported invalid-block set, is one it refused.
	if slot, ok := f.c.p.ForkChoice().Slot(root); ok {
		return slot, gossipcheck.BlockValid
	}
	return 0, gossipcheck.BlockUnknown
}

func (f *chainDAFacts) CheckpointBlock(root [32]byte, epoch uint64) ([32]byte, bool) {
	return f.c.p.ForkChoice().Ancestor(root, epoch*config.SlotsPerEpoch)
}

func (f *chainDAFacts) ProposerPubkey(index uint64) ([48]byte, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if index < uint64(len(f.pubkeys)) {
		return f.pubkeys[index], true, nil
	}
	f.c.hmu.Lock()
	head := f.c.head
	f.c.hmu.Unlock()
	s, err := f.state(head)
	if err != nil {
		return [48]byte{}, false, err
	}
	for i := len(f.pubkeys); i < len(s.Validators); i++ {
		f.pubkeys = append(f.pubkeys, s.Validators[i].Pubkey)
	}
	if index < uint64(len(f.pubkeys)) {
		return f.pubkeys[index], true, nil
	}
	return [48]byte{}, false, nil
}

func (f *chainDAFacts) ExpectedProposer(parent [32]byte, slot uint64) (uint64, error) {
	s, err := f.state(parent)
	if err != nil {
		return 0, err
	}
	if s.Slot < slot {
		cp := s.Copy()
		if err := transition.AdvanceSlots(f.c.tr.Cfg, cp, slot); err != nil {
			return 0, err
		}
		s = cp
	}
	return transition.BeaconProposerIndex(s)
}

// state is the stored post-state of root (read-only).
func (f *chainDAFacts) state(root [32]byte) (*state.BeaconState, error) {
	ssz, obj, err := f.c.st.State(root)
	if err != nil {
		return nil, fmt.Errorf("state of %x: %w", root[:4], err)
	}
	if s, ok := obj.(pipeline.State); ok {
		return f.c.tr.Generic(s), nil
	}
	s, err := f.c.tr.DecodeState(ssz)
	if err != nil {
		return nil, err
	}
	f.c.st.CacheState(root, ssz, s)
	return f.c.tr.Generic(s), nil
}
