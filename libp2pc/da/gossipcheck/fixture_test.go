package gossipcheck

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/da/custody"
	"github.com/libp2pc/libp2pc/libp2pc/da/dafixture"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
)

const (
	electraEpoch = dafixture.ElectraEpoch
	fuluEpoch    = dafixture.FuluEpoch
	bpoEpoch     = dafixture.BPOEpoch
	proposer     = 3
)

var (
	genesisValidatorsRoot = dafixture.GenesisValidatorsRoot
	denebSlot             = uint64(1*config.SlotsPerEpoch + 2)
	fuluSlot              = uint64(fuluEpoch*config.SlotsPerEpoch + 3)
	parentRoot            = [32]byte{0xaa, 1}
	finalizedRoot         = [32]byte{0xf1}
)

func testSpec() *config.Config { return dafixture.Spec() }

// chainFacts is a chain the tests set up by hand: the facts a node's chain
// would report (finalized checkpoint, known blocks, validator keys,
// expected proposers). Verdicts come from the Validator, not from here.
type chainFacts struct {
	mu            sync.Mutex
	finEpoch      uint64
	finRoot       [32]byte
	blocks        map[[32]byte]knownBlock
	checkpoints   map[[32]byte][32]byte // root -> its checkpoint block at finEpoch
	pubkeys       [][48]byte
	proposers     map[uint64]uint64 // slot -> expected proposer
	noShuffling   bool
	noHeadState   bool
	proposerCalls int
}

type knownBlock struct {
	slot  uint64
	state BlockState
}

func newChainFacts(t testing.TB) *chainFacts {
	pubkeys, err := dafixture.Pubkeys()
	if err != nil {
		t.Fatal(err)
	}
	c := &chainFacts{
		pubkeys:     pubkeys,
		finEpoch:    0,
		finRoot:     finalizedRoot,
		blocks:      map[[32]byte]knownBlock{parentRoot: {slot: 1, state: BlockValid}},
		checkpoints: map[[32]byte][32]byte{parentRoot: finalizedRoot},
		proposers:   map[uint64]uint64{denebSlot: proposer, fuluSlot: proposer},
	}
	return c
}

func (c *chainFacts) Finalized() (uint64, [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.finEpoch, c.finRoot
}

func (c *chainFacts) Block(root [32]byte) (uint64, BlockState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.blocks[root]
	if !ok {
		return 0, BlockUnknown
	}
	return b.slot, b.state
}

func (c *chainFacts) CheckpointBlock(root [32]byte, epoch uint64) ([32]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.finEpoch {
		return [32]byte{}, false
	}
	cp, ok := c.checkpoints[root]
	return cp, ok
}

func (c *chainFacts) ProposerPubkey(index uint64) ([48]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.noHeadState {
		return [48]byte{}, false, errors.New("no head state")
	}
	if index >= uint64(len(c.pubkeys)) {
		return [48]byte{}, false, nil
	}
	return c.pubkeys[index], true, nil
}

func (c *chainFacts) ExpectedProposer(parent [32]byte, slot uint64) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.proposerCalls++
	p, ok := c.proposers[slot]
	if c.noShuffling || !ok {
		return 0, errors.New("no state for the shuffling")
	}
	return p, nil
}

// fixture: a signed deneb block with 2 blob sidecars and a signed fulu
// block with its 128 column sidecars (2 blobs), real KZG, real BLS.
type fixture struct {
	kzg     *kzg.Context
	blobs   []*deneb.BlobSidecar
	columns []*fulu.DataColumnSidecar
}

var (
	fixtureOnce sync.Once
	fixtureVal  *fixture
	fixtureErr  error
)

func loadFixture(t testing.TB) *fixture {
	t.Helper()
	fixtureOnce.Do(func() { fixtureVal, fixtureErr = buildFixture(t) })
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return fixtureVal
}

func buildFixture(t testing.TB) (*fixture, error) {
	ctx, err := kzg.Default()
	if err != nil {
		return nil, err
	}
	return &fixture{
		kzg:     ctx,
		blobs:   dafixture.Blobs(t, ctx, dafixture.BlockSpec{Slot: denebSlot, Proposer: proposer, Parent: parentRoot, Blobs: 2, Seed: 15}),
		columns: dafixture.Columns(t, ctx, dafixture.BlockSpec{Slot: fuluSlot, Proposer: proposer, Parent: parentRoot, Blobs: 2, Seed: 15}),
	}, nil
}

func newValidator(t testing.TB, chain *chainFacts) *Validator {
	t.Helper()
	f := loadFixture(t)
	spec := testSpec()
	v, err := New(Config{
		Spec:                  spec,
		GenesisTime:           genesisFor(fuluSlot),
		GenesisValidatorsRoot: genesisValidatorsRoot,
		Custody:               custody.Mainnet,
		KZG:                   f.kzg,
	}, chain)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// genesisFor is a genesis time that makes slot the current slot.
func genesisFor(slot uint64) time.Time {
	return time.Now().Add(-time.Duration(slot) * dafixture.SecondsPerSlot * time.Second)
}

func cloneHeader(h *phase0.SignedBeaconBlockHeader) *phase0.SignedBeaconBlockHeader {
	c := *h
	m := *h.Message
	c.Message = &m
	return &c
}

func cloneColumn(sc *fulu.DataColumnSidecar) *fulu.DataColumnSidecar {
	c := *sc
	c.SignedBlockHeader = cloneHeader(sc.SignedBlockHeader)
	c.Column = slices.Clone(sc.Column)
	c.KZGCommitments = slices.Clone(sc.KZGCommitments)
	c.KZGProofs = slices.Clone(sc.KZGProofs)
	c.KZGCommitmentsInclusionProof = slices.Clone(sc.KZGCommitmentsInclusionProof)
	return &c
}

func cloneBlob(sc *deneb.BlobSidecar) *deneb.BlobSidecar {
	c := *sc
	c.SignedBlockHeader = cloneHeader(sc.SignedBlockHeader)
	c.Blob = slices.Clone(sc.Blob)
	c.KZGCommitmentInclusionProof = slices.Clone(sc.KZGCommitmentInclusionProof)
	return &c
}

func wantResult(t *testing.T, got Result, verdict Verdict, reason string) {
	t.Helper()
	if got.Verdict != verdict || got.Reason != reason {
		t.Fatalf("got %v, want %s %s", got, verdict, reason)
	}
	if verdict != Accept && got.Detail == "" {
		t.Fatalf("%s %s without detail", verdict, reason)
	}
}
