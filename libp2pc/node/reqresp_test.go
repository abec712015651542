package node

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqrespnet"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

func rangeReq(count uint64) []byte {
	b := make([]byte, 24)
	binary.LittleEndian.PutUint64(b[8:], count)
	binary.LittleEndian.PutUint64(b[16:], 1)
	return b
}

func startRRNode(t *testing.T, limits ReqRespLimits) (*Node, *recorder) {
	t.Helper()
	rec := newRecorder()
	n, err := New(Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Sink: rec.sink, StopGrace: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.SetReqRespConfig(reqrespnet.Config{ServeTimeout: 500 * time.Millisecond}, limits); err != nil {
		t.Fatal(err)
	}
	req, err := n.Start()
	if err != nil {
		t.Fatal(err)
	}
	if e := rec.waitFor(t, "start", doneFor(req)); e.Status != 0 {
		t.Fatal(e.Text)
	}
	t.Cleanup(func() { stopAndWait(t, n, rec) })
	return n, rec
}

func TestReqRespNode(t *testing.T) {
	a, ra := startRRNode(t, ReqRespLimits{})
	b, rb := startRRNode(t, ReqRespLimits{})
	sa := reqrespnet.Status{ForkDigest: [4]byte{1, 2, 3, 4}, HeadSlot: 10}
	sb := reqrespnet.Status{ForkDigest: [4]byte{1, 2, 3, 4}, HeadSlot: 20, EarliestAvailableSlot: 3}
	if err := a.SetStatus(sa); err != nil {
		t.Fatal(err)
	}
	b.SetStatus(sb)
	b.SetMetadata(reqrespnet.Metadata{SeqNumber: 9})
	bp := reqresp.BeaconBlocksByRangeV2.ID()
	if err := b.Serve(bp, reqrespnet.ServeByHost, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Serve(reqresp.StatusV1.ID(), reqrespnet.ServeByHost, nil); status.CodeOf(err) != status.InvalidArgument {
		t.Fatalf("serving status: %v", err)
	}
	connectPair(t, a, ra, b, rb, "/tcp/")

	// Status handshake: the dialer reports the answer, the listener the
	// request.
	e := ra.waitFor(t, "a's peer status", isType(events.PeerStatus))
	if e.Status != 0 || e.PeerID != b.ID().String() || !bytes.Equal(e.Data, sb.Marshal(2)) || e.Protocol != reqresp.StatusV2.ID() {
		t.Fatalf("a: %+v", e)
	}
	e = rb.waitFor(t, "b's peer status", isType(events.PeerStatus))
	if e.PeerID != a.ID().String() || !bytes.Equal(e.Data, sa.Marshal(2)) {
		t.Fatalf("b: %+v", e)
	}

	// Host-served blocks_by_range with 3 chunks.
	id, err := a.Request(b.ID().String(), bp, rangeReq(3), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	in := rb.waitFor(t, "incoming", isType(events.IncomingRequest))
	if in.PeerID != a.ID().String() || in.Protocol != bp || !bytes.Equal(in.Data, rangeReq(3)) {
		t.Fatalf("incoming %+v", in)
	}
	for i := 0; i < 3; i++ {
		if err := b.RespondChunk(in.RequestID, []byte{1, 2, 3, 4}, bytes.Repeat([]byte{byte(i)}, 100)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.RespondEnd(in.RequestID); err != nil {
		t.Fatal(err)
	}
	done := ra.waitFor(t, "request done", doneFor(id))
	if done.Status != 0 || done.Code != 3 {
		t.Fatalf("done %+v", done)
	}
	var got int
	for _, e := range ra.snapshot() {
		if e.Type == events.ResponseChunk && e.RequestID == id {
			if e.Seq > done.Seq || e.Code != 0 || !bytes.Equal(e.Context, []byte{1, 2, 3, 4}) || !bytes.Equal(e.Data, bytes.Repeat([]byte{byte(got)}, 100)) {
				t.Fatalf("chunk %d: %+v", got, e)
			}
			got++
		}
	}
	if got != 3 {
		t.Fatalf("%d chunks", got)
	}
	if err := b.RespondEnd(in.RequestID); status.CodeOf(err) != status.NotFound {
		t.Fatalf("second end: %v", err)
	}

	// The host never answers: the peer gets ServerError after the deadline.
	id, _ = a.Request(b.ID().String(), bp, rangeReq(1), 0)
	in = rb.waitFor(t, "incoming 2", func(e events.Event) bool { return e.Type == events.IncomingRequest && e.RequestID != in.RequestID })
	done = ra.waitFor(t, "unanswered", doneFor(id))
	if done.Status != 0 || done.Code != 1 {
		t.Fatalf("unanswered: %+v", done)
	}
	if c, _ := b.ReqRespCounters(); c.IncomingTimedOut != 1 {
		t.Fatalf("counters %+v", c)
	}
	if err := b.RespondChunk(in.RequestID, []byte{1, 2, 3, 4}, []byte("late")); status.CodeOf(err) != status.NotFound {
		t.Fatalf("late: %v", err)
	}

	// Ping is answered by the library with b's metadata seq number.
	id, _ = a.Request(b.ID().String(), reqresp.PingV1.ID(), make([]byte, 8), 0)
	done = ra.waitFor(t, "ping", doneFor(id))
	for _, e := range ra.snapshot() {
		if e.Type == events.ResponseChunk && e.RequestID == id && binary.LittleEndian.Uint64(e.Data) != 9 {
			t.Fatalf("pong %x", e.Data)
		}
	}

	// Misuse.
	if _, err := a.Request(b.ID().String(), "/eth2/beacon_chain/req/nope/1/ssz_snappy", nil, 0); status.CodeOf(err) != status.InvalidArgument {
		t.Fatalf("unknown protocol: %v", err)
	}
	if _, err := a.Request(b.ID().String(), bp, []byte{1}, 0); status.CodeOf(err) != status.InvalidArgument {
		t.Fatalf("bad body: %v", err)
	}
	if _, err := a.Request(a.ID().String(), bp, rangeReq(1), 0); status.CodeOf(err) != status.NotFound {
		t.Fatalf("self: %v", err)
	}
	if err := b.RespondError(12345, 1, "x"); status.CodeOf(err) != status.NotFound {
		t.Fatalf("unknown incoming: %v", err)
	}

	// Goodbye: b hears it before a's disconnect.
	id, err = a.Goodbye(b.ID().String(), 1)
	mustOK(t, ra, id, err, "goodbye")
	g := rb.waitFor(t, "goodbye", isType(events.PeerGoodbye))
	d := rb.waitFor(t, "disconnect", isType(events.PeerDisconnected))
	if g.Code != 1 || g.PeerID != a.ID().String() || g.Seq > d.Seq {
		t.Fatalf("goodbye %+v disconnect %+v", g, d)
	}
}

// TestReqRespChunkBackpressure: with room for 2 chunk events, a host that
// does not drain pauses the stream; nothing is dropped.
func TestReqRespChunkBackpressure(t *testing.T) {
	a, ra := startRRNode(t, ReqRespLimits{MaxQueuedChunks: 2})
	b, rb := startRRNode(t, ReqRespLimits{})
	bp := reqresp.BeaconBlocksByRangeV2.ID()
	b.Serve(bp, reqrespnet.ServeByGo, goResponder(func(w reqrespnet.ResponseWriter) error {
		var d [4]byte
		for i := 0; i < 20; i++ {
			if err := w.WriteChunk(&d, []byte{byte(i)}); err != nil {
				return err
			}
		}
		return nil
	}))
	connectPair(t, a, ra, b, rb, "/tcp/")
	gate := make(chan struct{})
	ra.setGate(gate)
	id, err := a.Request(b.ID().String(), bp, rangeReq(20), 0)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	c, _ := a.ReqRespCounters()
	close(gate)
	// The delivery thread holds what it drained before blocking on the
	// gate; the queue itself never holds more than 2 chunks.
	if c.ChunkEventsQueued >= 20 || c.ChunkWaits == 0 || c.ChunksWaiting > 2 {
		t.Fatalf("no backpressure: %+v", c)
	}
	done := ra.waitFor(t, "done", doneFor(id))
	if done.Status != 0 || done.Code != 20 {
		t.Fatalf("done %+v", done)
	}
	if st := a.QueueStats(); st.Dropped.Gossip != 0 {
		t.Fatalf("drops %+v", st)
	}
}

type goResponder func(w reqrespnet.ResponseWriter) error

func (f goResponder) Respond(_ context.Context, _ *reqrespnet.IncomingRequest, w reqrespnet.ResponseWriter) error {
	return f(w)
}
