package engine_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/engine"
	"github.com/libp2pc/libp2pc/libp2pc/internal/gethtest"
)

// One in-process geth on Osaka (fulu payloads) is shared by the tests that
// do not stop it; it starts on first use and stops in TestMain.
var (
	sharedOnce sync.Once
	sharedEL   *gethtest.EL
	sharedErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedEL != nil {
		sharedEL.Close()
	}
	bench.close()
	os.Exit(code)
}

func fuluEL(t testing.TB) *gethtest.EL {
	t.Helper()
	sharedOnce.Do(func() { sharedEL, sharedErr = gethtest.Start(gethtest.Options{Osaka: true, Quiet: true}) })
	if sharedErr != nil {
		t.Fatalf("starting geth: %v", sharedErr)
	}
	return sharedEL
}

// stateLog records the OnStateChange callbacks.
type stateLog struct {
	mu      sync.Mutex
	changes []engine.StateChange
}

func (l *stateLog) add(c engine.StateChange) {
	l.mu.Lock()
	l.changes = append(l.changes, c)
	l.mu.Unlock()
}

// waitFor waits until a change to `to` was delivered.
func (l *stateLog) waitFor(t *testing.T, to engine.State, within time.Duration) engine.StateChange {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		for _, c := range l.changes {
			if c.To == to {
				l.mu.Unlock()
				return c
			}
		}
		l.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no change to %s within %v; changes %v", to, within, l.all())
	return engine.StateChange{}
}

func (l *stateLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, c := range l.changes {
		out = append(out, fmt.Sprintf("%s->%s(%s)", c.From, c.To, c.Method))
	}
	return out
}

func newClient(t *testing.T, el *gethtest.EL, mod func(*engine.Config)) (*engine.Client, *stateLog) {
	t.Helper()
	log := &stateLog{}
	cfg := engine.Config{Endpoint: el.Endpoint(), JWTSecret: engine.JWTSecret(el.Secret()), ProbeInterval: 100 * time.Millisecond, OnStateChange: log.add}
	if mod != nil {
		mod(&cfg)
	}
	c, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, log
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestGethChainOfRealPayloads: exchangeCapabilities lists every method
// the client uses; a chain of payloads geth built (forkchoiceUpdatedV3 with
// attributes, getPayloadV5) with transactions and withdrawals imports with
// every newPayloadV4 VALID; geth's head follows each forkchoiceUpdated; our
// block hash of each payload is the block_hash geth gave it, also after an
// SSZ round trip.
func TestGethChainOfRealPayloads(t *testing.T) {
	el := fuluEL(t)
	ctx := testCtx(t)
	// The secret from geth's own --authrpc.jwtsecret file.
	c, log := newClient(t, el, func(cfg *engine.Config) { cfg.JWTSecret, cfg.JWTSecretPath = engine.JWTSecret{}, el.JWTPath() })
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	caps := c.Capabilities()
	if len(caps) != len(engine.AllMethods) {
		t.Fatalf("geth offers %d of our %d methods: %v", len(caps), len(engine.AllMethods), caps)
	}
	if c.State() != engine.StateOnline {
		t.Fatalf("state %s after exchangeCapabilities", c.State())
	}
	log.waitFor(t, engine.StateOnline, time.Second)

	b, err := gethtest.NewChainBuilder(el, c, gethtest.ChainOptions{Fork: forks.Fulu, TxsPerBlock: 2, WithdrawalsPerBlock: 2})
	if err != nil {
		t.Fatal(err)
	}
	_, _, startNumber := b.Head()
	blocks, err := b.Chain(ctx, el, 5)
	if err != nil {
		t.Fatal(err)
	}
	for i, blk := range blocks {
		p := blk.Built.Payload
		if p.BlockNumber != startNumber+uint64(i)+1 || len(p.Transactions) != 2 || len(p.Withdrawals) != 2 {
			t.Fatalf("block %d: number %d, %d txs, %d withdrawals", i, p.BlockNumber, len(p.Transactions), len(p.Withdrawals))
		}
		if i > 0 && p.ParentHash != blocks[i-1].Hash() {
			t.Fatalf("block %d does not extend block %d", i, i-1)
		}
		if blk.Built.ExecutionRequests == nil || blk.Built.Blobs == nil {
			t.Fatalf("block %d: fulu payload without requests or blobs bundle", i)
		}
		enc, err := p.MarshalSSZ()
		if err != nil {
			t.Fatal(err)
		}
		decoded := new(deneb.ExecutionPayload)
		if err := decoded.UnmarshalSSZ(enc); err != nil {
			t.Fatal(err)
		}
		req := *blk.Request
		req.ExecutionPayload = decoded
		h, err := engine.BlockHash(&req)
		if err != nil {
			t.Fatal(err)
		}
		if h != p.BlockHash {
			t.Fatalf("block %d: our hash %x, geth's block_hash %x", i, h, p.BlockHash)
		}
		if got := el.Head().Hash(); i == len(blocks)-1 && got != common.Hash(p.BlockHash) {
			t.Fatalf("geth head %x, want the last block %x", got, p.BlockHash)
		}
	}
	// Sending a known payload again is VALID (and cheap).
	st, err := c.NewPayload(ctx, blocks[2].Request)
	if err != nil || st.Status != engine.StatusValid {
		t.Fatalf("known payload: %+v %v", st, err)
	}
	// The head follows forkchoiceUpdated back to an ancestor.
	res, err := c.ForkchoiceUpdated(ctx, forks.Fulu, engine.ForkchoiceState{Head: blocks[2].Hash(), Safe: blocks[1].Hash(), Finalized: blocks[0].Hash()}, nil)
	if err != nil || res.PayloadStatus.Status != engine.StatusValid {
		t.Fatalf("fcU to block 2: %+v %v", res, err)
	}
	if got := el.Head().Hash(); got != common.Hash(blocks[2].Hash()) {
		t.Fatalf("geth head %x after fcU to %x", got, blocks[2].Hash())
	}
	res, err = c.ForkchoiceUpdated(ctx, forks.Fulu, engine.ForkchoiceState{Head: blocks[4].Hash(), Safe: blocks[2].Hash(), Finalized: blocks[1].Hash()}, nil)
	if err != nil || res.PayloadStatus.Status != engine.StatusValid || el.Head().Hash() != common.Hash(blocks[4].Hash()) {
		t.Fatalf("fcU back to block 4: %+v %v, head %x", res, err, el.Head().Hash())
	}
	if got := el.Eth().BlockChain().CurrentFinalBlock(); got == nil || got.Hash() != common.Hash(blocks[1].Hash()) {
		t.Fatalf("geth finalized %v, want block 1", got)
	}
	if n := c.Count(engine.MethodNewPayloadV4, engine.OutcomeValid); n != 6 {
		t.Fatalf("newPayloadV4 valid counter %d, want 6", n)
	}
	if n := c.Count(engine.MethodGetPayloadV5, engine.OutcomeOK); n != 5 {
		t.Fatalf("getPayloadV5 ok counter %d, want 5", n)
	}
}

// TestGethElectraMethods: on a Prague EL, electra payloads go through
// forkchoiceUpdatedV3, getPayloadV4 and newPayloadV4; fulu's getPayloadV5
// is refused by geth with an Engine API error (unsupported fork), which
// does not make the EL look offline.
func TestGethElectraMethods(t *testing.T) {
	t0 := time.Now()
	el, err := gethtest.Start(gethtest.Options{Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("geth started in %v", time.Since(t0))
	t.Cleanup(func() { el.Close() })
	ctx := testCtx(t)
	c, _ := newClient(t, el, nil)
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := gethtest.NewChainBuilder(el, c, gethtest.ChainOptions{Fork: forks.Electra, TxsPerBlock: 1})
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := b.Chain(ctx, el, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("2 electra blocks: %v", time.Since(t0))
	if el.Head().Hash() != common.Hash(blocks[1].Hash()) {
		t.Fatal("geth head is not the last electra block")
	}
	for _, m := range []string{engine.MethodForkchoiceUpdatedV3, engine.MethodGetPayloadV4} {
		if c.Count(m, engine.OutcomeValid)+c.Count(m, engine.OutcomeOK) == 0 {
			t.Fatalf("%s never used", m)
		}
	}
	if c.Count(engine.MethodNewPayloadV4, engine.OutcomeValid) != 2 {
		t.Fatalf("newPayloadV4 valid %d", c.Count(engine.MethodNewPayloadV4, engine.OutcomeValid))
	}
	// A fulu getPayload for a prague payload: an Engine API error.
	head, tm, _ := b.Head()
	root := gethtest.BeaconRoot(99)
	res, err := c.ForkchoiceUpdated(ctx, forks.Electra, engine.ForkchoiceState{Head: head}, &engine.PayloadAttributes{Timestamp: tm + 12, Withdrawals: nil, ParentBeaconBlockRoot: &root})
	if engine.KindOf(err) != engine.KindRequest {
		t.Fatalf("electra attributes without withdrawals: %+v %v (want a request error, nothing sent)", res, err)
	}
	attrs := &engine.PayloadAttributes{Timestamp: tm + 12, Withdrawals: []*capella.Withdrawal{}, ParentBeaconBlockRoot: &root}
	res, err = c.ForkchoiceUpdated(ctx, forks.Electra, engine.ForkchoiceState{Head: head}, attrs)
	if err != nil || res.PayloadID == nil {
		t.Fatalf("fcU with attributes: %+v %v", res, err)
	}
	_, err = c.GetPayload(ctx, forks.Fulu, *res.PayloadID)
	var ce *engine.CallError
	if !errors.As(err, &ce) || ce.Kind != engine.KindRPC || ce.Code != -38005 {
		t.Fatalf("getPayloadV5 of a prague payload: %v (want rpc error -38005 unsupported fork)", err)
	}
	if c.State() != engine.StateOnline {
		t.Fatalf("state %s after an Engine API error", c.State())
	}
}

// TestGethForkWalk: a chain that starts on Paris and crosses Shanghai,
// Cancun, Prague and Osaka in geth: every payload is built and imported with
// its fork's method versions (forkchoiceUpdatedV1..V3, getPayloadV1..V5,
// newPayloadV1..V4), all VALID, each block hash ours as well as geth's.
func TestGethForkWalk(t *testing.T) {
	el, err := gethtest.Start(gethtest.Options{Quiet: true, Forks: &gethtest.ForkOffsets{Shanghai: 24, Cancun: 48, Prague: 72, Osaka: 96}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { el.Close() })
	ctx := testCtx(t)
	c, _ := newClient(t, el, nil)
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := gethtest.NewChainBuilder(el, c, gethtest.ChainOptions{TxsPerBlock: 1, WithdrawalsPerBlock: 1})
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := b.Chain(ctx, el, 9)
	if err != nil {
		t.Fatal(err)
	}
	want := []forks.Fork{forks.Bellatrix, forks.Capella, forks.Capella, forks.Deneb, forks.Deneb, forks.Electra, forks.Electra, forks.Fulu, forks.Fulu}
	for i, blk := range blocks {
		p := blk.Built.Payload
		if blk.Built.Fork != want[i] {
			t.Fatalf("block %d (t=+%d): fork %s, want %s", i, p.Timestamp-gethtest.GenesisTimestamp, blk.Built.Fork, want[i])
		}
		wantWithdrawals := 1
		if want[i] == forks.Bellatrix {
			wantWithdrawals = 0
		}
		if len(p.Transactions) != 1 || len(p.Withdrawals) != wantWithdrawals {
			t.Fatalf("block %d: %d txs, %d withdrawals", i, len(p.Transactions), len(p.Withdrawals))
		}
		if h, err := engine.BlockHash(blk.Request); err != nil || h != p.BlockHash {
			t.Fatalf("block %d: our hash %x (%v), geth's %x", i, h, err, p.BlockHash)
		}
	}
	if el.Head().Hash() != common.Hash(blocks[8].Hash()) {
		t.Fatal("geth head is not the last block")
	}
	for _, m := range []struct {
		method  string
		outcome engine.Outcome
		n       uint64
	}{
		{engine.MethodNewPayloadV1, engine.OutcomeValid, 1}, {engine.MethodNewPayloadV2, engine.OutcomeValid, 2},
		{engine.MethodNewPayloadV3, engine.OutcomeValid, 2}, {engine.MethodNewPayloadV4, engine.OutcomeValid, 4},
		{engine.MethodGetPayloadV1, engine.OutcomeOK, 1}, {engine.MethodGetPayloadV2, engine.OutcomeOK, 2},
		{engine.MethodGetPayloadV3, engine.OutcomeOK, 2}, {engine.MethodGetPayloadV4, engine.OutcomeOK, 2},
		{engine.MethodGetPayloadV5, engine.OutcomeOK, 2},
	} {
		if got := c.Count(m.method, m.outcome); got != m.n {
			t.Errorf("%s %s: %d, want %d", m.method, m.outcome, got, m.n)
		}
	}
	for _, m := range []string{engine.MethodForkchoiceUpdatedV1, engine.MethodForkchoiceUpdatedV2, engine.MethodForkchoiceUpdatedV3} {
		if c.Count(m, engine.OutcomeValid) == 0 {
			t.Errorf("%s never VALID", m)
		}
	}
}

// rehash gives a tampered request's payload the block hash of its new
// contents, so the execution client executes it instead of stopping at the
// hash check.
func rehash(t *testing.T, req *transition.NewPayloadRequest) {
	t.Helper()
	h, err := engine.BlockHash(req)
	if err != nil {
		t.Fatal(err)
	}
	req.ExecutionPayload.BlockHash = h
}

func cloneRequest(req *transition.NewPayloadRequest) *transition.NewPayloadRequest {
	out := *req
	p := *req.ExecutionPayload
	p.Transactions = append([][]byte(nil), p.Transactions...)
	p.ExtraData = append([]byte(nil), p.ExtraData...)
	out.ExecutionPayload = &p
	return &out
}

// TestGethTamperedPayloads: a payload whose block hash, state root or a
// transaction was changed is INVALID, with latestValidHash the parent when
// geth executed it; a child of the invalid block is INVALID too; geth never
// makes them head; the untampered sibling imports VALID and becomes head.
func TestGethTamperedPayloads(t *testing.T) {
	el := fuluEL(t)
	ctx := testCtx(t)
	c, _ := newClient(t, el, nil)
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := gethtest.NewChainBuilder(el, c, gethtest.ChainOptions{Fork: forks.Fulu, TxsPerBlock: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Chain(ctx, el, 1); err != nil {
		t.Fatal(err)
	}
	parent, parentTime, parentNumber := b.Head()
	tx1, _ := b.Transfer()
	tx2, _ := b.Transfer()
	blk, err := b.Build(ctx, el, parent, parentTime, parentNumber, []*types.Transaction{tx1, tx2})
	if err != nil {
		t.Fatal(err)
	}

	// 1. Block hash changed: refused before execution.
	badHash := cloneRequest(blk.Request)
	badHash.ExecutionPayload.BlockHash[0] ^= 1
	st, err := c.NewPayload(ctx, badHash)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != engine.StatusInvalid && st.Status != engine.StatusInvalidBlockHash {
		t.Fatalf("tampered block hash: %s", st.Status)
	}
	if st.LatestValidHash != nil && *st.LatestValidHash != [32]byte{} {
		t.Fatalf("tampered block hash: latestValidHash %x, want null (not executed)", *st.LatestValidHash)
	}
	if !strings.Contains(st.ValidationError, "blockhash mismatch") {
		t.Fatalf("tampered block hash: validation error %q", st.ValidationError)
	}

	// 2. State root changed, block hash recomputed: executed, INVALID,
	// latest valid hash the parent.
	badRoot := cloneRequest(blk.Request)
	badRoot.ExecutionPayload.StateRoot[5] ^= 0x40
	rehash(t, badRoot)
	st, err = c.NewPayload(ctx, badRoot)
	if err != nil || st.Status != engine.StatusInvalid || st.LatestValidHash == nil || *st.LatestValidHash != parent {
		t.Fatalf("tampered state root: %+v %v (want INVALID, latestValidHash parent %x)", st, err, parent)
	}

	// 3. A transaction swapped for another valid one (same nonce, other
	// value), block hash recomputed: INVALID, latest valid hash the parent.
	badTx := cloneRequest(blk.Request)
	var first types.Transaction
	if err := first.UnmarshalBinary(badTx.ExecutionPayload.Transactions[1]); err != nil {
		t.Fatal(err)
	}
	swapped, err := types.SignNewTx(gethtest.DevKey(), types.LatestSigner(el.ChainConfig()), &types.DynamicFeeTx{
		ChainID: big.NewInt(gethtest.ChainID), Nonce: first.Nonce(), GasTipCap: first.GasTipCap(), GasFeeCap: first.GasFeeCap(),
		Gas: 21000, To: first.To(), Value: new(big.Int).Add(first.Value(), big.NewInt(7)),
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := swapped.MarshalBinary()
	badTx.ExecutionPayload.Transactions[1] = raw
	rehash(t, badTx)
	st, err = c.NewPayload(ctx, badTx)
	if err != nil || st.Status != engine.StatusInvalid || st.LatestValidHash == nil || *st.LatestValidHash != parent {
		t.Fatalf("tampered transaction: %+v %v (want INVALID, latestValidHash parent)", st, err)
	}
	if c.Count(engine.MethodNewPayloadV4, engine.OutcomeInvalid) < 3 {
		t.Fatalf("invalid counter %d", c.Count(engine.MethodNewPayloadV4, engine.OutcomeInvalid))
	}

	// 4. The untampered payload: VALID; then a child of the invalid
	// state-root block (geth remembers it as a bad ancestor): INVALID.
	st, err = c.NewPayload(ctx, blk.Request)
	if err != nil || st.Status != engine.StatusValid {
		t.Fatalf("the valid sibling: %+v %v", st, err)
	}
	res, err := c.ForkchoiceUpdated(ctx, forks.Fulu, engine.ForkchoiceState{Head: blk.Hash()}, nil)
	if err != nil || res.PayloadStatus.Status != engine.StatusValid {
		t.Fatalf("fcU to the valid sibling: %+v %v", res, err)
	}
	child, err := b.Build(ctx, el, blk.Hash(), blk.Built.Payload.Timestamp, blk.Built.Payload.BlockNumber, nil)
	if err != nil {
		t.Fatal(err)
	}
	badChild := cloneRequest(child.Request)
	badChild.ExecutionPayload.ParentHash = badRoot.ExecutionPayload.BlockHash
	rehash(t, badChild)
	st, err = c.NewPayload(ctx, badChild)
	if err != nil || st.Status != engine.StatusInvalid {
		t.Fatalf("child of an invalid block: %+v %v", st, err)
	}
	if st.LatestValidHash == nil || *st.LatestValidHash != parent {
		t.Fatalf("child of an invalid block: latestValidHash %v, want %x", st.LatestValidHash, parent)
	}
	// forkchoiceUpdated to an invalid block: refused, head unchanged.
	res, err = c.ForkchoiceUpdated(ctx, forks.Fulu, engine.ForkchoiceState{Head: badRoot.ExecutionPayload.BlockHash}, nil)
	if err != nil || res.PayloadStatus.Status != engine.StatusInvalid {
		t.Fatalf("fcU to the invalid block: %+v %v", res, err)
	}
	if el.Head().Hash() != common.Hash(blk.Hash()) {
		t.Fatalf("geth head %x, want the valid sibling %x", el.Head().Hash(), blk.Hash())
	}
	if el.HasBlock(badRoot.ExecutionPayload.BlockHash) || el.HasBlock(badTx.ExecutionPayload.BlockHash) {
		t.Fatal("geth stored an invalid block")
	}
	// The transition adapter: a verdict, not an error.
	if v, err := c.NotifyNewPayload(badTx); err != nil || v != transition.PayloadInvalid {
		t.Fatalf("NotifyNewPayload(invalid): %v %v", v, err)
	}
	if v, err := c.NotifyNewPayload(blk.Request); err != nil || v != transition.PayloadValid {
		t.Fatalf("NotifyNewPayload(valid): %v %v", v, err)
	}
}

// TestGethNewPayloadAsync: newPayload started before the state transition
// (NewPayloadAsync) gives the transition's NotifyNewPayload the verdict of
// that call, for a valid and for a tampered payload; a request for another
// payload is asked directly. RequestForBlock builds the request the
// transition makes from a block's body alone.
func TestGethNewPayloadAsync(t *testing.T) {
	el := fuluEL(t)
	ctx := testCtx(t)
	c, _ := newClient(t, el, nil)
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := gethtest.NewChainBuilder(el, c, gethtest.ChainOptions{Fork: forks.Fulu, TxsPerBlock: 1})
	if err != nil {
		t.Fatal(err)
	}
	head, tm, number := b.Head()
	tx, _ := b.Transfer()
	blk, err := b.Build(ctx, el, head, tm, number, []*types.Transaction{tx})
	if err != nil {
		t.Fatal(err)
	}
	// The request from a beacon block carrying the payload equals the
	// builder's.
	block := &state.BeaconBlock{ForkName: forks.Fulu, ParentRoot: blk.Request.ParentBeaconBlockRoot, Body: &state.BeaconBlockBody{
		ExecutionPayload: blk.Built.Payload, ExecutionRequests: blk.Built.ExecutionRequests, BlobKZGCommitments: blk.Built.Blobs.Commitments,
	}}
	req := engine.RequestForBlock(block)
	if req == nil || req.ParentBeaconBlockRoot != blk.Request.ParentBeaconBlockRoot || len(req.VersionedHashes) != 0 {
		t.Fatalf("RequestForBlock: %+v", req)
	}
	if engine.RequestForBlock(&state.BeaconBlock{ForkName: forks.Altair, Body: &state.BeaconBlockBody{}}) != nil {
		t.Fatal("an altair block has no payload request")
	}
	bad := cloneRequest(req)
	bad.ExecutionPayload.StateRoot[0] ^= 1
	rehash(t, bad)

	pending := c.NewPayloadAsync(ctx, req)
	pendingBad := c.NewPayloadAsync(ctx, bad)
	if v, err := pendingBad.NotifyNewPayload(bad); err != nil || v != transition.PayloadInvalid {
		t.Fatalf("prefetched invalid: %v %v", v, err)
	}
	if v, err := pending.NotifyNewPayload(req); err != nil || v != transition.PayloadValid {
		t.Fatalf("prefetched valid: %v %v", v, err)
	}
	sent := c.Count(engine.MethodNewPayloadV4, engine.OutcomeValid) + c.Count(engine.MethodNewPayloadV4, engine.OutcomeInvalid)
	if sent != 2 {
		t.Fatalf("%d newPayload calls, want the 2 prefetches only", sent)
	}
	// The transition asks about another payload: a direct call.
	if v, err := pending.NotifyNewPayload(bad); err != nil || v != transition.PayloadInvalid {
		t.Fatalf("other payload through a pending call: %v %v", v, err)
	}
	if c.Count(engine.MethodNewPayloadV4, engine.OutcomeInvalid) != 2 {
		t.Fatalf("the other payload was not asked directly")
	}
}

// TestGethSyncingUnknownParent: a payload on a parent geth never saw is
// SYNCING (the state machine goes to syncing), a VALID one brings it back
// to online.
func TestGethSyncingUnknownParent(t *testing.T) {
	el := fuluEL(t)
	ctx := testCtx(t)
	c, log := newClient(t, el, nil)
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := gethtest.NewChainBuilder(el, c, gethtest.ChainOptions{Fork: forks.Fulu})
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := b.Chain(ctx, el, 1)
	if err != nil {
		t.Fatal(err)
	}
	orphan := cloneRequest(blocks[0].Request)
	orphan.ExecutionPayload.ParentHash = sha256.Sum256([]byte("a parent nobody has"))
	orphan.ExecutionPayload.BlockNumber += 100
	rehash(t, orphan)
	st, err := c.NewPayload(ctx, orphan)
	if err != nil || (st.Status != engine.StatusSyncing && st.Status != engine.StatusAccepted) {
		t.Fatalf("unknown parent: %+v %v (want SYNCING)", st, err)
	}
	if c.State() != engine.StateSyncing {
		t.Fatalf("state %s after SYNCING", c.State())
	}
	if v, err := c.NotifyNewPayload(orphan); err != nil || v != transition.PayloadOptimistic {
		t.Fatalf("NotifyNewPayload(unknown parent): %v %v", v, err)
	}
	log.waitFor(t, engine.StateSyncing, time.Second)
	if _, err := b.Chain(ctx, el, 1); err != nil {
		t.Fatal(err)
	}
	if c.State() != engine.StateOnline {
		t.Fatalf("state %s after VALID", c.State())
	}
}

// TestGethOfflineAndRestart: geth stopped mid-run: calls fail fast with an
// offline error, the state goes offline (callback told), the transition
// adapter imports optimistically instead of inventing a verdict; geth
// restarted: the probe brings the state back to online by itself and the
// payload sent while it was down imports VALID.
func TestGethOfflineAndRestart(t *testing.T) {
	t0 := time.Now()
	el, err := gethtest.Start(gethtest.Options{Osaka: true, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { el.Close() })
	ctx := testCtx(t)
	c, log := newClient(t, el, nil)
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := gethtest.NewChainBuilder(el, c, gethtest.ChainOptions{Fork: forks.Fulu, TxsPerBlock: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Chain(ctx, el, 2); err != nil {
		t.Fatal(err)
	}
	head, tm, number := b.Head()
	pending, err := b.Build(ctx, el, head, tm, number, nil)
	if err != nil {
		t.Fatal(err)
	}

	t.Logf("geth started, 2 blocks imported, one built: %v", time.Since(t0))
	if err := el.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("geth stopped: %v", time.Since(t0))
	start := time.Now()
	_, err = c.NewPayload(ctx, pending.Request)
	took := time.Since(start)
	if !errors.Is(err, engine.ErrOffline) || engine.KindOf(err) != engine.KindOffline {
		t.Fatalf("newPayload with geth stopped: %v (want offline)", err)
	}
	// Three attempts (two retries with 100 + 200 ms backoff), well under
	// the 8 s newPayload timeout.
	if took > 2*time.Second {
		t.Fatalf("offline failure took %v", took)
	}
	ch := log.waitFor(t, engine.StateOffline, time.Second)
	if ch.Err == nil {
		t.Fatal("offline change without its error")
	}
	if h := c.Health(); h.State != engine.StateOffline || h.LastError == nil {
		t.Fatalf("health %+v", h)
	}
	// Known offline: the next call fails fast without retries.
	retries := c.Count(engine.MethodNewPayloadV4, engine.OutcomeRetry)
	start = time.Now()
	v, err := c.NotifyNewPayload(pending.Request)
	if err != nil || v != transition.PayloadOptimistic {
		t.Fatalf("NotifyNewPayload offline: %v %v (want optimistic, no error)", v, err)
	}
	if time.Since(start) > 500*time.Millisecond || c.Count(engine.MethodNewPayloadV4, engine.OutcomeRetry) != retries {
		t.Fatalf("known-offline call took %v with retries", time.Since(start))
	}
	if c.Count(engine.MethodNewPayloadV4, engine.OutcomeErrOffline) < 2 {
		t.Fatalf("offline counter %d", c.Count(engine.MethodNewPayloadV4, engine.OutcomeErrOffline))
	}

	if err := el.Restart(); err != nil {
		t.Fatal(err)
	}
	// The probe (every 100 ms) notices.
	deadline := time.Now().Add(10 * time.Second)
	for c.State() != engine.StateOnline && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if c.State() != engine.StateOnline {
		t.Fatalf("state %s 10 s after restart; changes %v", c.State(), log.all())
	}
	if got := el.Head().Hash(); got != common.Hash(head) {
		t.Fatalf("geth restarted at %x, want the head it had %x", got, head)
	}
	st, err := c.NewPayload(ctx, pending.Request)
	if err != nil || st.Status != engine.StatusValid {
		t.Fatalf("payload sent while geth was down, after restart: %+v %v", st, err)
	}
}

// TestGethWrongJWT: a client with the wrong secret: geth answers 401, the
// state is auth_failed with a clear error, calls fail with an auth error and
// no verdict; the transition adapter imports optimistically.
func TestGethWrongJWT(t *testing.T) {
	el := fuluEL(t)
	ctx := testCtx(t)
	wrong := el.Secret()
	wrong[0] ^= 0xff
	c, log := newClient(t, el, func(cfg *engine.Config) { cfg.JWTSecret = wrong })
	err := c.Start(ctx)
	if !errors.Is(err, engine.ErrAuth) {
		t.Fatalf("Start with the wrong secret: %v (want ErrAuth)", err)
	}
	if !strings.Contains(err.Error(), "401") {
		t.Fatalf("auth error does not say what happened: %v", err)
	}
	ch := log.waitFor(t, engine.StateAuthFailed, time.Second)
	if ch.Err == nil || ch.Method != engine.MethodExchangeCapabilities {
		t.Fatalf("auth change %+v", ch)
	}
	b, err := gethtest.NewChainBuilder(el, c, gethtest.ChainOptions{Fork: forks.Fulu})
	if err != nil {
		t.Fatal(err)
	}
	head, tm, number := b.Head()
	st, err := c.NewPayload(ctx, &transition.NewPayloadRequest{Fork: forks.Fulu, ExecutionPayload: &deneb.ExecutionPayload{ParentHash: head, Timestamp: tm + 12, BlockNumber: number + 1}})
	if engine.KindOf(err) != engine.KindAuth || st.Status != 0 {
		t.Fatalf("newPayload with the wrong secret: %+v %v", st, err)
	}
	if v, err := c.NotifyNewPayload(&transition.NewPayloadRequest{Fork: forks.Fulu, ExecutionPayload: &deneb.ExecutionPayload{}}); err != nil || v != transition.PayloadOptimistic {
		t.Fatalf("NotifyNewPayload with the wrong secret: %v %v", v, err)
	}
	if c.State() != engine.StateAuthFailed || c.Count(engine.MethodNewPayloadV4, engine.OutcomeErrAuth) != 2 {
		t.Fatalf("state %s, auth errors %d", c.State(), c.Count(engine.MethodNewPayloadV4, engine.OutcomeErrAuth))
	}
	if n := c.Count(engine.MethodNewPayloadV4, engine.OutcomeValid) + c.Count(engine.MethodNewPayloadV4, engine.OutcomeInvalid); n != 0 {
		t.Fatalf("%d verdicts with the wrong secret", n)
	}
}

// TestGethTimeout: a newPayload timeout shorter than geth can answer is a
// timeout error (not a verdict) and marks the EL offline.
func TestGethTimeout(t *testing.T) {
	el := fuluEL(t)
	ctx := testCtx(t)
	c, _ := newClient(t, el, func(cfg *engine.Config) {
		cfg.Timeouts.NewPayload = time.Microsecond
		cfg.ProbeInterval = -1
	})
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := gethtest.NewChainBuilder(el, c, gethtest.ChainOptions{Fork: forks.Fulu})
	if err != nil {
		t.Fatal(err)
	}
	head, tm, number := b.Head()
	blk, err := b.Build(ctx, el, head, tm, number, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.NewPayload(ctx, blk.Request)
	if !errors.Is(err, engine.ErrTimeout) {
		t.Fatalf("1 µs newPayload: %v (want timeout)", err)
	}
	if c.State() != engine.StateOffline || c.Count(engine.MethodNewPayloadV4, engine.OutcomeRetry) != 0 {
		t.Fatalf("state %s, retries %d (timeouts are not retried)", c.State(), c.Count(engine.MethodNewPayloadV4, engine.OutcomeRetry))
	}
}

// TestGethBlobsMissing (also under -race): getBlobsV2 for blobs geth's pool
// does not have is null, an answer (not an error), and the state stays
// online; an empty request is an empty answer.
func TestGethBlobsMissing(t *testing.T) {
	el := fuluEL(t)
	ctx := testCtx(t)
	c, _ := newClient(t, el, nil)
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBlobsV2(ctx, [][32]byte{sha256.Sum256([]byte("no such blob")), sha256.Sum256([]byte("nor this"))})
	if err != nil || got != nil {
		t.Fatalf("getBlobsV2 of unknown blobs: %v %v (want null)", got, err)
	}
	if c.State() != engine.StateOnline || c.Count(engine.MethodGetBlobsV2, engine.OutcomeOK) != 1 {
		t.Fatalf("state %s, ok %d", c.State(), c.Count(engine.MethodGetBlobsV2, engine.OutcomeOK))
	}
	tooMany := make([][32]byte, engine.MaxBlobsPerGetBlobs+1)
	if _, err := c.GetBlobsV2(ctx, tooMany); engine.KindOf(err) != engine.KindRequest {
		t.Fatalf("129 hashes: %v (want a request error)", err)
	}
}

// TestGethBlobs: a blob transaction with a version-1 (cell proof) sidecar
// in geth's pool is served by getBlobsV2 (blob and 128 cell proofs as
// sent); a missing hash makes the answer null; the next payload carries the
// blob (getPayloadV5 blobs bundle with 128 proofs per blob) and imports
// VALID with its versioned hash.
func TestGethBlobs(t *testing.T) {
	if raceEnabled && os.Getenv("ENGINE_BLOBS_UNDER_RACE") == "" {
		t.Skip("geth's KZG is minutes slow under -race; `make test-engine-blobs` runs this test without it (ENGINE_BLOBS_UNDER_RACE=1 forces it)")
	}
	el := fuluEL(t)
	ctx := testCtx(t)
	// The spec's 1 s getBlobs timeout is for a production EL; geth under
	// -race on a shared machine can take longer to hand out 128 KiB.
	c, _ := newClient(t, el, func(cfg *engine.Config) { cfg.Timeouts.GetBlobs = 20 * time.Second })
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := gethtest.NewChainBuilder(el, c, gethtest.ChainOptions{Fork: forks.Fulu})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	tx, vh, err := b.BlobTx(gethtest.FixtureBlobSeed)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("blob tx with cell proofs made in %v", time.Since(start))
	start = time.Now()
	if err := el.AddTxs(tx); err != nil {
		t.Fatalf("geth's pool refused the blob tx: %v", err)
	}
	t.Logf("geth's pool took it in %v", time.Since(start))
	start = time.Now()
	got, err := c.GetBlobsV2(ctx, [][32]byte{vh})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("getBlobsV2 answered in %v", time.Since(start))
	sc := tx.BlobTxSidecar()
	if len(got) != 1 || !bytes.Equal(got[0].Blob, sc.Blobs[0][:]) {
		t.Fatalf("getBlobsV2: %d entries, blob equal %v", len(got), len(got) == 1 && bytes.Equal(got[0].Blob, sc.Blobs[0][:]))
	}
	for i, p := range got[0].CellProofs {
		if p != [48]byte(sc.Proofs[i]) {
			t.Fatalf("cell proof %d differs", i)
		}
	}
	missing, err := c.GetBlobsV2(ctx, [][32]byte{vh, sha256.Sum256([]byte("no such blob"))})
	if err != nil || missing != nil {
		t.Fatalf("getBlobsV2 with a missing hash: %v %v (want null)", missing, err)
	}
	start = time.Now()
	blk, err := b.Next(ctx, el, tx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("block with the blob built and imported in %v", time.Since(start))
	bundle := blk.Built.Blobs
	if len(bundle.Blobs) != 1 || len(bundle.Proofs) != engine.CellsPerExtBlob || bundle.Commitments[0] != [48]byte(sc.Commitments[0]) {
		t.Fatalf("blobs bundle: %d blobs, %d proofs", len(bundle.Blobs), len(bundle.Proofs))
	}
	if len(blk.Request.VersionedHashes) != 1 || blk.Request.VersionedHashes[0] != vh {
		t.Fatalf("versioned hashes %x, want %x", blk.Request.VersionedHashes, vh)
	}
	// A wrong versioned hash list: geth refuses the payload.
	wrong := cloneRequest(blk.Request)
	wrong.VersionedHashes = [][32]byte{sha256.Sum256([]byte("other"))}
	st, err := c.NewPayload(ctx, wrong)
	if err != nil || st.Status != engine.StatusInvalid {
		t.Fatalf("wrong versioned hashes: %+v %v", st, err)
	}
}

// TestLibraryDoesNotLinkGethNode: the engine package (shipped in the
// library) must not pull go-ethereum's node or eth service.
func TestLibraryDoesNotLinkGethNode(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/libp2pc/libp2pc/libp2pc/engine").CombinedOutput()
	if err != nil {
		t.Skipf("go list unavailable: %v %s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		switch line {
		case "github.com/ethereum/go-ethereum/node", "github.com/ethereum/go-ethereum/eth",
			"github.com/ethereum/go-ethereum/eth/catalyst", "github.com/ethereum/go-ethereum/p2p",
			"github.com/libp2pc/libp2pc/libp2pc/internal/gethtest":
			t.Errorf("libp2pc/engine depends on %s", line)
		}
	}
}
