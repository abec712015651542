package node

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/da/custody"
	"github.com/libp2pc/libp2pc/libp2pc/da/dafixture"
	"github.com/libp2pc/libp2pc/libp2pc/da/gossipcheck"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/eth2"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossip"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqrespnet"
)

// daFacts is the chain the receiving node's rules read: the parent known
// and valid, the finalized checkpoint its ancestor, the fixture's keys and
// proposer. (The verdicts are gossipcheck's.)
type daFacts struct {
	parent   [32]byte
	pubkeys  [][48]byte
	proposer uint64
}

func (f *daFacts) Finalized() (uint64, [32]byte) { return 0, [32]byte{0xf1} }
func (f *daFacts) Block(root [32]byte) (uint64, gossipcheck.BlockState) {
	if root == f.parent {
		return 1, gossipcheck.BlockValid
	}
	return 0, gossipcheck.BlockUnknown
}
func (f *daFacts) CheckpointBlock(root [32]byte, _ uint64) ([32]byte, bool) {
	return [32]byte{0xf1}, root == f.parent
}
func (f *daFacts) ProposerPubkey(i uint64) ([48]byte, bool, error) {
	if i >= uint64(len(f.pubkeys)) {
		return [48]byte{}, false, nil
	}
	return f.pubkeys[i], true, nil
}
func (f *daFacts) ExpectedProposer([32]byte, uint64) (uint64, error) { return f.proposer, nil }

// recordingSink is a DASink keeping what it was given.
type recordingSink struct {
	mu      sync.Mutex
	columns []*fulu.DataColumnSidecar
	blobs   []*deneb.BlobSidecar
}

func (s *recordingSink) AddVerifiedBlobSidecar(sc *deneb.BlobSidecar) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blobs = append(s.blobs, sc)
	return nil
}

func (s *recordingSink) AddVerifiedDataColumnSidecar(sc *fulu.DataColumnSidecar) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.columns = append(s.columns, sc)
	return nil
}

func (s *recordingSink) columnIndices() []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []uint64
	for _, c := range s.columns {
		out = append(out, c.Index)
	}
	return out
}

// testKZG is the KZG context, set up once for the package's tests (most
// of their time under -race: the setup's point checks).
func testKZG(t *testing.T) *kzg.Context {
	t.Helper()
	ctx, err := kzg.Default()
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// denebEth2Config: every fork up to deneb at epoch 0.
func denebEth2Config(genesis time.Time) Eth2Config {
	c := testEth2Config(genesis, 0, 0)
	s := &forkdigest.Schedule{GenesisValidatorsRoot: [32]byte{1, 2, 3}}
	for f := eth2.Phase0; f <= eth2.Deneb; f++ {
		s.Forks = append(s.Forks, forkdigest.ForkEntry{Fork: f, Version: [4]byte{byte(f), 0, 0, 9}, Epoch: 0})
	}
	c.Schedule = s
	return c
}

// Blob sidecars on a deneb network: b joins blob_sidecar_{0..5}; the good
// sidecar reaches its sink, one sent on another subnet and one whose blob
// was changed are rejected.
func TestDAGossipBlobs(t *testing.T) {
	c := denebEth2Config(time.Now())
	a, ra := startEth2Node(t, c, nil)
	b, rb := startEth2Node(t, c, nil)
	connectPair(t, a, ra, b, rb, "/tcp/")
	ctx := testKZG(t)
	parent := [32]byte{0xbb, 3}
	blobs := dafixture.Blobs(t, ctx, dafixture.BlockSpec{Slot: 3, Proposer: 4, Parent: parent, Blobs: 2, Seed: 9})
	pubkeys, err := dafixture.Pubkeys()
	if err != nil {
		t.Fatal(err)
	}
	sink := &recordingSink{}
	if err := b.StartDAGossip(DAGossipConfig{Chain: &daFacts{parent: parent, pubkeys: pubkeys, proposer: 4},
		Spec: dafixture.Spec(), GenesisTime: time.Now().Add(-3 * dafixture.SecondsPerSlot * time.Second),
		GenesisValidatorsRoot: &dafixture.GenesisValidatorsRoot, KZG: ctx, Sink: sink, Blobs: true}); err != nil {
		t.Fatal(err)
	}
	digest := digestOf(t, c, 0)
	topic := func(subnet int) string {
		return gossip.FormatTopic(digest, fmt.Sprintf("%s_%d", gossip.BlobSidecar, subnet))
	}
	for _, s := range []int{0, 1} {
		if _, err := a.Eth2Subscribe(fmt.Sprintf("%s_%d", gossip.BlobSidecar, s), ValidateNone); err != nil {
			t.Fatal(err)
		}
		ra.waitFor(t, "b in blob subnet", joinedTopic(b.ID(), topic(s)))
	}
	encode := func(sc *deneb.BlobSidecar) []byte {
		ssz, err := sc.MarshalSSZ()
		if err != nil {
			t.Fatal(err)
		}
		return ssz
	}
	changed := *blobs[0]
	changed.Blob = slices.Clone(changed.Blob)
	changed.Blob[99]++
	eth2Pub(t, a, ra, topic(1), encode(blobs[1]))
	eth2Pub(t, a, ra, topic(1), encode(blobs[0])) // blob 0 on subnet 1
	eth2Pub(t, a, ra, topic(0), encode(&changed))
	deadline := time.Now().Add(20 * time.Second)
	var cs DAGossipCounters
	for ; time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cs = b.DAGossipCounters(); cs.BlobsAccepted+cs.BlobsRejected >= 3 {
			break
		}
	}
	if cs.BlobsAccepted != 1 || cs.BlobsRejected != 2 {
		t.Fatalf("counters %+v", cs)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.blobs) != 1 || sink.blobs[0].Index != 1 {
		t.Fatalf("sink got %d blobs", len(sink.blobs))
	}
	reasons := b.Eth2Counters().Reasons
	if reasons["blob_sidecar: wrong_subnet"] != 1 || reasons["blob_sidecar: kzg_proof"] != 1 {
		t.Fatalf("reasons %v", reasons)
	}
}

// fuluEth2Config: every fork up to fulu at epoch 0.
func fuluEth2Config(genesis time.Time) Eth2Config {
	c := testEth2Config(genesis, 0, 0)
	s := &forkdigest.Schedule{GenesisValidatorsRoot: [32]byte{1, 2, 3}, MaxBlobsPerBlockElectra: 9,
		BlobSchedule: []forkdigest.BlobParameters{{Epoch: 0, MaxBlobsPerBlock: 12}}}
	for f := eth2.Phase0; f <= eth2.Fulu; f++ {
		s.Forks = append(s.Forks, forkdigest.ForkEntry{Fork: f, Version: [4]byte{byte(f), 0, 0, 9}, Epoch: 0})
	}
	c.Schedule = s
	return c
}

// Two nodes on a fulu network: a publishes data column sidecars on the
// subnets b samples; b validates them with every gossip rule. A good
// column is accepted and reaches b's sink; a column with a bad cell proof,
// one with a wrong inclusion proof and one on the wrong subnet are
// rejected, not delivered, and a's score at b goes down. b's custody group
// count is in its MetaData v3.
func TestDAGossipTwoNodes(t *testing.T) {
	c := fuluEth2Config(time.Now())
	a, ra := startEth2Node(t, c, nil)
	b, rb := startEth2Node(t, c, nil)
	connectPair(t, a, ra, b, rb, "/tcp/")

	start := time.Now()
	ctx := testKZG(t)
	slot := uint64(dafixture.FuluEpoch*config.SlotsPerEpoch + 3)
	parent := [32]byte{0xaa, 2}
	columns := dafixture.Columns(t, ctx, dafixture.BlockSpec{Slot: slot, Proposer: 5, Parent: parent, Blobs: 1, Seed: 7})
	t.Logf("KZG setup and 128 columns: %v", time.Since(start))
	pubkeys, err := dafixture.Pubkeys()
	if err != nil {
		t.Fatal(err)
	}
	sink := &recordingSink{}
	genesis := time.Now().Add(-time.Duration(slot) * dafixture.SecondsPerSlot * time.Second)
	if err := b.StartDAGossip(DAGossipConfig{Chain: &daFacts{parent: parent, pubkeys: pubkeys, proposer: 5},
		Spec: dafixture.Spec(), GenesisTime: genesis, GenesisValidatorsRoot: &dafixture.GenesisValidatorsRoot,
		KZG: ctx, Sink: sink, Columns: true}); err != nil {
		t.Fatal(err)
	}
	local := b.Custody()
	if local == nil || local.CustodyGroupCount() != custody.Mainnet.CustodyRequirement {
		t.Fatalf("custody %+v", local)
	}
	sampling := local.SamplingColumns()
	if len(sampling) < 3 {
		t.Fatalf("sampling columns %v", sampling)
	}
	// b's metadata carries its cgc.
	b.rr.mu.Lock()
	md := b.rr.metadata
	b.rr.mu.Unlock()
	if md == nil || md.CustodyGroupCount != local.CustodyGroupCount() {
		t.Fatalf("metadata %+v, want cgc %d", md, local.CustodyGroupCount())
	}

	digest := digestOf(t, c, 0)
	subnetTopic := func(subnet uint64) string {
		return gossip.FormatTopic(digest, fmt.Sprintf("%s_%d", gossip.DataColumnSidecar, subnet))
	}
	// The misplaced column (one b does not sample) goes out on good's subnet.
	good, badProof, badInclusion := sampling[0], sampling[1], sampling[2]
	misplaced := uint64(0)
	for slices.Contains(sampling, misplaced) {
		misplaced++
	}
	for _, col := range []uint64{good, badProof, badInclusion} {
		name := fmt.Sprintf("%s_%d", gossip.DataColumnSidecar, col)
		if _, err := a.Eth2Subscribe(name, ValidateNone); err != nil {
			t.Fatal(err)
		}
	}
	for _, col := range []uint64{good, badProof, badInclusion} {
		ra.waitFor(t, "b in column subnet", joinedTopic(b.ID(), subnetTopic(col)))
	}
	encode := func(sc *fulu.DataColumnSidecar) []byte {
		ssz, err := sc.MarshalSSZ()
		if err != nil {
			t.Fatal(err)
		}
		return ssz
	}
	bad1 := *columns[badProof]
	bad1.KZGProofs = slices.Clone(bad1.KZGProofs)
	bad1.KZGProofs[0] = columns[misplaced].KZGProofs[0] // a valid point, the proof of another cell
	bad2 := *columns[badInclusion]
	bad2.KZGCommitmentsInclusionProof = slices.Clone(bad2.KZGCommitmentsInclusionProof)
	bad2.KZGCommitmentsInclusionProof[1][0] ^= 1
	// The good one first: after the rejections b may graylist a.
	eth2Pub(t, a, ra, subnetTopic(good), encode(columns[good]))
	eth2Pub(t, a, ra, subnetTopic(badProof), encode(&bad1))
	eth2Pub(t, a, ra, subnetTopic(badInclusion), encode(&bad2))
	eth2Pub(t, a, ra, subnetTopic(good), encode(columns[misplaced]))

	deadline := time.Now().Add(20 * time.Second)
	var cs DAGossipCounters
	for ; time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cs = b.DAGossipCounters(); cs.ColumnsAccepted+cs.ColumnsRejected >= 4 {
			break
		}
	}
	if cs.ColumnsAccepted != 1 || cs.ColumnsRejected != 3 || cs.ColumnsIgnored != 0 {
		t.Fatalf("counters %+v", cs)
	}
	if got := sink.columnIndices(); !slices.Equal(got, []uint64{good}) {
		t.Fatalf("sink got columns %v, want [%d]", got, good)
	}
	reasons := b.Eth2Counters().Reasons
	for _, r := range []string{"data_column_sidecar: kzg_proof", "data_column_sidecar: inclusion_proof", "data_column_sidecar: wrong_subnet"} {
		if reasons[r] != 1 {
			t.Errorf("reason %q counted %d times, want 1 (reasons %v)", r, reasons[r], reasons)
		}
	}
	// a's score at b: three invalid deliveries.
	var invalid float64
	for ; time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		invalid = 0
		if s := b.Eth2PeerScores()[a.ID()]; s != nil {
			for _, ts := range s.Topics {
				invalid += ts.InvalidMessageDeliveries
			}
			if invalid >= 2.5 && s.Score < 0 {
				break
			}
		}
	}
	if s := b.Eth2PeerScores()[a.ID()]; s == nil || s.Score >= 0 || invalid < 2.5 {
		t.Fatalf("a's score at b: %+v (invalid deliveries %v), want negative after 3 rejections", s, invalid)
	}

	// Req/resp: a serves the block's columns; b, knowing a custodies
	// everything (its MetaData says 128), fetches its sampling columns.
	src := &columnSource{columns: map[uint64][]byte{}}
	src.root, _ = columns[0].SignedBlockHeader.Message.HashTreeRoot()
	for _, sc := range columns {
		src.columns[sc.Index] = encode(sc)
	}
	if _, err := a.ServeDASidecars(src, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.PeerCustody().SetFromMetadata(a.ID(), reqrespnet.Metadata{SeqNumber: 1, CustodyGroupCount: 128}); err != nil {
		t.Fatal(err)
	}
	fetcher, err := b.DAFetcher(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	fctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	fetched, err := fetcher.FetchDataColumnSidecars(fctx, src.root, slot, sampling)
	if err != nil {
		t.Fatalf("fetch: %v (%+v)", err, fetcher.Stats())
	}
	var got []uint64
	for _, sc := range fetched {
		got = append(got, sc.Index)
	}
	if !slices.Equal(got, sampling) {
		t.Fatalf("fetched columns %v, want %v", got, sampling)
	}
}

// columnSource serves one block's columns (a dareqresp.Source).
type columnSource struct {
	root    [32]byte
	columns map[uint64][]byte
}

func (s *columnSource) BlobSidecars([32]byte, []uint64) ([][]byte, error) { return nil, nil }
func (s *columnSource) DataColumnSidecars(root [32]byte, cols []uint64) ([][]byte, error) {
	var out [][]byte
	for _, c := range cols {
		if b, ok := s.columns[c]; ok && root == s.root {
			out = append(out, b)
		}
	}
	return out, nil
}
func (s *columnSource) BlobSidecarsByRange(uint64, uint64) ([][]byte, error) { return nil, nil }
func (s *columnSource) DataColumnSidecarsByRange(uint64, uint64, []uint64) ([][]byte, error) {
	return nil, nil
}
func (s *columnSource) EarliestSidecarSlot() uint64 { return 0 }

// A peer's custody from its MetaData v3: b raises its count to 32; a,
// asking b's metadata, files 32 and b's columns as b computes them.
func TestDAGossipPeerCustodyFromMetadata(t *testing.T) {
	c := fuluEth2Config(time.Now())
	a, ra := startEth2Node(t, c, nil)
	b, rb := startEth2Node(t, c, nil)
	connectPair(t, a, ra, b, rb, "/tcp/")
	ctx := testKZG(t)
	for _, n := range []*Node{a, b} {
		if err := n.StartDAGossip(DAGossipConfig{Chain: &daFacts{}, Spec: dafixture.Spec(), KZG: ctx, Sink: &recordingSink{}, Columns: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.SetCustodyGroupCount(32); err != nil {
		t.Fatal(err)
	}
	cgc, err := a.RequestPeerCustody(context.Background(), b.ID(), 5*time.Second)
	if err != nil || cgc != 32 {
		t.Fatalf("b's custody group count %d, %v; want 32", cgc, err)
	}
	cols, ok := a.PeerCustody().Columns(b.ID())
	if !ok || !slices.Equal(cols, b.Custody().Columns()) {
		t.Fatalf("a's view of b's columns %v, b's own %v", cols, b.Custody().Columns())
	}
	for _, col := range b.Custody().Columns() {
		if !slices.Contains(a.PeerCustody().PeersForColumn(col), b.ID()) {
			t.Fatalf("b not listed for its column %d", col)
		}
	}
}

// The custody group count only rises, and the new sampling subnets are
// joined; the metadata follows.
func TestDAGossipRaiseCustody(t *testing.T) {
	c := fuluEth2Config(time.Now())
	n, _ := startEth2Node(t, c, nil)
	ctx, err := kzg.Default()
	if err != nil {
		t.Fatal(err)
	}
	sink := &recordingSink{}
	if err := n.StartDAGossip(DAGossipConfig{Chain: &daFacts{}, Spec: dafixture.Spec(), KZG: ctx, Sink: sink, Columns: true}); err != nil {
		t.Fatal(err)
	}
	if err := n.StartDAGossip(DAGossipConfig{Chain: &daFacts{}, Spec: dafixture.Spec(), KZG: ctx, Sink: sink}); err == nil {
		t.Fatal("second start accepted")
	}
	if err := n.SetCustodyGroupCount(2); err == nil {
		t.Fatal("lowering the custody group count accepted")
	}
	if err := n.SetCustodyGroupCount(32); err != nil {
		t.Fatal(err)
	}
	local := n.Custody()
	if local.CustodyGroupCount() != 32 || len(local.Subnets()) != 32 {
		t.Fatalf("cgc %d, %d subnets", local.CustodyGroupCount(), len(local.Subnets()))
	}
	n.rr.mu.Lock()
	md := *n.rr.metadata
	n.rr.mu.Unlock()
	if md.CustodyGroupCount != 32 {
		t.Fatalf("metadata %+v", md)
	}
	deadline := time.Now().Add(10 * time.Second)
	for ; time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if len(n.DAGossipCounters().Topics) == 32 && joinedAll(n, c, local.Subnets()) {
			return
		}
	}
	t.Fatalf("topics %v", n.DAGossipCounters().Topics)
}

func joinedAll(n *Node, c Eth2Config, subnets []uint64) bool {
	d, err := c.Schedule.Digest(0)
	if err != nil {
		return false
	}
	for _, s := range subnets {
		if _, ok := n.eth2.joined.Load(gossip.FormatTopic(d, fmt.Sprintf("%s_%d", gossip.DataColumnSidecar, s))); !ok {
			return false
		}
	}
	return true
}
