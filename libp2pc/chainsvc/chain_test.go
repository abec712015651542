//go:build minimal

package chainsvc

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/pipeline"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// TestChainRangeSyncAndGossip: node A imports a 12-block chain (with
// attestations); node B starts from the same genesis, connects, learns
// from the status handshake that A is ahead and range-syncs from A's
// by_range responder; then a block A imports and publishes on beacon_block
// reaches B by gossip (B's Go validator: the pipeline's gossip rules) and is
// imported. B's events and state roots match A's.
func TestChainRangeSyncAndGossip(t *testing.T) {
	const nBlocks = 12
	g, err := testchain.Genesis(16)
	if err != nil {
		t.Fatal(err)
	}
	genesisSSZ, err := g.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	ccfg := testchain.Config()
	// 1 s slots; genesis far enough back that every block is in the past.
	ec := testEth2Config(time.Now().Add(-(nBlocks+5)*time.Second), config.FarFutureEpoch, config.FarFutureEpoch)
	ccfg.SecondsPerSlot = 1

	blocks, roots := phase0Chain(t, ccfg, g, nBlocks+3)

	a, ra := startEth2Node(t, ec, nil)
	b, rb := startEth2Node(t, ec, nil)
	if _, _, err := Head(a); status.CodeOf(err) != status.BadState {
		t.Fatalf("head before StartChain: %v", err)
	}
	for _, x := range []struct {
		n *node.Node
		r *recorder
	}{{a, ra}, {b, rb}} {
		req, err := Start(x.n, ChainConfig{DataDir: t.TempDir(), AnchorState: genesisSSZ, Consensus: ccfg, StatusPollPeriod: -1})
		mustOK(t, x.r, req, err, "start chain")
	}
	if _, err := Start(a, ChainConfig{DataDir: t.TempDir(), AnchorState: genesisSSZ, Consensus: ccfg}); status.CodeOf(err) != status.BadState {
		t.Fatalf("second StartChain: %v", err)
	}
	for i, ssz := range blocks[:nBlocks] {
		if r := Pipeline(a).Import(ssz, ""); r.State != pipeline.Included {
			t.Fatalf("A: block %d: %+v", i+1, r)
		}
	}
	head, slot, err := Head(a)
	if err != nil || head != roots[nBlocks-1] || slot != nBlocks {
		t.Fatalf("A head %x slot %d err %v", head[:4], slot, err)
	}
	got, err := Block(a, roots[3])
	if err != nil || !bytes.Equal(got, blocks[3]) {
		t.Fatalf("ChainBlock: %v", err)
	}
	if _, err := Block(a, [32]byte{9}); status.CodeOf(err) != status.NotFound {
		t.Fatalf("ChainBlock(unknown): %v", err)
	}

	// B dials A: the status handshake shows A ahead; B range-syncs.
	connectPair(t, b, rb, a, ra, "/tcp/")
	rb.waitFor(t, "B imports A's head by range sync", func(e events.Event) bool {
		return e.Type == events.BlockImported && bytes.Equal(e.Data[:32], roots[nBlocks-1][:])
	})
	imported := map[[32]byte]events.Event{}
	for _, e := range rb.snapshot() {
		if e.Type == events.BlockImported {
			imported[[32]byte(e.Data[:32])] = e
		}
	}
	for i, r := range roots[:nBlocks] {
		e, ok := imported[r]
		if !ok {
			t.Fatalf("B did not import block %d", i+1)
		}
		var sb phase0.SignedBeaconBlock
		_ = sb.UnmarshalSSZ(blocks[i])
		if e.Code != uint64(i+1) || !bytes.Equal(e.Data[64:96], sb.Message.StateRoot[:]) || !bytes.Equal(e.Data[32:64], sb.Message.ParentRoot[:]) {
			t.Fatalf("block %d event: slot %d data %x", i+1, e.Code, e.Data)
		}
	}
	c, _ := Counters(b)
	for i := 0; i < 100 && c.SyncedBlocks == 0; i++ { // counted when the sync returns
		time.Sleep(20 * time.Millisecond)
		c, _ = Counters(b)
	}
	if c.Syncs == 0 || c.SyncedBlocks != nBlocks || c.FetchRequests == 0 {
		t.Fatalf("B counters %+v", c)
	}
	// The sync was reported: started (target: A's head) and finished.
	for _, want := range []string{fmt.Sprintf("started 1..%d", nBlocks), fmt.Sprintf("finished %d blocks", nBlocks)} {
		rb.waitFor(t, "sync progress "+want, func(e events.Event) bool {
			return e.Type == events.SyncProgress && e.PeerID == a.ID().String() && e.Code == nBlocks && e.Text == want
		})
	}
	ca, _ := Counters(a)
	if ca.BlocksServed < nBlocks {
		t.Fatalf("A served %d blocks", ca.BlocksServed)
	}
	rb.waitFor(t, "B head changed to A's head", func(e events.Event) bool {
		return e.Type == events.HeadChanged && e.Code == nBlocks
	})

	// Gossip: A imports and publishes the next block; B validates and imports it.
	topic := "/eth2/" + digestOf(t, ec, 0).String() + "/beacon_block/ssz_snappy"
	ra.waitFor(t, "B joins beacon_block", joinedTopic(b.ID(), topic))
	if r := Pipeline(a).Import(blocks[nBlocks], ""); r.State != pipeline.Included {
		t.Fatalf("A: block %d: %+v", nBlocks+1, r)
	}
	req, err := a.Eth2Publish(topic, blocks[nBlocks])
	mustOK(t, ra, req, err, "publish block")
	rb.waitFor(t, "B imports the gossip block", func(e events.Event) bool {
		return e.Type == events.BlockImported && bytes.Equal(e.Data[:32], roots[nBlocks][:])
	})
	c, _ = Counters(b)
	if c.GossipAccepted != 1 {
		t.Fatalf("B gossip counters %+v", c)
	}
	// The head moves after the import is reported (fork choice is the
	// pipeline's last step): wait for the event, then read it.
	rb.waitFor(t, "B head changed to the gossip block", func(e events.Event) bool {
		return e.Type == events.HeadChanged && e.Code == nBlocks+1
	})
	hb, sb, _ := Head(b)
	if hb != roots[nBlocks] || sb != nBlocks+1 {
		t.Fatalf("B head %x slot %d", hb[:4], sb)
	}

	// A block whose parent B has not seen: IGNOREd (not forwarded) but
	// submitted; the pipeline downloads the parent by root from A.
	for _, i := range []int{nBlocks + 1, nBlocks + 2} {
		if r := Pipeline(a).Import(blocks[i], ""); r.State != pipeline.Included {
			t.Fatalf("A: block %d: %+v", i+1, r)
		}
	}
	req, err = a.Eth2Publish(topic, blocks[nBlocks+2])
	mustOK(t, ra, req, err, "publish orphan block")
	for _, i := range []int{nBlocks + 1, nBlocks + 2} {
		rb.waitFor(t, "B imports the orphan and its downloaded parent", func(e events.Event) bool {
			return e.Type == events.BlockImported && bytes.Equal(e.Data[:32], roots[i][:])
		})
	}
	c, _ = Counters(b)
	if c.GossipOrphans != 1 || c.Pipeline.Downloads != 1 || c.Pipeline.Imported != nBlocks+3 {
		t.Fatalf("B orphan counters %+v", c)
	}
	// The metrics view: every import timed, a linear chain (no reorg), the
	// head as ChainHead reports it once its HeadChanged arrived.
	rb.waitFor(t, "B head changed to the last block", func(e events.Event) bool {
		return e.Type == events.HeadChanged && e.Code == nBlocks+3
	})
	m, err := Metrics(b)
	if err != nil {
		t.Fatal(err)
	}
	_, hs, _ := Head(b)
	h := m.ImportLatency
	if h.Count != nBlocks+3 || h.Cumulative[len(h.Cumulative)-1] > h.Count || h.SumSeconds <= 0 ||
		m.Reorgs != 0 || m.HeadSlot != hs || m.BlocksImported != nBlocks+3 {
		t.Fatalf("B chain metrics %+v (head slot %d)", m, hs)
	}
	t.Logf("A %+v", ca)
	t.Logf("B %+v", c)
}
