package node

import (
	"context"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/events"
)

// Every goroutine's context derives from the node's (lifeCtx), which ends
// once the node has stopped, after the ordered stop of each part, or at
// Destroy of a node that never started: nothing a node started can outlive
// it by its context.
func TestNodeContextEndsWithTheNode(t *testing.T) {
	idle, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if idle.lifeCtx.Err() != nil {
		t.Fatal("a new node's context has ended")
	}
	idle.Destroy()
	if idle.lifeCtx.Err() == nil || idle.opsCtx.Err() == nil {
		t.Fatal("a destroyed, never started node's contexts live on")
	}

	n, rec := startNode(t, nil)
	// A context derived as the node's parts derive theirs.
	part, cancel := context.WithCancel(n.lifeCtx)
	defer cancel()
	if n.lifeCtx.Err() != nil || part.Err() != nil {
		t.Fatal("a running node's context has ended")
	}
	n.Stop()
	rec.waitFor(t, "stopped", isType(events.Stopped))
	select {
	case <-part.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a context derived from a stopped node's did not end")
	}
	if n.opsCtx.Err() == nil {
		t.Fatal("the host calls' context outlived the node")
	}
}
