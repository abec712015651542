//go:build minimal

package chainsvc

import (
	"bytes"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/internal/phase0transition"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// TestChainSubmitBlock: blocks the host submits are imported (events with
// root, slot, parent and state root; the head moves), their post-states
// are readable by block root and equal the transition's, a duplicate gives
// no second event, a wrong state root gives BlockInvalid, and garbage is
// refused at once. The sync status follows.
func TestChainSubmitBlock(t *testing.T) {
	g, err := testchain.Genesis(16)
	if err != nil {
		t.Fatal(err)
	}
	genesisSSZ, _ := g.MarshalSSZ()
	ccfg := testchain.Config()
	ccfg.SecondsPerSlot = 1
	ec := testEth2Config(time.Now().Add(-20*time.Second), config.FarFutureEpoch, config.FarFutureEpoch)
	n, rec := startEth2Node(t, ec, nil)
	if _, err := SubmitBlock(n, []byte{1}); status.CodeOf(err) != status.BadState {
		t.Fatalf("submit before StartChain: %v", err)
	}
	req, err := Start(n, ChainConfig{DataDir: t.TempDir(), AnchorState: genesisSSZ, Consensus: ccfg, StatusPollPeriod: -1})
	mustOK(t, rec, req, err, "start chain")
	anchor, _, _ := Head(n)
	if s, err := State(n, anchor); err != nil || !bytes.Equal(s, genesisSSZ) {
		t.Fatalf("anchor state: %v", err)
	}

	pre := g
	for slot := uint64(1); slot <= 3; slot++ {
		sb, err := testchain.ProduceBlock(ccfg, pre, slot, 1)
		if err != nil {
			t.Fatal(err)
		}
		post, err := phase0transition.StateTransition(ccfg, pre, sb, false, true)
		if err != nil {
			t.Fatal(err)
		}
		ssz, _ := sb.MarshalSSZ()
		want, _ := sb.Message.HashTreeRoot()
		root, err := SubmitBlock(n, ssz)
		if err != nil || root != want {
			t.Fatalf("submit %d: %x %v", slot, root[:4], err)
		}
		e := rec.waitFor(t, "imported", func(e events.Event) bool {
			return e.Type == events.BlockImported && bytes.Equal(e.Data[:32], want[:])
		})
		if e.Code != slot || !bytes.Equal(e.Data[32:64], sb.Message.ParentRoot[:]) || !bytes.Equal(e.Data[64:], sb.Message.StateRoot[:]) {
			t.Fatalf("BlockImported %d: %d %x", slot, e.Code, e.Data)
		}
		rec.waitFor(t, "head", func(e events.Event) bool {
			return e.Type == events.HeadChanged && e.Code == slot && bytes.Equal(e.Data, want[:])
		})
		postSSZ, _ := post.MarshalSSZ()
		if s, err := State(n, want); err != nil || !bytes.Equal(s, postSSZ) {
			t.Fatalf("state %d: %v", slot, err)
		}
		if _, err := SubmitBlock(n, ssz); err != nil { // imported already: no event
			t.Fatalf("resubmit: %v", err)
		}
		pre = post
	}
	bad, _ := testchain.ProduceBlock(ccfg, pre, 4, 1)
	bad.Message.StateRoot[0] ^= 1
	if err := testchain.Resign(pre, bad); err != nil {
		t.Fatal(err)
	}
	badSSZ, _ := bad.MarshalSSZ()
	badRoot, err := SubmitBlock(n, badSSZ)
	if err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "invalid", func(e events.Event) bool {
		return e.Type == events.BlockInvalid && bytes.Equal(e.Data, badRoot[:]) && e.Code == 4 && e.Text != ""
	})
	if _, err := State(n, badRoot); status.CodeOf(err) != status.NotFound {
		t.Fatalf("state of the invalid block: %v", err)
	}
	// A block far ahead of the wall clock is given up without a verdict:
	// BlockDropped says so (a host waiting on its submission learns it).
	future, err := testchain.ProduceBlock(ccfg, pre, 200, 0)
	if err != nil {
		t.Fatal(err)
	}
	futureSSZ, _ := future.MarshalSSZ()
	futureRoot, err := SubmitBlock(n, futureSSZ)
	if err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "dropped", func(e events.Event) bool {
		return e.Type == events.BlockDropped && bytes.Equal(e.Data, futureRoot[:]) && e.Code == 200 && e.Text != ""
	})
	if _, err := SubmitBlock(n, []byte("garbage")); status.CodeOf(err) != status.InvalidArgument {
		t.Fatalf("garbage: %v", err)
	}
	imported := 0
	for _, e := range rec.snapshot() {
		if e.Type == events.BlockImported {
			imported++
		}
	}
	st, err := SyncStatus(n)
	if err != nil || imported != 3 || st.HeadSlot != 3 || st.Imported != 3 || st.Invalid != 1 || st.Syncing || st.CurrentSlot < 19 {
		t.Fatalf("imported events %d, sync status %+v %v", imported, st, err)
	}
}
