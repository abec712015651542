package store

import (
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// BackfillProgress is how far the history behind a checkpoint anchor has
// been filled in: blocks are stored going backwards from the anchor block,
// each one the parent of the previous.
type BackfillProgress struct {
	// OldestSlot is the slot of the oldest block known to the store (the
	// anchor block's at first); every slot from it up is filled in.
	OldestSlot uint64
	// Expect is the parent root of that block: the root the next block
	// backwards must have.
	Expect Root
	// Done: the history reached genesis (or the backfill's limit).
	Done bool
}

// BackfillBlock is one block stored by the backfill: its signed SSZ is
// kept, its post-state is not (it is never transitioned here).
type BackfillBlock struct {
	Root, Parent Root
	Slot         uint64
	SSZ          []byte
}

func encodeBackfill(p BackfillProgress) []byte {
	v := make([]byte, 41)
	binary.LittleEndian.PutUint64(v, p.OldestSlot)
	copy(v[8:], p.Expect[:])
	if p.Done {
		v[40] = 1
	}
	return v
}

// Backfill returns the persisted backfill progress (false if none yet).
func (s *Store) Backfill() (BackfillProgress, bool) {
	v, err := s.get(metaKey("backfill"))
	if err != nil || len(v) != 41 {
		return BackfillProgress{}, false
	}
	p := BackfillProgress{OldestSlot: binary.LittleEndian.Uint64(v), Done: v[40] == 1}
	copy(p.Expect[:], v[8:40])
	return p, true
}

// PutBackfill stores a batch of blocks found going backwards (each the
// parent of the one stored before it: the caller checked the links and
// signatures) with the new progress, in one synced batch: a crash leaves
// the blocks and the progress that covers them, or neither. The blocks are
// finalized history: marked imported without a state, canonical at their
// slot, not part of the in-memory fork tree.
func (s *Store) PutBackfill(blocks []BackfillBlock, p BackfillProgress) error {
	b := s.db.NewBatch()
	for _, blk := range blocks {
		info := BlockInfo{Root: blk.Root, Parent: blk.Parent, Slot: blk.Slot, Imported: true}
		b.Set(key(pBlock, blk.Root), blk.SSZ, nil)
		b.Set(key(pInfo, blk.Root), encodeInfo(info), nil)
		b.Set(canonKey(blk.Slot), blk.Root[:], nil)
	}
	b.Set(metaKey("backfill"), encodeBackfill(p), nil)
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("store: backfill: %w", err)
	}
	return nil
}

// EarliestSlot is the slot from which the store holds every block of the
// canonical chain: the backfill's oldest slot, else the anchor's.
func (s *Store) EarliestSlot() uint64 {
	if p, ok := s.Backfill(); ok {
		return p.OldestSlot
	}
	s.mu.RLock()
	a, has := s.anchor, s.hasAnchor
	s.mu.RUnlock()
	if !has {
		return 0
	}
	info, _ := s.Info(a)
	return info.Slot
}
