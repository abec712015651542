package transition

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/bls"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// Options control Transition.
type Options struct {
	// VerifySignatures checks every signature of the block (proposer,
	// RANDAO, operations, sync aggregate) in one batch.
	VerifySignatures bool
	// ValidateStateRoot checks block.state_root against the post-state.
	ValidateStateRoot bool
	// Engine judges execution payloads (bellatrix and later). nil accepts
	// every payload that passes the consensus checks optimistically
	// (Result.Optimistic).
	Engine ExecutionEngine
}

// Result is the outcome of a successful Transition.
type Result struct {
	State *state.BeaconState
	// Optimistic is true when the block carries an execution payload that
	// no execution engine confirmed as valid (no engine configured, or the
	// engine answered "syncing"/"accepted"): the block is valid as far as
	// consensus goes, its payload is not known to be.
	Optimistic bool
}

// Transition is the spec's state_transition for any implemented fork,
// applied to a copy of pre (never modified): process_slots up to the
// block's slot (upgrading the state at fork epochs), the proposer
// signature, process_block of the fork, and the state-root check. A block
// that breaks a rule yields a *RuleError; a fork without rules an error
// wrapping ErrForkNotImplemented.
func Transition(cfg *config.Config, pre *state.BeaconState, signed *state.SignedBeaconBlock, opts Options) (*Result, error) {
	if signed == nil || signed.Message == nil {
		return nil, incomplete("state_transition", "signed block")
	}
	block := signed.Message
	if err := checkBlockShape(block); err != nil {
		return nil, err
	}
	s := pre.Copy()
	if err := AdvanceSlots(cfg, s, block.Slot); err != nil {
		return nil, err
	}
	if block.ForkName != s.ForkName {
		return nil, invalid("state_transition", "a %s block cannot apply to a %s state (slot %d)", block.ForkName, s.ForkName, block.Slot)
	}
	ctx := newBlockContext(cfg, opts.VerifySignatures, opts.Engine)
	if opts.VerifySignatures {
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
	if opts.ValidateStateRoot {
		root, err := s.HashTreeRoot()
		if err != nil {
			return nil, fmt.Errorf("state_transition: hash_tree_root(state): %w", err)
		}
		if root != block.StateRoot {
			return nil, invalid("state_transition", "block.state_root %x != hash_tree_root(state) %x", block.StateRoot, root)
		}
	}
	return &Result{State: s, Optimistic: ctx.optimistic}, nil
}

// blockContext carries what stays fixed while one block is processed: the
// config, the signatures queued for one batch verification (nil when
// signatures are not checked), the committees of the epochs attestations may
// target, the proposer index and the base reward per increment. Within a
// block no validator's activity or effective balance changes for the
// current or previous epoch (exits and activations land at least
// MAX_SEED_LOOKAHEAD epochs ahead, effective balances change only in epoch
// processing) and the RANDAO mix the seeds use is not the one process_randao
// writes, so these caches stay exact.
type blockContext struct {
	cfg        *config.Config
	sigs       *bls.Batch
	engine     ExecutionEngine
	committees map[uint64]*helpers.EpochCommittees
	proposer   *uint64
	perIncr    *uint64 // get_base_reward_per_increment (altair+)
	label      string  // operation being processed, for signature errors
	optimistic bool    // an execution payload was accepted without an engine verdict
}

func newBlockContext(cfg *config.Config, verifySignatures bool, engine ExecutionEngine) *blockContext {
	c := &blockContext{cfg: cfg, engine: engine, committees: map[uint64]*helpers.EpochCommittees{}}
	if verifySignatures {
		c.sigs = new(bls.Batch)
	}
	return c
}

// addSignature queues a signature check; a no-op when signatures are off.
func (c *blockContext) addSignature(set bls.SignatureSet) {
	if c.sigs != nil {
		c.sigs.Add(set)
	}
}

// describe names a signature for batch-verification errors.
func (c *blockContext) describe(what string) string {
	if c.label == "" {
		return what
	}
	return c.label + ": " + what
}

func (c *blockContext) verifySignatures() error {
	if c.sigs == nil {
		return nil
	}
	if err := c.sigs.Verify(); err != nil {
		return &RuleError{Fn: "signature", Rule: err.Error()}
	}
	return nil
}

func (c *blockContext) epochCommittees(s *state.BeaconState, epoch uint64) *helpers.EpochCommittees {
	ec, ok := c.committees[epoch]
	if !ok {
		ec = helpers.NewEpochCommittees(s, epoch)
		c.committees[epoch] = ec
	}
	return ec
}

func (c *blockContext) proposerIndex(s *state.BeaconState) (uint64, error) {
	if c.proposer == nil {
		p, err := BeaconProposerIndex(s)
		if err != nil {
			return 0, err
		}
		c.proposer = &p
	}
	return *c.proposer, nil
}

// baseRewardPerIncrement is get_base_reward_per_increment, cached.
func (c *blockContext) baseRewardPerIncrement(s *state.BeaconState) uint64 {
	if c.perIncr == nil {
		v := baseRewardPerIncrement(helpers.TotalActiveBalance(s))
		c.perIncr = &v
	}
	return *c.perIncr
}

func (c *blockContext) addBlockSignature(s *state.BeaconState, signed *state.SignedBeaconBlock) error {
	block := signed.Message
	if block.ProposerIndex >= uint64(len(s.Validators)) {
		return invalid("verify_block_signature", "proposer index %d out of range", block.ProposerIndex)
	}
	domain, err := helpers.Domain(s, config.DomainBeaconProposer, helpers.CurrentEpoch(s))
	if err != nil {
		return err
	}
	blockRoot, err := block.HashTreeRoot()
	if err != nil {
		return fmt.Errorf("verify_block_signature: hash_tree_root(block): %w", err)
	}
	root, err := helpers.SigningRootOfRoot(blockRoot, domain)
	if err != nil {
		return err
	}
	pk := s.Validators[block.ProposerIndex].Pubkey
	c.sigs.Add(bls.SignatureSet{PublicKeys: [][]byte{pk[:]}, Message: root, Signature: signed.Signature[:], Description: "verify_block_signature: proposer signature"})
	return nil
}

// processBlock runs the block steps of the state's fork.
func (c *blockContext) processBlock(s *state.BeaconState, block *state.BeaconBlock) error {
	if err := checkBlockShape(block); err != nil {
		return err
	}
	if block.ForkName != s.ForkName {
		return invalid("process_block", "a %s block cannot apply to a %s state", block.ForkName, s.ForkName)
	}
	r, err := rulesFor(s.ForkName)
	if err != nil {
		return err
	}
	defer func() { c.label = "" }()
	for _, step := range r.block {
		if err := step(c, s, block); err != nil {
			return err
		}
	}
	return nil
}

func stepBlockHeader(c *blockContext, s *state.BeaconState, b *state.BeaconBlock) error {
	return c.processBlockHeader(s, b)
}

func stepRandao(c *blockContext, s *state.BeaconState, b *state.BeaconBlock) error {
	return c.processRandao(s, b.Body)
}

func stepEth1Data(_ *blockContext, s *state.BeaconState, b *state.BeaconBlock) error {
	processEth1Data(s, b.Body)
	return nil
}

func stepOperations(c *blockContext, s *state.BeaconState, b *state.BeaconBlock) error {
	return c.processOperations(s, b.Body)
}

func (c *blockContext) processBlockHeader(s *state.BeaconState, block *state.BeaconBlock) error {
	const fn = "process_block_header"
	if block.Slot != s.Slot {
		return invalid(fn, "block slot %d != state slot %d", block.Slot, s.Slot)
	}
	if block.Slot <= s.LatestBlockHeader.Slot {
		return invalid(fn, "block slot %d is not newer than the latest block header slot %d", block.Slot, s.LatestBlockHeader.Slot)
	}
	proposer, err := c.proposerIndex(s)
	if err != nil {
		return invalid(fn, "%v", err)
	}
	if block.ProposerIndex != proposer {
		return invalid(fn, "proposer index %d != expected proposer %d", block.ProposerIndex, proposer)
	}
	parent, err := s.LatestBlockHeader.HashTreeRoot()
	if err != nil {
		return err
	}
	if block.ParentRoot != parent {
		return invalid(fn, "parent root %x != hash_tree_root(latest_block_header) %x", block.ParentRoot, parent)
	}
	bodyRoot, err := block.BodyRoot()
	if err != nil {
		return invalid(fn, "hash_tree_root(body): %v", err)
	}
	s.LatestBlockHeader = &phase0.BeaconBlockHeader{
		Slot:          block.Slot,
		ProposerIndex: block.ProposerIndex,
		ParentRoot:    block.ParentRoot,
		BodyRoot:      bodyRoot,
	}
	if s.Validators[block.ProposerIndex].Slashed {
		return invalid(fn, "proposer %d is slashed", block.ProposerIndex)
	}
	return nil
}

func (c *blockContext) processRandao(s *state.BeaconState, body *state.BeaconBlockBody) error {
	epoch := helpers.CurrentEpoch(s)
	proposer, err := c.proposerIndex(s)
	if err != nil {
		return invalid("process_randao", "%v", err)
	}
	if c.sigs != nil {
		domain, err := helpers.Domain(s, config.DomainRandao, epoch)
		if err != nil {
			return err
		}
		var epochRoot [32]byte // hash_tree_root(uint64) is its little-endian bytes, zero-padded
		binary.LittleEndian.PutUint64(epochRoot[:8], epoch)
		root, err := helpers.SigningRootOfRoot(epochRoot, domain)
		if err != nil {
			return err
		}
		pk := s.Validators[proposer].Pubkey
		c.addSignature(bls.SignatureSet{PublicKeys: [][]byte{pk[:]}, Message: root, Signature: body.RandaoReveal[:], Description: "process_randao: randao reveal"})
	}
	mix := helpers.RandaoMix(s, epoch)
	h := helpers.Hash(body.RandaoReveal[:])
	for i := range mix {
		mix[i] ^= h[i]
	}
	s.RandaoMixes[epoch%config.EpochsPerHistoricalVector] = mix
	return nil
}

func processEth1Data(s *state.BeaconState, body *state.BeaconBlockBody) {
	vote := *body.Eth1Data
	s.Eth1DataVotes = append(s.Eth1DataVotes, &vote)
	var count uint64
	for _, v := range s.Eth1DataVotes {
		if *v == vote {
			count++
		}
	}
	if count*2 > config.EpochsPerEth1VotingPeriod*config.SlotsPerEpoch {
		e := vote
		s.Eth1Data = &e
	}
}

// processOperations is process_operations; capella adds the
// bls_to_execution_changes; electra closes the eth1 bridge at
// deposit_requests_start_index (eth1DepositsExpected), carries attestations
// and attester slashings in their electra shape, and adds the execution
// requests.
func (c *blockContext) processOperations(s *state.BeaconState, body *state.BeaconBlockBody) error {
	const fn = "process_operations"
	if want := eth1DepositsExpected(s); uint64(len(body.Deposits)) != want {
		return invalid(fn, "block has %d deposits, must include %d", len(body.Deposits), want)
	}
	for i, op := range body.ProposerSlashings {
		c.label = "proposer slashing " + strconv.Itoa(i)
		if err := c.processProposerSlashing(s, op); err != nil {
			return wrapOp(err, "proposer slashing", i)
		}
	}
	for i, op := range body.AttesterSlashings {
		c.label = "attester slashing " + strconv.Itoa(i)
		if err := c.processAttesterSlashing(s, op); err != nil {
			return wrapOp(err, "attester slashing", i)
		}
	}
	for i, op := range body.ElectraAttesterSlashings { // electra and later (empty before)
		c.label = "attester slashing " + strconv.Itoa(i)
		if err := c.processAttesterSlashing(s, phase0AttesterSlashing(op)); err != nil {
			return wrapOp(err, "attester slashing", i)
		}
	}
	for i, op := range body.Attestations {
		c.label = "attestation " + strconv.Itoa(i)
		if err := c.processAttestation(s, op); err != nil {
			return wrapOp(err, "attestation", i)
		}
	}
	for i, op := range body.ElectraAttestations { // electra and later (empty before)
		c.label = "attestation " + strconv.Itoa(i)
		if err := c.processAttestationElectra(s, op); err != nil {
			return wrapOp(err, "attestation", i)
		}
	}
	for i, op := range body.Deposits {
		c.label = "deposit " + strconv.Itoa(i)
		if err := c.processDeposit(s, op); err != nil {
			return wrapOp(err, "deposit", i)
		}
	}
	for i, op := range body.VoluntaryExits {
		c.label = "voluntary exit " + strconv.Itoa(i)
		if err := c.processVoluntaryExit(s, op); err != nil {
			return wrapOp(err, "voluntary exit", i)
		}
	}
	for i, op := range body.BLSToExecutionChanges { // capella and later (empty before)
		c.label = "bls to execution change " + strconv.Itoa(i)
		if err := c.processBLSToExecutionChange(s, op); err != nil {
			return wrapOp(err, "bls to execution change", i)
		}
	}
	if s.ForkName >= forks.Electra {
		c.label = "execution requests"
		if err := c.processExecutionRequests(s, body.ExecutionRequests); err != nil {
			return err
		}
	}
	c.label = ""
	return nil
}

// wrapOp prefixes a rule error with the operation's position in the block.
func wrapOp(err error, what string, i int) error {
	if re, ok := err.(*RuleError); ok {
		return &RuleError{Fn: re.Fn, Rule: what + " " + strconv.Itoa(i) + ": " + re.Rule}
	}
	return err
}
