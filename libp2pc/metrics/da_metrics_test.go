package metrics

import (
	"fmt"
	"slices"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

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
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/node"
)

// fixtureChain is the chain the receiving node's column rules read: the
// fixture block's parent known and valid, the finalized checkpoint its
// ancestor, the fixture's keys and proposer (the verdicts are
// gossipcheck's own).
type fixtureChain struct {
	parent   [32]byte
	pubkeys  [][48]byte
	proposer uint64
}

func (f *fixtureChain) Finalized() (uint64, [32]byte) { return 0, [32]byte{0xf1} }
func (f *fixtureChain) Block(root [32]byte) (uint64, gossipcheck.BlockState) {
	if root == f.parent {
		return 1, gossipcheck.BlockValid
	}
	return 0, gossipcheck.BlockUnknown
}
func (f *fixtureChain) CheckpointBlock(root [32]byte, _ uint64) ([32]byte, bool) {
	return [32]byte{0xf1}, root == f.parent
}
func (f *fixtureChain) ProposerPubkey(i uint64) ([48]byte, bool, error) {
	if i >= uint64(len(f.pubkeys)) {
		return [48]byte{}, false, nil
	}
	return f.pubkeys[i], true, nil
}
func (f *fixtureChain) ExpectedProposer([32]byte, uint64) (uint64, error) { return f.proposer, nil }

// discardSink takes accepted sidecars (the test reads the counters).
type discardSink struct{}

func (discardSink) AddVerifiedBlobSidecar(*deneb.BlobSidecar) error            { return nil }
func (discardSink) AddVerifiedDataColumnSidecar(*fulu.DataColumnSidecar) error { return nil }

func fuluConfig() node.Eth2Config {
	c := eth2Config()
	s := &forkdigest.Schedule{GenesisValidatorsRoot: [32]byte{7}, MaxBlobsPerBlockElectra: 9,
		BlobSchedule: []forkdigest.BlobParameters{{Epoch: 0, MaxBlobsPerBlock: 12}}}
	for f := eth2.Phase0; f <= eth2.Fulu; f++ {
		s.Forks = append(s.Forks, forkdigest.ForkEntry{Fork: f, Version: [4]byte{byte(f), 0, 0, 7}, Epoch: 0})
	}
	c.Schedule = s
	return c
}

func startNode(t *testing.T, c node.Eth2Config) (*node.Node, *recorder) {
	t.Helper()
	rec := newRecorder()
	n, err := node.New(node.Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Sink: rec.sink, StopGrace: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.ConfigureEth2(c); err != nil {
		t.Fatal(err)
	}
	req, err := n.Start()
	mustOK(t, rec, req, err, "start")
	t.Cleanup(func() {
		if n.State() == node.StateRunning {
			n.Stop()
		}
		n.Destroy()
		select {
		case <-n.DeliveryFinished():
		case <-time.After(30 * time.Second):
			t.Errorf("node did not finish stopping")
		}
	})
	return n, rec
}

// TestPeerDASMetrics: two fulu nodes over TCP; b runs the DA gossip rules
// (node.StartDAGossip) and a publishes real data column sidecars (the
// fixture's: signed header, KZG cells and proofs) on two of b's sampling
// subnets, one good and one whose cell proof is another cell's. b's
// scrape, parsed by the Prometheus text parser, has every PeerDAS metric
// with its type; the processing counters and the verification
// histograms count both columns (the bad one fails at the KZG batch, so
// both were timed there), successes only the good one, and the custody
// group count is b's.
func TestPeerDASMetrics(t *testing.T) {
	c := fuluConfig()
	a, ra := startNode(t, c)
	b, rb := startNode(t, c)
	exp := New(b)

	// Before DA gossip: no PeerDAS metrics (and no chain).
	text, err := exp.Text()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"beacon_data_column_sidecar_processing_requests_total", "beacon_custody_groups"} {
		if _, ok := parseText(t, text)[name]; ok {
			t.Fatalf("%s before DA gossip", name)
		}
	}

	start := time.Now()
	ctx, err := kzg.Default()
	if err != nil {
		t.Fatal(err)
	}
	slot := uint64(dafixture.FuluEpoch*config.SlotsPerEpoch + 3)
	parent := [32]byte{0xaa, 2}
	columns := dafixture.Columns(t, ctx, dafixture.BlockSpec{Slot: slot, Proposer: 5, Parent: parent, Blobs: 1, Seed: 7})
	t.Logf("KZG setup and 128 columns: %v", time.Since(start))
	pubkeys, err := dafixture.Pubkeys()
	if err != nil {
		t.Fatal(err)
	}
	genesis := time.Now().Add(-time.Duration(slot) * dafixture.SecondsPerSlot * time.Second)
	if err := b.StartDAGossip(node.DAGossipConfig{Chain: &fixtureChain{parent: parent, pubkeys: pubkeys, proposer: 5},
		Spec: dafixture.Spec(), GenesisTime: genesis, GenesisValidatorsRoot: &dafixture.GenesisValidatorsRoot,
		KZG: ctx, Sink: discardSink{}, Columns: true}); err != nil {
		t.Fatal(err)
	}
	sampling := b.Custody().SamplingColumns()
	if len(sampling) < 2 {
		t.Fatalf("sampling columns %v", sampling)
	}
	good, badProof := sampling[0], sampling[1]
	other := uint64(0)
	for slices.Contains(sampling, other) {
		other++
	}

	listen := rb.waitFor(t, "listening", func(e events.Event) bool { return e.Type == events.Listening }).Addrs[0] + "/p2p/" + b.ID().String()
	req, err := a.Dial(listen)
	mustOK(t, ra, req, err, "dial")
	digest := mustDigest(t, a)
	topicOf := func(col uint64) string {
		return gossip.FormatTopic(digest, fmt.Sprintf("%s_%d", gossip.DataColumnSidecar, custody.Mainnet.ComputeSubnetForDataColumnSidecar(col)))
	}
	for _, col := range []uint64{good, badProof} {
		req, err := a.Eth2Subscribe(fmt.Sprintf("%s_%d", gossip.DataColumnSidecar, custody.Mainnet.ComputeSubnetForDataColumnSidecar(col)), node.ValidateNone)
		mustOK(t, ra, req, err, "subscribe a")
	}
	for _, col := range []uint64{good, badProof} {
		topic := topicOf(col)
		ra.waitFor(t, "b in "+topic, func(e events.Event) bool {
			return e.Type == events.TopicPeerJoined && e.PeerID == b.ID().String() && e.Topic == topic
		})
	}
	bad := *columns[badProof]
	bad.KZGProofs = slices.Clone(bad.KZGProofs)
	bad.KZGProofs[0] = columns[other].KZGProofs[0] // a valid point, the proof of another cell
	for _, sc := range []*fulu.DataColumnSidecar{columns[good], &bad} {
		ssz, err := sc.MarshalSSZ()
		if err != nil {
			t.Fatal(err)
		}
		req, err := a.Eth2Publish(topicOf(sc.Index), ssz)
		mustOK(t, ra, req, err, "publish column")
	}
	deadline := time.Now().Add(20 * time.Second)
	for ; time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if dc := b.DAGossipCounters(); dc.ColumnsAccepted+dc.ColumnsRejected+dc.ColumnsIgnored >= 2 {
			break
		}
	}
	t.Logf("columns published and validated: %v", time.Since(start))
	dc := b.DAGossipCounters()
	if dc.ColumnsAccepted != 1 || dc.ColumnsRejected != 1 {
		t.Fatalf("b's column verdicts %+v", dc)
	}

	text, err = exp.Text()
	if err != nil {
		t.Fatal(err)
	}
	mfs := parseText(t, text)
	checks := []struct {
		name string
		typ  dto.MetricType
		want float64 // the counter or gauge value, a histogram's sample count
	}{
		{"beacon_data_column_sidecar_processing_requests_total", dto.MetricType_COUNTER, 2},
		{"beacon_data_column_sidecar_processing_successes_total", dto.MetricType_COUNTER, 1},
		{"beacon_data_column_sidecar_gossip_verification_seconds", dto.MetricType_HISTOGRAM, 2},
		{"beacon_kzg_verification_data_column_batch_seconds", dto.MetricType_HISTOGRAM, 2},
		{"beacon_custody_groups", dto.MetricType_GAUGE, float64(custody.Mainnet.CustodyRequirement)},
	}
	for _, c := range checks {
		mf := mfs[c.name]
		if mf == nil {
			t.Errorf("no %s in the scrape", c.name)
			continue
		}
		if mf.GetType() != c.typ {
			t.Errorf("%s is a %v, want %v", c.name, mf.GetType(), c.typ)
		}
		if got := mustValue(t, mfs, c.name); got != c.want {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
	// The histograms' buckets are cumulative and end at the count; the
	// time spent is positive (two real verifications ran).
	for _, name := range []string{"beacon_data_column_sidecar_gossip_verification_seconds", "beacon_kzg_verification_data_column_batch_seconds"} {
		h := mfs[name].GetMetric()[0].GetHistogram()
		var last uint64
		for _, bk := range h.GetBucket() {
			if bk.GetCumulativeCount() < last || bk.GetCumulativeCount() > h.GetSampleCount() {
				t.Errorf("%s buckets not cumulative: %v", name, h.GetBucket())
			}
			last = bk.GetCumulativeCount()
		}
		if h.GetSampleSum() <= 0 {
			t.Errorf("%s sum %v", name, h.GetSampleSum())
		}
	}
	// Reconstruction metrics belong to the chain's pipeline: none here.
	if _, ok := mfs["beacon_data_availability_reconstructed_columns_total"]; ok {
		t.Error("reconstruction metrics without a chain")
	}
	// A raised custody shows on the next scrape.
	if err := b.SetCustodyGroupCount(8); err != nil {
		t.Fatal(err)
	}
	text, err = exp.Text()
	if err != nil {
		t.Fatal(err)
	}
	if v := mustValue(t, parseText(t, text), "beacon_custody_groups"); v != 8 {
		t.Fatalf("beacon_custody_groups %v after raising to 8", v)
	}
}
