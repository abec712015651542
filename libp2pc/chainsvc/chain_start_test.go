//go:build minimal

package chainsvc

import (
	"strings"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// chainStartFixture is a running eth2 node and a genesis state for it.
func chainStartFixture(t *testing.T) (*node.Node, *recorder, []byte, *config.Config) {
	t.Helper()
	g, err := testchain.Genesis(16)
	if err != nil {
		t.Fatal(err)
	}
	genesisSSZ, err := g.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	ccfg := testchain.Config()
	ccfg.SecondsPerSlot = 1
	ec := testEth2Config(time.Now().Add(-20*time.Second), config.FarFutureEpoch, config.FarFutureEpoch)
	n, rec := startEth2Node(t, ec, nil)
	return n, rec, genesisSSZ, ccfg
}

// waitDone waits for req's completion and returns it.
func waitDone(t *testing.T, rec *recorder, req uint64, what string) events.Event {
	t.Helper()
	return rec.waitFor(t, what, doneFor(req))
}

// TestStartChainCompletesLater: StartChain returns before the chain is
// set up; until its RequestDone every chain call (and a second StartChain)
// says the chain is starting; after it, the chain runs from the anchor.
func TestStartChainCompletesLater(t *testing.T) {
	n, rec, genesisSSZ, ccfg := chainStartFixture(t)
	begin := time.Now()
	req, err := Start(n, ChainConfig{DataDir: t.TempDir(), AnchorState: genesisSSZ, Consensus: ccfg, StatusPollPeriod: -1})
	if err != nil {
		t.Fatal(err)
	}
	returned := time.Since(begin)
	// The store has not even been opened yet (that happens on another
	// goroutine after a trip through the loop).
	starting := func(what string, err error) {
		t.Helper()
		if status.CodeOf(err) != status.BadState || !strings.Contains(err.Error(), "starting") {
			t.Fatalf("%s while the chain starts: %v, want BadState saying it is starting", what, err)
		}
	}
	_, _, err = Head(n)
	starting("ChainHead", err)
	_, err = Finalized(n)
	starting("ChainFinalized", err)
	_, err = SyncStatus(n)
	starting("ChainSyncStatus", err)
	_, err = SubmitBlock(n, []byte{1, 2, 3})
	starting("SubmitBlock", err)
	_, err = Start(n, ChainConfig{DataDir: t.TempDir(), AnchorState: genesisSSZ, Consensus: ccfg})
	starting("second StartChain", err)
	if Pipeline(n) != nil {
		t.Fatal("ChainPipeline before the chain started")
	}

	if e := waitDone(t, rec, req, "chain start"); e.Status != 0 {
		t.Fatalf("chain start failed: %s", e.Text)
	}
	t.Logf("StartChain returned in %s; completed after %s", returned, time.Since(begin))
	root, slot, err := Head(n)
	if err != nil || slot != 0 || root == ([32]byte{}) {
		t.Fatalf("head after start: %x slot %d: %v", root[:4], slot, err)
	}
	if s, err := State(n, root); err != nil || len(s) != len(genesisSSZ) {
		t.Fatalf("anchor state after start: %d bytes, %v", len(s), err)
	}
	if _, err := Start(n, ChainConfig{DataDir: t.TempDir(), AnchorState: genesisSSZ, Consensus: ccfg}); status.CodeOf(err) != status.BadState ||
		!strings.Contains(err.Error(), "already started") {
		t.Fatalf("StartChain after start: %v", err)
	}
}

// TestStartChainBadAnchorCompletesWithError: a bad anchor state is found
// after the call returned; the completion names the problem (bad SSZ,
// wrong fork), nothing of the chain remains and a good StartChain on the
// same directory then works.
func TestStartChainBadAnchorCompletesWithError(t *testing.T) {
	n, rec, genesisSSZ, ccfg := chainStartFixture(t)
	dir := t.TempDir()
	fail := func(what string, cfg ChainConfig, code status.Code, text string) {
		t.Helper()
		req, err := Start(n, cfg)
		if err != nil {
			t.Fatalf("%s: the call itself failed: %v (the state is checked after it returns)", what, err)
		}
		e := waitDone(t, rec, req, what)
		if status.Code(e.Status) != code || !strings.Contains(e.Text, text) {
			t.Fatalf("%s: completion %d %q, want %d containing %q", what, e.Status, e.Text, code, text)
		}
		if _, _, err := Head(n); status.CodeOf(err) != status.BadState || !strings.Contains(err.Error(), "not started") {
			t.Fatalf("%s: ChainHead after the failed start: %v", what, err)
		}
	}
	truncated := genesisSSZ[:1000]
	fail("truncated state", ChainConfig{DataDir: dir, AnchorState: truncated, Consensus: ccfg}, status.InvalidArgument, "anchor state")
	fail("tiny state", ChainConfig{DataDir: dir, AnchorState: []byte{1, 2, 3}, Consensus: ccfg}, status.InvalidArgument, "too short")

	// A config with Altair at genesis: the phase0 state is of the wrong fork.
	altair := *ccfg
	altair.Raw = map[string]string{}
	for k, v := range ccfg.Raw {
		altair.Raw[k] = v
	}
	altair.Raw["ALTAIR_FORK_VERSION"] = "0x01000001"
	altair.Raw["ALTAIR_FORK_EPOCH"] = "0"
	fail("wrong fork", ChainConfig{DataDir: dir, AnchorState: genesisSSZ, Consensus: &altair}, status.InvalidArgument, "wrong fork")

	fail("bad yaml", ChainConfig{DataDir: dir, AnchorState: genesisSSZ, ConsensusConfig: []byte("SECONDS_PER_SLOT: [")}, status.InvalidArgument, "consensus config")
	fail("empty store, no anchor", ChainConfig{DataDir: dir, Consensus: ccfg}, status.InvalidArgument, "no anchor state")

	req, err := Start(n, ChainConfig{DataDir: dir, AnchorState: genesisSSZ, Consensus: ccfg, StatusPollPeriod: -1})
	if err != nil {
		t.Fatal(err)
	}
	if e := waitDone(t, rec, req, "good start after failures"); e.Status != 0 {
		t.Fatalf("start after failures: %s", e.Text)
	}
	if _, slot, err := Head(n); err != nil || slot != 0 {
		t.Fatalf("head: slot %d: %v", slot, err)
	}
}

// TestStartChainHostOwnsBeaconBlock: the chain subscribes beacon_block
// itself; if the host already did, the start fails saying so and undoes
// itself; after the host unsubscribes, it works.
func TestStartChainHostOwnsBeaconBlock(t *testing.T) {
	n, rec, genesisSSZ, ccfg := chainStartFixture(t)
	req, err := n.Eth2Subscribe("beacon_block", node.ValidateHost)
	mustOK(t, rec, req, err, "host subscribes beacon_block")
	dir := t.TempDir()
	req, err = Start(n, ChainConfig{DataDir: dir, AnchorState: genesisSSZ, Consensus: ccfg})
	if err != nil {
		t.Fatal(err)
	}
	if e := waitDone(t, rec, req, "chain start"); status.Code(e.Status) != status.BadState || !strings.Contains(e.Text, "beacon_block") {
		t.Fatalf("chain start with the host in beacon_block: %d %q", e.Status, e.Text)
	}
	req, err = n.Eth2Unsubscribe("beacon_block")
	mustOK(t, rec, req, err, "host unsubscribes")
	req, err = Start(n, ChainConfig{DataDir: dir, AnchorState: genesisSSZ, Consensus: ccfg, StatusPollPeriod: -1})
	mustOK(t, rec, req, err, "chain start after the host left beacon_block")
}

// TestStopWhileChainStarts: a stop right after StartChain completes the
// chain start (done or stopped, never lost) before Stopped, and closes
// whatever the start had opened (the store can be opened again).
func TestStopWhileChainStarts(t *testing.T) {
	n, rec, genesisSSZ, ccfg := chainStartFixture(t)
	dir := t.TempDir()
	req, err := Start(n, ChainConfig{DataDir: dir, AnchorState: genesisSSZ, Consensus: ccfg})
	if err != nil {
		t.Fatal(err)
	}
	stopReq, err := n.Stop()
	if err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "stopped", isType(events.Stopped))
	evs := rec.snapshot()
	done, stopped := -1, -1
	for i, e := range evs {
		if e.Type == events.RequestDone && e.RequestID == req {
			if done >= 0 {
				t.Fatal("chain start completed twice")
			}
			done = i
			if e.Status != 0 && status.Code(e.Status) != status.Stopped {
				t.Fatalf("chain start completion: %d %q, want OK or Stopped", e.Status, e.Text)
			}
		}
		if e.Type == events.Stopped {
			stopped = i
		}
	}
	if done < 0 || done > stopped || stopped != len(evs)-1 {
		t.Fatalf("chain start completion at %d, Stopped at %d of %d: %s", done, stopped, len(evs), summarize(evs))
	}
	_ = stopReq
	// The store was closed: a second node can open the same directory.
	n2, rec2 := startEth2Node(t, testEth2Config(time.Now().Add(-20*time.Second), config.FarFutureEpoch, config.FarFutureEpoch), nil)
	req, err = Start(n2, ChainConfig{DataDir: dir, AnchorState: genesisSSZ, Consensus: ccfg, StatusPollPeriod: -1})
	mustOK(t, rec2, req, err, "chain start on the same store after the stop")
}
