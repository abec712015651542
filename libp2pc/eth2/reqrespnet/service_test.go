package reqrespnet

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
)

// recSink records what a Service reports.
type recSink struct {
	mu       sync.Mutex
	chunks   map[uint64][]reqresp.Chunk
	done     map[uint64]error
	doneN    map[uint64]int
	doneCh   chan uint64
	incoming chan *IncomingRequest
	refuse   atomic.Bool
	status   chan statusReport
	goodbye  chan uint64
	// chunkGate, when set, blocks Chunk until it is closed or ctx ends.
	chunkGate chan struct{}
}

type statusReport struct {
	p     peer.ID
	proto reqresp.Protocol
	raw   []byte
	err   error
}

func newRecSink() *recSink {
	return &recSink{chunks: map[uint64][]reqresp.Chunk{}, done: map[uint64]error{}, doneN: map[uint64]int{},
		doneCh: make(chan uint64, 1000), incoming: make(chan *IncomingRequest, 100),
		status: make(chan statusReport, 100), goodbye: make(chan uint64, 10)}
}

func (r *recSink) Chunk(ctx context.Context, id uint64, p reqresp.Protocol, c reqresp.Chunk) error {
	r.mu.Lock()
	gate := r.chunkGate
	r.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.mu.Lock()
	r.chunks[id] = append(r.chunks[id], c)
	r.mu.Unlock()
	return nil
}

func (r *recSink) Done(id uint64, err error, n int) {
	r.mu.Lock()
	if _, dup := r.done[id]; dup {
		panic(fmt.Sprintf("Done twice for %d", id))
	}
	r.done[id] = err
	r.doneN[id] = n
	r.mu.Unlock()
	r.doneCh <- id
}

func (r *recSink) Incoming(in *IncomingRequest) bool {
	if r.refuse.Load() {
		return false
	}
	select {
	case r.incoming <- in:
		return true
	default:
		return false
	}
}

func (r *recSink) PeerStatus(p peer.ID, proto reqresp.Protocol, raw []byte, err error) {
	r.status <- statusReport{p, proto, raw, err}
}

func (r *recSink) Goodbye(p peer.ID, reason uint64) { r.goodbye <- reason }

func (r *recSink) waitDone(t *testing.T, id uint64, within time.Duration) (error, []reqresp.Chunk) {
	t.Helper()
	deadline := time.After(within)
	for {
		r.mu.Lock()
		err, ok := r.done[id]
		ch := r.chunks[id]
		r.mu.Unlock()
		if ok {
			return err, ch
		}
		select {
		case <-r.doneCh:
		case <-deadline:
			t.Fatalf("request %d not done within %v", id, within)
		}
	}
}

func newHost(t *testing.T) host.Host { return newHostB(t) }

func newHostB(t testing.TB) host.Host {
	t.Helper()
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"), libp2p.DisableRelay())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

type pair struct {
	a, b   host.Host
	sa, sb *Service
	ka, kb *recSink
	faults *faultLog // what b's OnInboundFault reported
}

type fault struct {
	p peer.ID
	f InboundFault
}

// faultLog records what OnInboundFault reports.
type faultLog struct {
	mu sync.Mutex
	fs []fault
}

func (l *faultLog) add(p peer.ID, f InboundFault) {
	l.mu.Lock()
	l.fs = append(l.fs, fault{p, f})
	l.mu.Unlock()
}

func (l *faultLog) get() []fault {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]fault(nil), l.fs...)
}

func newPair(t *testing.T, ca, cb Config) *pair {
	t.Helper()
	p := &pair{a: newHost(t), b: newHost(t), ka: newRecSink(), kb: newRecSink()}
	p.faults = &faultLog{}
	cb.OnInboundFault = p.faults.add
	p.sa = New(p.a, ca, p.ka)
	p.sb = New(p.b, cb, p.kb)
	if err := p.a.Connect(context.Background(), peer.AddrInfo{ID: p.b.ID(), Addrs: p.b.Addrs()}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.sa.Close()
		p.sb.Close()
		p.a.Close()
		p.b.Close()
	})
	return p
}

func byRange(start, count uint64) []byte {
	b := make([]byte, 24)
	binary.LittleEndian.PutUint64(b, start)
	binary.LittleEndian.PutUint64(b[8:], count)
	binary.LittleEndian.PutUint64(b[16:], 1)
	return b
}

func block(i int, size int) []byte {
	b := bytes.Repeat([]byte{byte(i)}, size)
	binary.LittleEndian.PutUint64(b, uint64(i))
	return b
}

var digest = []byte{0xde, 0xad, 0xbe, 0xef}

func TestHostServedMultiChunk(t *testing.T) {
	p := newPair(t, Config{}, Config{})
	if err := p.sb.Serve(reqresp.BeaconBlocksByRangeV2, ServeByHost, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.sa.Request(context.Background(), 1, p.b.ID(), reqresp.BeaconBlocksByRangeV2, byRange(10, 5), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	in := <-p.kb.incoming
	if in.Peer != p.a.ID() || in.Protocol.ID() != reqresp.BeaconBlocksByRangeV2.ID() || !bytes.Equal(in.Body, byRange(10, 5)) {
		t.Fatalf("incoming %+v", in)
	}
	for i := 0; i < 5; i++ {
		if err := p.sb.RespondChunk(in.ID, digest, block(i, 1000+i)); err != nil {
			t.Fatal(err)
		}
	}
	// Misuse: a sixth chunk (count is 5), missing context bytes.
	if err := p.sb.RespondChunk(in.ID, digest, block(6, 10)); !errors.Is(err, ErrBadResponse) {
		t.Fatalf("sixth chunk: %v", err)
	}
	if err := p.sb.RespondChunk(in.ID, nil, block(6, 10)); !errors.Is(err, ErrBadResponse) {
		t.Fatalf("no context: %v", err)
	}
	if err := p.sb.RespondEnd(in.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.sb.RespondEnd(in.ID); !errors.Is(err, ErrUnknownIncoming) {
		t.Fatalf("second end: %v", err)
	}
	err, chunks := p.ka.waitDone(t, 1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 5 {
		t.Fatalf("%d chunks", len(chunks))
	}
	for i, c := range chunks {
		if c.Code != reqresp.Success || !bytes.Equal(c.Context[:], digest) || !bytes.Equal(c.Payload, block(i, 1000+i)) {
			t.Fatalf("chunk %d: code %d ctx %x len %d", i, c.Code, c.Context, len(c.Payload))
		}
	}
	waitFor(t, func() bool { return p.sb.IncomingOpen() == 0 })
}

func TestHostErrorChunk(t *testing.T) {
	p := newPair(t, Config{}, Config{})
	p.sb.Serve(reqresp.BeaconBlocksByRootV2, ServeByHost, nil)
	if err := p.sa.Request(context.Background(), 7, p.b.ID(), reqresp.BeaconBlocksByRootV2, make([]byte, 64), 0); err != nil {
		t.Fatal(err)
	}
	in := <-p.kb.incoming
	p.sb.RespondChunk(in.ID, digest, []byte("one"))
	if err := p.sb.RespondError(in.ID, reqresp.ResourceUnavailable, "gone"); err != nil {
		t.Fatal(err)
	}
	if err := p.sb.RespondChunk(in.ID, digest, []byte("two")); !errors.Is(err, ErrUnknownIncoming) {
		t.Fatalf("chunk after error: %v", err)
	}
	err, chunks := p.ka.waitDone(t, 7, 10*time.Second)
	if err != nil || len(chunks) != 2 || chunks[1].Code != reqresp.ResourceUnavailable || string(chunks[1].Payload) != "gone" {
		t.Fatalf("err %v chunks %+v", err, chunks)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTTFBTimeout(t *testing.T) {
	// b serves by host but the host never answers within a's TTFB.
	p := newPair(t, Config{TTFB: 300 * time.Millisecond}, Config{ServeTimeout: 5 * time.Second})
	p.sb.Serve(reqresp.BeaconBlocksByRangeV2, ServeByHost, nil)
	start := time.Now()
	p.sa.Request(context.Background(), 1, p.b.ID(), reqresp.BeaconBlocksByRangeV2, byRange(0, 1), 0)
	err, _ := p.ka.waitDone(t, 1, 5*time.Second)
	if !errors.Is(err, ErrTTFB) {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("TTFB fired after %v", d)
	}
	if p.sa.Counters().RequestsTimedOut != 1 {
		t.Fatalf("counters %+v", p.sa.Counters())
	}
	// Per protocol: a's timed-out request, b's received one.
	id := reqresp.BeaconBlocksByRangeV2.ID()
	if got := p.sa.Counters().ByProtocol[id]; got != (ProtocolCounters{OutgoingFailed: 1, OutgoingTimedOut: 1}) {
		t.Fatalf("a's %s counters %+v", id, got)
	}
	waitFor(t, func() bool { return p.sb.Counters().ByProtocol[id].IncomingReceived == 1 })
	// Overall deadline shorter than TTFB.
	p.sa.Request(context.Background(), 2, p.b.ID(), reqresp.BeaconBlocksByRangeV2, byRange(0, 1), 100*time.Millisecond)
	if err, _ := p.ka.waitDone(t, 2, 5*time.Second); !errors.Is(err, ErrDeadline) {
		t.Fatalf("deadline: %v", err)
	}
	// RESP_TIMEOUT between chunks.
	p2 := newPair(t, Config{TTFB: 2 * time.Second, RespTimeout: 300 * time.Millisecond}, Config{})
	p2.sb.Serve(reqresp.BeaconBlocksByRangeV2, ServeByHost, nil)
	p2.sa.Request(context.Background(), 3, p2.b.ID(), reqresp.BeaconBlocksByRangeV2, byRange(0, 2), 0)
	in := <-p2.kb.incoming
	p2.sb.RespondChunk(in.ID, digest, []byte("x"))
	err, chunks := p2.ka.waitDone(t, 3, 5*time.Second)
	if !errors.Is(err, ErrRespTimeout) || len(chunks) != 1 {
		t.Fatalf("resp timeout: %v, %d chunks", err, len(chunks))
	}
}

func TestHostNeverAnswers(t *testing.T) {
	p := newPair(t, Config{TTFB: 10 * time.Second}, Config{ServeTimeout: 300 * time.Millisecond})
	p.sb.Serve(reqresp.BeaconBlocksByRangeV2, ServeByHost, nil)
	base := runtime.NumGoroutine()
	for i := uint64(1); i <= 2; i++ {
		p.sa.Request(context.Background(), i, p.b.ID(), reqresp.BeaconBlocksByRangeV2, byRange(0, 4), 0)
	}
	ids := []uint64{(<-p.kb.incoming).ID, (<-p.kb.incoming).ID}
	for i := uint64(1); i <= 2; i++ {
		err, chunks := p.ka.waitDone(t, i, 5*time.Second)
		if err != nil || len(chunks) != 1 || chunks[0].Code != reqresp.ServerError || string(chunks[0].Payload) != msgDeadline {
			t.Fatalf("request %d: %v %+v", i, err, chunks)
		}
	}
	waitFor(t, func() bool { return p.sb.IncomingOpen() == 0 && p.sb.Counters().IncomingTimedOut == 2 })
	for _, id := range ids {
		if err := p.sb.RespondChunk(id, digest, []byte("late")); !errors.Is(err, ErrUnknownIncoming) {
			t.Fatalf("late answer: %v", err)
		}
	}
	// No goroutine or stream left behind.
	waitFor(t, func() bool { return runtime.NumGoroutine() <= base })
	waitFor(t, func() bool { return streamsOpen(p.b) == 0 && streamsOpen(p.a) == 0 })
}

func streamsOpen(h host.Host) int {
	n := 0
	for _, c := range h.Network().Conns() {
		for _, s := range c.GetStreams() {
			if s.Protocol() != "" && !isIdentify(s.Protocol()) {
				n++
			}
		}
	}
	return n
}

func isIdentify(p protocol.ID) bool {
	return bytes.HasPrefix([]byte(p), []byte("/ipfs/")) || bytes.HasPrefix([]byte(p), []byte("/libp2p/"))
}

func TestConcurrencyLimit(t *testing.T) {
	p := newPair(t, Config{}, Config{})
	var active, peak atomic.Int32
	release := make(chan struct{})
	p.sb.Serve(reqresp.BeaconBlocksByRangeV2, ServeByGo, responderFunc(func(ctx context.Context, req *IncomingRequest, w ResponseWriter) error {
		n := active.Add(1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		<-release
		active.Add(-1)
		var d [4]byte
		return w.WriteChunk(&d, []byte("b"))
	}))
	for i := uint64(1); i <= 6; i++ {
		if err := p.sa.Request(context.Background(), i, p.b.ID(), reqresp.BeaconBlocksByRangeV2, byRange(0, 1), 0); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return active.Load() == 2 })
	time.Sleep(200 * time.Millisecond)
	if active.Load() != 2 {
		t.Fatalf("%d requests active at the responder", active.Load())
	}
	close(release)
	for i := uint64(1); i <= 6; i++ {
		if err, ch := p.ka.waitDone(t, i, 10*time.Second); err != nil || len(ch) != 1 {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if peak.Load() != 2 {
		t.Fatalf("peak concurrency %d", peak.Load())
	}
	// MaxWaiting bounds what may queue.
	p2 := newPair(t, Config{MaxWaiting: 1}, Config{})
	p2.sb.Serve(reqresp.BeaconBlocksByRangeV2, ServeByHost, nil)
	for i := uint64(1); i <= 3; i++ {
		if err := p2.sa.Request(context.Background(), i, p2.b.ID(), reqresp.BeaconBlocksByRangeV2, byRange(0, 1), 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := p2.sa.Request(context.Background(), 4, p2.b.ID(), reqresp.BeaconBlocksByRangeV2, byRange(0, 1), 0); !errors.Is(err, ErrTooManyWaiting) {
		t.Fatalf("fourth: %v", err)
	}
}

type responderFunc func(ctx context.Context, req *IncomingRequest, w ResponseWriter) error

func (f responderFunc) Respond(ctx context.Context, req *IncomingRequest, w ResponseWriter) error {
	return f(ctx, req, w)
}

func TestRateLimit(t *testing.T) {
	limits := RateLimits{ByGroup: map[string]Bucket{"blocks": {Rate: 1, Capacity: 10, Period: time.Hour}}}
	p := newPair(t, Config{}, Config{RateLimits: &limits})
	p.sb.Serve(reqresp.BeaconBlocksByRangeV2, ServeByGo, responderFunc(func(ctx context.Context, req *IncomingRequest, w ResponseWriter) error {
		return nil // empty response
	}))
	// 4 + 4 fit into 10; the third request of 4 does not.
	for i := uint64(1); i <= 3; i++ {
		p.sa.Request(context.Background(), i, p.b.ID(), reqresp.BeaconBlocksByRangeV2, byRange(0, 4), 0)
		err, chunks := p.ka.waitDone(t, i, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if i < 3 && len(chunks) != 0 {
			t.Fatalf("request %d: %+v", i, chunks)
		}
		if i == 3 && (len(chunks) != 1 || chunks[0].Code != reqresp.InvalidRequest || string(chunks[0].Payload) != "rate limited") {
			t.Fatalf("request 3: %+v", chunks)
		}
	}
	if c := p.sb.Counters(); c.IncomingRateLimited != 1 {
		t.Fatalf("counters %+v", c)
	}
	if f := p.faults.get(); len(f) != 1 || f[0] != (fault{p.a.ID(), FaultRateLimited}) {
		t.Fatalf("faults reported %+v, want one rate-limit fault of the requester", f)
	}
	// Default limits: status 1/s burst 5.
	p2 := newPair(t, Config{}, Config{})
	p2.sb.SetStatus(Status{HeadSlot: 1})
	limited := 0
	for i := uint64(1); i <= 8; i++ {
		p2.sa.Request(context.Background(), i, p2.b.ID(), reqresp.StatusV1, Status{}.Marshal(1), 0)
		_, chunks := p2.ka.waitDone(t, i, 10*time.Second)
		if len(chunks) == 1 && chunks[0].Code == reqresp.InvalidRequest {
			limited++
		}
	}
	if limited < 2 || limited > 3 {
		t.Fatalf("%d of 8 status requests limited, want about 3", limited)
	}
}

func TestLibraryServed(t *testing.T) {
	p := newPair(t, Config{}, Config{})
	st := Status{ForkDigest: [4]byte{1, 2, 3, 4}, FinalizedEpoch: 9, HeadSlot: 321, EarliestAvailableSlot: 77}
	st.HeadRoot[0] = 0xaa
	p.sb.SetStatus(st)
	md := Metadata{SeqNumber: 5, Syncnets: 0x3, CustodyGroupCount: 4}
	md.Attnets[0] = 0x81
	p.sb.SetMetadata(md)

	// Status v2 and v1 requests: answered with b's status; b reports a's.
	mine := Status{ForkDigest: [4]byte{1, 2, 3, 4}, HeadSlot: 5}
	for id, v := range map[uint64]reqresp.Protocol{1: reqresp.StatusV2, 2: reqresp.StatusV1} {
		p.sa.Request(context.Background(), id, p.b.ID(), v, mine.Marshal(v.Version), 0)
		err, ch := p.ka.waitDone(t, id, 10*time.Second)
		if err != nil || len(ch) != 1 {
			t.Fatalf("status: %v %+v", err, ch)
		}
		got, _ := UnmarshalStatus(ch[0].Payload)
		want := st
		if v.Version == 1 {
			want.EarliestAvailableSlot = 0
		}
		if got != want {
			t.Fatalf("status v%d %+v", v.Version, got)
		}
		r := <-p.kb.status
		if r.p != p.a.ID() || !bytes.Equal(r.raw, mine.Marshal(v.Version)) {
			t.Fatalf("b's report %+v", r)
		}
	}
	// Ping: answered with the metadata seq number.
	p.sa.Request(context.Background(), 3, p.b.ID(), reqresp.PingV1, Uint64(1), 0)
	if err, ch := p.ka.waitDone(t, 3, 10*time.Second); err != nil || binary.LittleEndian.Uint64(ch[0].Payload) != 5 {
		t.Fatalf("ping %v %+v", err, ch)
	}
	// Metadata v1 (phase0 peers ask it), v2 and v3.
	for id, v := range map[uint64]reqresp.Protocol{40: reqresp.MetadataV1, 4: reqresp.MetadataV2, 5: reqresp.MetadataV3} {
		p.sa.Request(context.Background(), id, p.b.ID(), v, nil, 0)
		err, ch := p.ka.waitDone(t, id, 10*time.Second)
		if err != nil || len(ch) != 1 {
			t.Fatalf("metadata: %v", err)
		}
		got, err := UnmarshalMetadata(ch[0].Payload)
		want := md
		if v.Version <= 2 {
			want.CustodyGroupCount = 0
		}
		if v.Version == 1 {
			want.Syncnets = 0
			if len(ch[0].Payload) != MetadataV1Size {
				t.Fatalf("metadata v1 of %d bytes", len(ch[0].Payload))
			}
		}
		if err != nil || got != want {
			t.Fatalf("metadata v%d: %+v %v", v.Version, got, err)
		}
	}
	// The dialer's handshake: v2 is chosen; a reports b's status.
	p.sa.SetStatus(mine)
	p.sa.ExchangeStatus(p.b.ID())
	r := <-p.ka.status
	if r.err != nil || r.proto.Version != 2 {
		t.Fatalf("handshake %+v", r)
	}
	if got, _ := UnmarshalStatus(r.raw); got != st {
		t.Fatalf("handshake status %+v", got)
	}
	if r := <-p.kb.status; r.p != p.a.ID() {
		t.Fatalf("b saw %+v", r)
	}
	// Goodbye.
	if err := p.sa.Goodbye(context.Background(), p.b.ID(), 3); err != nil {
		t.Fatal(err)
	}
	if reason := <-p.kb.goodbye; reason != 3 {
		t.Fatalf("reason %d", reason)
	}
	// A data protocol that is not served is not negotiated.
	p.sa.Request(context.Background(), 9, p.b.ID(), reqresp.BlobSidecarsByRangeV1, make([]byte, 16), 0)
	if err, _ := p.ka.waitDone(t, 9, 10*time.Second); err == nil {
		t.Fatal("unserved protocol succeeded")
	}
}

func TestIncomingRefusedAndMalformed(t *testing.T) {
	p := newPair(t, Config{}, Config{})
	p.sb.Serve(reqresp.BeaconBlocksByRangeV2, ServeByHost, nil)
	p.kb.refuse.Store(true)
	p.sa.Request(context.Background(), 1, p.b.ID(), reqresp.BeaconBlocksByRangeV2, byRange(0, 1), 0)
	err, ch := p.ka.waitDone(t, 1, 10*time.Second)
	if err != nil || len(ch) != 1 || ch[0].Code != reqresp.ServerError || string(ch[0].Payload) != msgBusy {
		t.Fatalf("%v %+v", err, ch)
	}
	if p.sb.Counters().IncomingRefused != 1 {
		t.Fatal("refusal not counted")
	}
	// Malformed requests are refused synchronously on our side...
	if err := p.sa.Request(context.Background(), 2, p.b.ID(), reqresp.BeaconBlocksByRangeV2, []byte{1, 2}, 0); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("short body: %v", err)
	}
	if err := p.sa.Request(context.Background(), 2, p.b.ID(), reqresp.BeaconBlocksByRootV2, make([]byte, 33), 0); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("33-byte roots: %v", err)
	}
	if err := p.sa.Request(context.Background(), 2, p.a.ID(), reqresp.PingV1, Uint64(1), 0); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("self: %v", err)
	}
	// ...and answered with InvalidRequest on the peer's.
	st, err := p.a.NewStream(context.Background(), p.b.ID(), protocol.ID(reqresp.BeaconBlocksByRangeV2.ID()))
	if err != nil {
		t.Fatal(err)
	}
	reqresp.WritePayload(st, []byte{1, 2, 3})
	st.CloseWrite()
	c, err := reqresp.ReadChunk(st, true, reqresp.SizeBounds{})
	if err != nil || c.Code != reqresp.InvalidRequest {
		t.Fatalf("malformed: %v %+v", err, c)
	}
	st.Close()
	// The refusal (our host busy) is not the peer's fault; the malformed
	// request is.
	if f := p.faults.get(); len(f) != 1 || f[0] != (fault{p.a.ID(), FaultMalformedRequest}) {
		t.Fatalf("faults reported %+v, want one malformed-request fault of the requester", f)
	}
}

func TestBackpressureAndClose(t *testing.T) {
	p := newPair(t, Config{}, Config{})
	p.sb.Serve(reqresp.BeaconBlocksByRangeV2, ServeByHost, nil)
	gate := make(chan struct{})
	p.ka.mu.Lock()
	p.ka.chunkGate = gate
	p.ka.mu.Unlock()
	p.sa.Request(context.Background(), 1, p.b.ID(), reqresp.BeaconBlocksByRangeV2, byRange(0, 3), 0)
	in := <-p.kb.incoming
	for i := 0; i < 3; i++ {
		p.sb.RespondChunk(in.ID, digest, block(i, 100))
	}
	p.sb.RespondEnd(in.ID)
	time.Sleep(200 * time.Millisecond)
	p.ka.mu.Lock()
	n := len(p.ka.chunks[1])
	p.ka.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d chunks passed a closed gate", n)
	}
	// Closing the service ends the waiting request with ErrClosed.
	p.sa.Close()
	if err, _ := p.ka.waitDone(t, 1, 5*time.Second); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
	if err := p.sa.Request(context.Background(), 2, p.b.ID(), reqresp.PingV1, Uint64(1), 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("request after close: %v", err)
	}
}

func TestRequestInfo(t *testing.T) {
	// data_column_sidecars_by_root: two identifiers with 2 and 3 columns.
	el := func(cols int) []byte {
		b := make([]byte, 36+8*cols)
		binary.LittleEndian.PutUint32(b[32:], 36)
		return b
	}
	e1, e2 := el(2), el(3)
	body := make([]byte, 8)
	binary.LittleEndian.PutUint32(body[0:], 8)
	binary.LittleEndian.PutUint32(body[4:], uint32(8+len(e1)))
	body = append(append(body, e1...), e2...)
	n, cost, err := requestInfo(reqresp.DataColumnSidecarsByRootV1, body)
	if err != nil || n != 5 || cost != 5 {
		t.Fatalf("by root: %d %d %v", n, cost, err)
	}
	binary.LittleEndian.PutUint32(body[4:], 7)
	if _, _, err := requestInfo(reqresp.DataColumnSidecarsByRootV1, body); err == nil {
		t.Fatal("bad offset accepted")
	}
	r := make([]byte, 20+3*8)
	binary.LittleEndian.PutUint64(r[8:], 4)
	binary.LittleEndian.PutUint32(r[16:], 20)
	if n, _, err := requestInfo(reqresp.DataColumnSidecarsByRangeV1, r); err != nil || n != 12 {
		t.Fatalf("by range: %d %v", n, err)
	}
	if n, c, _ := requestInfo(reqresp.BeaconBlocksByRangeV2, byRange(0, 5000)); n != MaxRequestBlocks || c != MaxRequestBlocksDeneb {
		t.Fatalf("by range clamp: %d %d", n, c)
	}
	s := Status{FinalizedEpoch: 3, HeadSlot: 4, EarliestAvailableSlot: 5}
	if got, _ := UnmarshalStatus(s.Marshal(2)); got != s {
		t.Fatal("status round trip")
	}
	if _, err := UnmarshalMetadata(append(make([]byte, 16), 0x10)); err == nil {
		t.Fatal("syncnets high bits accepted")
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	lm := newLimiter(RateLimits{Global: Bucket{Rate: 1, Capacity: 2, Period: time.Second}})
	lm.now = func() time.Time { return now }
	if !lm.allow("p", "", 1) || !lm.allow("p", "", 1) || lm.allow("p", "", 1) {
		t.Fatal("burst")
	}
	if !lm.allow("q", "", 1) {
		t.Fatal("buckets are per peer")
	}
	now = now.Add(time.Second)
	if !lm.allow("p", "", 1) || lm.allow("p", "", 1) {
		t.Fatal("leak")
	}
	now = now.Add(10 * time.Second)
	lm.allow("r", "", 1)
	if lm.size() != 1 {
		t.Fatalf("empty buckets kept: %d", lm.size())
	}
	if !lm.allow("p", "none", 1000) {
		t.Fatal("group without a bucket limited")
	}
}
