//go:build minimal

package chainsvc

// End-to-end data availability (issue 15): real nodes on 127.0.0.1 run the
// chain on a minimal-preset chain whose last fork is at genesis; the
// proposer's ProposeBlobs publishes the sidecars on their subnets, the
// other node's DA gossip (gossipcheck, chainDAFacts) accepts them into its
// pipeline, whose block waits for them; missing columns are fetched by
// root from the proposer's store; data that never comes drops the block.

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/da/custody"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossip"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossipparams"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// daNet is a fork-at-genesis chain and the eth2 config its nodes share
// (the schedule from the chain's config and genesis validators root, so
// topic digests and the sidecars' signature domains agree with the chain).
type daNet struct {
	ctx        *kzg.Context
	ccfg       *config.Config
	g          *state.BeaconState
	genesisSSZ []byte
	ec         node.Eth2Config
	digest     forkdigest.Digest
}

func newDANet(t *testing.T, last forks.Fork) *daNet {
	t.Helper()
	ctx, err := kzg.Default() // one setup per process, shared by the tests
	if err != nil {
		t.Fatal(err)
	}
	ccfg := testchain.ForkConfig(last, 1, 12)
	g, err := testchain.ForkGenesis(ccfg, 16, last)
	if err != nil {
		t.Fatal(err)
	}
	genesisSSZ, err := g.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	sched, err := forkdigest.NewSchedule(ccfg, g.GenesisValidatorsRoot)
	if err != nil {
		t.Fatal(err)
	}
	ec := node.Eth2Config{GenesisTime: time.Now().Add(-3 * time.Second), Schedule: sched,
		Chain: gossipparams.Chain{SlotDuration: time.Second, SlotsPerEpoch: config.SlotsPerEpoch, ActiveValidators: 64,
			Subnets: gossip.MainnetParams, SyncCommitteeSize: 32, MaxCommitteesPerSlot: 4, TargetCommitteeSize: 4},
		ValidationTimeout:  5 * time.Second,
		ScoreInspectPeriod: 200 * time.Millisecond}
	d, err := sched.Digest(0)
	if err != nil {
		t.Fatal(err)
	}
	return &daNet{ctx: ctx, ccfg: ccfg, g: g, genesisSSZ: genesisSSZ, ec: ec, digest: d}
}

func (dn *daNet) topic(name string) string {
	return "/eth2/" + dn.digest.String() + "/" + name + "/ssz_snappy"
}

// startNode starts a node running the chain with custody group count cgc
// and DA timeout daTimeout (0: 4 slots).
func (dn *daNet) startNode(t *testing.T, cgc uint64, daTimeout time.Duration) (*node.Node, *recorder) {
	t.Helper()
	n, rec := startEth2Node(t, dn.ec, nil)
	req, err := Start(n, ChainConfig{DataDir: t.TempDir(), AnchorState: dn.genesisSSZ, Consensus: dn.ccfg,
		StatusPollPeriod: -1, CustodyGroupCount: cgc, DA: ChainDAConfig{KZG: dn.ctx, Timeout: daTimeout}})
	mustOK(t, rec, req, err, "start chain")
	return n, rec
}

// daTopicsOf are the DA topics b samples (fulu: the subnets of its
// sampling columns; before: every blob subnet).
func (dn *daNet) daTopicsOf(t *testing.T, b *node.Node) []string {
	if dn.g.ForkName >= forks.Fulu {
		var out []string
		for _, c := range Pipeline(b).SamplingColumns() {
			s := dn.topic(fmt.Sprintf("data_column_sidecar_%d", custody.Mainnet.ComputeSubnetForDataColumnSidecar(c)))
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out
	}
	var out []string
	for i := uint64(0); i < gossip.MainnetParams.BlobSidecarSubnetCountElectra; i++ {
		out = append(out, dn.topic(fmt.Sprintf("blob_sidecar_%d", i)))
	}
	return out
}

// waitMesh: a sees b in beacon_block and (withDA) in every DA topic b samples.
func (dn *daNet) waitMesh(t *testing.T, ra *recorder, b *node.Node, withDA bool) {
	t.Helper()
	ra.waitFor(t, "B joins beacon_block", joinedTopic(b.ID(), dn.topic("beacon_block")))
	if withDA {
		for _, tp := range dn.daTopicsOf(t, b) {
			ra.waitFor(t, "B joins "+tp, joinedTopic(b.ID(), tp))
		}
	}
}

func eventFor(typ events.Type, root [32]byte) func(events.Event) bool {
	return func(e events.Event) bool {
		return e.Type == typ && len(e.Data) >= 32 && bytes.Equal(e.Data[:32], root[:])
	}
}

// assertStoredSubset: B's stored sidecars of root are exactly want's
// entries at indices (byte-equal to the proposer's).
func assertStoredSubset(t *testing.T, b *node.Node, root [32]byte, want []store.Sidecar, indices []uint64) {
	t.Helper()
	got, err := Sidecars(b, root)
	if err != nil {
		t.Fatalf("B sidecars: %v", err)
	}
	if len(got) != len(indices) {
		t.Fatalf("B stores %d sidecars, want %d (indices %v)", len(got), len(indices), indices)
	}
	for i, sc := range got {
		if sc.Index != indices[i] || sc.Kind != want[indices[i]].Kind || !bytes.Equal(sc.SSZ, want[indices[i]].SSZ) {
			t.Fatalf("B sidecar %d (index %d) differs from the proposer's %d", i, sc.Index, indices[i])
		}
	}
}

// TestChainDAE2EGossip: A (proposer) hands its blobs to ProposeBlobs,
// which publishes the sidecars, and publishes its block; B, connected,
// gets the sidecars it samples over gossip (validated by its DA gossip
// with the chain's facts) and imports the block with them, fetching
// nothing. Fulu: the columns come first (B files its sampling columns for
// a block it has not seen, then imports the block at once). Electra: the
// block comes first and B waits for its blobs (DATA_WAITING, then
// DATA_AVAILABLE, then BLOCK_IMPORTED). B stores its custody columns (a
// subset of its sampling columns) or every blob sidecar, byte-equal to
// A's.
func TestChainDAE2EGossip(t *testing.T) {
	for _, f := range []forks.Fork{forks.Fulu, forks.Electra} {
		t.Run(f.String(), func(t *testing.T) {
			dn := newDANet(t, f)
			// A is a supernode: a proposer publishes every column, and a
			// node publishes only on topics it joined.
			// The DA timeout outlasts ProposeBlobs under -race (cells and
			// proofs of every blob: seconds).
			a, ra := dn.startNode(t, 128, time.Minute)
			b, rb := dn.startNode(t, 0, time.Minute)
			connectPair(t, b, rb, a, ra, "/tcp/")
			dn.waitMesh(t, ra, b, true)

			bb, err := testchain.ProduceBlobBlock(dn.ccfg, dn.ctx, dn.g, 1, 2, 1)
			if err != nil {
				t.Fatal(err)
			}
			publishBlock := func() {
				t.Helper()
				if root, err := SubmitBlock(a, bb.SSZ); err != nil || root != bb.Root {
					t.Fatalf("A submit: %v", err)
				}
				req, err := a.Eth2Publish(dn.topic("beacon_block"), bb.SSZ)
				mustOK(t, ra, req, err, "publish block")
			}
			var scs []store.Sidecar
			var want []uint64 // what B samples: its sampling columns, or every blob
			if f >= forks.Fulu {
				// Columns first, as a proposer does: ProposeBlobs takes
				// seconds under -race (cells and proofs of every blob), so
				// with the block first B's fetcher (after 1 s) would race
				// the gossip. B accepts its sampling columns on gossip
				// before it knows the block, then imports the block at once.
				want = Pipeline(b).SamplingColumns()
				slices.Sort(want)
				if scs, err = ProposeBlobs(a, bb.SSZ, bb.Blobs); err != nil {
					t.Fatalf("propose blobs: %v", err)
				}
				if len(scs) != 128 || len(want) == 0 || len(want) == 128 {
					t.Fatalf("%d columns built, B samples %v", len(scs), want)
				}
				eventually(t, "B accepts its sampling columns on gossip", 30*time.Second, func() (bool, string) {
					gc := b.DAGossipCounters()
					return gc.ColumnsAccepted >= uint64(len(want)), fmt.Sprintf("%+v", gc)
				})
				if _, err := Sidecars(b, bb.Root); err == nil {
					t.Fatalf("B stored sidecars of a block it has not seen")
				}
				publishBlock()
				rb.waitFor(t, "B imports the block", eventFor(events.BlockImported, bb.Root))
			} else {
				// Block first: B waits for the data (DATA_WAITING naming
				// every blob), the blob sidecars come on gossip, B has the
				// data (DATA_AVAILABLE) and then imports.
				want = []uint64{0, 1}
				publishBlock()
				waiting := rb.waitFor(t, "B waits for the block's data", eventFor(events.DataWaiting, bb.Root))
				if scs, err = ProposeBlobs(a, bb.SSZ, bb.Blobs); err != nil || len(scs) != 2 {
					t.Fatalf("propose blobs: %d, %v", len(scs), err)
				}
				imported := rb.waitFor(t, "B imports the block", eventFor(events.BlockImported, bb.Root))
				avail := rb.waitFor(t, "B has the block's data", eventFor(events.DataAvailable, bb.Root))
				if !(waiting.Seq < avail.Seq && avail.Seq < imported.Seq) {
					t.Fatalf("B events out of order: waiting %d available %d imported %d", waiting.Seq, avail.Seq, imported.Seq)
				}
				// The missing list of DATA_WAITING (after the root, u16
				// indices) is every blob.
				var missing []uint64
				for i := 32; i+1 < len(waiting.Data); i += 2 {
					missing = append(missing, uint64(waiting.Data[i])|uint64(waiting.Data[i+1])<<8)
				}
				slices.Sort(missing)
				if !slices.Equal(missing, want) {
					t.Fatalf("B waited for %v, want %v", missing, want)
				}
				if st, _ := DAStats(b); st.BlocksWaited != 1 {
					t.Fatalf("B DA %+v", st)
				}
			}
			ra.waitFor(t, "A imports its block", eventFor(events.BlockImported, bb.Root))

			// B waited for (and checked) its sampling columns and keeps
			// its custody columns, a subset of them (the spec's custody:
			// what it must serve); electra: every blob sidecar.
			stored := want
			if f >= forks.Fulu {
				stored = Pipeline(b).CustodyColumns()
				slices.Sort(stored)
				for _, c := range stored {
					if !slices.Contains(want, c) {
						t.Fatalf("custody column %d not sampled (%v / %v)", c, stored, want)
					}
				}
			}
			assertStoredSubset(t, b, bb.Root, scs, stored)
			assertStoredSubset(t, a, bb.Root, scs, indicesUpTo(uint64(len(scs))))

			gc := b.DAGossipCounters()
			accepted := gc.ColumnsAccepted
			if f < forks.Fulu {
				accepted = gc.BlobsAccepted
			}
			st, _ := DAStats(b)
			if accepted < uint64(len(want)) || st.FetchRequests != 0 || st.BlocksAvailable != 1 || st.BlocksUnavailable != 0 {
				t.Fatalf("B: gossip %+v, DA %+v", gc, st)
			}
			sa, _ := DAStats(a)
			if sa.Published != uint64(len(scs)) || sa.PublishFailed != 0 {
				t.Fatalf("A DA %+v", sa)
			}
		})
	}
}

func indicesUpTo(n uint64) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i)
	}
	return out
}

// TestChainDAE2EFetchAndTimeout (fulu): the columns were gossiped before B
// was connected, so B gets only the block; it fetches the columns it
// samples by root from A (A's store serves them) and imports. Then a block
// whose data nobody has: B asks, gets nothing, and drops it with
// DATA_UNAVAILABLE and BLOCK_DROPPED after its DA timeout.
func TestChainDAE2EFetchAndTimeout(t *testing.T) {
	dn := newDANet(t, forks.Fulu)
	a, ra := dn.startNode(t, 128, 0)
	bb, err := testchain.ProduceBlobBlock(dn.ccfg, dn.ctx, dn.g, 1, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	// A proposes with nobody listening: its columns go nowhere, but its
	// pipeline files them; the block is not submitted yet (A's head stays
	// at genesis, so B's status handshake starts no range sync).
	scs, err := ProposeBlobs(a, bb.SSZ, bb.Blobs)
	if err != nil || len(scs) != 128 {
		t.Fatalf("propose blobs: %d, %v", len(scs), err)
	}
	// B's DA timeout leaves room for a fetch under -race.
	const bTimeout = 12 * time.Second
	b, rb := dn.startNode(t, 0, bTimeout)
	connectPair(t, b, rb, a, ra, "/tcp/")
	dn.waitMesh(t, ra, b, false)
	if _, err := SubmitBlock(a, bb.SSZ); err != nil {
		t.Fatalf("A submit: %v", err)
	}
	ra.waitFor(t, "A imports its block", eventFor(events.BlockImported, bb.Root))
	start := time.Now()
	req, err := a.Eth2Publish(dn.topic("beacon_block"), bb.SSZ)
	mustOK(t, ra, req, err, "publish block")
	waiting := rb.waitFor(t, "B waits for the block's data", eventFor(events.DataWaiting, bb.Root))
	imported := rb.waitFor(t, "B imports the block with fetched columns", eventFor(events.BlockImported, bb.Root))
	if waiting.Seq > imported.Seq {
		t.Fatalf("B imported before waiting")
	}
	want := Pipeline(b).SamplingColumns()
	custodyCols := Pipeline(b).CustodyColumns()
	slices.Sort(custodyCols)
	assertStoredSubset(t, b, bb.Root, scs, custodyCols)
	st, _ := DAStats(b)
	gc := b.DAGossipCounters()
	if st.FetchRequests == 0 || st.SidecarsRequested < uint64(len(want)) || gc.ColumnsAccepted != 0 || st.BlocksAvailable != 1 {
		t.Fatalf("B: DA %+v, gossip %+v", st, gc)
	}
	t.Logf("B fetched %d columns by root and imported %v after the block's publication", len(want), time.Since(start))

	// A block at slot 2 whose blobs nobody ever files: A's own pipeline
	// waits too, so A's store has nothing to serve.
	lost, err := testchain.ProduceBlobBlock(dn.ccfg, dn.ctx, bb.Post, 2, 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SubmitBlock(a, lost.SSZ); err != nil {
		t.Fatalf("A submit: %v", err)
	}
	start = time.Now()
	req, err = a.Eth2Publish(dn.topic("beacon_block"), lost.SSZ)
	mustOK(t, ra, req, err, "publish block without data")
	rb.waitFor(t, "B waits for the lost block's data", eventFor(events.DataWaiting, lost.Root))
	unavail := rb.waitFor(t, "B gives up on the data", eventFor(events.DataUnavailable, lost.Root))
	dropped := rb.waitFor(t, "B drops the block", eventFor(events.BlockDropped, lost.Root))
	took := time.Since(start)
	if !strings.Contains(dropped.Text, "data unavailable") || !strings.Contains(unavail.Text, "data unavailable") {
		t.Fatalf("drop reasons: %q / %q", dropped.Text, unavail.Text)
	}
	// The wait is bounded by B's DA timeout from the block's arrival
	// (with the fetch retries in between).
	if took < bTimeout-time.Second || took > bTimeout+10*time.Second {
		t.Fatalf("dropped after %v, want about %v", took, bTimeout)
	}
	for _, e := range rb.snapshot() {
		if eventFor(events.BlockImported, lost.Root)(e) {
			t.Fatalf("B imported a block without its data")
		}
	}
	if _, err := Sidecars(b, lost.Root); err == nil {
		t.Fatalf("B stored sidecars of the dropped block")
	}
	st2, _ := DAStats(b)
	if st2.BlocksUnavailable != 1 || st2.FetchRequests <= st.FetchRequests {
		t.Fatalf("B DA after the drop %+v", st2)
	}
	t.Logf("B dropped the block without data after %v: %s", took, dropped.Text)
}
