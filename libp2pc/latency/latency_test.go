package latency

import (
	"sync"
	"testing"
	"time"
)

// Observations land in the first bucket whose bound they do not exceed
// (a value equal to a bound is in that bucket), the rest in +Inf; the
// snapshot is cumulative, and Count and the sum include every one, also
// under concurrent observers.
func TestHistogram(t *testing.T) {
	h := New([]float64{0.001, 0.01, 0.1})
	for _, d := range []time.Duration{0, -time.Second, time.Millisecond, 5 * time.Millisecond, 50 * time.Millisecond, time.Second} {
		h.Observe(d)
	}
	s := h.Snapshot()
	want := []uint64{3, 4, 5}
	for i := range want {
		if s.Cumulative[i] != want[i] {
			t.Fatalf("cumulative %v, want %v", s.Cumulative, want)
		}
	}
	if s.Count != 6 {
		t.Fatalf("count %d", s.Count)
	}
	if got, want := s.SumSeconds, 1.056; got < want-1e-9 || got > want+1e-9 {
		t.Fatalf("sum %v, want %v", got, want)
	}
	if b := s.Buckets(); len(b) != 3 || b[0.01] != 4 {
		t.Fatalf("buckets %v", b)
	}

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				h.Observe(2 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	if s := h.Snapshot(); s.Count != 8006 || s.Cumulative[1] != 8004 {
		t.Fatalf("after concurrent observes: %+v", s)
	}
}

func TestBoundsMustAscend(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("descending bounds accepted")
		}
	}()
	New([]float64{0.1, 0.01})
}
