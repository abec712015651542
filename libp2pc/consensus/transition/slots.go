package transition

import (
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/bls"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// StateTransition is the spec's state_transition applied to a copy of pre:
// process_slots up to the block's slot, the proposer signature (when
// verifySignatures), process_block, and the state root check (when
// validateResult). pre is never modified.
func StateTransition(cfg *config.Config, pre *phase0.BeaconState, signed *phase0.SignedBeaconBlock, verifySignatures, validateResult bool) (*phase0.BeaconState, error) {
	if signed == nil {
		return nil, incomplete("state_transition", "signed block")
	}
	if err := checkBlockShape(signed.Message); err != nil {
		return nil, err
	}
	s := pre.Copy()
	block := signed.Message
	if err := ProcessSlots(cfg, s, block.Slot); err != nil {
		return nil, err
	}
	ctx := newBlockContext(cfg, verifySignatures)
	if verifySignatures {
		if err := ctx.addBlockSignature(s, signed); err != nil {
			return nil, err
		}
	}
	if err := ctx.processBlock(s, block); err != nil {
		return nil, err
	}
	if err := ctx.verifySignatures(); err != nil {
		return nil, err
	}
	if validateResult {
		root, err := s.CachedHashTreeRoot()
		if err != nil {
			return nil, fmt.Errorf("state_transition: hash_tree_root(state): %w", err)
		}
		if root != block.StateRoot {
			return nil, invalid("state_transition", "block.state_root %x != hash_tree_root(state) %x", block.StateRoot, root)
		}
	}
	return s, nil
}

// VerifyBlockSignature is verify_block_signature.
func VerifyBlockSignature(cfg *config.Config, s *phase0.BeaconState, signed *phase0.SignedBeaconBlock) error {
	ctx := newBlockContext(cfg, true)
	if err := ctx.addBlockSignature(s, signed); err != nil {
		return err
	}
	return ctx.verifySignatures()
}

func (c *blockContext) addBlockSignature(s *phase0.BeaconState, signed *phase0.SignedBeaconBlock) error {
	block := signed.Message
	if block.ProposerIndex >= uint64(len(s.Validators)) {
		return invalid("verify_block_signature", "proposer index %d out of range", block.ProposerIndex)
	}
	domain, err := helpers.Domain(s, config.DomainBeaconProposer, helpers.CurrentEpoch(s))
	if err != nil {
		return err
	}
	root, err := helpers.SigningRoot(block, domain)
	if err != nil {
		return err
	}
	pk := s.Validators[block.ProposerIndex].Pubkey
	c.sigs.Add(bls.SignatureSet{PublicKeys: [][]byte{pk[:]}, Message: root, Signature: signed.Signature[:], Description: "verify_block_signature: proposer signature"})
	return nil
}

// ProcessSlots is process_slots: advances s (in place) to slot, running the
// epoch transition at each epoch boundary.
func ProcessSlots(cfg *config.Config, s *phase0.BeaconState, slot uint64) error {
	if s.Slot >= slot {
		return invalid("process_slots", "target slot %d is not after state slot %d", slot, s.Slot)
	}
	for s.Slot < slot {
		if err := processSlot(s); err != nil {
			return err
		}
		if (s.Slot+1)%config.SlotsPerEpoch == 0 {
			if err := ProcessEpoch(cfg, s); err != nil {
				return err
			}
		}
		s.Slot++
	}
	return nil
}

// processSlot is process_slot: caches the previous state and block roots.
func processSlot(s *phase0.BeaconState) error {
	stateRoot, err := s.CachedHashTreeRoot()
	if err != nil {
		return fmt.Errorf("process_slot: hash_tree_root(state): %w", err)
	}
	s.StateRoots[s.Slot%config.SlotsPerHistoricalRoot] = stateRoot
	if s.LatestBlockHeader.StateRoot == ([32]byte{}) {
		s.LatestBlockHeader.StateRoot = stateRoot
	}
	blockRoot, err := s.LatestBlockHeader.HashTreeRoot()
	if err != nil {
		return fmt.Errorf("process_slot: hash_tree_root(latest_block_header): %w", err)
	}
	s.BlockRoots[s.Slot%config.SlotsPerHistoricalRoot] = blockRoot
	return nil
}
