//go:build minimal

package chainsvc

import (
	"strings"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/engine"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/internal/gethtest"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
	"github.com/libp2pc/libp2pc/libp2pc/pipeline"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// TestChainEngineWiring: StartChain with an execution client (a real geth,
// its secret file) reports ENGINE_STATE online, blocks without a payload
// import with execution "none", and ChainEngine has geth's
// exchangeCapabilities counted; a wrong secret gives ENGINE_STATE
// auth_failed with the reason (Network), not a failed start; a secret
// without an endpoint is refused.
func TestChainEngineWiring(t *testing.T) {
	el, err := gethtest.Start(gethtest.Options{Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	defer el.Close()

	n, rec, genesisSSZ, ccfg := chainStartFixture(t)
	req, err := Start(n, ChainConfig{DataDir: t.TempDir(), AnchorState: genesisSSZ, Consensus: ccfg, StatusPollPeriod: -1,
		Engine: ChainEngineConfig{Endpoint: el.Endpoint(), JWTSecretPath: el.JWTPath()}})
	mustOK(t, rec, req, err, "start chain with an engine")
	rec.waitFor(t, "ENGINE_STATE online", func(e events.Event) bool {
		return e.Type == events.EngineState && e.Code == uint64(engine.StateOnline) && e.Status == 0
	})
	g, err := testchain.Genesis(16)
	if err != nil {
		t.Fatal(err)
	}
	blocks, _ := phase0Chain(t, ccfg, g, 2)
	for i, ssz := range blocks {
		if r := Pipeline(n).Import(ssz, ""); r.State != pipeline.Included {
			t.Fatalf("block %d: %+v", i+1, r)
		}
	}
	rec.waitFor(t, "block_imported with execution none", func(e events.Event) bool {
		return e.Type == events.BlockImported && e.Text == "none"
	})
	h, counters, ok := Engine(n)
	if !ok || h.State != engine.StateOnline || len(counters) == 0 {
		t.Fatalf("ChainEngine: %v %v %v", ok, h.State, counters)
	}
	if x := Pipeline(n).ExecutionStats(); x.Valid+x.Optimistic+x.Invalid+x.NoEngine != 0 {
		t.Fatalf("phase0 blocks got execution verdicts: %+v", x)
	}

	bad, badRec, genesisSSZ, ccfg := chainStartFixture(t)
	req, err = Start(bad, ChainConfig{DataDir: t.TempDir(), AnchorState: genesisSSZ, Consensus: ccfg, StatusPollPeriod: -1,
		Engine: ChainEngineConfig{Endpoint: el.Endpoint(), JWTSecret: [32]byte{7}}})
	mustOK(t, badRec, req, err, "start chain with a wrong secret")
	e := badRec.waitFor(t, "ENGINE_STATE auth_failed", func(e events.Event) bool {
		return e.Type == events.EngineState && e.Code == uint64(engine.StateAuthFailed)
	})
	if e.Status != int32(status.Network) || !strings.Contains(e.Text, "auth_failed") {
		t.Fatalf("auth_failed event: status %d text %q", e.Status, e.Text)
	}

	third, thirdRec, genesisSSZ, ccfg := chainStartFixture(t)
	req, err = Start(third, ChainConfig{DataDir: t.TempDir(), AnchorState: genesisSSZ, Consensus: ccfg,
		Engine: ChainEngineConfig{JWTSecret: [32]byte{7}}})
	if err == nil {
		done := waitDone(t, thirdRec, req, "start chain with a secret and no endpoint")
		if done.Status != int32(status.InvalidArgument) {
			t.Fatalf("a secret without an endpoint: %d %s", done.Status, done.Text)
		}
	} else if status.CodeOf(err) != status.InvalidArgument {
		t.Fatalf("a secret without an endpoint: %v", err)
	}
}
