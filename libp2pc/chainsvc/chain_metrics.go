package chainsvc

import (
	"sync/atomic"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/node"
)

// ImportLatencyBuckets are the upper bounds (seconds) of the block import
// latency histogram: from a block's arrival in the pipeline to its import.
var ImportLatencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// latencyHisto is a fixed-bucket histogram kept with atomics, so the
// pipeline's event handler records into it without a lock and the metrics
// package reads it on scrape (the node package does not depend on
// Prometheus).
type latencyHisto struct {
	buckets [16]atomic.Uint64 // per bucket (not cumulative); the last used one is +Inf
	count   atomic.Uint64
	sumNs   atomic.Uint64
}

func (h *latencyHisto) observe(d time.Duration) {
	s := d.Seconds()
	i := 0
	for i < len(ImportLatencyBuckets) && s > ImportLatencyBuckets[i] {
		i++
	}
	h.buckets[i].Add(1)
	h.sumNs.Add(uint64(max(d, 0)))
	h.count.Add(1)
}

// Histogram is a snapshot of a latency histogram: Cumulative[i] counts the
// observations <= Bounds[i] (Prometheus' convention); Count includes the
// ones above the last bound.
type Histogram struct {
	Bounds     []float64
	Cumulative []uint64
	Count      uint64
	SumSeconds float64
}

func (h *latencyHisto) snapshot() Histogram {
	out := Histogram{Bounds: ImportLatencyBuckets, Cumulative: make([]uint64, len(ImportLatencyBuckets))}
	var acc uint64
	for i := range ImportLatencyBuckets {
		acc += h.buckets[i].Load()
		out.Cumulative[i] = acc
	}
	// Count at least the buckets' total: a concurrent observe may have
	// bumped a bucket but not yet count.
	out.Count = max(h.count.Load(), acc+h.buckets[len(ImportLatencyBuckets)].Load())
	out.SumSeconds = float64(h.sumNs.Load()) / 1e9
	return out
}

// isReorg reports whether the head moving from (old, oldSlot) to newHead
// leaves the old head's chain: newHead's ancestry at oldSlot is not old.
// It walks parents in the store (bounded by the slot distance; the store
// has its own lock, so this is safe inside a pipeline event).
func (c *chainState) isReorg(old [32]byte, oldSlot uint64, newHead [32]byte) bool {
	if old == ([32]byte{}) || old == newHead {
		return false
	}
	r := newHead
	for {
		info, ok := c.st.Info(r)
		if !ok {
			return false // ancestry unknown (pruned below finality): not counted
		}
		if info.Slot <= oldSlot {
			return r != old
		}
		if info.Parent == old {
			return false
		}
		r = info.Parent
	}
}

// ChainMetrics is what the chain exposes to metrics.
type ChainMetrics struct {
	HeadSlot              uint64
	FinalizedEpoch        uint64
	CurrentJustifiedEpoch uint64
	Reorgs                uint64
	Syncing               bool   // a range sync is running
	SyncDistance          uint64 // wall-clock slot minus head slot (0 if not behind)
	Syncs, SyncFailures   uint64 // range syncs started, failed
	EventsDropped         uint64 // chain events not queued (queue full)
	ImportLatency         Histogram
	GossipBlocksByVerdict map[string]uint64 // accepted, rejected, ignored, orphan
	BlocksImported        uint64
	BlocksInvalid         uint64
	BlocksDropped         uint64
	BlocksInFlight        uint64
}

// Metrics returns the chain's metrics; BadState before the chain has
// started.
func Metrics(n *node.Node) (ChainMetrics, error) {
	c, err := chainOf(n)
	if err != nil {
		return ChainMetrics{}, err
	}
	var out ChainMetrics
	c.hmu.Lock()
	out.HeadSlot, out.FinalizedEpoch, out.CurrentJustifiedEpoch, out.Reorgs = c.hslot, c.finalized.Epoch, c.justified.Epoch, c.reorgs
	c.hmu.Unlock()
	c.prog.mu.Lock()
	out.Syncing = c.prog.active
	c.prog.mu.Unlock()
	if cur := c.n.Eth2().SlotAt(time.Now()); cur > out.HeadSlot {
		out.SyncDistance = cur - out.HeadSlot
	}
	out.Syncs, out.SyncFailures, out.EventsDropped = c.syncs.Load(), c.syncFailures.Load(), c.evDropped.Load()
	out.ImportLatency = c.importLat.snapshot()
	out.GossipBlocksByVerdict = map[string]uint64{"accepted": c.gossipAccepted.Load(), "rejected": c.gossipRejected.Load(),
		"ignored": c.gossipIgnored.Load(), "orphan": c.gossipOrphans.Load()}
	ps := c.p.Stats()
	out.BlocksImported, out.BlocksInvalid, out.BlocksDropped = ps.Imported, ps.Invalid+ps.DecodeErrors, ps.Dropped
	out.BlocksInFlight = uint64(max(ps.InFlight, 0))
	return out, nil
}
