package store

// Sidecars (issue 15): the blob sidecars (deneb, electra) and data column
// sidecars (fulu) of imported blocks, written in the block's import batch,
// read back by block root (by_root serving, the host's reads) and by slot
// range over the canonical chain (by_range serving), and pruned below the
// retention window (MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS,
// MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS: the caller computes the
// slot). Like blocks, sidecars are opaque SSZ here.
//
// Keys:
//
//	'd' root kind index(u16 BE) -> sidecar SSZ
//	'D' slot(BE) root           -> kind (the slot index: range reads, pruning)
//	'm' "sidecar-floor"         -> u64 LE: sidecars below this slot were pruned

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

const (
	pSidecar     = 'd'
	pSidecarSlot = 'D'
)

// SidecarKind says which container a stored sidecar is.
type SidecarKind byte

const (
	BlobSidecarKind       SidecarKind = 'b' // deneb.BlobSidecar
	DataColumnSidecarKind SidecarKind = 'c' // fulu.DataColumnSidecar
)

func (k SidecarKind) String() string {
	switch k {
	case BlobSidecarKind:
		return "blob_sidecar"
	case DataColumnSidecarKind:
		return "data_column_sidecar"
	}
	return "unknown"
}

// Sidecar is one stored sidecar: its index (blob index or column index)
// and SSZ.
type Sidecar struct {
	Kind  SidecarKind
	Index uint64
	SSZ   []byte
}

// maxSidecarIndex bounds the index in the key (MAX_BLOB_COMMITMENTS_PER_BLOCK
// and NUMBER_OF_COLUMNS are both below it).
const maxSidecarIndex = 1 << 16

func sidecarKey(root Root, kind SidecarKind, index uint64) []byte {
	k := make([]byte, 36)
	k[0] = pSidecar
	copy(k[1:], root[:])
	k[33] = byte(kind)
	binary.BigEndian.PutUint16(k[34:], uint16(index))
	return k
}

func sidecarSlotKey(slot uint64, root Root) []byte {
	k := make([]byte, 41)
	k[0] = pSidecarSlot
	binary.BigEndian.PutUint64(k[1:], slot)
	copy(k[9:], root[:])
	return k
}

var sidecarFloorKey = metaKey("sidecar-floor")

// ErrSidecarShape: sidecars of two kinds, or an index out of range, in
// one import.
var ErrSidecarShape = errors.New("store: sidecars of mixed kinds or out-of-range index")

// putSidecars adds a block's sidecars to its import batch.
func putSidecars(b *pebble.Batch, info BlockInfo, scs []Sidecar) error {
	if len(scs) == 0 {
		return nil
	}
	kind := scs[0].Kind
	for _, sc := range scs {
		if sc.Kind != kind || sc.Index >= maxSidecarIndex || (kind != BlobSidecarKind && kind != DataColumnSidecarKind) {
			return ErrSidecarShape
		}
		b.Set(sidecarKey(info.Root, sc.Kind, sc.Index), sc.SSZ, nil)
	}
	b.Set(sidecarSlotKey(info.Slot, info.Root), []byte{byte(kind)}, nil)
	return nil
}

// deleteSidecars adds the deletion of a block's sidecars to a batch.
func deleteSidecars(b *pebble.Batch, root Root, slot uint64) {
	lo := append([]byte{pSidecar}, root[:]...)
	hi := append([]byte{pSidecar}, root[:]...)
	hi = append(hi, 0xff, 0xff, 0xff)
	_ = b.DeleteRange(lo, hi, nil)
	_ = b.Delete(sidecarSlotKey(slot, root), nil)
}

// Sidecars returns the stored sidecars of a block, by index (none: an
// empty list; a block with no data or whose data was pruned).
func (s *Store) Sidecars(root Root) ([]Sidecar, error) {
	lo := append([]byte{pSidecar}, root[:]...)
	hi := append(append([]byte{pSidecar}, root[:]...), 0xff, 0xff, 0xff)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return nil, err
	}
	var out []Sidecar
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		out = append(out, Sidecar{Kind: SidecarKind(k[33]), Index: uint64(binary.BigEndian.Uint16(k[34:])), SSZ: append([]byte(nil), it.Value()...)})
	}
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		return nil, err
	}
	return out, nil
}

// SidecarsByIndex returns the stored sidecars of a block among indices
// (those not stored are left out: by_root serves what it has).
func (s *Store) SidecarsByIndex(root Root, kind SidecarKind, indices []uint64) ([]Sidecar, error) {
	var out []Sidecar
	for _, i := range indices {
		if i >= maxSidecarIndex {
			continue
		}
		v, err := s.get(sidecarKey(root, kind, i))
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Sidecar{Kind: kind, Index: i, SSZ: v})
	}
	return out, nil
}

// BlockSidecars are the sidecars of one block of a range read.
type BlockSidecars struct {
	Root     Root
	Slot     uint64
	Sidecars []Sidecar
}

// SidecarsByRange returns, slot by slot from start for count slots, the
// stored sidecars of kind of the canonical block at each slot (among
// indices; nil: all). Slots without a canonical block or without stored
// sidecars are skipped (by_range/1 serves what it has, in slot order).
func (s *Store) SidecarsByRange(kind SidecarKind, start, count uint64, indices []uint64) ([]BlockSidecars, error) {
	if count == 0 {
		return nil, nil
	}
	end := start + count
	if end < start {
		end = ^uint64(0)
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: sidecarSlotKey(start, Root{}), UpperBound: sidecarSlotKey(end, Root{})})
	if err != nil {
		return nil, err
	}
	type hit struct {
		root Root
		slot uint64
	}
	var hits []hit
	for it.First(); it.Valid(); it.Next() {
		k, v := it.Key(), it.Value()
		if len(v) != 1 || SidecarKind(v[0]) != kind {
			continue
		}
		var h hit
		h.slot = binary.BigEndian.Uint64(k[1:9])
		copy(h.root[:], k[9:])
		if c, ok := s.CanonicalRoot(h.slot); ok && c == h.root {
			hits = append(hits, h)
		}
	}
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		return nil, err
	}
	var out []BlockSidecars
	for _, h := range hits {
		var scs []Sidecar
		var err error
		if indices == nil {
			scs, err = s.Sidecars(h.root)
		} else {
			scs, err = s.SidecarsByIndex(h.root, kind, indices)
		}
		if err != nil {
			return nil, err
		}
		if len(scs) > 0 {
			out = append(out, BlockSidecars{Root: h.root, Slot: h.slot, Sidecars: scs})
		}
	}
	return out, nil
}

// PruneSidecars deletes the sidecars of every block below slot (the
// retention window's start) in one synced batch, and records slot as the
// floor. It returns how many blocks' sidecars were deleted. A floor at or
// below the recorded one is a no-op.
func (s *Store) PruneSidecars(slot uint64) (int, error) {
	if slot <= s.sidecarFloor() {
		return 0, nil
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{pSidecarSlot}, UpperBound: sidecarSlotKey(slot, Root{})})
	if err != nil {
		return 0, err
	}
	b := s.db.NewBatch()
	n := 0
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		var root Root
		copy(root[:], k[9:])
		deleteSidecars(b, root, binary.BigEndian.Uint64(k[1:9]))
		n++
	}
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		b.Close()
		return 0, err
	}
	var v [8]byte
	binary.LittleEndian.PutUint64(v[:], slot)
	b.Set(sidecarFloorKey, v[:], nil)
	if err := b.Commit(pebble.Sync); err != nil {
		return 0, fmt.Errorf("store: prune sidecars: %w", err)
	}
	s.prunedSidecars.Add(uint64(n))
	return n, nil
}

func (s *Store) sidecarFloor() uint64 {
	v, err := s.get(sidecarFloorKey)
	if err != nil || len(v) != 8 {
		return 0
	}
	return binary.LittleEndian.Uint64(v)
}

// EarliestSidecarSlot is the earliest slot from which the store keeps the
// sidecars of the blocks it holds (status/2 earliest_available_slot): the
// pruning floor, or the earliest block slot when nothing was pruned.
func (s *Store) EarliestSidecarSlot() uint64 {
	return max(s.sidecarFloor(), s.EarliestSlot())
}

// PrunedSidecars is how many blocks' sidecars retention deleted.
func (s *Store) PrunedSidecars() uint64 { return s.prunedSidecars.Load() }
