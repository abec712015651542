package pipeline

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/engine"
	"github.com/libp2pc/libp2pc/libp2pc/forkchoice"
	"github.com/libp2pc/libp2pc/libp2pc/internal/gethtest"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// These tests run the pipeline against go-ethereum itself (in process,
// libp2pc/internal/gethtest), never a mock. One scenario of electra beacon
// blocks whose payloads a source geth built (forkchoiceUpdated with the
// beacon state's attributes, then getPayload) is made once; each test
// imports it into a fresh geth that has only the genesis, so every
// newPayload really executes.
//
//	A1 - A2 - A3 - A4 - V  - W        valid chain (one transfer per block)
//	                  \ TS - C        TS: payload state root changed (block hash redone); C on it
//	                  \ TT            TT: a transaction swapped (block hash redone)
//	                  \ TH            TH: the block hash changed

type elScenario struct {
	c                    *anyChain
	a                    []anyBlockRec // A1..A4
	v, w, ts, c2, tt, th anyBlockRec
	long                 []anyBlockRec     // after W, for the benchmark (build's longLen)
	hash                 map[Root][32]byte // execution block hash per beacon root
	err                  error
}

var (
	elScenarioOnce sync.Once
	elScen         elScenario
)

const elSlotSeconds = testSecondsPerSlot

func elScenarioFor(t *testing.T) *elScenario {
	t.Helper()
	elScenarioOnce.Do(func() {
		elScen.err = fmt.Errorf("the scenario's build stopped (see the first test's failure)")
		elScen.err = elScen.build(t, 0, 1)
	})
	if elScen.err != nil {
		t.Fatalf("building the scenario: %v", elScen.err)
	}
	return &elScen
}

// build makes the scenario, then longLen more blocks on W with txs
// transfers each.
func (sc *elScenario) build(t testing.TB, longLen, txs int) error {
	src, err := gethtest.Start(gethtest.Options{Quiet: true})
	if err != nil {
		return err
	}
	defer src.Close()
	client, err := engine.New(engine.Config{Endpoint: src.Endpoint(), JWTSecret: engine.JWTSecret(src.Secret()), ProbeInterval: -1})
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	builder, err := gethtest.NewChainBuilder(src, client, gethtest.ChainOptions{Fork: forks.Electra, BuildWait: 100 * time.Millisecond})
	if err != nil {
		return err
	}
	c := electraChain(t)
	g := c.genesis.Copy()
	g.GenesisTime = gethtest.GenesisTimestamp
	gb := src.GenesisBlock()
	g.LatestExecutionPayloadHeader = &deneb.ExecutionPayloadHeader{BlockHash: gb.Hash(), Timestamp: gb.Time(),
		GasLimit: gb.GasLimit(), StateRoot: gb.Root()}
	c.genesis = g
	if c.gRoot, _, err = c.tr.Anchor(AnyState(g)); err != nil {
		return err
	}
	sc.c, sc.hash = c, map[Root][32]byte{}

	// payload asks geth for the payload of the block at slot on pre (with
	// want's transactions), built on buildOn (zero: the state's latest
	// execution block), edited by tamper when set; untampered payloads are
	// imported into the source geth so the next builds can follow.
	payload := func(pre *state.BeaconState, slot uint64, fee byte, want []*types.Transaction, buildOn [32]byte, tamper func(req *transition.NewPayloadRequest)) (*transition.NewPayloadRequest, error) {
		s := pre.Copy()
		if err := transition.AdvanceSlots(c.cfg, s, slot); err != nil {
			return nil, err
		}
		parentRoot, err := s.LatestBlockHeader.HashTreeRoot()
		if err != nil {
			return nil, err
		}
		wds, err := transition.ExpectedWithdrawals(s)
		if err != nil {
			return nil, err
		}
		if wds == nil {
			wds = []*capella.Withdrawal{}
		}
		attrs := engine.PayloadAttributes{Timestamp: s.GenesisTime + slot*elSlotSeconds,
			PrevRandao: helpers.RandaoMix(s, helpers.CurrentEpoch(s)), SuggestedFeeRecipient: [20]byte{0xfe, fee},
			Withdrawals: wds, ParentBeaconBlockRoot: &parentRoot}
		if buildOn == ([32]byte{}) {
			buildOn = s.LatestExecutionPayloadHeader.BlockHash
		}
		built, err := builder.BuildWith(ctx, src, forks.Electra, buildOn, attrs, want)
		if err != nil {
			return nil, err
		}
		req := built.Request
		if tamper != nil {
			p := *req.ExecutionPayload
			req = &transition.NewPayloadRequest{Fork: req.Fork, ExecutionPayload: &p, VersionedHashes: req.VersionedHashes,
				ParentBeaconBlockRoot: req.ParentBeaconBlockRoot, ExecutionRequests: req.ExecutionRequests}
			tamper(req)
		} else {
			st, err := client.NewPayload(ctx, req)
			if err != nil || st.Status != engine.StatusValid {
				return nil, fmt.Errorf("source geth: newPayload %v %v", st.Status, err)
			}
		}
		return req, nil
	}
	block := func(pre *state.BeaconState, slot uint64, req *transition.NewPayloadRequest) anyBlockRec {
		requests := req.ExecutionRequests
		if requests == nil {
			requests = &electra.ExecutionRequests{}
		}
		// No attestations: the electra formats are not what produce makes.
		sb, post := c.produce(pre, slot, false, func(b *state.BeaconBlock) {
			b.Body.ExecutionPayload = req.ExecutionPayload
			b.Body.ExecutionRequests = requests
		})
		rec := c.record(sb, post, true)
		sc.hash[rec.root] = req.ExecutionPayload.BlockHash
		return rec
	}
	produce := func(pre *state.BeaconState, slot uint64, fee byte, want []*types.Transaction, tamper func(req *transition.NewPayloadRequest)) (anyBlockRec, error) {
		req, err := payload(pre, slot, fee, want, [32]byte{}, tamper)
		if err != nil {
			return anyBlockRec{}, err
		}
		return block(pre, slot, req), nil
	}
	rehash := func(req *transition.NewPayloadRequest) {
		h, err := engine.BlockHash(req)
		if err != nil {
			panic(err)
		}
		req.ExecutionPayload.BlockHash = h
	}
	transfers := func(n int) []*types.Transaction {
		var out []*types.Transaction
		for range n {
			tx, err := builder.Transfer()
			if err != nil {
				panic(err)
			}
			out = append(out, tx)
		}
		return out
	}
	transfer := func() []*types.Transaction { return transfers(1) }
	pre := c.genesis
	for slot := uint64(1); slot <= 4; slot++ {
		rec, err := produce(pre, slot, 0, transfer(), nil)
		if err != nil {
			return err
		}
		sc.a = append(sc.a, rec)
		pre = rec.post
	}
	a4 := pre
	// The tampered siblings first: built on A4 with other fee recipients,
	// so their payloads differ from V's.
	if sc.ts, err = produce(a4, 5, 1, nil, func(req *transition.NewPayloadRequest) {
		req.ExecutionPayload.StateRoot[0] ^= 0xff
		rehash(req)
	}); err != nil {
		return err
	}
	swapTx := transfer()
	if sc.tt, err = produce(a4, 5, 2, swapTx, func(req *transition.NewPayloadRequest) {
		orig := swapTx[0]
		to := common.Address{0xbb}
		other, err := types.SignNewTx(gethtest.DevKey(), types.LatestSigner(src.ChainConfig()), &types.DynamicFeeTx{
			ChainID: big.NewInt(gethtest.ChainID), Nonce: orig.Nonce(), GasTipCap: orig.GasTipCap(), GasFeeCap: orig.GasFeeCap(),
			Gas: orig.Gas(), To: &to, Value: big.NewInt(12345)})
		if err != nil {
			panic(err)
		}
		raw, err := other.MarshalBinary()
		if err != nil {
			panic(err)
		}
		txs := append([][]byte(nil), req.ExecutionPayload.Transactions...)
		for i, r := range txs {
			var tx types.Transaction
			if tx.UnmarshalBinary(r) == nil && tx.Hash() == orig.Hash() {
				txs[i] = raw
			}
		}
		req.ExecutionPayload.Transactions = txs
		rehash(req)
	}); err != nil {
		return err
	}
	if sc.th, err = produce(a4, 5, 3, nil, func(req *transition.NewPayloadRequest) {
		req.ExecutionPayload.BlockHash[0] ^= 0xff
	}); err != nil {
		return err
	}
	// C on TS: geth cannot build on an invalid block, so its payload is
	// built on A4's for slot 6's attributes (computed on TS's post-state)
	// and re-parented onto TS's payload.
	tsHash := sc.hash[sc.ts.root]
	creq, err := payload(sc.ts.post, 6, 4, nil, sc.hash[sc.a[3].root], func(req *transition.NewPayloadRequest) {
		req.ExecutionPayload.ParentHash = tsHash
		req.ExecutionPayload.BlockNumber++
		rehash(req)
	})
	if err != nil {
		return err
	}
	sc.c2 = block(sc.ts.post, 6, creq)
	if sc.v, err = produce(a4, 5, 0, transfer(), nil); err != nil {
		return err
	}
	if sc.w, err = produce(sc.v.post, 6, 0, transfer(), nil); err != nil {
		return err
	}
	pre = sc.w.post
	for slot := uint64(7); slot < uint64(7+longLen); slot++ {
		rec, err := produce(pre, slot, 0, transfers(txs), nil)
		if err != nil {
			return err
		}
		sc.long = append(sc.long, rec)
		pre = rec.post
	}
	return nil
}

// execLog records the execution side of the pipeline's events.
type execLog struct {
	mu       sync.Mutex
	imported map[Root]store.ExecutionStatus
	invalid  map[Root]string
	changed  map[Root]store.ExecutionStatus
	heads    []Root
	headExec map[Root]store.ExecutionStatus
}

func newExecLog() *execLog {
	return &execLog{imported: map[Root]store.ExecutionStatus{}, invalid: map[Root]string{}, changed: map[Root]store.ExecutionStatus{},
		headExec: map[Root]store.ExecutionStatus{}}
}

func (l *execLog) Event(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch e.Kind {
	case EventBlockImported:
		l.imported[e.Root] = e.Execution
	case EventBlockInvalid:
		l.invalid[e.Root] = e.Rule
	case EventExecution:
		l.changed[e.Root] = e.Execution
	case EventHeadChanged:
		l.heads = append(l.heads, e.Root)
		l.headExec[e.Root] = e.Execution
	}
}

func (l *execLog) wasHead(r Root) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, h := range l.heads {
		if h == r {
			return true
		}
	}
	return false
}

func (l *execLog) invalidRule(r Root) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rule, ok := l.invalid[r]
	return rule, ok
}

// startEL starts a fresh geth (genesis only) for one test.
func startEL(t testing.TB) *gethtest.EL {
	t.Helper()
	el, err := gethtest.Start(gethtest.Options{Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { el.Close() })
	return el
}

func elClient(t testing.TB, el *gethtest.EL, secret [32]byte, onState func(engine.StateChange)) *engine.Client {
	t.Helper()
	c, err := engine.New(engine.Config{Endpoint: el.Endpoint(), JWTSecret: engine.JWTSecret(secret), ProbeInterval: 100 * time.Millisecond,
		RetryBackoff: 20 * time.Millisecond, MaxRetries: 1, OnStateChange: onState,
		Timeouts: engine.Timeouts{NewPayload: 20 * time.Second, ForkchoiceUpdated: 20 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// startELPipeline opens (or reopens) the store in dir, anchored at the
// scenario's genesis, and starts a pipeline on it with eng (nil: none).
func (sc *elScenario) startELPipeline(t testing.TB, dir string, eng Engine, ev Events) (*Pipeline, *store.Store, func()) {
	return sc.startELPipelineWith(t, dir, eng, ev, nil)
}

func (sc *elScenario) startELPipelineWith(t testing.TB, dir string, eng Engine, ev Events, mod func(*Config)) (*Pipeline, *store.Store, func()) {
	t.Helper()
	st, err := store.Open(dir, testStoreOpts)
	if err != nil {
		t.Fatal(err)
	}
	if err := Init(st, sc.c.tr, AnyState(sc.c.genesis)); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(int64(sc.c.genesis.GenesisTime+200*elSlotSeconds), 0)
	cfg := Config{GenesisTime: sc.c.genesis.GenesisTime, SecondsPerSlot: elSlotSeconds, Now: func() time.Time { return now }}
	if eng != nil {
		cfg.Engine = eng
	}
	if mod != nil {
		mod(&cfg)
	}
	p, err := Start(cfg, st, sc.c.tr, nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() { once.Do(func() { p.Close(); st.Close() }) }
	t.Cleanup(stop)
	return p, st, stop
}

func importAll(t *testing.T, p *Pipeline, recs ...anyBlockRec) []Result {
	t.Helper()
	var out []Result
	for _, r := range recs {
		out = append(out, p.Import(r.ssz, ""))
	}
	return out
}

func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func execOf(p *Pipeline, r Root) forkchoice.PayloadStatus {
	st, _, _ := p.ForkChoice().Execution(r)
	return st
}

// TestEngineValidChain: every block of a real chain imports with its
// payload VALID from geth, and geth's head follows the pipeline's
// forkchoiceUpdated to the last block.
func TestEngineValidChain(t *testing.T) {
	sc := elScenarioFor(t)
	el := startEL(t)
	client := elClient(t, el, el.Secret(), nil)
	log := newExecLog()
	p, st, _ := sc.startELPipeline(t, t.TempDir(), client, log)
	chain := append(append([]anyBlockRec(nil), sc.a...), sc.v, sc.w)
	for i, res := range importAll(t, p, chain...) {
		if res.State != Included {
			t.Fatalf("block %d: %v %s", i+1, res.State, res.Rule)
		}
	}
	for i, r := range chain {
		if got := log.imported[r.root]; got != store.ExecutionValid {
			t.Errorf("block %d imported with execution %v, want valid", i+1, got)
		}
		if info, _ := st.Info(r.root); info.Execution != store.ExecutionValid || info.ExecutionHash != sc.hash[r.root] {
			t.Errorf("block %d on disk: %v %x", i+1, info.Execution, info.ExecutionHash[:4])
		}
	}
	if p.Head() != sc.w.root {
		t.Fatalf("head %x, want W", p.Head())
	}
	want := common.Hash(sc.hash[sc.w.root])
	waitUntil(t, "geth's head to follow forkchoiceUpdated", 30*time.Second, func() bool {
		h := el.Head()
		return h != nil && h.Hash() == want
	})
	xs := p.ExecutionStats()
	if xs.Valid != uint64(len(chain)) || xs.Invalid != 0 || xs.Optimistic != 0 || xs.EngineErrors != 0 || xs.ForkchoiceUpdates == 0 {
		t.Fatalf("execution stats %+v", xs)
	}
	if n := client.Count(engine.MethodNewPayloadV4, engine.OutcomeValid); n != uint64(len(chain)) {
		t.Errorf("engine counter newPayloadV4/valid = %d", n)
	}
}

// TestEngineInvalidPayloads: payloads tampered with (state root, a
// transaction, the block hash) are INVALID: those blocks and a child of one
// are rejected with the execution client's reason, never head, and the
// head is the valid sibling's chain.
func TestEngineInvalidPayloads(t *testing.T) {
	sc := elScenarioFor(t)
	el := startEL(t)
	client := elClient(t, el, el.Secret(), nil)
	log := newExecLog()
	p, _, _ := sc.startELPipeline(t, t.TempDir(), client, log)
	importAll(t, p, sc.a...)
	for name, r := range map[string]anyBlockRec{"state root": sc.ts, "transaction": sc.tt, "block hash": sc.th} {
		res := p.Import(r.ssz, "")
		if res.State != Invalid || !strings.Contains(res.Rule, "execution payload INVALID") {
			t.Errorf("tampered %s: %v %q", name, res.State, res.Rule)
		}
	}
	if res := p.Import(sc.c2.ssz, ""); res.State != Invalid || !strings.Contains(res.Rule, "invalid") {
		t.Errorf("child of the tampered block: %v %q", res.State, res.Rule)
	}
	for _, res := range importAll(t, p, sc.v, sc.w) {
		if res.State != Included {
			t.Fatalf("valid sibling: %v %s", res.State, res.Rule)
		}
	}
	if p.Head() != sc.w.root {
		t.Fatalf("head %x, want W", p.Head())
	}
	for _, r := range []anyBlockRec{sc.ts, sc.tt, sc.th, sc.c2} {
		if log.wasHead(r.root) || p.ForkChoice().HasBlock(r.root) {
			t.Errorf("invalid block %x was head or is in the fork choice", r.root[:4])
		}
	}
	if xs := p.ExecutionStats(); xs.Invalid != 3 || xs.Valid != 6 {
		t.Fatalf("execution stats %+v", xs)
	}
}

// TestEngineOfflineThenBack: with geth stopped, blocks import
// optimistically (marked so in the fork choice and on disk, which a reopen
// keeps), the tampered block and its child with them. Once geth
// is back the optimistic blocks are sent again: the valid ones turn VALID,
// the tampered one is INVALID, it and its child are invalidated (reported,
// out of the fork choice, on disk) and the head moves to the valid branch.
func TestEngineOfflineThenBack(t *testing.T) {
	sc := elScenarioFor(t)
	el := startEL(t)
	client := elClient(t, el, el.Secret(), nil)
	dir := t.TempDir()
	log := newExecLog()
	p, st, stop := sc.startELPipeline(t, dir, client, log)
	importAll(t, p, sc.a[:2]...)
	// geth keeps the state of its head across a restart: let it take A2
	// as head (our forkchoiceUpdated) before stopping it.
	a2 := common.Hash(sc.hash[sc.a[1].root])
	waitUntil(t, "geth's head at A2", 30*time.Second, func() bool { h := el.Head(); return h != nil && h.Hash() == a2 })
	if err := el.Stop(); err != nil {
		t.Fatal(err)
	}
	offline := []anyBlockRec{sc.a[2], sc.a[3], sc.v, sc.ts, sc.c2}
	for _, res := range importAll(t, p, offline...) {
		if res.State != Included {
			t.Fatalf("offline import: %v %s", res.State, res.Rule)
		}
	}
	for _, r := range offline {
		if log.imported[r.root] != store.ExecutionOptimistic || execOf(p, r.root) != forkchoice.PayloadOptimistic {
			t.Fatalf("block at slot %d: imported %v, fork choice %v; want optimistic", r.slot, log.imported[r.root], execOf(p, r.root))
		}
	}
	if xs := p.ExecutionStats(); xs.Valid != 2 || xs.Invalid != 0 || xs.EngineErrors != uint64(len(offline)) {
		t.Fatalf("offline stats %+v (no verdict may be invented)", xs)
	}
	log.mu.Lock()
	headExec := log.headExec[p.Head()]
	log.mu.Unlock()
	if headExec != store.ExecutionOptimistic {
		t.Fatalf("head_changed to an optimistic head reported %v", headExec)
	}

	// The optimistic marks survive a reopen (the engine still down).
	stop()
	p, st, stop = sc.startELPipeline(t, dir, client, log)
	for _, r := range offline {
		if info, _ := st.Info(r.root); info.Execution != store.ExecutionOptimistic || execOf(p, r.root) != forkchoice.PayloadOptimistic {
			t.Fatalf("after reopen, slot %d: disk %v, fork choice %v", r.slot, info.Execution, execOf(p, r.root))
		}
	}

	if err := el.Restart(); err != nil {
		t.Fatal(err)
	}
	p.Revalidate()
	waitUntil(t, "the optimistic blocks to be settled", 60*time.Second, func() bool {
		return len(p.ForkChoice().Optimistic()) == 0
	})
	for _, r := range []anyBlockRec{sc.a[2], sc.a[3], sc.v} {
		if execOf(p, r.root) != forkchoice.PayloadValid {
			t.Errorf("slot %d: %v after geth came back, want valid", r.slot, execOf(p, r.root))
		}
		if info, _ := st.Info(r.root); info.Execution != store.ExecutionValid {
			t.Errorf("slot %d on disk: %v", r.slot, info.Execution)
		}
	}
	for _, r := range []anyBlockRec{sc.ts, sc.c2} {
		if execOf(p, r.root) != forkchoice.PayloadInvalid {
			t.Errorf("tampered branch, slot %d: %v, want invalid", r.slot, execOf(p, r.root))
		}
		if rule, ok := log.invalidRule(r.root); !ok || !strings.Contains(rule, "INVALID") {
			t.Errorf("tampered branch, slot %d: block_invalid %v %q", r.slot, ok, rule)
		}
		if info, _ := st.Info(r.root); info.Execution != store.ExecutionInvalid {
			t.Errorf("tampered branch, slot %d on disk: %v", r.slot, info.Execution)
		}
	}
	if h := p.Head(); h != sc.v.root {
		t.Fatalf("head %x after invalidation, want V", h[:4])
	}
	// A block on the invalidated branch is refused; W on V imports VALID.
	if res := p.Import(sc.w.ssz, ""); res.State != Included || log.imported[sc.w.root] != store.ExecutionValid {
		t.Fatalf("W: %v %s %v", res.State, res.Rule, log.imported[sc.w.root])
	}
	if p.Head() != sc.w.root {
		t.Fatalf("head is not W")
	}
	// The invalidation survives a reopen: the branch stays out.
	stop()
	p, _, _ = sc.startELPipeline(t, dir, nil, nil)
	if p.ForkChoice().HasBlock(sc.ts.root) || p.ForkChoice().HasBlock(sc.c2.root) || p.Head() != sc.w.root {
		t.Fatalf("after reopen the invalidated branch is back (head %x)", p.Head())
	}
}

// TestEngineWrongJWT: geth refuses our token: the client reports
// auth_failed with the reason, blocks import optimistically, and no
// verdict is invented.
func TestEngineWrongJWT(t *testing.T) {
	sc := elScenarioFor(t)
	el := startEL(t)
	var mu sync.Mutex
	var changes []engine.StateChange
	client := elClient(t, el, [32]byte{1, 2, 3}, func(c engine.StateChange) {
		mu.Lock()
		changes = append(changes, c)
		mu.Unlock()
	})
	log := newExecLog()
	p, _, _ := sc.startELPipeline(t, t.TempDir(), client, log)
	for _, res := range importAll(t, p, sc.a[:2]...) {
		if res.State != Included {
			t.Fatalf("%v %s", res.State, res.Rule)
		}
	}
	for _, r := range sc.a[:2] {
		if log.imported[r.root] != store.ExecutionOptimistic {
			t.Errorf("slot %d: %v, want optimistic", r.slot, log.imported[r.root])
		}
	}
	if xs := p.ExecutionStats(); xs.Valid != 0 || xs.Invalid != 0 {
		t.Fatalf("verdicts invented: %+v", xs)
	}
	h := client.Health()
	if h.State != engine.StateAuthFailed || h.LastError == nil {
		t.Fatalf("health %v %v", h.State, h.LastError)
	}
	waitUntil(t, "the auth_failed state change", 5*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range changes {
			if c.To == engine.StateAuthFailed && c.Err != nil {
				return true
			}
		}
		return false
	})
}
