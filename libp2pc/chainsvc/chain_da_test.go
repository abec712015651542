//go:build minimal

package chainsvc

import (
	"bytes"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
	"github.com/libp2pc/libp2pc/libp2pc/status"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// TestChainProposeBlobs: on a fulu chain, the host's ProposeBlobs builds
// the 128 column sidecars of its block (the same as the reference build),
// files them, and the block it submits imports with its custody columns
// stored and readable; the counters follow (the node is in no column topic here, so
// each publish is counted as failed).
func TestChainProposeBlobs(t *testing.T) {
	ctx, err := kzg.Default()
	if err != nil {
		t.Fatal(err)
	}
	ccfg := testchain.ForkConfig(forks.Fulu, 1, 12)
	g, err := testchain.ForkGenesis(ccfg, 16, forks.Fulu)
	if err != nil {
		t.Fatal(err)
	}
	genesisSSZ, _ := g.MarshalSSZ()
	ec := testEth2Config(time.Now().Add(-20*time.Second), config.FarFutureEpoch, config.FarFutureEpoch)
	n, rec := startEth2Node(t, ec, nil)
	req, err := Start(n, ChainConfig{DataDir: t.TempDir(), AnchorState: genesisSSZ, Consensus: ccfg, StatusPollPeriod: -1, CustodyGroupCount: 8})
	mustOK(t, rec, req, err, "start chain")

	bb, err := testchain.ProduceBlobBlock(ccfg, ctx, g, 1, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Sidecars(n, bb.Root); status.CodeOf(err) != status.NotFound {
		t.Fatalf("sidecars before import: %v", err)
	}
	// The proposer hands its blobs over as it publishes the block (the
	// pipeline's tests cover a block that waits for them).
	scs, err := ProposeBlobs(n, bb.SSZ, bb.Blobs)
	if err != nil || len(scs) != 128 {
		t.Fatalf("propose blobs: %d, %v", len(scs), err)
	}
	for i, sc := range scs {
		want, _ := bb.Columns[i].MarshalSSZ()
		if sc.Kind != store.DataColumnSidecarKind || sc.Index != uint64(i) || !bytes.Equal(sc.SSZ, want) {
			t.Fatalf("column %d differs from the reference build", i)
		}
	}
	root, err := SubmitBlock(n, bb.SSZ)
	if err != nil || root != bb.Root {
		t.Fatalf("submit: %v", err)
	}
	rec.waitFor(t, "imported", func(e events.Event) bool {
		return e.Type == events.BlockImported && bytes.Equal(e.Data[:32], root[:])
	})
	stored, err := Sidecars(n, root)
	if err != nil || len(stored) != 8 {
		t.Fatalf("stored: %d, %v", len(stored), err)
	}
	st, err := DAStats(n)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustodyGroupCount != 8 || st.BlocksAvailable != 1 || st.PublishFailed != 128 || st.SidecarsStored != 8 {
		t.Fatalf("stats %+v", st)
	}
	// A blob count that does not match the commitments is refused.
	if _, err := ProposeBlobs(n, bb.SSZ, bb.Blobs[:1]); status.CodeOf(err) != status.InvalidArgument {
		t.Fatalf("one blob for two commitments: %v", err)
	}
}
