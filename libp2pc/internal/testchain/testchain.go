// Package testchain builds synthetic phase0 chains for tests and benchmarks:
// a genesis state of n validators with deterministic keys, and fully signed
// blocks carrying attestations. It is test scaffolding (internal), not a
// validator client: it signs whatever the state asks for.
package testchain

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/bls"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// Config returns runtime config values for synthetic chains (the
// v1.1.0-alpha.8 minimal/mainnet values that matter to the transition).
func Config() *config.Config {
	return &config.Config{
		PresetBase:                       config.PresetName,
		GenesisForkVersion:               config.Version{0, 0, 0, 1},
		MinValidatorWithdrawabilityDelay: 256,
		ShardCommitteePeriod:             64,
		EjectionBalance:                  16_000_000_000,
		MinPerEpochChurnLimit:            4,
		ChurnLimitQuotient:               65536,
	}
}

var (
	keysMu sync.Mutex
	keys   []*bls.SecretKey
)

// Keys returns the first n deterministic secret keys (cached).
func Keys(n int) ([]*bls.SecretKey, error) {
	keysMu.Lock()
	defer keysMu.Unlock()
	for len(keys) < n {
		var buf [8]byte
		binary.LittleEndian.PutUint64(buf[:], uint64(len(keys)))
		b := sha256.Sum256(append([]byte("libp2pc testchain key"), buf[:]...))
		b[0] &= 0x3f // below the curve order
		sk, err := bls.SecretKeyFromBytes(b[:])
		if err != nil {
			return nil, fmt.Errorf("testchain: key %d: %w", len(keys), err)
		}
		keys = append(keys, sk)
	}
	return keys[:n], nil
}

// Genesis returns a genesis-like state of n active validators with 32 ETH
// and no pending deposits.
func Genesis(n int) (*phase0.BeaconState, error) {
	ks, err := Keys(n)
	if err != nil {
		return nil, err
	}
	cfg := Config()
	bodyRoot, err := (&phase0.BeaconBlockBody{Eth1Data: &phase0.Eth1Data{}}).HashTreeRoot()
	if err != nil {
		return nil, err
	}
	s := &phase0.BeaconState{
		GenesisValidatorsRoot:       sha256.Sum256([]byte("testchain genesis validators")),
		Fork:                        &phase0.Fork{PreviousVersion: cfg.GenesisForkVersion, CurrentVersion: cfg.GenesisForkVersion},
		LatestBlockHeader:           &phase0.BeaconBlockHeader{BodyRoot: bodyRoot},
		BlockRoots:                  make([][32]byte, config.SlotsPerHistoricalRoot),
		StateRoots:                  make([][32]byte, config.SlotsPerHistoricalRoot),
		Eth1Data:                    &phase0.Eth1Data{DepositCount: uint64(n), BlockHash: sha256.Sum256([]byte("eth1"))},
		Eth1DepositIndex:            uint64(n),
		RandaoMixes:                 make([][32]byte, config.EpochsPerHistoricalVector),
		Slashings:                   make([]uint64, config.EpochsPerSlashingsVector),
		PreviousJustifiedCheckpoint: &phase0.Checkpoint{},
		CurrentJustifiedCheckpoint:  &phase0.Checkpoint{},
		FinalizedCheckpoint:         &phase0.Checkpoint{},
	}
	for i := range s.RandaoMixes {
		s.RandaoMixes[i] = s.Eth1Data.BlockHash
	}
	for i := 0; i < n; i++ {
		s.Validators = append(s.Validators, &phase0.Validator{
			Pubkey:                ks[i].PublicKey(),
			WithdrawalCredentials: sha256.Sum256([]byte{byte(i)}),
			EffectiveBalance:      config.MaxEffectiveBalance,
			ExitEpoch:             config.FarFutureEpoch,
			WithdrawableEpoch:     config.FarFutureEpoch,
		})
		s.Balances = append(s.Balances, config.MaxEffectiveBalance)
	}
	return s, nil
}

// ProduceBlock returns a signed block for slot on top of s (s is not
// modified): correct proposer, RANDAO reveal and state root, with full
// attestations for every committee of the attestSlots slots before slot
// (as many as MAX_ATTESTATIONS allows).
func ProduceBlock(cfg *config.Config, pre *phase0.BeaconState, slot uint64, attestSlots uint64) (*phase0.SignedBeaconBlock, error) {
	generic := state.FromPhase0(pre.Copy())
	if generic.Slot < slot {
		if err := transition.AdvanceSlots(cfg, generic, slot); err != nil {
			return nil, err
		}
	}
	s, err := generic.ToPhase0() // fails if the slots reached a later fork: the chains are phase0
	if err != nil {
		return nil, fmt.Errorf("testchain: slot %d: %w", slot, err)
	}
	ks, err := Keys(len(s.Validators))
	if err != nil {
		return nil, err
	}
	epoch := helpers.CurrentEpoch(s)
	proposer, err := helpers.BeaconProposerIndex(s)
	if err != nil {
		return nil, err
	}
	domain, err := helpers.Domain(s, config.DomainRandao, epoch)
	if err != nil {
		return nil, err
	}
	var epochRoot [32]byte
	binary.LittleEndian.PutUint64(epochRoot[:], epoch)
	randaoRoot, err := helpers.SigningRootOfRoot(epochRoot, domain)
	if err != nil {
		return nil, err
	}
	parent, err := s.LatestBlockHeader.HashTreeRoot()
	if err != nil {
		return nil, err
	}
	body := &phase0.BeaconBlockBody{
		RandaoReveal: ks[proposer].Sign(randaoRoot[:]),
		Eth1Data:     copyEth1(s.Eth1Data),
	}
	for back := uint64(1); back <= attestSlots && back <= slot && back <= config.SlotsPerEpoch; back++ {
		atts, err := attestationsFor(s, ks, slot-back)
		if err != nil {
			return nil, err
		}
		for _, a := range atts {
			if len(body.Attestations) < config.MaxAttestations {
				body.Attestations = append(body.Attestations, a)
			}
		}
	}
	block := &phase0.BeaconBlock{Slot: slot, ProposerIndex: proposer, ParentRoot: parent, Body: body}
	// process_block on a copy of the advanced state, without signature
	// checks, for the block's state root.
	post := generic.Copy()
	unsigned := state.BlockFromPhase0(&phase0.SignedBeaconBlock{Message: block}).Message
	if _, err := transition.ProcessBlock(cfg, post, unsigned, false, nil); err != nil {
		return nil, fmt.Errorf("testchain: produced block does not apply: %w", err)
	}
	if block.StateRoot, err = post.HashTreeRoot(); err != nil {
		return nil, err
	}
	domain, err = helpers.Domain(s, config.DomainBeaconProposer, epoch)
	if err != nil {
		return nil, err
	}
	root, err := helpers.SigningRoot(block, domain)
	if err != nil {
		return nil, err
	}
	return &phase0.SignedBeaconBlock{Message: block, Signature: ks[proposer].Sign(root[:])}, nil
}

func copyEth1(e *phase0.Eth1Data) *phase0.Eth1Data { c := *e; return &c }

// attestationsFor returns one fully-aggregated attestation per committee of
// attSlot, voting for the chain as s sees it.
func attestationsFor(s *phase0.BeaconState, ks []*bls.SecretKey, attSlot uint64) ([]*phase0.Attestation, error) {
	targetEpoch := helpers.ComputeEpochAtSlot(attSlot)
	source := *s.CurrentJustifiedCheckpoint
	if targetEpoch != helpers.CurrentEpoch(s) {
		source = *s.PreviousJustifiedCheckpoint
	}
	targetRoot, err := helpers.BlockRoot(s, targetEpoch)
	if err != nil {
		return nil, err
	}
	head, err := helpers.BlockRootAtSlot(s, attSlot)
	if err != nil {
		return nil, err
	}
	domain, err := helpers.Domain(s, config.DomainBeaconAttester, targetEpoch)
	if err != nil {
		return nil, err
	}
	var out []*phase0.Attestation
	for c := uint64(0); c < helpers.CommitteeCountPerSlot(s, targetEpoch); c++ {
		committee, err := helpers.BeaconCommittee(s, attSlot, c)
		if err != nil {
			return nil, err
		}
		data := &phase0.AttestationData{
			Slot: attSlot, Index: c, BeaconBlockRoot: head,
			Source: &phase0.Checkpoint{Epoch: source.Epoch, Root: source.Root},
			Target: &phase0.Checkpoint{Epoch: targetEpoch, Root: targetRoot},
		}
		root, err := helpers.SigningRoot(data, domain)
		if err != nil {
			return nil, err
		}
		sigs := make([][]byte, len(committee))
		for i, v := range committee {
			sig := ks[v].Sign(root[:])
			sigs[i] = sig[:]
		}
		agg, err := bls.Aggregate(sigs)
		if err != nil {
			return nil, err
		}
		bits := make([]byte, len(committee)/8+1)
		for i := range committee {
			bits[i/8] |= 1 << (i % 8)
		}
		bits[len(committee)/8] |= 1 << (len(committee) % 8)
		out = append(out, &phase0.Attestation{AggregationBits: bits, Data: data, Signature: agg})
	}
	return out, nil
}

// Resign replaces the proposer signature of b (after a test tampered with
// the block), using the fork of s and the key of b's proposer index.
func Resign(s *phase0.BeaconState, b *phase0.SignedBeaconBlock) error {
	ks, err := Keys(len(s.Validators))
	if err != nil {
		return err
	}
	if b.Message.ProposerIndex >= uint64(len(ks)) {
		return fmt.Errorf("testchain: proposer index %d out of range", b.Message.ProposerIndex)
	}
	domain, err := helpers.Domain(s, config.DomainBeaconProposer, helpers.ComputeEpochAtSlot(b.Message.Slot))
	if err != nil {
		return err
	}
	root, err := helpers.SigningRoot(b.Message, domain)
	if err != nil {
		return err
	}
	b.Signature = ks[b.Message.ProposerIndex].Sign(root[:])
	return nil
}
