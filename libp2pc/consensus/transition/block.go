package transition

import (
	"encoding/binary"
	"strconv"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/bls"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// blockContext carries what stays fixed while one block is processed: the
// config, the signatures queued for one batch verification (nil when
// signatures are not checked), the committees of the epochs attestations may
// target, and the proposer index. Within a block no validator's activity
// changes for the current or previous epoch (exits and activations land at
// least MAX_SEED_LOOKAHEAD epochs ahead) and the RANDAO mix the seeds use is
// not the one process_randao writes, so these caches stay exact.
type blockContext struct {
	cfg        *config.Config
	sigs       *bls.Batch
	committees map[uint64]*helpers.EpochCommittees
	proposer   *uint64
	label      string // operation being processed, for signature errors
}

func newBlockContext(cfg *config.Config, verifySignatures bool) *blockContext {
	c := &blockContext{cfg: cfg, committees: map[uint64]*helpers.EpochCommittees{}}
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

func (c *blockContext) epochCommittees(s *phase0.BeaconState, epoch uint64) *helpers.EpochCommittees {
	ec, ok := c.committees[epoch]
	if !ok {
		ec = helpers.NewEpochCommittees(s, epoch)
		c.committees[epoch] = ec
	}
	return ec
}

func (c *blockContext) proposerIndex(s *phase0.BeaconState) (uint64, error) {
	if c.proposer == nil {
		p, err := helpers.BeaconProposerIndex(s)
		if err != nil {
			return 0, err
		}
		c.proposer = &p
	}
	return *c.proposer, nil
}

// ProcessBlock is process_block, in place. With verifySignatures, every
// signature of the block except the proposer's block signature (see
// VerifyBlockSignature) is checked, in one batch at the end.
func ProcessBlock(cfg *config.Config, s *phase0.BeaconState, block *phase0.BeaconBlock, verifySignatures bool) error {
	ctx := newBlockContext(cfg, verifySignatures)
	if err := ctx.processBlock(s, block); err != nil {
		return err
	}
	return ctx.verifySignatures()
}

func (c *blockContext) processBlock(s *phase0.BeaconState, block *phase0.BeaconBlock) error {
	if err := checkBlockShape(block); err != nil {
		return err
	}
	if err := c.processBlockHeader(s, block); err != nil {
		return err
	}
	if err := c.processRandao(s, block.Body); err != nil {
		return err
	}
	processEth1Data(s, block.Body)
	err := c.processOperations(s, block.Body)
	c.label = ""
	return err
}

// ProcessBlockHeader is process_block_header, in place.
func ProcessBlockHeader(cfg *config.Config, s *phase0.BeaconState, block *phase0.BeaconBlock) error {
	return newBlockContext(cfg, false).processBlockHeader(s, block)
}

func (c *blockContext) processBlockHeader(s *phase0.BeaconState, block *phase0.BeaconBlock) error {
	const fn = "process_block_header"
	if err := checkBlockShape(block); err != nil {
		return err
	}
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
	bodyRoot, err := block.Body.HashTreeRoot()
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

func (c *blockContext) processRandao(s *phase0.BeaconState, body *phase0.BeaconBlockBody) error {
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

func processEth1Data(s *phase0.BeaconState, body *phase0.BeaconBlockBody) {
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

func (c *blockContext) processOperations(s *phase0.BeaconState, body *phase0.BeaconBlockBody) error {
	const fn = "process_operations"
	pending := s.Eth1Data.DepositCount - s.Eth1DepositIndex
	if s.Eth1Data.DepositCount < s.Eth1DepositIndex {
		pending = 0
	}
	if want := min(config.MaxDeposits, pending); uint64(len(body.Deposits)) != want {
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
	for i, op := range body.Attestations {
		c.label = "attestation " + strconv.Itoa(i)
		if err := c.processAttestation(s, op); err != nil {
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
	return nil
}

// wrapOp prefixes a rule error with the operation's position in the block.
func wrapOp(err error, what string, i int) error {
	if re, ok := err.(*RuleError); ok {
		return &RuleError{Fn: re.Fn, Rule: what + " " + strconv.Itoa(i) + ": " + re.Rule}
	}
	return err
}
