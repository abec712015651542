// Package pipeline is the concurrent block pipeline of seed 002, "per-block
// processes": one goroutine per block carries it from arrival to import —
// decode, basic checks, save the block to the store at once, find the
// parent (downloading it when missing), the fork choice's quick checks,
// load the parent state, run the state transition (at most Workers at a
// time), save the post-state, update the fork choice. Components pass
// roots; blocks and states stay with their process or in the store.
//
// A block waits for its parent's process, so blocks of one chain import
// in order while blocks of different forks transition in parallel. Every
// state change of a block (New, Pending, Child, BlockChild, StateChild,
// Included, Invalid, and Dropped) is reported through Events.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/eth2/slotclock"
	"github.com/libp2pc/libp2pc/libp2pc/forkchoice"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// Config tunes the pipeline. Zero values take the defaults.
type Config struct {
	// Context is the parent of the pipeline's goroutines (its owner's: a
	// node's); nil means context.Background(). Close still ends them.
	Context        context.Context
	GenesisTime    uint64 // unix seconds
	SecondsPerSlot uint64 // required
	SlotsPerEpoch  uint64 // default the preset's
	// Now is the wall clock (default time.Now).
	Now func() time.Time
	// Workers bounds concurrent state transitions (default runtime.NumCPU()).
	Workers int
	// MaxPending bounds the blocks waiting for a missing parent (default
	// 1024); beyond it new orphans are dropped and counted.
	MaxPending int
	// MaxDownloads bounds concurrent parent downloads (default 4) and
	// MaxQueuedDownloads the downloads waiting for a slot (default 256).
	MaxDownloads, MaxQueuedDownloads int
	// DownloadAttempts: peers tried per missing root (default 3), each
	// with DownloadTimeout (default 10s).
	DownloadAttempts int
	DownloadTimeout  time.Duration
	// Peers lists peers a missing parent may be asked for (after the peer
	// the child came from).
	Peers func() []string
	// MaxFutureSlots: a block at most this many slots ahead of the clock
	// waits for its slot; further ones are dropped (default 2).
	MaxFutureSlots uint64
	// SkipSignatures disables BLS checks in the transition (benchmarks).
	SkipSignatures bool
	// ProposerScoreBoost enables the fork choice's proposer boost (percent).
	ProposerScoreBoost uint64
	// InvalidCache: how many invalid roots are remembered (default 4096).
	InvalidCache int
	// DA: data availability (deneb blob sidecars, fulu data columns;
	// see da.go).
	DA DAConfig
	// Engine is the execution client (execution.go); nil imports payloads
	// after their consensus checks only, reported as "no engine".
	Engine Engine
	// SequentialExecution sends newPayload after the state transition
	// instead of during it (benchmarks: the baseline of the overlap).
	SequentialExecution bool
}

func (c *Config) fill() {
	if c.SlotsPerEpoch == 0 {
		c.SlotsPerEpoch = slotsPerEpoch
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Workers <= 0 {
		c.Workers = runtime.NumCPU()
	}
	if c.MaxPending == 0 {
		c.MaxPending = 1024
	}
	if c.MaxDownloads == 0 {
		c.MaxDownloads = 4
	}
	if c.MaxQueuedDownloads == 0 {
		c.MaxQueuedDownloads = 256
	}
	if c.DownloadAttempts == 0 {
		c.DownloadAttempts = 3
	}
	if c.DownloadTimeout == 0 {
		c.DownloadTimeout = 10 * time.Second
	}
	if c.MaxFutureSlots == 0 {
		c.MaxFutureSlots = 2
	}
	if c.InvalidCache == 0 {
		c.InvalidCache = 4096
	}
}

// Fetcher downloads blocks from one peer (the req/resp layer provides the
// real one). Each returned element is a signed block's SSZ.
type Fetcher interface {
	BlocksByRoot(ctx context.Context, peer string, roots []Root) ([][]byte, error)
	BlocksByRange(ctx context.Context, peer string, startSlot, count uint64) ([][]byte, error)
}

// entry is a block known to the pipeline and not finished: either a block
// process owns it, or it is a placeholder for a block being downloaded
// (or a stored block being resumed) that a process will adopt.
type entry struct {
	root    Root
	claimed bool // a process owns it
	dl      bool // placeholder of a download
	done    chan struct{}
	result  BlockState // Included, Invalid or Dropped once done is closed
	rule    string
	// origin is the block whose own failure decided this verdict (itself,
	// or the ancestor that was invalid or could not be obtained) and cause
	// that failure's reason: a descendant names them once, instead of
	// nesting one "parent ...:" level per generation.
	origin Root
	cause  string
	// arrived is when a process claimed the block (monotonic, not cfg.Now:
	// a latency, not a slot time), for the import latency of its event.
	arrived time.Time
}

// Stats are the pipeline's counters.
type Stats struct {
	Received, Duplicates, DecodeErrors      uint64
	Imported, Invalid, Dropped              uint64
	DroppedPendingFull, DroppedDownloadFull uint64
	DroppedParentMissing, DroppedFuture     uint64
	Downloads, DownloadsDeduped             uint64
	DownloadRequests, DownloadRetries       uint64
	DownloadsFailed                         uint64
	VotesIgnored                            uint64
	Pending                                 int64
	InFlight                                int64
}

type counters struct {
	received, duplicates, decodeErrors      atomic.Uint64
	imported, invalid, dropped              atomic.Uint64
	droppedPendingFull, droppedDownloadFull atomic.Uint64
	droppedParentMissing, droppedFuture     atomic.Uint64
	downloads, downloadsDeduped             atomic.Uint64
	downloadRequests, downloadRetries       atomic.Uint64
	downloadsFailed, votesIgnored           atomic.Uint64
	pending, inflight                       atomic.Int64
}

// Pipeline is the block pipeline of one node.
type Pipeline struct {
	cfg   Config
	clock slotclock.Clock // GenesisTime, SecondsPerSlot: the node's slot clock
	st    *store.Store
	tr    Transitioner
	fetch Fetcher
	ev    Events
	fc    *forkchoice.Store

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu           sync.Mutex
	entries      map[Root]*entry
	invalid      map[Root]*entry // finished entries of invalid blocks (their origin and cause)
	invalidOrder []Root
	dlQueued     int
	seen         map[[2]uint64]struct{} // gossip: (proposer, slot) with a valid signature

	sem   chan struct{} // transitions
	dlSem chan struct{} // downloads

	updMu     sync.Mutex // fork choice updates, head and checkpoint events
	head      Root
	justified Checkpoint
	finalized Checkpoint

	c counters

	da   *daState  // data availability (da.go)
	exec execution // the execution client's side of imports (execution.go)
}

// Init anchors an empty store at a trusted state (genesis or a checkpoint
// state). A store already anchored there is left as it is.
func Init(st *store.Store, tr Transitioner, anchor State) error {
	root, header, err := tr.Anchor(anchor)
	if err != nil {
		return err
	}
	if r, ok := st.Anchor(); ok {
		if r != root {
			return fmt.Errorf("pipeline: store anchored at %x, not %x", r[:4], root[:4])
		}
		return nil
	}
	ssz, err := tr.EncodeState(anchor)
	if err != nil {
		return err
	}
	info := store.BlockInfo{Root: root, Slot: anchor.Slot(), Justified: anchor.Justified(), Finalized: anchor.Finalized()}
	return st.InitAnchor(info, header, ssz, anchor.Slot()/slotsPerEpoch)
}

// Start starts a pipeline on an anchored store. The fork choice is rebuilt
// from the store (anchored at its finalized block, imported blocks above
// it re-added in slot order), and blocks stored but not imported (a
// restart) are resumed.
func Start(cfg Config, st *store.Store, tr Transitioner, fetch Fetcher, ev Events) (*Pipeline, error) {
	cfg.fill()
	if cfg.SecondsPerSlot == 0 {
		return nil, errors.New("pipeline: SecondsPerSlot is zero")
	}
	clock, err := slotclock.FromUnix(cfg.GenesisTime, cfg.SecondsPerSlot)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	if ev == nil {
		ev = EventFunc(func(Event) {})
	}
	if _, ok := st.Anchor(); !ok {
		return nil, errors.New("pipeline: store has no anchor (call Init)")
	}
	parent := cfg.Context
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	p := &Pipeline{
		cfg: cfg, clock: clock, st: st, tr: tr, fetch: fetch, ev: ev, ctx: ctx, cancel: cancel,
		entries: map[Root]*entry{}, invalid: map[Root]*entry{}, seen: map[[2]uint64]struct{}{},
		sem: make(chan struct{}, cfg.Workers), dlSem: make(chan struct{}, cfg.MaxDownloads),
	}
	if p.da, err = newDAState(cfg.DA, tr, cfg.SecondsPerSlot); err != nil {
		cancel()
		return nil, err
	}
	justified, finalized := st.Checkpoints()
	anchorInfo, ok := st.Info(finalized.Root)
	if !ok {
		cancel()
		return nil, fmt.Errorf("pipeline: finalized block %x not in store", finalized.Root[:4])
	}
	fc, err := forkchoice.New(forkchoice.Config{
		GenesisTime: cfg.GenesisTime, SecondsPerSlot: cfg.SecondsPerSlot, SlotsPerEpoch: cfg.SlotsPerEpoch,
		ProposerScoreBoost: cfg.ProposerScoreBoost,
	}, forkchoice.Block{Root: anchorInfo.Root, Parent: anchorInfo.Parent, Slot: anchorInfo.Slot}, anchorInfo.Slot, p.balances)
	if err != nil {
		cancel()
		return nil, err
	}
	p.fc = fc
	fc.OnTick(p.unixNow())
	var resume []store.BlockInfo
	for _, info := range st.Blocks() {
		if info.Root == anchorInfo.Root {
			continue
		}
		if !info.Imported {
			resume = append(resume, info)
			continue
		}
		if info.Execution == store.ExecutionInvalid {
			p.rememberInvalidated(info.Root, "execution payload invalidated (before the restart)")
			continue
		}
		_ = fc.OnBlock(forkchoice.Block{Root: info.Root, Parent: info.Parent, Slot: info.Slot,
			Justified: forkchoice.Checkpoint(info.Justified), Finalized: forkchoice.Checkpoint(info.Finalized),
			Execution: forkChoiceStatus(info.Execution), BlockHash: info.ExecutionHash})
	}
	p.head = st.Head()
	p.justified, p.finalized = justified, finalized
	p.startExecution()
	for _, info := range resume {
		if ssz, err := st.Block(info.Root); err == nil {
			p.Submit(ssz, "")
		}
	}
	return p, nil
}

// ForkChoice returns the fork choice store (read-mostly: Head, Checkpoints).
func (p *Pipeline) ForkChoice() *forkchoice.Store { return p.fc }

// Store returns the block store.
func (p *Pipeline) Store() *store.Store { return p.st }

// Close stops the pipeline: blocks in flight are dropped, and Close waits
// for every goroutine to end.
func (p *Pipeline) Close() {
	p.cancel()
	p.wg.Wait()
}

// Stats returns the counters.
func (p *Pipeline) Stats() Stats {
	c := &p.c
	return Stats{
		Received: c.received.Load(), Duplicates: c.duplicates.Load(), DecodeErrors: c.decodeErrors.Load(),
		Imported: c.imported.Load(), Invalid: c.invalid.Load(), Dropped: c.dropped.Load(),
		DroppedPendingFull: c.droppedPendingFull.Load(), DroppedDownloadFull: c.droppedDownloadFull.Load(),
		DroppedParentMissing: c.droppedParentMissing.Load(), DroppedFuture: c.droppedFuture.Load(),
		Downloads: c.downloads.Load(), DownloadsDeduped: c.downloadsDeduped.Load(),
		DownloadRequests: c.downloadRequests.Load(), DownloadRetries: c.downloadRetries.Load(),
		DownloadsFailed: c.downloadsFailed.Load(), VotesIgnored: c.votesIgnored.Load(),
		Pending: c.pending.Load(), InFlight: c.inflight.Load(),
	}
}

// Idle waits until no block process and no download is running.
func (p *Pipeline) Idle(ctx context.Context) error {
	for p.c.inflight.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}

func (p *Pipeline) unixNow() uint64 {
	t := p.cfg.Now().Unix()
	if t < 0 {
		return 0
	}
	return uint64(t)
}

func (p *Pipeline) emit(e Event) { p.ev.Event(e) }

// Result is the outcome of one block process.
type Result struct {
	Root  Root
	State BlockState // Included, Invalid, Dropped; New for a duplicate
	Rule  string     // why Invalid / Dropped
	Dup   bool       // the block was already known (in flight, imported or invalid)
}

// Submit starts a block process for a signed block's SSZ received from a
// peer ("" if local). The block is decoded and registered before Submit
// returns — so that a child submitted next waits for it instead of
// downloading it — and processed in a goroutine; the outcome arrives as
// events.
func (p *Pipeline) Submit(ssz []byte, from string) {
	p.start()
	b, e, _, ok := p.admit(ssz)
	if !ok {
		p.end()
		return
	}
	go func() {
		defer p.end()
		p.process(b, e, from)
	}()
}

// SubmitDecoded is Submit for a block the caller decoded with the
// pipeline's Transitioner.
func (p *Pipeline) SubmitDecoded(b Block, from string) {
	p.start()
	p.c.received.Add(1)
	e, _, ok := p.register(b)
	if !ok {
		p.end()
		return
	}
	go func() {
		defer p.end()
		p.process(b, e, from)
	}()
}

// Import runs a block process in the calling goroutine and returns its
// outcome.
func (p *Pipeline) Import(ssz []byte, from string) Result {
	p.start()
	defer p.end()
	b, e, res, ok := p.admit(ssz)
	if !ok {
		return res
	}
	return p.process(b, e, from)
}

func (p *Pipeline) start() { p.wg.Add(1); p.c.inflight.Add(1) }
func (p *Pipeline) end()   { p.c.inflight.Add(-1); p.wg.Done() }

// claim registers a block process for root: a new entry, or the adoption
// of a placeholder. nil means the block is already handled.
func (p *Pipeline) claim(root Root) *entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e := p.entries[root]; e != nil {
		if !e.claimed {
			e.claimed = true
			return e
		}
		return nil
	}
	if _, bad := p.invalid[root]; bad {
		return nil
	}
	if p.st.IsImported(root) {
		return nil
	}
	e := &entry{root: root, claimed: true, done: make(chan struct{})}
	p.entries[root] = e
	return e
}

// expect registers a placeholder for a block that a process is about to
// claim (range sync), so that its children wait for it.
func (p *Pipeline) expect(root Root) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.entries[root] != nil || p.st.IsImported(root) {
		return
	}
	if _, bad := p.invalid[root]; bad {
		return
	}
	p.entries[root] = &entry{root: root, done: make(chan struct{})}
}

func (p *Pipeline) setState(e *entry, b Block, s BlockState) {
	p.emit(Event{Kind: EventBlockState, Root: e.root, Slot: b.Slot(), Parent: b.ParentRoot(), State: s})
}

// verdict is the outcome of a block process: a state, the reason, and
// the block whose own failure it is (zero: this block).
type verdict struct {
	state  BlockState
	rule   string
	origin Root
	cause  string
}

// inherited is the verdict of a block whose ancestor failed (pe is the
// parent's finished entry).
func inherited(parent Root, pe *entry) verdict {
	what := "unavailable"
	if pe.result == Invalid {
		what = "invalid"
	}
	origin, cause := pe.origin, pe.cause
	if cause == "" { // a placeholder that failed on its own
		origin, cause = pe.root, pe.rule
	}
	kin := "parent"
	if origin != parent {
		kin = "ancestor"
	}
	state := Dropped
	if pe.result == Invalid {
		state = Invalid
	}
	return verdict{state: state, rule: fmt.Sprintf("%s %x %s: %s", kin, origin[:4], what, cause), origin: origin, cause: cause}
}

// finish ends a block process with a verdict and wakes its children.
func (p *Pipeline) finish(e *entry, slot uint64, result BlockState, rule string) Result {
	return p.finishVerdict(e, slot, verdict{state: result, rule: rule})
}

func (p *Pipeline) finishVerdict(e *entry, slot uint64, v verdict) Result {
	result, rule := v.state, v.rule
	if result != Included {
		_ = p.st.DeleteBlock(e.root) // not imported: nothing else refers to it
	}
	p.mu.Lock()
	e.result, e.rule = result, rule
	e.origin, e.cause = e.root, rule
	if v.cause != "" {
		e.origin, e.cause = v.origin, v.cause
	}
	delete(p.entries, e.root)
	if result != Included {
		defer p.dataFinished(e.root, slot, false, 0)
	}
	if result == Invalid {
		p.invalid[e.root] = e
		p.invalidOrder = append(p.invalidOrder, e.root)
		if len(p.invalidOrder) > p.cfg.InvalidCache {
			delete(p.invalid, p.invalidOrder[0])
			p.invalidOrder = p.invalidOrder[1:]
		}
	}
	close(e.done)
	p.mu.Unlock()
	p.emit(Event{Kind: EventBlockState, Root: e.root, Slot: slot, State: result, Rule: rule})
	switch result {
	case Invalid:
		p.c.invalid.Add(1)
		p.emit(Event{Kind: EventBlockInvalid, Root: e.root, Slot: slot, Rule: rule})
	case Dropped:
		p.c.dropped.Add(1)
		p.emit(Event{Kind: EventBlockDropped, Root: e.root, Slot: slot, Rule: rule})
	}
	return Result{Root: e.root, State: result, Rule: rule}
}

// admit is the start of a block process, in the submitter's goroutine:
// decode, and register the block (claim). ok is false when there is
// nothing more to do (res says why: undecodable, or a duplicate).
func (p *Pipeline) admit(ssz []byte) (b Block, e *entry, res Result, ok bool) {
	p.c.received.Add(1)
	b, err := p.tr.DecodeBlock(ssz)
	if err != nil {
		p.c.decodeErrors.Add(1)
		p.emit(Event{Kind: EventBlockInvalid, Rule: "decode: " + err.Error()})
		return nil, nil, Result{State: Invalid, Rule: "decode: " + err.Error()}, false
	}
	e, res, ok = p.register(b)
	return b, e, res, ok
}

// register claims a decoded block for a process (false: a duplicate).
func (p *Pipeline) register(b Block) (*entry, Result, bool) {
	e := p.claim(b.Root())
	if e == nil {
		p.c.duplicates.Add(1)
		return nil, Result{Root: b.Root(), State: New, Dup: true}, false
	}
	e.arrived = time.Now()
	return e, Result{}, true
}

// process is the rest of the block process, for a registered block.
func (p *Pipeline) process(b Block, e *entry, from string) (res Result) {
	ssz := b.SSZ()
	root, slot, parent := b.Root(), b.Slot(), b.ParentRoot()
	finished := false
	defer func() {
		if !finished { // a panic or a missed path must not strand children
			res = p.finish(e, slot, Dropped, "internal error")
		}
	}()
	done := func(s BlockState, rule string) Result {
		finished = true
		return p.finish(e, slot, s, rule)
	}
	p.setState(e, b, New)

	// Basic checks.
	if slot == 0 {
		return done(Invalid, "block at slot 0")
	}
	p.updMu.Lock()
	fin := p.finalized
	p.updMu.Unlock()
	if fin.Epoch > 0 && slot <= fin.Epoch*p.cfg.SlotsPerEpoch {
		return done(Invalid, "on_block: block slot is not after the finalized slot")
	}

	// Save the block at once (store_block_if_not_present).
	if _, err := p.st.PutBlock(store.BlockInfo{Root: root, Parent: parent, Slot: slot, StateRoot: b.StateRoot()}, ssz); err != nil {
		return done(Dropped, "store: "+err.Error())
	}

	// Data availability: register what the block needs and start asking
	// for it; the block waits for it after its parent (awaitData below).
	dw, dv := p.requireData(b)
	if dv != nil {
		finished = true
		return p.finishVerdict(e, slot, *dv)
	}

	// Parent: imported, in flight, stored, invalid, or missing.
	if v := p.awaitParent(e, b, from); v.state != Included {
		finished = true
		return p.finishVerdict(e, slot, v)
	}

	// BlockChild: the fork choice's quick checks (no state).
	for {
		p.fc.OnTick(p.unixNow())
		err := p.fc.CheckBlock(slot, parent)
		if err == nil {
			break
		}
		cur := p.fc.CurrentSlot()
		if slot > cur && slot <= cur+p.cfg.MaxFutureSlots {
			wait := time.Until(p.clock.SlotStart(slot))
			select {
			case <-time.After(wait + time.Millisecond):
				continue
			case <-p.ctx.Done():
				return done(Dropped, "shutdown")
			}
		}
		if slot > cur {
			p.c.droppedFuture.Add(1)
			return done(Dropped, err.Error())
		}
		return done(Invalid, err.Error())
	}
	p.setState(e, b, BlockChild)

	// is_data_available (deneb and fulu fork-choice.md on_block).
	var sidecars []store.Sidecar
	if dw != nil {
		var v verdict
		if sidecars, v = p.awaitData(dw); v.state != Included {
			finished = true
			return p.finishVerdict(e, slot, v)
		}
	}

	// StateChild: the parent's post-state.
	pre, err := p.loadState(parent)
	if err != nil {
		return done(Dropped, "parent state: "+err.Error())
	}
	p.setState(e, b, StateChild)

	// newPayload starts now and runs during the state transition.
	call := p.sendPayload(b)
	// The state transition, at most Workers at a time.
	select {
	case p.sem <- struct{}{}:
	case <-p.ctx.Done():
		call.abandon()
		return done(Dropped, "shutdown")
	}
	post, err := p.tr.Transition(pre, b, !p.cfg.SkipSignatures)
	<-p.sem
	if err != nil {
		call.abandon()
		return done(Invalid, RuleOf(err))
	}
	// The block imports when the execution client agrees (or cannot say).
	ex := p.awaitPayload(call, b)
	if ex.status == store.ExecutionInvalid {
		return done(Invalid, ex.rule)
	}
	stateSSZ, err := p.tr.EncodeState(post)
	if err != nil {
		return done(Dropped, "encode state: "+err.Error())
	}
	info := store.BlockInfo{Root: root, Parent: parent, Slot: slot, StateRoot: b.StateRoot(),
		Justified: post.Justified(), Finalized: post.Finalized(), Execution: ex.status, ExecutionHash: ex.hash}
	if err := p.st.ImportBlock(store.Import{Info: info, Block: ssz, State: stateSSZ, StateObj: post, Sidecars: sidecars}); err != nil {
		return done(Dropped, err.Error())
	}
	p.dataFinished(root, slot, true, len(sidecars))
	p.c.imported.Add(1)
	p.emit(Event{Kind: EventBlockImported, Root: root, Slot: slot, Parent: parent, StateRoot: b.StateRoot(), Took: time.Since(e.arrived), Execution: ex.status})
	p.updateForkChoice(b, post, ex)
	return done(Included, "")
}

// awaitParent waits until the parent is imported (Included), or returns
// the verdict the child gets (Invalid when the parent is invalid, Dropped
// when it cannot be obtained).
func (p *Pipeline) awaitParent(e *entry, b Block, from string) verdict {
	parent := b.ParentRoot()
	for {
		p.mu.Lock()
		if bad := p.invalid[parent]; bad != nil {
			p.mu.Unlock()
			return inherited(parent, bad)
		}
		pe := p.entries[parent]
		if pe == nil {
			if p.st.IsImported(parent) {
				p.mu.Unlock()
				return verdict{state: Included}
			}
			if p.st.HasBlock(parent) {
				// Stored but not being processed (a restart): resume it.
				pe = &entry{root: parent, done: make(chan struct{})}
				p.entries[parent] = pe
				p.mu.Unlock()
				if ssz, err := p.st.Block(parent); err == nil {
					p.Submit(ssz, from)
				} else {
					p.failPlaceholder(pe, "parent block unreadable: "+err.Error())
				}
				continue
			}
			// Missing: download it (one download per root).
			if p.c.pending.Load() >= int64(p.cfg.MaxPending) {
				p.mu.Unlock()
				p.c.droppedPendingFull.Add(1)
				return verdict{state: Dropped, rule: "too many blocks waiting for a parent"}
			}
			if p.dlQueued >= p.cfg.MaxQueuedDownloads {
				p.mu.Unlock()
				p.c.droppedDownloadFull.Add(1)
				return verdict{state: Dropped, rule: "download queue full"}
			}
			pe = &entry{root: parent, dl: true, done: make(chan struct{})}
			p.entries[parent] = pe
			p.dlQueued++
			p.c.downloads.Add(1)
			p.start()
			go func() {
				defer p.end()
				p.download(pe, from)
			}()
		} else if pe.dl && !pe.claimed {
			if p.c.pending.Load() >= int64(p.cfg.MaxPending) {
				p.mu.Unlock()
				p.c.droppedPendingFull.Add(1)
				return verdict{state: Dropped, rule: "too many blocks waiting for a parent"}
			}
			p.c.downloadsDeduped.Add(1)
		}
		// Wait for the parent's process: Pending while it is downloaded,
		// Child while it is processed.
		st := Child
		if pe.dl && !pe.claimed {
			st = Pending
			p.c.pending.Add(1)
		}
		p.mu.Unlock()
		p.setState(e, b, st)
		select {
		case <-pe.done:
		case <-p.ctx.Done():
			if st == Pending {
				p.c.pending.Add(-1)
			}
			return verdict{state: Dropped, rule: "shutdown"}
		}
		if st == Pending {
			p.c.pending.Add(-1)
		}
		switch pe.result {
		case Included:
			p.setState(e, b, Child)
			return verdict{state: Included}
		case Invalid:
			return inherited(parent, pe)
		default:
			p.c.droppedParentMissing.Add(1)
			return inherited(parent, pe)
		}
	}
}

// failPlaceholder ends a placeholder that no process adopted.
func (p *Pipeline) failPlaceholder(pe *entry, rule string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pe.claimed {
		return // a process (e.g. a gossip copy) owns it now
	}
	pe.claimed = true
	pe.result, pe.rule = Dropped, rule
	delete(p.entries, pe.root)
	close(pe.done)
}

// download fetches a missing block, trying the peer the child came from
// first and then other peers, and hands it to a new block process that
// adopts the placeholder.
func (p *Pipeline) download(pe *entry, hint string) {
	select {
	case p.dlSem <- struct{}{}:
	case <-p.ctx.Done():
		p.mu.Lock()
		p.dlQueued--
		p.mu.Unlock()
		p.failPlaceholder(pe, "shutdown")
		return
	}
	p.mu.Lock()
	p.dlQueued--
	p.mu.Unlock()
	defer func() { <-p.dlSem }()

	var peers []string
	seen := map[string]bool{}
	if hint != "" {
		peers, seen[hint] = append(peers, hint), true
	}
	if p.cfg.Peers != nil {
		for _, q := range p.cfg.Peers() {
			if !seen[q] {
				peers, seen[q] = append(peers, q), true
			}
		}
	}
	lastErr := "no peer to ask"
	for i, peer := range peers {
		if i >= p.cfg.DownloadAttempts {
			break
		}
		p.mu.Lock()
		claimed := pe.claimed
		p.mu.Unlock()
		if claimed {
			return // the block arrived by another way meanwhile
		}
		if i > 0 {
			p.c.downloadRetries.Add(1)
		}
		p.c.downloadRequests.Add(1)
		if p.fetch == nil {
			lastErr = "no fetcher"
			break
		}
		ctx, cancel := context.WithTimeout(p.ctx, p.cfg.DownloadTimeout)
		blocks, err := p.fetch.BlocksByRoot(ctx, peer, []Root{pe.root})
		cancel()
		if err != nil {
			lastErr = fmt.Sprintf("peer %s: %v", peer, err)
			continue
		}
		var got []byte
		for _, ssz := range blocks {
			if blk, err := p.tr.DecodeBlock(ssz); err == nil && blk.Root() == pe.root {
				got = ssz
				break
			}
		}
		if got == nil {
			lastErr = fmt.Sprintf("peer %s: block not served", peer)
			continue
		}
		p.Submit(got, peer)
		return
	}
	p.c.downloadsFailed.Add(1)
	p.failPlaceholder(pe, "download failed: "+lastErr)
}

// loadState returns the post-state of an imported block: cached, read
// from the store, or regenerated by replaying blocks from the nearest
// ancestor whose state is stored (pruned states).
func (p *Pipeline) loadState(root Root) (State, error) {
	ssz, obj, err := p.st.State(root)
	if err == nil {
		if s, ok := obj.(State); ok {
			return s, nil
		}
		s, err := p.tr.DecodeState(ssz)
		if err != nil {
			return nil, err
		}
		p.st.CacheState(root, ssz, s)
		return s, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	// Regenerate.
	var chain []Root
	cur := root
	for {
		info, ok := p.st.Info(cur)
		if !ok || !info.Imported {
			return nil, fmt.Errorf("no state for %x and no imported ancestor chain", root[:4])
		}
		if info.HasState {
			break
		}
		chain = append(chain, cur)
		cur = info.Parent
	}
	s, err := p.loadState(cur)
	if err != nil {
		return nil, err
	}
	for i := len(chain) - 1; i >= 0; i-- {
		ssz, err := p.st.Block(chain[i])
		if err != nil {
			return nil, err
		}
		b, err := p.tr.DecodeBlock(ssz)
		if err != nil {
			return nil, err
		}
		if s, err = p.tr.Transition(s, b, false); err != nil {
			return nil, fmt.Errorf("replay %x: %w", chain[i][:4], err)
		}
	}
	if enc, err := p.tr.EncodeState(s); err == nil {
		_ = p.st.PutState(root, enc, s)
	}
	return s, nil
}

// balances is the fork choice's BalanceSource.
func (p *Pipeline) balances(cp forkchoice.Checkpoint) ([]uint64, error) {
	s, err := p.loadState(cp.Root)
	if err != nil {
		return nil, err
	}
	return p.tr.Balances(s, cp.Epoch)
}

// updateForkChoice is the fast final step: on_block, the block's votes,
// get_head, and the head / checkpoint events.
func (p *Pipeline) updateForkChoice(b Block, post State, ex executionResult) {
	p.updMu.Lock()
	defer p.updMu.Unlock()
	fcb := forkchoice.Block{Root: b.Root(), Parent: b.ParentRoot(), Slot: b.Slot(),
		Justified: forkchoice.Checkpoint(post.Justified()), Finalized: forkchoice.Checkpoint(post.Finalized()),
		Execution: forkChoiceStatus(ex.status), BlockHash: ex.hash}
	if err := p.fc.OnBlock(fcb); err != nil {
		return // checked before the transition; only a finality change in between gets here
	}
	if ex.status == store.ExecutionValid {
		p.validatedLocked(b.Root()) // a VALID payload makes optimistic ancestors valid
	}
	defer p.forkchoiceChangedLocked()
	if votes, err := p.tr.Votes(post, b); err == nil {
		for _, v := range votes {
			if err := p.fc.OnAttestation(v.Attestation, v.Indices, true); err != nil {
				p.c.votesIgnored.Add(1)
			}
		}
	}
	head, err := p.fc.Head()
	if err == nil && head != p.head {
		if err := p.st.SetHead(head); err == nil {
			p.head = head
			slot, _ := p.fc.Slot(head)
			p.emit(Event{Kind: EventHeadChanged, Root: head, Slot: slot, Execution: p.headExecution(head)})
		}
	}
	j, f, _ := p.fc.Checkpoints()
	if j != forkchoice.Checkpoint(p.justified) || f != forkchoice.Checkpoint(p.finalized) {
		if err := p.st.SetCheckpoints(Checkpoint(j), Checkpoint(f)); err == nil {
			if j != forkchoice.Checkpoint(p.justified) {
				p.emit(Event{Kind: EventJustified, Checkpoint: Checkpoint(j)})
			}
			if f != forkchoice.Checkpoint(p.finalized) {
				p.emit(Event{Kind: EventFinalized, Checkpoint: Checkpoint(f)})
			}
			p.justified, p.finalized = Checkpoint(j), Checkpoint(f)
		}
	}
}

// Head returns the current head root.
func (p *Pipeline) Head() Root {
	p.updMu.Lock()
	defer p.updMu.Unlock()
	return p.head
}
