// Package latency is a fixed-bucket duration histogram kept with atomics:
// the code being timed records into it without a lock, and the metrics
// package reads a snapshot when scraped (so the timed packages do not
// depend on Prometheus).
package latency

import (
	"sync/atomic"
	"time"
)

// Histogram counts durations into buckets fixed at New. Safe for
// concurrent use; the zero value is not usable (use New).
type Histogram struct {
	bounds  []float64       // upper bounds in seconds, ascending
	buckets []atomic.Uint64 // per bucket (not cumulative); the last one is +Inf
	count   atomic.Uint64
	sumNs   atomic.Uint64
}

// New returns a histogram with the given upper bounds (seconds, strictly
// ascending; the caller's slice is kept, not copied: pass a constant).
func New(bounds []float64) *Histogram {
	for i := 1; i < len(bounds); i++ {
		if bounds[i] <= bounds[i-1] {
			panic("latency: bounds not strictly ascending")
		}
	}
	return &Histogram{bounds: bounds, buckets: make([]atomic.Uint64, len(bounds)+1)}
}

// Observe records one duration (a negative one counts as 0).
func (h *Histogram) Observe(d time.Duration) {
	d = max(d, 0)
	s := d.Seconds()
	i := 0
	for i < len(h.bounds) && s > h.bounds[i] {
		i++
	}
	h.buckets[i].Add(1)
	h.sumNs.Add(uint64(d))
	h.count.Add(1)
}

// Since records the time elapsed since start.
func (h *Histogram) Since(start time.Time) { h.Observe(time.Since(start)) }

// Snapshot is a histogram's state: Cumulative[i] counts the observations
// <= Bounds[i] (Prometheus' convention); Count includes the ones above the
// last bound.
type Snapshot struct {
	Bounds     []float64
	Cumulative []uint64
	Count      uint64
	SumSeconds float64
}

// Snapshot reads the histogram. Concurrent observations may be half
// counted; Count is at least the buckets' total.
func (h *Histogram) Snapshot() Snapshot {
	out := Snapshot{Bounds: h.bounds, Cumulative: make([]uint64, len(h.bounds))}
	var acc uint64
	for i := range h.bounds {
		acc += h.buckets[i].Load()
		out.Cumulative[i] = acc
	}
	out.Count = max(h.count.Load(), acc+h.buckets[len(h.bounds)].Load())
	out.SumSeconds = float64(h.sumNs.Load()) / 1e9
	return out
}

// Buckets maps each bound to its cumulative count (the form
// prometheus.MustNewConstHistogram takes).
func (s Snapshot) Buckets() map[float64]uint64 {
	out := make(map[float64]uint64, len(s.Bounds))
	for i, b := range s.Bounds {
		out[b] = s.Cumulative[i]
	}
	return out
}
