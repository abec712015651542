package pipeline

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/engine"
	"github.com/libp2pc/libp2pc/libp2pc/forkchoice"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// Engine is what the pipeline needs from the execution client
// (*engine.Client implements it): newPayload for every block with a
// payload, forkchoiceUpdated on every head, safe or finalized change.
type Engine interface {
	NewPayload(ctx context.Context, req *transition.NewPayloadRequest) (engine.PayloadStatus, error)
	ForkchoiceUpdated(ctx context.Context, fork forks.Fork, st engine.ForkchoiceState, attrs *engine.PayloadAttributes) (engine.ForkchoiceResult, error)
}

var _ Engine = (*engine.Client)(nil)

// payloadBlock is a Block that can give the newPayload request of its
// execution payload (AnyFork's blocks): nil when it has none.
type payloadBlock interface {
	payloadRequest() *transition.NewPayloadRequest
}

// payloadRequest: engine.RequestForBlock, and nil for the empty payload of
// a pre-merge bellatrix block (is_execution_enabled is false for it; from
// capella on the consensus checks reject an empty payload anyway).
func (b *anyBlock) payloadRequest() *transition.NewPayloadRequest {
	req := engine.RequestForBlock(b.b.Message)
	if req == nil || req.ExecutionPayload.BlockHash == ([32]byte{}) {
		return nil
	}
	return req
}

// ExecutionStats counts the pipeline's use of the execution client.
type ExecutionStats struct {
	// NewPayload verdicts of imported (or rejected) blocks.
	Valid, Optimistic, Invalid, NoEngine uint64
	// EngineErrors: newPayload calls that got no answer (the block was
	// imported optimistically: no verdict is invented).
	EngineErrors uint64
	// Invalidated: imported blocks found invalid later (an INVALID
	// descendant's latestValidHash, a forkchoiceUpdated, revalidation).
	Invalidated uint64
	// Validated: optimistic blocks that became valid.
	Validated uint64
	// ForkchoiceUpdates sent, ForkchoiceErrors without an answer, and
	// ForkchoiceCoalesced: head changes replaced by a newer one before
	// they were sent (the queue holds one).
	ForkchoiceUpdates, ForkchoiceErrors, ForkchoiceCoalesced uint64
	// Revalidations: optimistic blocks sent again once the execution
	// client was back.
	Revalidations uint64
}

// execution is the pipeline's state for the execution client.
type execution struct {
	fcu   chan engine.ForkchoiceState // latest wanted forkchoice, one deep
	reval chan struct{}               // a revalidation is wanted, one deep
	mu    sync.Mutex
	sent  engine.ForkchoiceState // last forkchoice queued
	// unreachable: a call failed without an answer since the last answer;
	// the next answer starts a revalidation of optimistic blocks.
	unreachable atomic.Bool

	valid, optimistic, invalid, noEngine, engineErrors atomic.Uint64
	invalidated, validated, revalidations              atomic.Uint64
	fcuSent, fcuErrors, fcuCoalesced                   atomic.Uint64
}

// ExecutionStats returns the counters.
func (p *Pipeline) ExecutionStats() ExecutionStats {
	x := &p.exec
	return ExecutionStats{
		Valid: x.valid.Load(), Optimistic: x.optimistic.Load(), Invalid: x.invalid.Load(), NoEngine: x.noEngine.Load(),
		EngineErrors: x.engineErrors.Load(), Invalidated: x.invalidated.Load(), Validated: x.validated.Load(),
		ForkchoiceUpdates: x.fcuSent.Load(), ForkchoiceErrors: x.fcuErrors.Load(), ForkchoiceCoalesced: x.fcuCoalesced.Load(),
		Revalidations: x.revalidations.Load(),
	}
}

// startExecution starts the forkchoiceUpdated sender and the revalidation
// loop (Start; only with an engine).
func (p *Pipeline) startExecution() {
	p.exec.fcu = make(chan engine.ForkchoiceState, 1)
	p.exec.reval = make(chan struct{}, 1)
	if p.cfg.Engine == nil {
		return
	}
	p.wg.Add(2)
	go p.forkchoiceLoop()
	go p.revalidateLoop()
	// A restart may leave optimistic blocks: ask again.
	p.Revalidate()
}

// forkChoiceStatus maps the stored status to the fork choice's.
func forkChoiceStatus(s store.ExecutionStatus) forkchoice.PayloadStatus {
	switch s {
	case store.ExecutionOptimistic:
		return forkchoice.PayloadOptimistic
	case store.ExecutionInvalid:
		return forkchoice.PayloadInvalid
	}
	return forkchoice.PayloadValid
}

// payloadCall is one block's newPayload, running or (sequential) not yet
// started.
type payloadCall struct {
	req    *transition.NewPayloadRequest
	cancel context.CancelFunc
	done   chan struct{}
	status engine.PayloadStatus
	err    error
}

// abandon stops a call whose block failed its consensus checks.
func (c *payloadCall) abandon() {
	if c != nil && c.cancel != nil {
		c.cancel()
	}
}

// executionResult is the outcome of a block's payload check.
type executionResult struct {
	status store.ExecutionStatus
	hash   Root   // the payload's block hash
	rule   string // why invalid
}

// sendPayload starts newPayload for b (nil when b has no payload or no
// engine is configured; not started yet with SequentialExecution).
func (p *Pipeline) sendPayload(b Block) *payloadCall {
	pb, ok := b.(payloadBlock)
	if !ok || p.cfg.Engine == nil {
		return nil
	}
	req := pb.payloadRequest()
	if req == nil {
		return nil
	}
	c := &payloadCall{req: req, done: make(chan struct{})}
	if p.cfg.SequentialExecution {
		return c
	}
	ctx, cancel := context.WithCancel(p.ctx)
	c.cancel = cancel
	go func() {
		defer close(c.done)
		c.status, c.err = p.cfg.Engine.NewPayload(ctx, req)
	}()
	return c
}

// awaitPayload returns the execution verdict of b, whose state transition
// succeeded: the running call's answer, mapped per sync/optimistic.md. An
// INVALID answer also invalidates the optimistic ancestors its
// latestValidHash rules out.
func (p *Pipeline) awaitPayload(c *payloadCall, b Block) executionResult {
	if c == nil {
		if pb, ok := b.(payloadBlock); ok {
			if req := pb.payloadRequest(); req != nil {
				p.exec.noEngine.Add(1)
				return executionResult{status: store.ExecutionNoEngine, hash: req.ExecutionPayload.BlockHash}
			}
		}
		return executionResult{status: store.ExecutionNone}
	}
	if c.cancel == nil { // sequential
		c.status, c.err = p.cfg.Engine.NewPayload(p.ctx, c.req)
	} else {
		<-c.done
		c.cancel()
	}
	res := executionResult{hash: c.req.ExecutionPayload.BlockHash}
	if c.err != nil {
		// No answer: import optimistically, never a made-up verdict.
		p.exec.engineErrors.Add(1)
		p.exec.optimistic.Add(1)
		p.exec.unreachable.Store(true)
		res.status = store.ExecutionOptimistic
		return res
	}
	p.answered()
	switch c.status.Status {
	case engine.StatusValid:
		p.exec.valid.Add(1)
		res.status = store.ExecutionValid
	case engine.StatusInvalid, engine.StatusInvalidBlockHash:
		p.exec.invalid.Add(1)
		res.status = store.ExecutionInvalid
		res.rule = invalidRule(c.status)
		if c.status.Status == engine.StatusInvalid {
			// The block is not in the fork choice; its ancestors after the
			// latest valid hash are.
			p.invalidate(b.Root(), b.ParentRoot(), c.status.LatestValidHash, res.rule)
		}
	default: // SYNCING, ACCEPTED
		p.exec.optimistic.Add(1)
		res.status = store.ExecutionOptimistic
	}
	return res
}

func invalidRule(st engine.PayloadStatus) string {
	rule := "execution payload " + st.Status.String()
	if st.ValidationError != "" {
		rule += ": " + st.ValidationError
	}
	return rule
}

// answered notes an answer from the execution client; the first after a
// failure starts a revalidation of the blocks imported meanwhile.
func (p *Pipeline) answered() {
	if p.exec.unreachable.Swap(false) {
		p.Revalidate()
	}
}

// rememberInvalidated makes root a finished invalid entry, so a block
// arriving on it inherits the verdict.
func (p *Pipeline) rememberInvalidated(root Root, rule string) {
	e := &entry{root: root, claimed: true, done: make(chan struct{}), result: Invalid, rule: rule, origin: root, cause: rule}
	close(e.done)
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.invalid[root]; ok {
		return
	}
	p.invalid[root] = e
	p.invalidOrder = append(p.invalidOrder, root)
	if len(p.invalidOrder) > p.cfg.InvalidCache {
		delete(p.invalid, p.invalidOrder[0])
		p.invalidOrder = p.invalidOrder[1:]
	}
}

// invalidate applies an INVALID verdict on root's payload (root may not be
// in the fork choice: a block being imported) with its latestValidHash:
// the imported blocks it rules out leave the fork choice (never head
// again), are marked invalid on disk, reported as block_invalid, and the
// head moves to the best valid branch.
func (p *Pipeline) invalidate(root, parent Root, lvh *[32]byte, rule string) {
	p.updMu.Lock()
	defer p.updMu.Unlock()
	p.invalidateLocked(root, parent, lvh, rule)
}

func (p *Pipeline) invalidateLocked(root, parent Root, lvh *[32]byte, rule string) {
	var l *Root
	if lvh != nil {
		v := Root(*lvh)
		l = &v
	}
	roots := p.fc.Invalidate(root, parent, l)
	if len(roots) == 0 {
		return
	}
	_ = p.st.SetExecution(roots, store.ExecutionInvalid) // on disk first: never head again after a crash
	for _, r := range roots {
		why := fmt.Sprintf("%s (block %x)", rule, root[:4])
		if r == root {
			why = rule
		}
		p.rememberInvalidated(r, why)
		p.exec.invalidated.Add(1)
		slot, _ := p.fc.Slot(r)
		p.emit(Event{Kind: EventBlockInvalid, Root: r, Slot: slot, Rule: why, Execution: store.ExecutionInvalid})
	}
	p.recomputeHeadLocked()
}

// validated records a VALID verdict for an imported block: it and its
// optimistic ancestors become valid.
func (p *Pipeline) validated(root Root) {
	p.updMu.Lock()
	defer p.updMu.Unlock()
	p.validatedLocked(root)
}

func (p *Pipeline) validatedLocked(root Root) {
	roots := p.fc.SetValid(root)
	if len(roots) == 0 {
		return
	}
	_ = p.st.SetExecution(roots, store.ExecutionValid)
	for _, r := range roots {
		p.exec.validated.Add(1)
		slot, _ := p.fc.Slot(r)
		p.emit(Event{Kind: EventExecution, Root: r, Slot: slot, Execution: store.ExecutionValid})
	}
}

// recomputeHeadLocked runs get_head after an invalidation (updMu held).
func (p *Pipeline) recomputeHeadLocked() {
	head, err := p.fc.Head()
	if err == nil && head != p.head {
		if err := p.st.SetHead(head); err == nil {
			p.head = head
			slot, _ := p.fc.Slot(head)
			p.emit(Event{Kind: EventHeadChanged, Root: head, Slot: slot, Execution: p.headExecution(head)})
		}
	}
	p.forkchoiceChangedLocked()
}

// headExecution is the execution status of the new head for its
// head_changed event: an optimistic head is reported as such.
func (p *Pipeline) headExecution(head Root) store.ExecutionStatus {
	info, _ := p.st.Info(head)
	return info.Execution
}

// executionHash is the payload block hash of an imported block (zero
// without a payload).
func (p *Pipeline) executionHash(root Root) Root {
	if _, h, ok := p.fc.Execution(root); ok {
		return h
	}
	if info, ok := p.st.Info(root); ok {
		return info.ExecutionHash
	}
	return Root{}
}

// forkchoiceChangedLocked queues a forkchoiceUpdated when the head, safe
// (justified) or finalized block hash changed (updMu held). The queue
// holds the latest state only: a newer one replaces an unsent one.
func (p *Pipeline) forkchoiceChangedLocked() {
	if p.cfg.Engine == nil {
		return
	}
	st := engine.ForkchoiceState{Head: p.executionHash(p.head), Safe: p.executionHash(p.justified.Root),
		Finalized: p.executionHash(p.finalized.Root)}
	if st.Head == (Root{}) {
		return // pre-merge head: nothing to tell the execution client
	}
	p.exec.mu.Lock()
	defer p.exec.mu.Unlock()
	if st == p.exec.sent {
		return
	}
	p.exec.sent = st
	select {
	case p.exec.fcu <- st:
	default:
		select {
		case <-p.exec.fcu:
			p.exec.fcuCoalesced.Add(1)
		default:
		}
		p.exec.fcu <- st // the sender is the only other reader: this fits
	}
}

// forkchoiceLoop sends the queued forkchoice states, in order, one at a
// time; a VALID answer validates the head, INVALID invalidates it.
func (p *Pipeline) forkchoiceLoop() {
	defer p.wg.Done()
	for {
		var st engine.ForkchoiceState
		select {
		case <-p.ctx.Done():
			return
		case st = <-p.exec.fcu:
		}
		root, fork, ok := p.headFor(st.Head)
		if !ok {
			continue
		}
		p.exec.fcuSent.Add(1)
		res, err := p.cfg.Engine.ForkchoiceUpdated(p.ctx, fork, st, nil)
		if err != nil {
			p.exec.fcuErrors.Add(1)
			p.exec.unreachable.Store(true)
			continue
		}
		p.answered()
		switch res.PayloadStatus.Status {
		case engine.StatusValid:
			p.validated(root)
		case engine.StatusInvalid, engine.StatusInvalidBlockHash:
			parent := Root{}
			if info, ok := p.st.Info(root); ok {
				parent = info.Parent
			}
			p.invalidate(root, parent, res.PayloadStatus.LatestValidHash, "forkchoiceUpdated: "+invalidRule(res.PayloadStatus))
		}
	}
}

// headFor finds the head block whose payload hash is hash, and the fork of
// its slot (forkchoiceUpdatedV1..V3 by fork).
func (p *Pipeline) headFor(hash Root) (Root, forks.Fork, bool) {
	p.updMu.Lock()
	root := p.head
	p.updMu.Unlock()
	if p.executionHash(root) != hash {
		return Root{}, 0, false // the head moved on; a newer state is queued
	}
	fa, ok := p.tr.(interface {
		ForkAtSlot(uint64) (forks.Fork, error)
	})
	if !ok {
		return Root{}, 0, false
	}
	slot, _ := p.fc.Slot(root)
	f, err := fa.ForkAtSlot(slot)
	if err != nil {
		return Root{}, 0, false
	}
	return root, f, true
}

// Revalidate asks the execution client again about every optimistic block,
// oldest first (after it was unreachable or restarted: a VALID answer
// turns them valid, an INVALID one invalidates). It returns at once; one
// revalidation runs at a time and requests during it coalesce.
func (p *Pipeline) Revalidate() {
	if p.cfg.Engine == nil {
		return
	}
	select {
	case p.exec.reval <- struct{}{}:
	default:
	}
}

func (p *Pipeline) revalidateLoop() {
	defer p.wg.Done()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-p.exec.reval:
		}
		p.revalidate()
	}
}

// revalidate sends newPayload for the optimistic blocks in slot order; it
// stops at the first block still without a verdict (the execution client
// is syncing or away: the next answer starts another round).
func (p *Pipeline) revalidate() {
	for _, root := range p.fc.Optimistic() {
		if st, _, ok := p.fc.Execution(root); !ok || st != forkchoice.PayloadOptimistic {
			continue // settled by an earlier answer of this round
		}
		ssz, err := p.st.Block(root)
		if err != nil {
			continue
		}
		b, err := p.tr.DecodeBlock(ssz)
		if err != nil {
			continue
		}
		pb, ok := b.(payloadBlock)
		if !ok {
			continue
		}
		req := pb.payloadRequest()
		if req == nil {
			continue
		}
		p.exec.revalidations.Add(1)
		st, err := p.cfg.Engine.NewPayload(p.ctx, req)
		if err != nil {
			p.exec.unreachable.Store(true)
			return
		}
		if st.Status == engine.StatusSyncing || st.Status == engine.StatusAccepted {
			break // still no verdict: the forkchoiceUpdated below lets it sync
		}
		switch st.Status {
		case engine.StatusValid:
			p.validated(root)
		case engine.StatusInvalid, engine.StatusInvalidBlockHash:
			var lvh *[32]byte
			if st.Status == engine.StatusInvalid {
				lvh = st.LatestValidHash
			}
			p.invalidate(root, b.ParentRoot(), lvh, invalidRule(st))
		}
	}
	// The execution client may have lost its head (a restart): tell it
	// again even if the forkchoice did not change.
	p.updMu.Lock()
	p.exec.mu.Lock()
	p.exec.sent = engine.ForkchoiceState{}
	p.exec.mu.Unlock()
	p.forkchoiceChangedLocked()
	p.updMu.Unlock()
}
