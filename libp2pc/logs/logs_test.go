package logs_test

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/logs"
	"github.com/libp2pc/libp2pc/libp2pc/node"
)

// collect is a sink that keeps records.
type collect struct {
	mu   sync.Mutex
	recs []logs.Record
}

func (c *collect) sink(r *logs.Record) {
	c.mu.Lock()
	c.recs = append(c.recs, *r)
	c.mu.Unlock()
}

func (c *collect) find(msg string) (logs.Record, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.recs {
		if r.Message == msg {
			return r, true
		}
	}
	return logs.Record{}, false
}

func waitRecord(t *testing.T, c *collect, msg string) logs.Record {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if r, ok := c.find(msg); ok {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q record", msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startNode starts a plain node and returns once its start completed (or
// fails the test after 20 s: the watchdog for a stalled node).
func startNode(t *testing.T) *node.Node {
	t.Helper()
	started := make(chan int32, 1)
	var startReq uint64
	var mu sync.Mutex
	n, err := node.New(node.Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, StopGrace: time.Second,
		Sink: func(e *events.Event) {
			mu.Lock()
			req := startReq
			mu.Unlock()
			if e.Type == events.RequestDone && e.RequestID == req {
				started <- e.Status
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	startReq, err = n.Start()
	mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	select {
	case st := <-started:
		if st != 0 {
			t.Fatalf("start status %d", st)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("watchdog: the node did not start in 20 s")
	}
	t.Cleanup(func() {
		n.Stop()
		n.Destroy()
		<-n.DeliveryFinished()
	})
	return n
}

// TestRecordsReachTheSinkFiltered: the node's start record arrives with
// its key/values; records below the level do not.
func TestRecordsReachTheSinkFiltered(t *testing.T) {
	var c collect
	logs.Default().SetSink(slog.LevelInfo, c.sink)
	t.Cleanup(func() { logs.Default().SetSink(slog.LevelInfo, nil) })
	l := logs.L("test")
	l.Debug("below the level")
	l.Info("at the level", "k", 1, slog.Group("g", "x", "y"))
	n := startNode(t)
	r := waitRecord(t, &c, "node started")
	if r.Logger != "libp2pc/node" || r.Level != slog.LevelInfo || len(r.Attrs) == 0 ||
		r.Attrs[0].Key != "peer_id" || r.Attrs[0].Value != n.ID().String() {
		t.Fatalf("start record %+v", r)
	}
	r = waitRecord(t, &c, "at the level")
	if len(r.Attrs) != 2 || r.Attrs[0] != (logs.Attr{Key: "k", Value: "1"}) || r.Attrs[1] != (logs.Attr{Key: "g.x", Value: "y"}) {
		t.Fatalf("attrs %+v", r.Attrs)
	}
	if _, ok := c.find("below the level"); ok {
		t.Fatal("a debug record passed an info filter")
	}
	// Without a sink nothing is queued.
	logs.Default().SetSink(slog.LevelInfo, nil)
	if logs.Default().Enabled(slog.LevelError) {
		t.Fatal("enabled without a sink")
	}
}

// TestBlockedSinkDoesNotStallTheNode: while the sink blocks, logging
// returns at once, records beyond the queue are dropped and counted, and a
// node still starts (its start logs); once unblocked, delivery resumes and
// reports the drops.
func TestBlockedSinkDoesNotStallTheNode(t *testing.T) {
	gate := make(chan struct{})
	var c collect
	entered := make(chan struct{}, 1)
	logs.Default().SetSink(slog.LevelDebug, func(r *logs.Record) {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-gate
		c.sink(r)
	})
	t.Cleanup(func() { logs.Default().SetSink(slog.LevelInfo, nil) })
	_, dropped0 := logs.Default().Counters()
	l := logs.L("test")
	l.Info("first")
	<-entered // the delivery thread is now stuck in the sink
	begin := time.Now()
	const extra = 3 * logs.QueueCapacity
	for i := range extra {
		l.Debug("flood", "i", i)
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Fatalf("%d log calls took %v with a blocked sink", extra, d)
	}
	startNode(t) // fails after 20 s if the node waited on the sink
	_, dropped := logs.Default().Counters()
	if dropped-dropped0 < extra-logs.QueueCapacity {
		t.Fatalf("dropped %d, want at least %d", dropped-dropped0, extra-logs.QueueCapacity)
	}
	close(gate)
	// The queue is full when the gate opens: log until a record gets in.
	deadline := time.Now().Add(10 * time.Second)
	for _, ok := c.find("after"); !ok; _, ok = c.find("after") {
		if time.Now().After(deadline) {
			t.Fatal("delivery did not resume")
		}
		l.Warn("after")
		time.Sleep(20 * time.Millisecond)
	}
	r := waitRecord(t, &c, "after")
	if r.Dropped < dropped || !strings.HasPrefix(r.Logger, "libp2pc/") {
		t.Fatalf("record after the flood %+v, dropped %d", r, dropped)
	}
}
