package chainsvc

// Backfill: a chain anchored at a checkpoint fills the history behind it
// from peers, going backwards by range from the anchor block down to
// genesis (or to the last BackfillEpochs epochs). Each batch of blocks is
// checked link by link (every block is the parent of the one above it,
// starting from the anchor block's parent root) and by its proposer
// signatures, verified together (one multi-pairing per batch, keys from
// the anchor state: validators are never removed), then stored without
// states with the new progress in one synced write (store.PutBackfill),
// so a restart or a kill resumes where the last batch ended. One batch is
// in memory at a time; the requests share the node's per-peer budget
// (Pacer) and wait while a head range sync runs, so following the head
// comes first.

import (
	"fmt"
	"sort"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/bls"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/pipeline"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// backfiller holds what the checks need: the anchor state's validator
// keys, genesis validators root and the fork schedule.
type backfiller struct {
	c       *chainState
	pubkeys [][48]byte
	gvr     [32]byte
	sched   *forks.Schedule
	limit   uint64 // lowest slot to fill
}

// startBackfill starts the backfill of a checkpoint-anchored chain (not
// for a genesis anchor, nor once done).
func (c *chainState) startBackfill(ccfg *config.Config) error {
	if c.cfg.NoBackfill {
		return nil
	}
	hdrSSZ, err := c.st.Block(c.anchor)
	if err != nil {
		return err
	}
	var hdr phase0.BeaconBlockHeader
	if err := hdr.UnmarshalSSZ(hdrSSZ); err != nil {
		return fmt.Errorf("anchor header: %w", err)
	}
	if hdr.Slot == 0 {
		return nil // genesis: nothing behind it
	}
	prog, ok := c.st.Backfill()
	if !ok {
		prog = store.BackfillProgress{OldestSlot: hdr.Slot, Expect: hdr.ParentRoot}
	}
	if prog.Done {
		return nil
	}
	ssz, _, err := c.st.State(c.anchor)
	if err != nil {
		return fmt.Errorf("anchor state: %w", err)
	}
	s, err := c.tr.DecodeState(ssz)
	if err != nil {
		return err
	}
	g := c.tr.Generic(s)
	sched, err := forks.ScheduleOf(ccfg)
	if err != nil {
		return err
	}
	bf := &backfiller{c: c, gvr: g.GenesisValidatorsRoot, sched: sched}
	for _, v := range g.Validators {
		bf.pubkeys = append(bf.pubkeys, v.Pubkey)
	}
	if e := c.cfg.BackfillEpochs; e > 0 {
		if cur := c.n.Eth2().SlotAt(time.Now()) / config.SlotsPerEpoch; cur > e {
			bf.limit = (cur - e) * config.SlotsPerEpoch
		}
	}
	if bf.limit >= prog.OldestSlot {
		// The window of BackfillEpochs lies above what is stored already
		// (the anchor is that recent): nothing to fetch. (The loop's batch
		// bounds assume limit < OldestSlot.)
		c.push(events.Event{Type: events.SyncProgress, Code: prog.OldestSlot,
			Text: fmt.Sprintf("backfill: not needed: slot %d is within the last %d epochs", prog.OldestSlot, c.cfg.BackfillEpochs)})
		return nil
	}
	c.backfillActive.Store(true)
	c.wg.Add(1)
	go bf.loop(prog)
	return nil
}

func (bf *backfiller) loop(prog store.BackfillProgress) {
	c := bf.c
	defer c.wg.Done()
	defer c.backfillActive.Store(false)
	batch := c.cfg.SyncBatch
	if batch == 0 {
		batch = 64
	}
	wait := func(d time.Duration) bool {
		select {
		case <-c.ctx.Done():
			return false
		case <-time.After(d):
			return true
		}
	}
	next := 0
	for !prog.Done {
		if !wait(20 * time.Millisecond) {
			return
		}
		c.prog.mu.Lock()
		headSync := c.prog.active
		c.prog.mu.Unlock()
		// Only peers whose status says they hold the slots asked for: an
		// empty answer is taken for empty slots.
		hi := prog.OldestSlot
		lo := max(hi-min(hi, batch), bf.limit)
		var peers []string
		for _, p := range c.peers() {
			if e, ok := c.earliest.Load(p); !ok || e.(uint64) <= lo {
				peers = append(peers, p)
			}
		}
		if headSync || len(peers) == 0 {
			wait(500 * time.Millisecond)
			continue
		}
		peer := peers[next%len(peers)]
		if err := c.pacer.Wait(c.ctx, peer, hi-lo); err != nil {
			return
		}
		np, blocks, err := bf.batch(peer, lo, hi, prog)
		if err != nil {
			c.backfillFailures.Add(1)
			next++ // another peer next time
			c.push(events.Event{Type: events.SyncProgress, PeerID: peer, Code: hi,
				Text: fmt.Sprintf("backfill: slots %d..%d failed: %v", lo, hi, err)})
			if !wait(time.Second) {
				return
			}
			continue
		}
		if err := c.st.PutBackfill(blocks, np); err != nil {
			c.push(events.Event{Type: events.Error, Text: "backfill: " + err.Error()})
			return
		}
		prog = np
		c.backfilled.Add(uint64(len(blocks)))
		text := fmt.Sprintf("backfill: slot %d (%d blocks)", prog.OldestSlot, len(blocks))
		if prog.Done {
			text = fmt.Sprintf("backfill: done at slot %d (%d blocks stored)", prog.OldestSlot, c.backfilled.Load())
		}
		c.push(events.Event{Type: events.SyncProgress, PeerID: peer, Code: prog.OldestSlot, Text: text})
		c.updateStatus() // earliest_available_slot
	}
}

// batch fetches slots [lo, hi) from peer and checks them against prog:
// the highest block must be prog.Expect, each next one the parent of the
// previous, every proposer signature valid.
func (bf *backfiller) batch(peer string, lo, hi uint64, prog store.BackfillProgress) (store.BackfillProgress, []store.BackfillBlock, error) {
	c := bf.c
	raw, err := c.BlocksByRange(c.ctx, peer, lo, hi-lo)
	if err != nil {
		return prog, nil, err
	}
	decoded := make([]pipeline.Block, 0, len(raw))
	for _, ssz := range raw {
		b, err := c.tr.DecodeBlock(ssz)
		if err != nil {
			return prog, nil, fmt.Errorf("undecodable block: %w", err)
		}
		if b.Slot() < lo || b.Slot() >= hi {
			return prog, nil, fmt.Errorf("block at slot %d outside %d..%d", b.Slot(), lo, hi)
		}
		decoded = append(decoded, b)
	}
	sort.Slice(decoded, func(i, j int) bool { return decoded[i].Slot() > decoded[j].Slot() })
	var out []store.BackfillBlock
	var sigs bls.Batch
	expect := prog.Expect
	done := false
	for _, b := range decoded {
		if b.Root() != expect {
			return prog, nil, fmt.Errorf("block %x at slot %d is not the expected %x (the chain link is broken)", b.Root(), b.Slot(), expect[:4])
		}
		if b.Slot() == 0 { // the genesis block: unsigned, the end of the chain
			done = true
			break
		}
		if b.ProposerIndex() >= uint64(len(bf.pubkeys)) {
			return prog, nil, fmt.Errorf("block at slot %d: proposer %d unknown", b.Slot(), b.ProposerIndex())
		}
		f := bf.sched.AtSlot(b.Slot())
		domain, err := helpers.ComputeDomain(config.DomainBeaconProposer, bf.sched.Version(f), bf.gvr)
		if err != nil {
			return prog, nil, err
		}
		msg, err := helpers.SigningRootOfRoot(b.Root(), domain)
		if err != nil {
			return prog, nil, err
		}
		ssz := b.SSZ()
		sigs.Add(bls.SignatureSet{PublicKeys: [][]byte{bf.pubkeys[b.ProposerIndex()][:]}, Message: msg,
			Signature: ssz[4:100], Description: fmt.Sprintf("block at slot %d", b.Slot())})
		out = append(out, store.BackfillBlock{Root: b.Root(), Parent: b.ParentRoot(), Slot: b.Slot(), SSZ: ssz})
		expect = b.ParentRoot()
	}
	if sigs.Len() > 0 {
		if err := sigs.Verify(); err != nil {
			return prog, nil, fmt.Errorf("proposer signatures: %w", err)
		}
	}
	// Slots [lo, hi) without a block are empty (the link check catches a
	// peer that left blocks out: the next block found would not match).
	np := store.BackfillProgress{OldestSlot: lo, Expect: expect, Done: done || lo == 0 || lo <= bf.limit}
	if done {
		np.OldestSlot = 0
	}
	if lo == 0 && !done && len(out) > 0 && out[len(out)-1].Slot > 0 {
		// Genesis reached without the genesis block (peers do not serve
		// it): the oldest block's parent is the genesis block root.
		np.OldestSlot = 0
	}
	return np, out, nil
}
