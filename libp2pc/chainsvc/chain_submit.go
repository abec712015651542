package chainsvc

// The chain's host-facing additions: a block the host obtained itself
// (SubmitBlock), post-states by block root (ChainState), and the sync
// progress (ChainSyncStatus).

import (
	"slices"
	"sync"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// SubmitBlock hands a signed block's SSZ that the host obtained itself (its
// own validator proposed it, or it came from outside gossip) to the block
// pipeline, like a gossip block that passed validation. It decodes the
// block at once (InvalidArgument for bytes that are not a SignedBeaconBlock
// of the chain's fork) and returns its root; everything else runs in the
// pipeline, and the outcome arrives as a BlockImported (then HeadChanged
// when the head moves) or a BlockInvalid event. It never waits on the
// transition or the host. ssz is kept: the caller must not modify it.
//
// A block already imported is not processed again and produces no event
// (its BlockImported was sent when it was imported); neither does a block
// that is in the pipeline already (one outcome for both) or that the
// pipeline recently found invalid.
func SubmitBlock(n *node.Node, ssz []byte) ([32]byte, error) {
	c, err := chainOf(n)
	if err != nil {
		return [32]byte{}, err
	}
	if len(ssz) == 0 {
		return [32]byte{}, status.Errorf(status.InvalidArgument, "submit block: empty block")
	}
	if max := c.n.MaxMessageSize(); max > 0 && len(ssz) > max {
		return [32]byte{}, status.Errorf(status.TooLarge, "submit block: %d bytes, above the limit of %d", len(ssz), max)
	}
	b, err := c.tr.DecodeBlock(ssz)
	if err != nil {
		return [32]byte{}, status.Errorf(status.InvalidArgument, "submit block: not a SignedBeaconBlock: %w", err)
	}
	root := b.Root()
	if c.st.IsImported(root) {
		return root, nil
	}
	c.p.SubmitDecoded(b, "")
	return root, nil
}

// State returns the SSZ post-state of the block root (the anchor's:
// the anchor state). NotFound if the block is unknown, not imported, or its
// state was pruned (the store keeps the states of the last 64 slots of
// imported blocks, checkpoint states, the anchor and fork tips).
func State(n *node.Node, root [32]byte) ([]byte, error) {
	c, err := chainOf(n)
	if err != nil {
		return nil, err
	}
	info, ok := c.st.Info(root)
	if !ok || !info.Imported {
		return nil, status.Errorf(status.NotFound, "no imported block %x in the store", root[:4])
	}
	if !info.HasState {
		return nil, status.Errorf(status.NotFound, "the post-state of block %x (slot %d) was pruned", root[:4], info.Slot)
	}
	ssz, _, err := c.st.State(root)
	if err != nil {
		return nil, status.Errorf(status.NotFound, "state of block %x: %w", root[:4], err)
	}
	return slices.Clone(ssz), nil // the store's cached copy is shared
}

// ChainSyncStatus is the chain's sync progress.
type ChainSyncStatus struct {
	HeadSlot       uint64 // the fork choice head's slot
	CurrentSlot    uint64 // the wall-clock slot (eth2 genesis time and slot duration)
	SyncDistance   uint64 // CurrentSlot - HeadSlot (0 when the head is at or ahead of it)
	FinalizedEpoch uint64
	Syncing        bool   // a range sync is running
	SyncStartSlot  uint64 // the running (else the last) range sync's first slot
	SyncTargetSlot uint64 // ... and the head slot of the peer it syncs from
	SyncPeer       string // ... and that peer's id ("" if none ran yet)
	Syncs          uint64 // range syncs started
	SyncedBlocks   uint64 // blocks received by finished range syncs
	SyncFailures   uint64
	Imported       uint64 // pipeline: blocks imported
	Invalid        uint64 // pipeline: blocks found invalid (decode errors included)
	Dropped        uint64 // pipeline: blocks given up without a verdict (no event)
	InFlight       uint64 // pipeline: block processes running
	// Backfill (separate from the head sync above): running, the slot from
	// which every block is stored (the anchor's until it progresses; 0
	// once at genesis), blocks stored.
	Backfilling      bool
	EarliestSlot     uint64
	BackfillDone     bool
	BackfilledBlocks uint64
}

// syncProgress is the range sync in progress (syncFrom).
type syncProgress struct {
	mu           sync.Mutex
	active       bool
	from, target uint64
	peer         string
}

func (s *syncProgress) begin(peer string, from, target uint64) {
	s.mu.Lock()
	s.active, s.from, s.target, s.peer = true, from, target, peer
	s.mu.Unlock()
}

func (s *syncProgress) end() {
	s.mu.Lock()
	s.active = false
	s.mu.Unlock()
}

// SyncStatus returns the sync progress.
func SyncStatus(n *node.Node) (ChainSyncStatus, error) {
	c, err := chainOf(n)
	if err != nil {
		return ChainSyncStatus{}, err
	}
	var out ChainSyncStatus
	c.hmu.Lock()
	out.HeadSlot, out.FinalizedEpoch = c.hslot, c.finalized.Epoch
	c.hmu.Unlock()
	out.CurrentSlot = c.n.Eth2().SlotAt(time.Now())
	if out.CurrentSlot > out.HeadSlot {
		out.SyncDistance = out.CurrentSlot - out.HeadSlot
	}
	c.prog.mu.Lock()
	out.Syncing, out.SyncStartSlot, out.SyncTargetSlot, out.SyncPeer = c.prog.active, c.prog.from, c.prog.target, c.prog.peer
	c.prog.mu.Unlock()
	out.Syncs, out.SyncedBlocks, out.SyncFailures = c.syncs.Load(), c.syncedBlocks.Load(), c.syncFailures.Load()
	ps := c.p.Stats()
	out.Imported, out.Invalid, out.Dropped = ps.Imported, ps.Invalid+ps.DecodeErrors, ps.Dropped
	out.InFlight = uint64(max(ps.InFlight, 0))
	out.Backfilling, out.EarliestSlot, out.BackfilledBlocks = c.backfillActive.Load(), c.st.EarliestSlot(), c.backfilled.Load()
	if p, ok := c.st.Backfill(); ok {
		out.BackfillDone = p.Done
	}
	return out, nil
}
