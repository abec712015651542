package pipeline

import (
	"context"
	"testing"
	"time"
)

// The pipeline's goroutines live in its owner's context (Config.Context, a
// node's): once that ends, a block waiting for its slot gives up
// ("shutdown") without Close being called. Without the parent's end it
// would wait for its slot on a clock that never gets there.
func TestParentContextEndsTheWork(t *testing.T) {
	bd := newBuilder(t)
	future := bd.byRoot[bd.extend(bd.gRoot, 2, 0)]
	parent, cancel := context.WithCancel(context.Background())
	p := newTestPipeline(t, bd, t.TempDir(), nil, nil, func(c *Config) {
		c.Context = parent
		frozen := time.Unix(int64(bd.genesis.GenesisTime+testSecondsPerSlot), 0) // slot 1, forever
		c.Now = func() time.Time { return frozen }
	})
	defer p.Close()
	done := make(chan Result, 1)
	go func() { done <- p.Import(future.ssz, "") }()
	select {
	case r := <-done:
		t.Fatalf("a block one slot ahead was decided before its slot: %+v", r)
	case <-time.After(300 * time.Millisecond):
	}
	cancel()
	select {
	case r := <-done:
		if r.State != Dropped || r.Rule != "shutdown" {
			t.Fatalf("after the parent context ended: %+v, want Dropped (shutdown)", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting block ignored the end of the parent context")
	}
}
