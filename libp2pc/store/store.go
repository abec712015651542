// Package store is the node's embedded key-value store for the block
// pipeline: signed blocks and post-states by block root, the fork tree
// (parent links and slots), the canonical block root by slot, and the fork
// choice checkpoints, on cockroachdb/pebble.
//
// Everything is keyed by root; blocks and states are opaque SSZ bytes (the
// store never decodes them, so it serves every fork). A small in-memory LRU
// keeps hot blocks and hot states, the latter with an optional decoded
// value so that the pipeline does not decode the same parent state twice.
//
// Crash safety: ImportBlock writes the block, its fork-tree entry, its
// post-state and the indices in one pebble batch committed with Sync, so a
// block whose import returned is on disk with its state, and a crash leaves
// either all of it or none. Open runs Check, the consistency check.
package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
)

// Root is a 32-byte SSZ hash tree root.
type Root = [32]byte

// Checkpoint is an FFG checkpoint (epoch, block root).
type Checkpoint struct {
	Epoch uint64
	Root  Root
}

// BlockInfo is the fork-tree entry of a stored block.
type BlockInfo struct {
	Root      Root
	Parent    Root
	Slot      uint64
	StateRoot Root // the state root the block commits to
	Imported  bool // the state transition succeeded and was committed
	HasState  bool // the post-state is on disk (false once pruned)
	// The post-state's current_justified and finalized checkpoints (set
	// for imported blocks), so that fork choice is rebuilt on reopen.
	Justified, Finalized Checkpoint
	// Execution is the verdict on the block's execution payload and
	// ExecutionHash the payload's block hash (execution.go).
	Execution     ExecutionStatus
	ExecutionHash Root
}

// Options tune the store. Zero values take the defaults.
type Options struct {
	BlockCache int // hot blocks kept in memory (default 256)
	StateCache int // hot states kept in memory (default 16)
	// HotStateSlots: the post-states of imported blocks within this many
	// slots of the highest imported slot are kept; older ones are pruned
	// (except checkpoint states, the anchor and fork leaves). Default 64.
	HotStateSlots uint64
	// PruneEvery runs the hot-state pruning after this many imports
	// (default 32; negative disables automatic pruning).
	PruneEvery int
	// NoSync disables fsync on import (benchmarks only: loses crash safety).
	NoSync bool
}

func (o *Options) fill() {
	if o.BlockCache == 0 {
		o.BlockCache = 256
	}
	if o.StateCache == 0 {
		o.StateCache = 16
	}
	if o.HotStateSlots == 0 {
		o.HotStateSlots = 64
	}
	if o.PruneEvery == 0 {
		o.PruneEvery = 32
	}
}

// Key layout (one-byte prefixes):
//
//	'b' root      -> signed block SSZ
//	'i' root      -> BlockInfo (slot u64 LE | parent | state root | flags |
//	                 justified epoch,root | finalized epoch,root |
//	                 execution status u8 | execution block hash; records
//	                 written before execution was tracked lack the last two)
//	's' root      -> post-state SSZ of the block
//	'c' slot BE   -> canonical block root at slot
//	'p' root      -> pinned (checkpoint) state: never pruned
//	'm' name      -> anchor, head, justified, finalized
const (
	pBlock = 'b'
	pInfo  = 'i'
	pState = 's'
	pCanon = 'c'
	pPin   = 'p'
	pMeta  = 'm'
)

const (
	flagImported = 1
	flagHasState = 2
)

func key(prefix byte, root Root) []byte {
	k := make([]byte, 33)
	k[0] = prefix
	copy(k[1:], root[:])
	return k
}

func canonKey(slot uint64) []byte {
	k := make([]byte, 9)
	k[0] = pCanon
	binary.BigEndian.PutUint64(k[1:], slot)
	return k
}

func metaKey(name string) []byte { return append([]byte{pMeta}, name...) }

const (
	infoLenV1 = 73 + 80
	infoLen   = infoLenV1 + 1 + 32
)

func encodeInfo(b BlockInfo) []byte {
	v := make([]byte, infoLen)
	v[infoLenV1] = byte(b.Execution)
	copy(v[infoLenV1+1:], b.ExecutionHash[:])
	copy(v[73:], encodeCheckpoint(b.Justified))
	copy(v[113:], encodeCheckpoint(b.Finalized))
	binary.LittleEndian.PutUint64(v, b.Slot)
	copy(v[8:], b.Parent[:])
	copy(v[40:], b.StateRoot[:])
	if b.Imported {
		v[72] |= flagImported
	}
	if b.HasState {
		v[72] |= flagHasState
	}
	return v
}

func decodeInfo(root Root, v []byte) (BlockInfo, error) {
	if len(v) != infoLen && len(v) != infoLenV1 {
		return BlockInfo{}, fmt.Errorf("store: block info of %x has %d bytes", root[:4], len(v))
	}
	b := BlockInfo{Root: root, Slot: binary.LittleEndian.Uint64(v)}
	if len(v) == infoLen {
		b.Execution = ExecutionStatus(v[infoLenV1])
		copy(b.ExecutionHash[:], v[infoLenV1+1:])
	}
	copy(b.Parent[:], v[8:40])
	copy(b.StateRoot[:], v[40:72])
	b.Imported = v[72]&flagImported != 0
	b.HasState = v[72]&flagHasState != 0
	var err error
	if b.Justified, err = decodeCheckpoint(v[73:113]); err != nil {
		return BlockInfo{}, err
	}
	if b.Finalized, err = decodeCheckpoint(v[113:153]); err != nil {
		return BlockInfo{}, err
	}
	return b, nil
}

func encodeCheckpoint(c Checkpoint) []byte {
	v := make([]byte, 40)
	binary.LittleEndian.PutUint64(v, c.Epoch)
	copy(v[8:], c.Root[:])
	return v
}

func decodeCheckpoint(v []byte) (Checkpoint, error) {
	if len(v) != 40 {
		return Checkpoint{}, fmt.Errorf("store: checkpoint of %d bytes", len(v))
	}
	c := Checkpoint{Epoch: binary.LittleEndian.Uint64(v)}
	copy(c.Root[:], v[8:])
	return c, nil
}

// ErrNotFound is returned for an unknown block or a missing state.
var ErrNotFound = errors.New("store: not found")

// ErrCorrupt is returned by Open for metadata it cannot read back (a
// value of the wrong size).
var ErrCorrupt = errors.New("store: corrupt metadata")

// node is the in-memory fork-tree entry: the non-finalized part of the
// tree plus the finalized block (older entries live on disk only).
type node struct {
	info     BlockInfo
	children []Root
}

type stateEntry struct {
	ssz []byte
	obj any
}

// Store is safe for concurrent use.
type Store struct {
	db   *pebble.DB
	opts Options
	wo   *pebble.WriteOptions

	mu   sync.RWMutex
	tree map[Root]*node
	// orphans: children in the tree whose parent is not (yet) in it, by
	// parent root. Blocks arrive in any order (range sync submits a batch
	// at once, gossip and parent downloads race), so a child is often
	// stored before its parent; the parent adopts them when it is added.
	// Without this the fork tree loses the link, and finalization pruning
	// takes the imported child for a block off the finalized chain.
	orphans   map[Root][]Root
	anchor    Root
	hasAnchor bool
	head      Root
	justified Checkpoint
	finalized Checkpoint
	pinned    map[Root]bool
	maxSlot   uint64
	imports   int

	blocks *lru[Root, []byte]
	states *lru[Root, stateEntry]

	prunedStates, prunedBlocks atomic.Uint64
	prunedSidecars             atomic.Uint64
	closed                     atomic.Bool
}

// Open opens (creating if needed) the store in dir, loads the fork tree and
// runs the consistency check.
func Open(dir string, opts Options) (*Store, error) {
	opts.fill()
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	s := &Store{
		db: db, opts: opts, wo: pebble.Sync,
		tree: map[Root]*node{}, orphans: map[Root][]Root{}, pinned: map[Root]bool{},
		blocks: newLRU[Root, []byte](opts.BlockCache),
		states: newLRU[Root, stateEntry](opts.StateCache),
	}
	if opts.NoSync {
		s.wo = pebble.NoSync
	}
	if err := s.load(); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	if err := s.Check(); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return s, nil
}

// Close flushes and closes the database. A second Close is a no-op.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	return s.db.Close()
}

type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}

func (s *Store) get(k []byte) ([]byte, error) {
	v, closer, err := s.db.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	out := bytes.Clone(v)
	if err := closer.Close(); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) has(k []byte) bool {
	_, closer, err := s.db.Get(k)
	if err != nil {
		return false
	}
	closer.Close()
	return true
}

// load reads the metadata and the non-finalized fork tree. A key that is
// absent keeps its zero value (a new store); any other read error, or a
// value of the wrong size, fails the open.
func (s *Store) load() error {
	for name, dst := range map[string]*Root{"anchor": &s.anchor, "head": &s.head} {
		v, err := s.get(metaKey(name))
		switch {
		case errors.Is(err, ErrNotFound):
			continue
		case err != nil:
			return fmt.Errorf("store: read %s: %w", name, err)
		case len(v) != len(dst):
			return fmt.Errorf("%w: %s has %d bytes", ErrCorrupt, name, len(v))
		}
		copy(dst[:], v)
		if name == "anchor" {
			s.hasAnchor = true
		}
	}
	for name, dst := range map[string]*Checkpoint{"justified": &s.justified, "finalized": &s.finalized} {
		v, err := s.get(metaKey(name))
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store: read %s: %w", name, err)
		}
		if *dst, err = decodeCheckpoint(v); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrCorrupt, name, err)
		}
	}
	finSlot := s.finalized.Epoch * config.SlotsPerEpoch
	err := s.scan(pInfo, func(k, v []byte) error {
		var r Root
		copy(r[:], k[1:])
		info, err := decodeInfo(r, v)
		if err != nil {
			return err
		}
		if info.Slot >= finSlot || r == s.finalized.Root || r == s.anchor {
			s.tree[r] = &node{info: info}
			if info.Imported && info.Slot > s.maxSlot {
				s.maxSlot = info.Slot
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for r, n := range s.tree {
		if r == s.anchor || r == s.finalized.Root {
			continue
		}
		if p, ok := s.tree[n.info.Parent]; ok {
			p.children = append(p.children, r)
		} else {
			s.orphans[n.info.Parent] = append(s.orphans[n.info.Parent], r)
		}
	}
	return s.scan(pPin, func(k, _ []byte) error {
		var r Root
		copy(r[:], k[1:])
		s.pinned[r] = true
		return nil
	})
}

func (s *Store) scan(prefix byte, fn func(k, v []byte) error) (err error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefix}, UpperBound: []byte{prefix + 1}})
	if err != nil {
		return err
	}
	// Close reports what the iteration met (it.Error's too).
	defer func() { err = errors.Join(err, it.Close()) }()
	for it.First(); it.Valid(); it.Next() {
		if err := fn(it.Key(), it.Value()); err != nil {
			return err
		}
	}
	return it.Error()
}

// InitAnchor stores the trusted anchor (genesis, or a checkpoint state with
// its block): block and state imported, canonical, justified and finalized.
// It fails if the store already has a different anchor; the same anchor is
// a no-op.
func (s *Store) InitAnchor(info BlockInfo, blockSSZ, stateSSZ []byte, epoch uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hasAnchor {
		if s.anchor == info.Root {
			return nil
		}
		return fmt.Errorf("store: already anchored at %x", s.anchor[:4])
	}
	info.Imported, info.HasState = true, true
	cp := Checkpoint{Epoch: epoch, Root: info.Root}
	b := s.db.NewBatch()
	b.Set(key(pBlock, info.Root), blockSSZ, nil)
	b.Set(key(pInfo, info.Root), encodeInfo(info), nil)
	b.Set(key(pState, info.Root), stateSSZ, nil)
	b.Set(key(pPin, info.Root), nil, nil)
	b.Set(canonKey(info.Slot), info.Root[:], nil)
	b.Set(metaKey("anchor"), info.Root[:], nil)
	b.Set(metaKey("head"), info.Root[:], nil)
	b.Set(metaKey("justified"), encodeCheckpoint(cp), nil)
	b.Set(metaKey("finalized"), encodeCheckpoint(cp), nil)
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("store: init anchor: %w", err)
	}
	s.anchor, s.hasAnchor, s.head = info.Root, true, info.Root
	s.justified, s.finalized = cp, cp
	s.pinned[info.Root] = true
	s.tree[info.Root] = &node{info: info}
	s.maxSlot = info.Slot
	return nil
}

// Anchor returns the anchor root.
func (s *Store) Anchor() (Root, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.anchor, s.hasAnchor
}

// PutBlock stores a block that has arrived but is not imported yet
// (store_block_if_not_present). It reports whether the block was new. The
// write is not synced: an unimported block lost in a crash is downloaded
// again.
func (s *Store) PutBlock(info BlockInfo, ssz []byte) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tree[info.Root]; ok {
		return false, nil
	}
	if s.has(key(pInfo, info.Root)) {
		return false, nil // finalized history
	}
	info.Imported, info.HasState = false, false
	b := s.db.NewBatch()
	b.Set(key(pBlock, info.Root), ssz, nil)
	b.Set(key(pInfo, info.Root), encodeInfo(info), nil)
	if err := b.Commit(pebble.NoSync); err != nil {
		return false, fmt.Errorf("store: put block: %w", err)
	}
	s.addNode(info)
	s.blocks.put(info.Root, ssz)
	return true, nil
}

func (s *Store) addNode(info BlockInfo) {
	if n, ok := s.tree[info.Root]; ok {
		n.info = info
		return
	}
	n := &node{info: info}
	s.tree[info.Root] = n
	if p, ok := s.tree[info.Parent]; ok {
		p.children = append(p.children, info.Root)
	} else if info.Root != s.anchor {
		s.orphans[info.Parent] = append(s.orphans[info.Parent], info.Root)
	}
	if kids, ok := s.orphans[info.Root]; ok {
		n.children = append(n.children, kids...)
		delete(s.orphans, info.Root)
	}
}

// DeleteBlock removes a block that is not imported (an invalid block).
// Imported blocks are never deleted this way.
func (s *Store) DeleteBlock(root Root) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.tree[root]
	if !ok || n.info.Imported {
		return nil
	}
	b := s.db.NewBatch()
	b.Delete(key(pBlock, root), nil)
	b.Delete(key(pInfo, root), nil)
	if err := b.Commit(pebble.NoSync); err != nil {
		return err
	}
	s.removeNode(root)
	return nil
}

func (s *Store) removeNode(root Root) {
	n, ok := s.tree[root]
	if !ok {
		return
	}
	delete(s.tree, root)
	if p, ok := s.tree[n.info.Parent]; ok {
		p.children = without(p.children, root)
	} else {
		s.unlinkOrphan(n.info.Parent, root)
	}
	// Children still stored wait for the block to come back.
	if len(n.children) > 0 {
		s.orphans[root] = append(s.orphans[root], n.children...)
	}
	s.blocks.remove(root)
	s.states.remove(root)
}

// without returns list without r (in place).
func without(list []Root, r Root) []Root {
	for i, c := range list {
		if c == r {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

// unlinkOrphan removes r from the orphans of parent.
func (s *Store) unlinkOrphan(parent, r Root) {
	if kids := without(s.orphans[parent], r); len(kids) > 0 {
		s.orphans[parent] = kids
	} else {
		delete(s.orphans, parent)
	}
}

// Import is one imported block: written atomically by ImportBlock.
type Import struct {
	Info     BlockInfo
	Block    []byte // signed block SSZ (may be nil if already stored)
	State    []byte // post-state SSZ
	StateObj any    // optional decoded post-state for the cache
	// Sidecars: the block's verified blob or data column sidecars, in the
	// same batch (see sidecars.go).
	Sidecars []Sidecar
}

// ImportBlock commits an imported block with its post-state in one synced
// batch. When it returns nil the block and state survive a crash.
func (s *Store) ImportBlock(imp Import) error {
	info := imp.Info
	info.Imported, info.HasState = true, true
	if anchor, _ := s.Anchor(); info.Root != anchor {
		if p, ok := s.Info(info.Parent); !ok || !p.Imported {
			// e.g. the parent was pruned by finality meanwhile
			return fmt.Errorf("store: import %x: parent %x is not an imported block", info.Root[:4], info.Parent[:4])
		}
	}
	b := s.db.NewBatch()
	if imp.Block != nil {
		b.Set(key(pBlock, info.Root), imp.Block, nil)
	} else if !s.HasBlock(info.Root) {
		return fmt.Errorf("store: import %x: block bytes missing", info.Root[:4])
	}
	b.Set(key(pInfo, info.Root), encodeInfo(info), nil)
	b.Set(key(pState, info.Root), imp.State, nil)
	if err := putSidecars(b, info, imp.Sidecars); err != nil {
		b.Close()
		return fmt.Errorf("store: import %x: %w", info.Root[:4], err)
	}
	if err := b.Commit(s.wo); err != nil {
		return fmt.Errorf("store: import %x: %w", info.Root[:4], err)
	}
	s.states.put(info.Root, stateEntry{ssz: imp.State, obj: imp.StateObj})
	if imp.Block != nil {
		s.blocks.put(info.Root, imp.Block)
	}
	s.mu.Lock()
	s.addNode(info)
	if info.Slot > s.maxSlot {
		s.maxSlot = info.Slot
	}
	s.imports++
	prune := s.opts.PruneEvery > 0 && s.imports%s.opts.PruneEvery == 0
	s.mu.Unlock()
	if prune {
		if _, err := s.PruneStates(); err != nil {
			return err
		}
	}
	return nil
}

// HasBlock reports whether the block is stored (imported or not).
func (s *Store) HasBlock(root Root) bool {
	s.mu.RLock()
	_, ok := s.tree[root]
	s.mu.RUnlock()
	return ok || s.has(key(pInfo, root))
}

// Info returns the fork-tree entry of a stored block.
func (s *Store) Info(root Root) (BlockInfo, bool) {
	s.mu.RLock()
	n, ok := s.tree[root]
	s.mu.RUnlock()
	if ok {
		return n.info, true
	}
	v, err := s.get(key(pInfo, root))
	if err != nil {
		return BlockInfo{}, false
	}
	info, err := decodeInfo(root, v)
	return info, err == nil
}

// IsImported reports whether the block's state transition is committed.
func (s *Store) IsImported(root Root) bool {
	info, ok := s.Info(root)
	return ok && info.Imported
}

// Block returns the signed block SSZ.
func (s *Store) Block(root Root) ([]byte, error) {
	if v, ok := s.blocks.get(root); ok {
		return v, nil
	}
	v, err := s.get(key(pBlock, root))
	if err != nil {
		return nil, err
	}
	s.blocks.put(root, v)
	return v, nil
}

// HasState reports whether the post-state of the block is stored.
func (s *Store) HasState(root Root) bool {
	info, ok := s.Info(root)
	return ok && info.HasState
}

// State returns the post-state of a block: its SSZ and the decoded value
// cached with it (nil if none: see CacheState).
func (s *Store) State(root Root) ([]byte, any, error) {
	if e, ok := s.states.get(root); ok {
		return e.ssz, e.obj, nil
	}
	v, err := s.get(key(pState, root))
	if err != nil {
		return nil, nil, err
	}
	s.states.put(root, stateEntry{ssz: v})
	return v, nil, nil
}

// CacheState attaches a decoded value to a cached state (read-only for
// every user: the transition works on copies).
func (s *Store) CacheState(root Root, ssz []byte, obj any) {
	s.states.put(root, stateEntry{ssz: ssz, obj: obj})
}

// PutState stores a regenerated post-state of an imported block (after
// pruning removed it) so that the next child does not replay again.
func (s *Store) PutState(root Root, ssz []byte, obj any) error {
	info, ok := s.Info(root)
	if !ok || !info.Imported {
		return fmt.Errorf("store: put state %x: block not imported", root[:4])
	}
	info.HasState = true
	b := s.db.NewBatch()
	b.Set(key(pState, root), ssz, nil)
	b.Set(key(pInfo, root), encodeInfo(info), nil)
	if err := b.Commit(pebble.NoSync); err != nil {
		return err
	}
	s.mu.Lock()
	if n, ok := s.tree[root]; ok {
		n.info.HasState = true
	}
	s.mu.Unlock()
	s.states.put(root, stateEntry{ssz: ssz, obj: obj})
	return nil
}

// Children returns the stored children of a block.
func (s *Store) Children(root Root) []Root {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if n, ok := s.tree[root]; ok {
		return append([]Root(nil), n.children...)
	}
	return nil
}

// Head returns the last head given to SetHead.
func (s *Store) Head() Root {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.head
}

// Checkpoints returns the justified and finalized checkpoints last stored.
func (s *Store) Checkpoints() (justified, finalized Checkpoint) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.justified, s.finalized
}

// CanonicalRoot returns the canonical block root at slot (false for an
// empty slot or a slot beyond the head).
func (s *Store) CanonicalRoot(slot uint64) (Root, bool) {
	v, err := s.get(canonKey(slot))
	if err != nil || len(v) != 32 {
		return Root{}, false
	}
	var r Root
	copy(r[:], v)
	return r, true
}

// SetHead makes root the head and rewrites the canonical slot index from
// the common ancestor of the old and new heads.
func (s *Store) SetHead(root Root) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if root == s.head {
		return nil
	}
	n, ok := s.tree[root]
	if !ok || !n.info.Imported {
		return fmt.Errorf("store: head %x is not an imported block", root[:4])
	}
	// Walk back from the new head until a block that is already canonical
	// (the common ancestor); slots above it are rewritten.
	var newChain []BlockInfo
	delFrom, found := uint64(0), false
	for cur := n; ; {
		if r, ok := s.CanonicalRoot(cur.info.Slot); ok && r == cur.info.Root {
			delFrom, found = cur.info.Slot+1, true
			break
		}
		newChain = append(newChain, cur.info)
		p, ok := s.tree[cur.info.Parent]
		if !ok || cur.info.Root == s.anchor {
			break
		}
		cur = p
	}
	if !found {
		delFrom = newChain[len(newChain)-1].Slot
	}
	delTo := n.info.Slot
	if old, ok := s.tree[s.head]; ok && old.info.Slot > delTo {
		delTo = old.info.Slot
	}
	b := s.db.NewBatch()
	if delTo >= delFrom {
		b.DeleteRange(canonKey(delFrom), canonKey(delTo+1), nil)
	}
	for _, info := range newChain {
		b.Set(canonKey(info.Slot), info.Root[:], nil)
	}
	b.Set(metaKey("head"), root[:], nil)
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("store: set head: %w", err)
	}
	s.head = root
	return nil
}

// SetCheckpoints records the fork choice's justified and finalized
// checkpoints, pins their states (never pruned), and prunes the
// finalized-out part of the tree when finalization advanced.
func (s *Store) SetCheckpoints(justified, finalized Checkpoint) error {
	s.mu.Lock()
	advanced := finalized.Epoch > s.finalized.Epoch
	b := s.db.NewBatch()
	b.Set(metaKey("justified"), encodeCheckpoint(justified), nil)
	b.Set(metaKey("finalized"), encodeCheckpoint(finalized), nil)
	for _, r := range []Root{justified.Root, finalized.Root} {
		if !s.pinned[r] {
			b.Set(key(pPin, r), nil, nil)
		}
	}
	if err := b.Commit(pebble.Sync); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("store: set checkpoints: %w", err)
	}
	s.justified, s.finalized = justified, finalized
	s.pinned[justified.Root], s.pinned[finalized.Root] = true, true
	s.mu.Unlock()
	if advanced {
		if _, err := s.PruneFinalized(); err != nil {
			return err
		}
		if _, err := s.PruneStates(); err != nil {
			return err
		}
	}
	return nil
}

// PruneFinalized deletes what finalization made useless: the blocks (and
// states) at or below the finalized slot that are not ancestors of the
// finalized block, and the unimported blocks down there. The finalized
// chain stays on disk; the in-memory tree keeps the finalized block and
// its descendants only. It returns the number of blocks deleted.
func (s *Store) PruneFinalized() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fin, ok := s.tree[s.finalized.Root]
	if !ok {
		return 0, nil
	}
	finSlot := fin.info.Slot
	// The finalized chain (kept) below the finalized block.
	keep := map[Root]bool{}
	for cur := fin; ; {
		keep[cur.info.Root] = true
		p, ok := s.tree[cur.info.Parent]
		if !ok || cur.info.Root == s.anchor {
			break
		}
		cur = p
	}
	// Descendants of the finalized block stay.
	var stack []Root
	stack = append(stack, fin.info.Root)
	desc := map[Root]bool{}
	for len(stack) > 0 {
		r := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		desc[r] = true
		stack = append(stack, s.tree[r].children...)
	}
	b := s.db.NewBatch()
	var drop, forget []Root
	for r, n := range s.tree {
		switch {
		case desc[r], r == s.anchor:
		case keep[r]:
			if r != s.anchor {
				forget = append(forget, r) // on disk only from now
			}
		case n.info.Slot <= finSlot || s.tree[n.info.Parent] != nil:
			// Conflicts with finality (or is stale); a disconnected
			// unimported block above the finalized slot stays pending.
			drop = append(drop, r)
			b.Delete(key(pBlock, r), nil)
			b.Delete(key(pInfo, r), nil)
			b.Delete(key(pState, r), nil)
			deleteSidecars(b, r, n.info.Slot)
		}
	}
	if len(drop) == 0 && len(forget) == 0 {
		b.Close()
		return 0, nil
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return 0, fmt.Errorf("store: prune finalized: %w", err)
	}
	for _, r := range drop {
		s.removeNode(r)
	}
	for _, r := range forget {
		s.unlinkOrphan(s.tree[r].info.Parent, r)
		delete(s.tree, r)
	}
	s.prunedBlocks.Add(uint64(len(drop)))
	return len(drop), nil
}

// PruneStates applies the hot-state policy: the post-state of an imported
// block is deleted when the block is HotStateSlots or more below the
// highest imported slot, unless it is pinned (a justified or finalized
// checkpoint, the anchor), a leaf of the tree (a fork tip that may still
// be extended) or, above the finalized slot, the checkpoint block of an
// epoch boundary on some branch (a future justified/finalized candidate). A pruned state is regenerated by the pipeline by replaying
// blocks from the nearest stored ancestor state. Returns how many states
// were deleted.
func (s *Store) PruneStates() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.maxSlot < s.opts.HotStateSlots {
		return 0, nil
	}
	limit := s.maxSlot - s.opts.HotStateSlots
	finSlot := s.finalized.Epoch * config.SlotsPerEpoch
	b := s.db.NewBatch()
	var victims []Root
	for r, n := range s.tree {
		if !n.info.HasState || n.info.Slot >= limit || s.pinned[r] || r == s.anchor {
			continue
		}
		hasImportedChild, boundary := false, false
		nextBoundary := (n.info.Slot + config.SlotsPerEpoch - 1) / config.SlotsPerEpoch * config.SlotsPerEpoch
		for _, c := range n.children {
			if cn, ok := s.tree[c]; ok && cn.info.Imported {
				hasImportedChild = true
				if cn.info.Slot > nextBoundary {
					boundary = true // n is the checkpoint block of an epoch on this branch
				}
			}
		}
		if !hasImportedChild || (boundary && n.info.Slot >= finSlot) {
			continue
		}
		info := n.info
		info.HasState = false
		b.Delete(key(pState, r), nil)
		b.Set(key(pInfo, r), encodeInfo(info), nil)
		victims = append(victims, r)
	}
	if len(victims) == 0 {
		b.Close()
		return 0, nil
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return 0, fmt.Errorf("store: prune states: %w", err)
	}
	for _, r := range victims {
		s.tree[r].info.HasState = false
		s.states.remove(r)
	}
	s.prunedStates.Add(uint64(len(victims)))
	return len(victims), nil
}

// Pending returns the stored blocks that are not imported (for resuming
// them after a restart), sorted by slot.
func (s *Store) Pending() []BlockInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []BlockInfo
	for _, n := range s.tree {
		if !n.info.Imported {
			out = append(out, n.info)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Slot < out[j].Slot })
	return out
}

// Blocks returns the fork-tree entries held in memory (the finalized block
// and everything above it), sorted by slot.
func (s *Store) Blocks() []BlockInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]BlockInfo, 0, len(s.tree))
	for _, n := range s.tree {
		out = append(out, n.info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Slot < out[j].Slot })
	return out
}

// Stats are counters for observability.
type Stats struct {
	TreeBlocks                     int
	PrunedStates, PrunedBlocks     uint64
	BlockCacheHits, BlockCacheMiss uint64
	StateCacheHits, StateCacheMiss uint64
}

// Stats returns the counters.
func (s *Store) Stats() Stats {
	s.mu.RLock()
	n := len(s.tree)
	s.mu.RUnlock()
	st := Stats{TreeBlocks: n, PrunedStates: s.prunedStates.Load(), PrunedBlocks: s.prunedBlocks.Load()}
	st.BlockCacheHits, st.BlockCacheMiss = s.blocks.stats()
	st.StateCacheHits, st.StateCacheMiss = s.states.stats()
	return st
}

// Check is the consistency check run by Open: every block in the tree has
// its bytes; every imported block has an imported parent (except the
// anchor) and, when flagged, its state; every imported block has an
// ancestor-or-self with a stored state (so its state can be regenerated);
// head and checkpoints are imported blocks; the canonical index points to
// imported blocks at their slot. It returns every problem found.
func (s *Store) Check() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var problems []string
	add := func(format string, args ...any) {
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	if !s.hasAnchor {
		if len(s.tree) > 0 {
			add("blocks stored without an anchor")
		}
		return joinProblems(problems)
	}
	regen := map[Root]bool{}
	var canRegen func(r Root, depth int) bool
	canRegen = func(r Root, depth int) bool {
		if v, ok := regen[r]; ok {
			return v
		}
		info, ok := s.infoLocked(r)
		v := false
		if ok && info.Imported {
			v = info.HasState || (r != s.anchor && depth < 1<<16 && canRegen(info.Parent, depth+1))
		}
		regen[r] = v
		return v
	}
	for r, n := range s.tree {
		if !s.has(key(pBlock, r)) {
			add("block %x: info without block bytes", r[:4])
		}
		if p, ok := s.tree[n.info.Parent]; ok && r != s.anchor && !slices.Contains(p.children, r) {
			add("block %x: not linked as a child of its parent %x", r[:4], n.info.Parent[:4])
		}
		if !n.info.Imported {
			continue
		}
		if r != s.anchor {
			if p, ok := s.infoLocked(n.info.Parent); !ok || !p.Imported {
				add("block %x: imported but parent %x is not", r[:4], n.info.Parent[:4])
			}
		}
		if n.info.HasState && !s.has(key(pState, r)) {
			add("block %x: state flagged but missing", r[:4])
		}
		if !canRegen(r, 0) {
			add("block %x: no stored ancestor state to regenerate from", r[:4])
		}
	}
	for name, r := range map[string]Root{"head": s.head, "justified": s.justified.Root, "finalized": s.finalized.Root} {
		if info, ok := s.infoLocked(r); !ok || !info.Imported {
			add("%s %x is not an imported block", name, r[:4])
		}
	}
	err := s.scan(pCanon, func(k, v []byte) error {
		slot := binary.BigEndian.Uint64(k[1:])
		var r Root
		copy(r[:], v)
		if info, ok := s.infoLocked(r); !ok || !info.Imported || info.Slot != slot {
			add("canonical slot %d -> %x: not an imported block of that slot", slot, r[:4])
		}
		return nil
	})
	if err != nil {
		add("scan canonical index: %v", err)
	}
	return joinProblems(problems)
}

func (s *Store) infoLocked(r Root) (BlockInfo, bool) {
	if n, ok := s.tree[r]; ok {
		return n.info, true
	}
	v, err := s.get(key(pInfo, r))
	if err != nil {
		return BlockInfo{}, false
	}
	info, err := decodeInfo(r, v)
	return info, err == nil
}

func joinProblems(p []string) error {
	if len(p) == 0 {
		return nil
	}
	msg := "store: inconsistent:"
	for _, x := range p {
		msg += "\n  " + x
	}
	return errors.New(msg)
}
