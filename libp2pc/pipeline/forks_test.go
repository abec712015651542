package pipeline

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/bls"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// The AnyFork tests run a synthetic chain that starts in phase0 and
// crosses the altair (epoch 1) and bellatrix (epoch 2) upgrades: blocks
// with full attestations and, from altair, full sync aggregates (bellatrix
// blocks carry the empty pre-merge payload).

const (
	anyAltairEpoch    = 1
	anyBellatrixEpoch = 2
)

// anyConfig is testchain's config with altair and bellatrix scheduled.
func anyConfig() *config.Config {
	cfg := testchain.Config()
	cfg.SecondsPerSlot = testSecondsPerSlot
	cfg.Raw = map[string]string{
		"ALTAIR_FORK_VERSION":    "0x01000001",
		"ALTAIR_FORK_EPOCH":      "1",
		"BELLATRIX_FORK_VERSION": "0x02000001",
		"BELLATRIX_FORK_EPOCH":   "2",
	}
	return cfg
}

// anyChain produces signed blocks of any fork on generic states.
type anyChain struct {
	t       testing.TB
	cfg     *config.Config
	tr      AnyFork
	genesis *state.BeaconState
	gRoot   Root
	keys    []*bls.SecretKey
	byKey   map[[48]byte]uint64
}

func newAnyChain(t testing.TB) *anyChain {
	t.Helper()
	g, err := testchain.Genesis(testValidators)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := testchain.Keys(testValidators)
	if err != nil {
		t.Fatal(err)
	}
	c := &anyChain{t: t, cfg: anyConfig(), genesis: state.FromPhase0(g), keys: ks, byKey: map[[48]byte]uint64{}}
	c.tr = AnyFork{Cfg: c.cfg}
	for i, v := range g.Validators {
		c.byKey[v.Pubkey] = uint64(i)
	}
	if c.gRoot, _, err = c.tr.Anchor(AnyState(c.genesis)); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *anyChain) sign(s *state.BeaconState, domainType [4]byte, epoch uint64, root [32]byte, key uint64) [96]byte {
	c.t.Helper()
	domain, err := helpers.Domain(s, domainType, epoch)
	if err != nil {
		c.t.Fatal(err)
	}
	sr, err := helpers.SigningRootOfRoot(root, domain)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.keys[key].Sign(sr[:])
}

func (c *anyChain) aggregate(sigs [][96]byte) [96]byte {
	c.t.Helper()
	raw := make([][]byte, len(sigs))
	for i := range sigs {
		raw[i] = sigs[i][:]
	}
	agg, err := bls.Aggregate(raw)
	if err != nil {
		c.t.Fatal(err)
	}
	return agg
}

// produce returns a signed block at slot on pre (not modified) with its
// post-state: attestations of every committee of the previous slot when
// attest, and a full sync aggregate from altair. mutate, if set, edits the
// block before its state root and signature are computed.
func (c *anyChain) produce(pre *state.BeaconState, slot uint64, attest bool, mutate func(*state.BeaconBlock)) (*state.SignedBeaconBlock, *state.BeaconState) {
	c.t.Helper()
	s := pre.Copy()
	if err := transition.AdvanceSlots(c.cfg, s, slot); err != nil {
		c.t.Fatal(err)
	}
	epoch := helpers.CurrentEpoch(s)
	proposer, err := transition.BeaconProposerIndex(s)
	if err != nil {
		c.t.Fatal(err)
	}
	var epochRoot [32]byte
	binary.LittleEndian.PutUint64(epochRoot[:], epoch)
	parent, err := s.LatestBlockHeader.HashTreeRoot()
	if err != nil {
		c.t.Fatal(err)
	}
	eth1 := *s.Eth1Data
	body := &state.BeaconBlockBody{RandaoReveal: c.sign(s, config.DomainRandao, epoch, epochRoot, proposer), Eth1Data: &eth1}
	if attest && slot > 0 {
		body.Attestations = c.attestations(s, slot-1)
	}
	if s.ForkName >= forks.Altair {
		body.SyncAggregate = c.syncAggregate(s)
	}
	if s.ForkName >= forks.Bellatrix {
		body.ExecutionPayload = &deneb.ExecutionPayload{} // pre-merge: the empty payload
	}
	block := &state.BeaconBlock{ForkName: s.ForkName, Slot: slot, ProposerIndex: proposer, ParentRoot: parent, Body: body}
	if mutate != nil {
		mutate(block)
	}
	post := s.Copy()
	if _, err := transition.ProcessBlock(c.cfg, post, block, false, nil); err != nil {
		c.t.Fatalf("produced block at slot %d does not apply: %v", slot, err)
	}
	if block.StateRoot, err = post.HashTreeRoot(); err != nil {
		c.t.Fatal(err)
	}
	root, err := block.HashTreeRoot()
	if err != nil {
		c.t.Fatal(err)
	}
	return &state.SignedBeaconBlock{Message: block, Signature: c.sign(s, config.DomainBeaconProposer, epoch, root, proposer)}, post
}

// attestations are one full attestation per committee of attSlot.
func (c *anyChain) attestations(s *state.BeaconState, attSlot uint64) []*phase0.Attestation {
	c.t.Helper()
	target := helpers.ComputeEpochAtSlot(attSlot)
	source := *s.CurrentJustifiedCheckpoint
	if target != helpers.CurrentEpoch(s) {
		source = *s.PreviousJustifiedCheckpoint
	}
	targetRoot, err := helpers.BlockRoot(s, target)
	if err != nil {
		c.t.Fatal(err)
	}
	head, err := helpers.BlockRootAtSlot(s, attSlot)
	if err != nil {
		c.t.Fatal(err)
	}
	var out []*phase0.Attestation
	for ci := uint64(0); ci < helpers.CommitteeCountPerSlot(s, target); ci++ {
		committee, err := helpers.BeaconCommittee(s, attSlot, ci)
		if err != nil {
			c.t.Fatal(err)
		}
		data := &phase0.AttestationData{Slot: attSlot, Index: ci, BeaconBlockRoot: head,
			Source: &phase0.Checkpoint{Epoch: source.Epoch, Root: source.Root},
			Target: &phase0.Checkpoint{Epoch: target, Root: targetRoot}}
		root, err := data.HashTreeRoot()
		if err != nil {
			c.t.Fatal(err)
		}
		sigs := make([][96]byte, len(committee))
		bits := make([]byte, len(committee)/8+1)
		for i, v := range committee {
			sigs[i] = c.sign(s, config.DomainBeaconAttester, target, root, v)
			bits[i/8] |= 1 << (i % 8)
		}
		bits[len(committee)/8] |= 1 << (len(committee) % 8)
		out = append(out, &phase0.Attestation{AggregationBits: bits, Data: data, Signature: c.aggregate(sigs)})
		if len(out) == config.MaxAttestations {
			break
		}
	}
	return out
}

// syncAggregate is every sync committee member signing the previous
// slot's block root.
func (c *anyChain) syncAggregate(s *state.BeaconState) *altair.SyncAggregate {
	c.t.Helper()
	prev := max(s.Slot, 1) - 1
	root, err := helpers.BlockRootAtSlot(s, prev)
	if err != nil {
		c.t.Fatal(err)
	}
	members := s.CurrentSyncCommittee.Pubkeys
	agg := &altair.SyncAggregate{}
	sigOf := map[uint64][96]byte{} // members repeat (64 validators)
	sigs := make([][96]byte, len(members))
	for i, pk := range members {
		v := c.byKey[pk]
		sig, ok := sigOf[v]
		if !ok {
			sig = c.sign(s, config.DomainSyncCommittee, helpers.ComputeEpochAtSlot(prev), root, v)
			sigOf[v] = sig
		}
		sigs[i] = sig
		agg.SyncCommitteeBits[i/8] |= 1 << (i % 8)
	}
	agg.SyncCommitteeSignature = c.aggregate(sigs)
	return agg
}

type anyBlockRec struct {
	ssz   []byte
	root  Root
	slot  uint64
	fork  forks.Fork
	post  *state.BeaconState
	atts  int
	valid bool
}

func (c *anyChain) record(sb *state.SignedBeaconBlock, post *state.BeaconState, valid bool) anyBlockRec {
	c.t.Helper()
	ssz, err := sb.MarshalSSZ()
	if err != nil {
		c.t.Fatal(err)
	}
	root, err := sb.Message.HashTreeRoot()
	if err != nil {
		c.t.Fatal(err)
	}
	return anyBlockRec{ssz: ssz, root: root, slot: sb.Message.Slot, fork: sb.Message.ForkName, post: post,
		atts: len(sb.Message.Body.Attestations), valid: valid}
}

// build makes a chain over slots 1..last (every slot), attestations in
// every block. (attestations_test.go uses it too.)
func (c *anyChain) build(last uint64) []anyBlockRec { return c.buildSlots(slotRange(1, last)) }

// buildSlots makes a chain with a block at each of slots (increasing),
// attestations in every block.
func (c *anyChain) buildSlots(slots []uint64) []anyBlockRec {
	var out []anyBlockRec
	pre := c.genesis
	for _, slot := range slots {
		sb, post := c.produce(pre, slot, true, nil)
		out = append(out, c.record(sb, post, true))
		pre = post
	}
	return out
}

// slotRange is from..to.
func slotRange(from, to uint64) []uint64 {
	var out []uint64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

// crossForkSlots are the slots of the chain across the upgrades, up to
// last: every slot with the minimal preset (attestations then justify);
// with the mainnet one (32-slot epochs, mainnet-sized states hashed in
// full from altair on) only the slots around each epoch boundary, to keep
// the race-detector run short.
func crossForkSlots(last uint64) (slots []uint64, everySlot bool) {
	spe := uint64(config.SlotsPerEpoch)
	if spe <= 8 {
		return slotRange(1, last), true
	}
	for e := uint64(0); e*spe <= last; e++ {
		for s := max(e*spe, 2) - 1; s <= min(e*spe+2, last); s++ {
			if len(slots) == 0 || s > slots[len(slots)-1] {
				slots = append(slots, s)
			}
		}
	}
	return slots, false
}

func TestAnyForkDecodeAtForkBoundary(t *testing.T) {
	c := newAnyChain(t)
	spe := uint64(config.SlotsPerEpoch)
	for slot, want := range map[uint64]forks.Fork{0: forks.Phase0, spe - 1: forks.Phase0, spe: forks.Altair,
		2*spe - 1: forks.Altair, 2 * spe: forks.Bellatrix, 100 * spe: forks.Bellatrix} {
		if f, err := c.tr.ForkAtSlot(slot); err != nil || f != want {
			t.Errorf("fork at slot %d: %v %v, want %v", slot, f, err, want)
		}
	}
	blocks := c.build(spe + 1) // the last phase0 block at spe-1, altair from spe
	for _, b := range blocks {
		blk, err := c.tr.DecodeBlock(b.ssz)
		if err != nil {
			t.Fatalf("decode block at slot %d: %v", b.slot, err)
		}
		ab := blk.(*anyBlock)
		if ab.Fork() != b.fork || blk.Root() != b.root || blk.Slot() != b.slot {
			t.Errorf("slot %d: decoded %v root %x, want %v %x", b.slot, ab.Fork(), blk.Root(), b.fork, b.root)
		}
		wantFork := forks.Phase0
		if b.slot >= spe {
			wantFork = forks.Altair
		}
		if b.fork != wantFork {
			t.Errorf("slot %d produced as %v", b.slot, b.fork)
		}
		// The post-state round-trips with the fork of its slot.
		enc, err := c.tr.EncodeState(AnyState(b.post))
		if err != nil {
			t.Fatal(err)
		}
		st, err := c.tr.DecodeState(enc)
		if err != nil {
			t.Fatalf("decode state at slot %d: %v", b.slot, err)
		}
		want, _ := b.post.HashTreeRoot()
		got, _ := c.tr.Generic(st).HashTreeRoot()
		if st.(*AnyForkState).Fork() != wantFork || got != want || got != blk.StateRoot() {
			t.Errorf("state at slot %d: fork %v root %x, want %v %x", b.slot, st.(*AnyForkState).Fork(), got, wantFork, want)
		}
	}
	// The same bytes read at the other side of the boundary are another
	// container: a phase0 block whose slot is rewritten into altair does
	// not decode (phase0 bodies lack the sync aggregate).
	last := blocks[spe-2] // slot spe-1, phase0
	moved := append([]byte(nil), last.ssz...)
	binary.LittleEndian.PutUint64(moved[signedBlockSlotOffset:], spe)
	if _, err := c.tr.DecodeBlock(moved); err == nil {
		t.Errorf("a phase0 block encoding at an altair slot decoded")
	}
	for _, bad := range [][]byte{nil, make([]byte, 50), append([]byte{1, 0, 0, 0}, make([]byte, 200)...)} {
		if _, err := c.tr.DecodeBlock(bad); err == nil {
			t.Errorf("%d bytes decoded as a block", len(bad))
		}
	}
	if _, err := c.tr.DecodeState(make([]byte, 20)); err == nil {
		t.Errorf("a 20-byte state decoded")
	}
}

// anyPipeline starts a pipeline with AnyFork on a fresh store anchored at
// the chain's phase0 genesis, its clock after last.
func (c *anyChain) pipeline(t *testing.T, last uint64, ev Events) *Pipeline {
	t.Helper()
	return c.pipelineWith(t, last, nil, ev)
}

// pipelineWith is pipeline with a fetcher (parent downloads).
func (c *anyChain) pipelineWith(t *testing.T, last uint64, f Fetcher, ev Events) *Pipeline {
	t.Helper()
	st, err := store.Open(t.TempDir(), testStoreOpts)
	if err != nil {
		t.Fatal(err)
	}
	if err := Init(st, c.tr, AnyState(c.genesis)); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(int64(c.genesis.GenesisTime+(last+1)*testSecondsPerSlot), 0)
	p, err := Start(Config{GenesisTime: c.genesis.GenesisTime, SecondsPerSlot: testSecondsPerSlot,
		Now: func() time.Time { return now }}, st, c.tr, f, ev)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(); st.Close() })
	return p
}

// TestAnyForkPipelineAcrossForks imports a chain from phase0 through the
// altair and bellatrix upgrades (signatures verified, state roots
// checked), with gossip validation of the first block of each fork, then
// rejects invalid blocks of the new forks naming the rule.
func TestAnyForkPipelineAcrossForks(t *testing.T) {
	c := newAnyChain(t)
	spe := uint64(config.SlotsPerEpoch)
	last := (anyBellatrixEpoch+1)*spe + 2 // justification starts at the end of epoch 2
	slots, everySlot := crossForkSlots(last)
	blocks := c.buildSlots(slots)
	rec := newRecorder()
	p := c.pipeline(t, last+1, rec)
	votes := 0
	for _, b := range blocks {
		if b.slot%spe == 0 { // first block of a fork (and of an epoch): proposer on the upgraded state
			if r, reason := p.ValidateGossipBlock(b.ssz, time.Unix(int64(c.genesis.GenesisTime+b.slot*testSecondsPerSlot), 0)); r != Accept {
				t.Fatalf("gossip validation of the %v block at slot %d: %v %s", b.fork, b.slot, r, reason)
			}
		}
		res := p.Import(b.ssz, "")
		if res.State != Included {
			t.Fatalf("%v block at slot %d: %v %s", b.fork, b.slot, res.State, res.Rule)
		}
		pre, err := p.loadState(b.root)
		if err != nil {
			t.Fatal(err)
		}
		if f := pre.(*AnyForkState).Fork(); f != b.fork {
			t.Errorf("post-state of slot %d is %v, the block %v", b.slot, f, b.fork)
		}
		blk, _ := c.tr.DecodeBlock(b.ssz)
		vs, err := c.tr.Votes(pre, blk)
		if err != nil || len(vs) != b.atts {
			t.Errorf("votes of slot %d: %d (%v), want %d", b.slot, len(vs), err, b.atts)
		}
		for _, v := range vs {
			votes += len(v.Indices)
		}
	}
	if votes == 0 {
		t.Errorf("no attesting indices in any vote")
	}
	if h := p.Head(); h != blocks[len(blocks)-1].root {
		t.Errorf("head %x, want the last block %x", h[:4], blocks[len(blocks)-1].root[:4])
	}
	just, fin := p.Store().Checkpoints()
	t.Logf("%d blocks phase0..bellatrix imported; %d attesting votes; justified %d finalized %d", len(blocks), votes, just.Epoch, fin.Epoch)
	if everySlot && just.Epoch < anyBellatrixEpoch {
		t.Errorf("justified epoch %d: full attestations across the forks should justify", just.Epoch)
	}
	// A post-state computed by the pipeline equals the producer's.
	lastRec := blocks[len(blocks)-1]
	got, _ := p.loadState(lastRec.root)
	r1, _ := c.tr.Generic(got).HashTreeRoot()
	r2, _ := lastRec.post.HashTreeRoot()
	if r1 != r2 {
		t.Errorf("last post-state root %x, producer's %x", r1[:4], r2[:4])
	}

	// Invalid blocks on the bellatrix head, each with its rule.
	head := lastRec.post
	cases := []struct {
		name, rule string
		block      func() []byte
	}{
		{"wrong state root", "state_transition: block.state_root", func() []byte {
			sb, _ := c.produce(head, last+1, false, nil)
			sb.Message.StateRoot[0] ^= 1
			root, _ := sb.Message.HashTreeRoot()
			s := head.Copy()
			_ = transition.AdvanceSlots(c.cfg, s, last+1)
			sb.Signature = c.sign(s, config.DomainBeaconProposer, helpers.CurrentEpoch(s), root, sb.Message.ProposerIndex)
			return c.record(sb, nil, false).ssz
		}},
		{"sync aggregate signed by nobody", "signature", func() []byte {
			sb, _ := c.produce(head, last+1, false, func(b *state.BeaconBlock) {
				b.Body.SyncAggregate.SyncCommitteeSignature = b.Body.RandaoReveal // a valid point, not the aggregate
			})
			return c.record(sb, nil, false).ssz
		}},
		{"payload on a pre-merge chain with a wrong timestamp", "process_execution_payload", func() []byte {
			sb, _ := c.produce(head, last+1, false, nil)
			s := head.Copy()
			_ = transition.AdvanceSlots(c.cfg, s, last+1)
			sb.Message.Body.ExecutionPayload = &deneb.ExecutionPayload{PrevRandao: helpers.RandaoMix(s, helpers.CurrentEpoch(s)),
				BlockNumber: 1, Timestamp: 1}
			root, _ := sb.Message.HashTreeRoot()
			sb.Signature = c.sign(s, config.DomainBeaconProposer, helpers.CurrentEpoch(s), root, sb.Message.ProposerIndex)
			return c.record(sb, nil, false).ssz
		}},
	}
	for _, tc := range cases {
		res := p.Import(tc.block(), "")
		if res.State != Invalid || !strings.Contains(res.Rule, tc.rule) {
			t.Errorf("%s: %v %q, want Invalid naming %q", tc.name, res.State, res.Rule, tc.rule)
		} else {
			t.Logf("%s: Invalid: %s", tc.name, res.Rule)
		}
	}
	// A valid bellatrix block on the same parent still imports.
	sb, _ := c.produce(head, last+1, true, nil)
	if res := p.Import(c.record(sb, nil, true).ssz, ""); res.State != Included {
		t.Errorf("valid block after the invalid ones: %v %s", res.State, res.Rule)
	}
	// The wrong proposer's signature fails gossip validation.
	sb, _ = c.produce(head, last+2, false, nil)
	sb.Message.ProposerIndex = (sb.Message.ProposerIndex + 1) % testValidators
	if r, reason := p.ValidateGossipBlock(c.record(sb, nil, false).ssz, time.Unix(int64(c.genesis.GenesisTime+(last+2)*testSecondsPerSlot), 0)); r != Reject ||
		!strings.Contains(reason, "proposer index") {
		t.Errorf("wrong proposer: %v %s", r, reason)
	}
}
