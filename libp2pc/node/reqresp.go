package node

// Eth2 req/resp on the node (libp2pc/eth2/reqrespnet on the node's host).
//
// Queue policy (every event below is in the control class, which never
// drops; none is silently lost):
//   - RequestDone of Request and Goodbye: reserved when the call is
//     accepted; a call that cannot reserve fails at once with QueueFull.
//   - ResponseChunk: each chunk reserves its slot before it is queued. The
//     chunks waiting for the host are bounded (ReqRespLimits: at most
//     MaxQueuedChunks events and MaxQueuedChunkBytes bytes, at least one);
//     when the bound or the control class is full, the request stops
//     reading its stream until the host drains events (backpressure on the
//     peer through the transport's flow control), and its deadline still
//     runs. So chunks are never dropped; RequestDone.Code is the number of
//     chunks delivered for the request.
//   - IncomingRequest, PeerStatus, PeerGoodbye: queued in the loop, only
//     for an admitted peer (so never after its PeerDisconnected), against a
//     reservation taken then. An IncomingRequest that cannot be queued is
//     answered at once with ServerError "server busy" and counted
//     (IncomingRefused); a PeerStatus or PeerGoodbye that cannot be queued
//     is counted (StatusEventsDropped, GoodbyeEventsDropped).

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqrespnet"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// ReqRespLimits bound the response chunks waiting in the event queue.
type ReqRespLimits struct {
	MaxQueuedChunks     int // default: a quarter of the control queue capacity
	MaxQueuedChunkBytes int // default 64 MiB
}

// reqrespState is the node's req/resp state; settings made before Start
// are applied when the service starts with the host.
type reqrespState struct {
	mu       sync.Mutex
	cfg      reqrespnet.Config
	limits   ReqRespLimits
	status   *reqrespnet.Status
	metadata *reqrespnet.Metadata
	serve    map[string]serveEntry
	svc      *reqrespnet.Service
	stopped  bool
	final    reqrespnet.Counters

	chunkEvents, chunkBytes atomic.Int64
	freed                   chan struct{} // signalled when chunks are drained

	chunksQueued, chunkWaits, statusDropped, goodbyeDropped, stale atomic.Uint64
}

type serveEntry struct {
	mode reqrespnet.ServeMode
	r    reqrespnet.Responder
}

// ReqRespCounters are the service's counters plus the node's accounting of
// the events it queued.
type ReqRespCounters struct {
	reqrespnet.Counters
	ChunkEventsQueued    uint64 // RESPONSE_CHUNK events queued
	ChunkWaits           uint64 // times a request paused reading for lack of chunk room
	StatusEventsDropped  uint64 // PEER_STATUS not queued (no room, or peer gone)
	GoodbyeEventsDropped uint64 // PEER_GOODBYE not queued (no room, or peer gone)
	IncomingStale        uint64 // incoming requests from a peer not (or no longer) admitted
	ChunksWaiting        uint64 // gauge: chunk events in the queue
}

func (rr *reqrespState) init() {
	if rr.serve == nil {
		rr.serve = map[string]serveEntry{}
		rr.freed = make(chan struct{}, 1)
	}
}

func (n *Node) service() (*reqrespnet.Service, error) {
	if n.destroyed.Load() {
		return nil, status.Errorf(status.BadHandle, "node destroyed")
	}
	rr := &n.rr
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if rr.svc != nil && n.State() == StateRunning {
		return rr.svc, nil
	}
	if rr.stopped || n.State() >= StateStopping {
		return nil, status.Errorf(status.Stopped, "req/resp: the node is %s", n.State())
	}
	return nil, status.Errorf(status.BadState, "req/resp: node is %s, not running", n.State())
}

// SetReqRespConfig sets the req/resp timeouts, limits and rate limits. Only
// before Start (BadState after).
func (n *Node) SetReqRespConfig(cfg reqrespnet.Config, limits ReqRespLimits) error {
	if n.State() != StateNew {
		return status.Errorf(status.BadState, "req/resp config: node is %s, not new", n.State())
	}
	n.rr.mu.Lock()
	n.rr.cfg, n.rr.limits = cfg, limits
	n.rr.mu.Unlock()
	return nil
}

// startReqResp starts the service on the node's new host (run, after the
// host is up).
func (n *Node) startReqResp(h host.Host) {
	rr := &n.rr
	rr.mu.Lock()
	defer rr.mu.Unlock()
	rr.init()
	if rr.limits.MaxQueuedChunks <= 0 {
		rr.limits.MaxQueuedChunks = max(1, n.cfg.Queue.Control/4)
	}
	if rr.limits.MaxQueuedChunkBytes <= 0 {
		rr.limits.MaxQueuedChunkBytes = 64 << 20
	}
	cfg := rr.cfg
	cfg.OnInboundFault = n.discInboundFault
	cfg.Context = n.lifeCtx
	svc := reqrespnet.New(h, cfg, nodeSink{n})
	if rr.status != nil {
		svc.SetStatus(*rr.status)
	}
	if rr.metadata != nil {
		svc.SetMetadata(*rr.metadata)
	}
	for id, e := range rr.serve {
		p, _ := reqrespnet.Lookup(id)
		svc.Serve(p, e.mode, e.r)
	}
	rr.svc = svc
}

// stopReqResp closes the service (stop path, after in-flight requests had
// their grace, before the host closes).
func (n *Node) stopReqResp() {
	rr := &n.rr
	rr.mu.Lock()
	svc := rr.svc
	rr.stopped = true
	rr.mu.Unlock()
	if svc == nil {
		return
	}
	svc.Close()
	rr.mu.Lock()
	rr.final = svc.Counters()
	rr.svc = nil
	rr.mu.Unlock()
}

// reqrespConnected runs in the loop when a peer is admitted: the dialer
// starts the status handshake.
func (l *loop) reqrespConnected(p peer.ID, direction string) {
	if direction != "outbound" {
		return
	}
	l.n.rr.mu.Lock()
	svc := l.n.rr.svc
	l.n.rr.mu.Unlock()
	if svc != nil {
		svc.ExchangeStatus(p)
	}
}

// reqrespDrained runs for every event handed to the host: drained chunks
// free their room.
func (n *Node) reqrespDrained(e *events.Event) {
	if e.Type != events.ResponseChunk {
		return
	}
	n.rr.chunkEvents.Add(-1)
	n.rr.chunkBytes.Add(-int64(len(e.Data) + len(e.Context)))
	select {
	case n.rr.freed <- struct{}{}:
	default:
	}
}

// SetStatus sets the Status the node sends on connect and answers with.
// Allowed before Start too.
func (n *Node) SetStatus(st reqrespnet.Status) error {
	return n.rrSet(func(rr *reqrespState) {
		rr.status = &st
		if rr.svc != nil {
			rr.svc.SetStatus(st)
		}
	})
}

// SetMetadata sets the MetaData (and ping sequence number) the node answers
// with. Allowed before Start too.
func (n *Node) SetMetadata(md reqrespnet.Metadata) error {
	return n.rrSet(func(rr *reqrespState) {
		rr.metadata = &md
		if rr.svc != nil {
			rr.svc.SetMetadata(md)
		}
	})
}

func (n *Node) rrSet(f func(*reqrespState)) error {
	if n.destroyed.Load() {
		return status.Errorf(status.BadHandle, "node destroyed")
	}
	if s := n.State(); s >= StateStopping {
		return status.Errorf(status.Stopped, "req/resp: the node is %s", s)
	}
	n.rr.mu.Lock()
	defer n.rr.mu.Unlock()
	n.rr.init()
	f(&n.rr)
	return nil
}

// Serve selects who serves a data protocol (by protocol ID): the host
// (ServeByHost: IncomingRequest events), a Go Responder (ServeByGo), or
// nobody (ServeNone: not negotiated). Allowed before Start too.
func (n *Node) Serve(protocolID string, mode reqrespnet.ServeMode, r reqrespnet.Responder) error {
	p, ok := reqrespnet.Lookup(protocolID)
	if !ok {
		return status.Errorf(status.InvalidArgument, "serve: unsupported protocol %q", protocolID)
	}
	switch {
	case p.Name == reqresp.StatusMethod || p.Name == reqresp.PingMethod || p.Name == reqresp.MetadataMethod || p.Name == reqresp.GoodbyeMethod:
		return status.Errorf(status.InvalidArgument, "serve: %s is served by the library", protocolID)
	case mode == reqrespnet.ServeByGo && r == nil:
		return status.Errorf(status.InvalidArgument, "serve: a Go responder is required")
	case mode < reqrespnet.ServeNone || mode > reqrespnet.ServeByGo:
		return status.Errorf(status.InvalidArgument, "serve: mode %d", mode)
	}
	var err error
	set := n.rrSet(func(rr *reqrespState) {
		rr.serve[protocolID] = serveEntry{mode, r}
		if rr.svc != nil {
			err = rr.svc.Serve(p, mode, r)
		}
	})
	if set != nil {
		return set
	}
	return rrErr("serve", err)
}

// Request sends body (copied) on protocolID to a connected peer. It
// returns a request id at once; the response arrives as ResponseChunk
// events, then one RequestDone (Code: chunks delivered). timeout 0 leaves
// only TTFB and RESP_TIMEOUT.
func (n *Node) Request(peerID, protocolID string, body []byte, timeout time.Duration) (uint64, error) {
	p, ok := reqrespnet.Lookup(protocolID)
	if !ok {
		return 0, status.Errorf(status.InvalidArgument, "request: unsupported protocol %q", protocolID)
	}
	pid, err := peer.Decode(peerID)
	if err != nil {
		return 0, status.Errorf(status.InvalidArgument, "request: peer id %q: %w", peerID, err)
	}
	if timeout < 0 {
		return 0, status.Errorf(status.InvalidArgument, "request: negative timeout")
	}
	svc, err := n.service()
	if err != nil {
		return 0, err
	}
	owned := append([]byte(nil), body...)
	if !n.beginOp() {
		return 0, status.Errorf(status.Stopped, "request: node is stopping")
	}
	if !n.queue.Reserve(1) {
		n.ops.Done()
		n.counters.busy.Add(1)
		return 0, status.Errorf(status.QueueFull, "request: event queue full; drain events and retry")
	}
	id := n.nextReqID.Add(1)
	n.discTrackRequest(id, pid)
	if err := svc.Request(n.opsCtx, id, pid, p, owned, timeout); err != nil {
		n.discUntrackRequest(id)
		n.queue.Unreserve(1)
		n.ops.Done()
		return 0, rrErr("request", err)
	}
	return id, nil
}

// Goodbye sends goodbye(reason) to the peer, then closes its connections.
// Completes (RequestDone) once that is done; NotFound if not connected.
func (n *Node) Goodbye(peerID string, reason uint64) (uint64, error) {
	pid, err := peer.Decode(peerID)
	if err != nil {
		return 0, status.Errorf(status.InvalidArgument, "goodbye: peer id %q: %w", peerID, err)
	}
	svc, err := n.service()
	if err != nil {
		return 0, err
	}
	return n.request("goodbye", func(l *loop, req uint64) {
		if !l.isAdmitted(pid) {
			l.complete(req, status.Errorf(status.NotFound, "goodbye: %s is not connected", pid))
			return
		}
		h := l.host
		l.goOp(req, func(ctx context.Context) error {
			gerr := svc.Goodbye(ctx, pid, reason)
			h.Network().ClosePeer(pid)
			if gerr != nil {
				return status.Errorf(status.Network, "goodbye %s: %w (connection closed anyway)", pid, gerr)
			}
			return nil
		}, nil)
	})
}

// RespondChunk queues a Success chunk (copied) on incoming request id.
func (n *Node) RespondChunk(id uint64, context, data []byte) error {
	svc, err := n.service()
	if err != nil {
		return err
	}
	return rrErr("respond_chunk", svc.RespondChunk(id, context, data))
}

// RespondEnd ends incoming request id after its queued chunks.
func (n *Node) RespondEnd(id uint64) error {
	svc, err := n.service()
	if err != nil {
		return err
	}
	return rrErr("respond_end", svc.RespondEnd(id))
}

// RespondError ends incoming request id with an error chunk.
func (n *Node) RespondError(id uint64, code uint8, msg string) error {
	if code == 0 {
		return status.Errorf(status.InvalidArgument, "respond_error: code must be 1..255")
	}
	svc, err := n.service()
	if err != nil {
		return err
	}
	return rrErr("respond_error", svc.RespondError(id, reqresp.ResponseCode(code), msg))
}

// ReqRespCounters returns the counters (after stop: the final ones).
func (n *Node) ReqRespCounters() (ReqRespCounters, error) {
	if n.destroyed.Load() {
		return ReqRespCounters{}, status.Errorf(status.BadHandle, "node destroyed")
	}
	rr := &n.rr
	rr.mu.Lock()
	c := rr.final
	if rr.svc != nil {
		c = rr.svc.Counters()
	}
	rr.mu.Unlock()
	return ReqRespCounters{Counters: c, ChunkEventsQueued: rr.chunksQueued.Load(), ChunkWaits: rr.chunkWaits.Load(),
		StatusEventsDropped: rr.statusDropped.Load(), GoodbyeEventsDropped: rr.goodbyeDropped.Load(),
		IncomingStale: rr.stale.Load(), ChunksWaiting: uint64(max(0, rr.chunkEvents.Load()))}, nil
}

// rrErr maps the service's errors to status codes.
func rrErr(what string, err error) error {
	var code status.Code
	switch {
	case err == nil:
		return nil
	case errors.Is(err, reqrespnet.ErrUnknownProtocol), errors.Is(err, reqrespnet.ErrBadRequest),
		errors.Is(err, reqrespnet.ErrBadResponse):
		code = status.InvalidArgument
	case errors.Is(err, reqrespnet.ErrNotConnected), errors.Is(err, reqrespnet.ErrUnknownIncoming):
		code = status.NotFound
	case errors.Is(err, reqrespnet.ErrTooManyWaiting), errors.Is(err, reqrespnet.ErrResponseFull):
		code = status.QueueFull
	case errors.Is(err, reqrespnet.ErrClosed), errors.Is(err, context.Canceled):
		code = status.Stopped
	case errors.Is(err, reqrespnet.ErrTTFB), errors.Is(err, reqrespnet.ErrRespTimeout),
		errors.Is(err, reqrespnet.ErrDeadline):
		code = status.Timeout
	case errors.Is(err, reqrespnet.ErrStatusNotSet):
		code = status.BadState
	default:
		code = status.Network
	}
	return status.Errorf(code, "%s: %w", what, err)
}

// viaLoop runs f on the loop and returns its result; false if the loop has
// ended.
func (n *Node) viaLoop(f func(*loop) bool) bool {
	res := make(chan bool, 1)
	select {
	case n.netIn <- func(l *loop) { res <- f(l) }:
	case <-n.loopDone:
		return false
	}
	select {
	case r := <-res:
		return r
	case <-n.loopDone:
		select {
		case r := <-res:
			return r
		default:
			return false
		}
	}
}

// nodeSink turns the service's reports into events.
type nodeSink struct{ n *Node }

func (s nodeSink) Chunk(ctx context.Context, id uint64, p reqresp.Protocol, c reqresp.Chunk) error {
	n, rr := s.n, &s.n.rr
	size := int64(len(c.Payload) + 4)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	waited := false
	for {
		ev, by := rr.chunkEvents.Load(), rr.chunkBytes.Load()
		room := ev == 0 || (ev < int64(rr.limits.MaxQueuedChunks) && by+size <= int64(rr.limits.MaxQueuedChunkBytes))
		if room && n.queue.Reserve(1) {
			break
		}
		if !waited {
			waited = true
			rr.chunkWaits.Add(1)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-rr.freed:
		case <-tick.C: // the control class may have freed room elsewhere
		}
	}
	e := events.Event{Type: events.ResponseChunk, RequestID: id, Protocol: p.ID(), Code: uint64(c.Code), Data: c.Payload}
	if c.HasContext {
		e.Context = append([]byte(nil), c.Context[:]...)
	}
	rr.chunkEvents.Add(1)
	rr.chunkBytes.Add(int64(len(e.Data) + len(e.Context)))
	rr.chunksQueued.Add(1)
	n.queue.PushReserved(e)
	return nil
}

func (s nodeSink) Done(id uint64, err error, chunks int) {
	s.n.discRequestDone(id, err)
	e := events.Event{Type: events.RequestDone, RequestID: id, Code: uint64(chunks)}
	if err != nil {
		if s.n.opsCtx.Err() != nil && !errors.Is(err, reqrespnet.ErrTTFB) && !errors.Is(err, reqrespnet.ErrRespTimeout) {
			err = fmt.Errorf("%w: node stopping", reqrespnet.ErrClosed)
		}
		err = rrErr("request", err)
		e.Status = int32(status.CodeOf(err))
		e.Text = err.Error()
	}
	s.n.queue.PushReserved(e)
	s.n.ops.Done()
}

func (s nodeSink) Incoming(r *reqrespnet.IncomingRequest) bool {
	n := s.n
	return n.viaLoop(func(l *loop) bool {
		if !l.isAdmitted(r.Peer) {
			n.rr.stale.Add(1)
			return false
		}
		if !n.queue.Reserve(1) {
			return false
		}
		n.queue.PushReserved(events.Event{Type: events.IncomingRequest, RequestID: r.ID, PeerID: r.Peer.String(),
			Protocol: r.Protocol.ID(), Data: r.Body})
		return true
	})
}

func (s nodeSink) PeerStatus(p peer.ID, proto reqresp.Protocol, raw []byte, err error) {
	n := s.n
	if err == nil {
		n.servicesStatus(p, raw)
	}
	e := events.Event{Type: events.PeerStatus, PeerID: p.String(), Protocol: proto.ID(), Data: raw}
	if err != nil {
		if errors.Is(err, reqrespnet.ErrStatusNotSet) {
			err = status.Errorf(status.BadState, "status handshake: local status not set (set it before connecting)")
		} else {
			err = rrErr("status handshake", err)
		}
		e.Status = int32(status.CodeOf(err))
		e.Text = err.Error()
	}
	if !n.viaLoop(func(l *loop) bool {
		if !l.isAdmitted(p) {
			return false
		}
		defer l.discStatus(p, raw, err) // after the event: it may ban
		if !n.queue.Reserve(1) {
			return false
		}
		n.queue.PushReserved(e)
		return true
	}) {
		n.rr.statusDropped.Add(1)
	}
}

func (s nodeSink) Goodbye(p peer.ID, reason uint64) {
	n := s.n
	if !n.viaLoop(func(l *loop) bool {
		if !l.isAdmitted(p) {
			return false
		}
		l.discGoodbye(p, reason)
		if !n.queue.Reserve(1) {
			return false
		}
		n.queue.PushReserved(events.Event{Type: events.PeerGoodbye, PeerID: p.String(), Code: reason})
		return true
	}) {
		n.rr.goodbyeDropped.Add(1)
	}
}
