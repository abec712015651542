// Package reqrespnet runs the Ethereum consensus req/resp protocols
// (phase0..Fulu p2p-interface.md) on a go-libp2p host: outgoing requests
// with timeouts and the per-peer concurrency limit, incoming requests with
// rate limiting, served by the library (status, ping, metadata, goodbye), by
// a Go Responder, or by the host through an Incoming record it answers
// chunk by chunk. The byte encoding is libp2pc/eth2/reqresp's.
//
// The Service never blocks its callers on the network: Request starts a
// goroutine; Respond* queue bytes for the stream's own goroutine. What
// happens on the network reaches the embedder through its Sink.
package reqrespnet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
)

// Supported lists the protocols the Service speaks, in the order of
// reqresp.Protocols. Status, goodbye, ping and metadata are always served
// by the library; the data protocols only once Serve selects a server.
var Supported = []reqresp.Protocol{
	reqresp.StatusV1, reqresp.StatusV2, reqresp.GoodbyeV1, reqresp.PingV1,
	reqresp.MetadataV1, reqresp.MetadataV2, reqresp.MetadataV3,
	reqresp.BeaconBlocksByRangeV2, reqresp.BeaconBlocksByRootV2,
	reqresp.BlobSidecarsByRangeV1, reqresp.BlobSidecarsByRootV1,
	reqresp.DataColumnSidecarsByRangeV1, reqresp.DataColumnSidecarsByRootV1,
}

// Lookup returns the supported protocol with the given protocol ID.
func Lookup(id string) (reqresp.Protocol, bool) {
	for _, p := range Supported {
		if p.ID() == id {
			return p, true
		}
	}
	return reqresp.Protocol{}, false
}

func isLibraryServed(p reqresp.Protocol) bool {
	switch p.Name {
	case reqresp.StatusMethod, reqresp.GoodbyeMethod, reqresp.PingMethod, reqresp.MetadataMethod:
		return true
	}
	return false
}

// Defaults for Config's zero values.
const (
	// DefaultTTFB and DefaultRespTimeout are the former TTFB_TIMEOUT (5 s)
	// and RESP_TIMEOUT (10 s) of phase0 p2p-interface.md. consensus-specs
	// deprecated them (PR #3767) and removed them from the configs (PR
	// #4532) in favour of request-specific timeouts, but Prysm and
	// Lighthouse still apply these values, so they remain the defaults.
	DefaultTTFB        = 5 * time.Second
	DefaultRespTimeout = 10 * time.Second
	// DefaultServeTimeout: time the host has to send the first chunk of a
	// host-served response, and then each further one (an idle deadline).
	DefaultServeTimeout = 10 * time.Second
	// DefaultMaxConcurrent is MAX_CONCURRENT_REQUESTS.
	DefaultMaxConcurrent = 2
	// DefaultMaxIncomingConcurrent bounds open incoming streams per peer
	// and protocol. It is twice MAX_CONCURRENT_REQUESTS: a requester may
	// open its next stream as soon as it has read the last chunk it asked
	// for, before our side has closed the previous one.
	DefaultMaxIncomingConcurrent = 2 * DefaultMaxConcurrent
	// DefaultMaxWaiting bounds outgoing requests waiting for one of the
	// MAX_CONCURRENT_REQUESTS slots, per peer and protocol.
	DefaultMaxWaiting = 64
	// DefaultMaxQueuedResponseBytes bounds what the host may queue on one
	// host-served response that the peer has not read yet.
	DefaultMaxQueuedResponseBytes = 32 << 20
)

// Config configures a Service. Zero values take the defaults.
type Config struct {
	// Context is the parent of the service's goroutines (its node's); nil
	// means context.Background(). Close still ends them.
	Context                context.Context
	TTFB                   time.Duration // first response byte of an outgoing request
	RespTimeout            time.Duration // each further chunk; reading an incoming request; each write
	ServeTimeout           time.Duration // host-served responses: idle deadline (see DefaultServeTimeout)
	MaxConcurrent          int           // outgoing, per peer and protocol
	MaxIncomingConcurrent  int           // incoming, per peer and protocol
	MaxWaiting             int           // outgoing requests waiting for a slot, per peer and protocol
	MaxQueuedResponseBytes int           // per host-served response
	// RateLimits; nil means DefaultRateLimits. Use &RateLimits{} for none.
	RateLimits *RateLimits
	// OnInboundFault, if set, hears of every incoming request a peer got
	// wrong: a malformed request (bad framing, SSZ or bounds) or one over
	// the rate limits. The peer manager turns these into score penalties
	// and bans. Called from the stream's goroutine; must not block.
	OnInboundFault func(p peer.ID, f InboundFault)
}

// InboundFault is what an incoming request did wrong.
type InboundFault int

const (
	FaultMalformedRequest InboundFault = iota + 1
	FaultRateLimited
)

func (f InboundFault) String() string {
	switch f {
	case FaultMalformedRequest:
		return "malformed request"
	case FaultRateLimited:
		return "rate limited"
	}
	return fmt.Sprintf("InboundFault(%d)", int(f))
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.TTFB, DefaultTTFB)
	def(&c.RespTimeout, DefaultRespTimeout)
	def(&c.ServeTimeout, DefaultServeTimeout)
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = DefaultMaxConcurrent
	}
	if c.MaxIncomingConcurrent <= 0 {
		c.MaxIncomingConcurrent = DefaultMaxIncomingConcurrent
	}
	if c.MaxWaiting <= 0 {
		c.MaxWaiting = DefaultMaxWaiting
	}
	if c.MaxQueuedResponseBytes <= 0 {
		c.MaxQueuedResponseBytes = DefaultMaxQueuedResponseBytes
	}
	if c.RateLimits == nil {
		rl := DefaultRateLimits()
		c.RateLimits = &rl
	}
	return c
}

// IncomingRequest is a request the host serves (ServeByHost). The host
// answers it with RespondChunk / RespondEnd / RespondError on the Service,
// by ID.
type IncomingRequest struct {
	ID       uint64
	Peer     peer.ID
	Protocol reqresp.Protocol
	Body     []byte // the SSZ request
}

// Sink receives what the Service reports. Its methods are called from the
// Service's goroutines, never while the Service holds a lock.
type Sink interface {
	// Chunk hands over one response chunk of outgoing request id. It may
	// wait (backpressure: the stream is not read meanwhile) until ctx is
	// done, and then returns ctx's error.
	Chunk(ctx context.Context, id uint64, p reqresp.Protocol, c reqresp.Chunk) error
	// Done ends outgoing request id: err nil when the response stream
	// ended normally (also after an error chunk), chunks the number of
	// chunks handed to Chunk. Called exactly once per accepted Request.
	Done(id uint64, err error, chunks int)
	// Incoming hands a host-served request over. false means it could not
	// be queued: the Service answers the peer with ServerError at once.
	Incoming(r *IncomingRequest) bool
	// PeerStatus reports the peer's status: from our handshake as dialer
	// (raw is its response, or err) or from its status request to us.
	PeerStatus(p peer.ID, proto reqresp.Protocol, raw []byte, err error)
	// Goodbye reports a goodbye request from p.
	Goodbye(p peer.ID, reason uint64)
}

// Responder serves one data protocol in Go (ServeByGo). It runs on the
// stream's goroutine; ctx ends when the Service closes. Returning an error
// without having written an error chunk sends ServerError with its text.
type Responder interface {
	Respond(ctx context.Context, req *IncomingRequest, w ResponseWriter) error
}

// ResponseWriter writes the chunks of one response (each write has
// RespTimeout to complete).
type ResponseWriter interface {
	// WriteChunk writes a Success chunk; context is the fork digest for
	// protocols with context bytes (nil otherwise).
	WriteChunk(context *[4]byte, ssz []byte) error
	// WriteError writes an error chunk (code 1..255), which ends the
	// response.
	WriteError(code reqresp.ResponseCode, msg string) error
}

// ServeMode selects who serves a data protocol.
type ServeMode int

const (
	ServeNone   ServeMode = iota // not served: the protocol is not registered
	ServeByHost                  // IncomingRequest through the Sink
	ServeByGo                    // a Responder
)

// Errors of the Service's calls (test with errors.Is).
var (
	ErrClosed          = errors.New("reqrespnet: service closed")
	ErrUnknownProtocol = errors.New("reqrespnet: unsupported protocol")
	ErrBadRequest      = errors.New("reqrespnet: malformed request")
	ErrNotConnected    = errors.New("reqrespnet: peer not connected")
	ErrTooManyWaiting  = errors.New("reqrespnet: too many requests waiting for this peer and protocol")
	ErrUnknownIncoming = errors.New("reqrespnet: unknown or finished incoming request")
	ErrBadResponse     = errors.New("reqrespnet: invalid response chunk")
	ErrResponseFull    = errors.New("reqrespnet: response queue full")
	ErrTTFB            = errors.New("reqrespnet: no response within TTFB")
	ErrRespTimeout     = errors.New("reqrespnet: no further response chunk within RESP_TIMEOUT")
	ErrDeadline        = errors.New("reqrespnet: request deadline passed")
	ErrStatusNotSet    = errors.New("reqrespnet: local status not set")
)

// Counters are the Service's cumulative counters.
type Counters struct {
	RequestsSent        uint64 // outgoing requests whose stream opened
	RequestsFailed      uint64 // outgoing requests done with an error
	RequestsTimedOut    uint64 // ... of which by TTFB / RESP_TIMEOUT / their deadline
	ChunksReceived      uint64
	IncomingRequests    uint64 // incoming streams whose request was read
	IncomingInvalid     uint64 // malformed requests answered with InvalidRequest
	IncomingRateLimited uint64 // answered with InvalidRequest "rate limited"
	IncomingConcurrency uint64 // refused: too many concurrent streams from the peer
	IncomingRefused     uint64 // host-served requests the Sink could not queue (ServerError "busy")
	IncomingTimedOut    uint64 // host-served requests the host did not answer in time
	IncomingNotServed   uint64 // data protocol not served (ResourceUnavailable)
	IncomingStreamError uint64 // incoming streams that failed (reset, write error)
	ChunksServed        uint64
	StatusServed        uint64
	PingsServed         uint64
	MetadataServed      uint64
	GoodbyesReceived    uint64
	// ByProtocol breaks requests down by protocol ID (every protocol a
	// request was made or received on).
	ByProtocol map[string]ProtocolCounters
}

// ProtocolCounters are one protocol's request outcomes.
type ProtocolCounters struct {
	OutgoingOK, OutgoingFailed, OutgoingTimedOut uint64 // outgoing requests done (timed out is part of failed)
	IncomingReceived                             uint64 // incoming requests read (IncomingRequests)
}

type protoCounters struct{ outOK, outFailed, outTimedOut, inReceived atomic.Uint64 }

// proto returns the counters of protocol id (created on first use; the
// protocols are a fixed set, so the map stays small).
func (c *counters) proto(id string) *protoCounters {
	if v, ok := c.byProto.Load(id); ok {
		return v.(*protoCounters)
	}
	v, _ := c.byProto.LoadOrStore(id, &protoCounters{})
	return v.(*protoCounters)
}

// outcome counts the end of an outgoing request on protocol id.
func (c *counters) outcome(id string, err error) {
	pc := c.proto(id)
	if err == nil {
		pc.outOK.Add(1)
		return
	}
	c.failed.Add(1)
	pc.outFailed.Add(1)
	if errors.Is(err, ErrTTFB) || errors.Is(err, ErrRespTimeout) || errors.Is(err, ErrDeadline) {
		c.timedOut.Add(1)
		pc.outTimedOut.Add(1)
	}
}

type counters struct {
	byProto                                                                    sync.Map // protocol ID -> *protoCounters
	sent, failed, timedOut, chunksRx                                           atomic.Uint64
	incoming, invalid, rateLimited, concurrency, refused, inTimeout, notServed atomic.Uint64
	inStreamErr, chunksServed, status, pings, metadata, goodbyes               atomic.Uint64
}

type slotKey struct {
	p     peer.ID
	proto protocol.ID
}

// slot is the concurrency state of one peer and protocol (outgoing or
// incoming).
type slot struct {
	active  int
	waiters []chan struct{}
	// queued: outgoing requests accepted and not yet done (active, waiting
	// or about to wait), bounded by MaxConcurrent + MaxWaiting.
	queued int
}

// Service is the req/resp engine on one host.
type Service struct {
	h    host.Host
	cfg  Config
	sink Sink
	lim  *limiter

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // outgoing request and handshake goroutines

	mu       sync.Mutex
	closed   bool
	status   *Status
	metadata Metadata
	serve    map[protocol.ID]ServeMode
	resp     map[protocol.ID]Responder
	out      map[slotKey]*slot
	in       map[slotKey]*slot
	incoming map[uint64]*incoming
	nextIn   uint64

	handlers sync.WaitGroup // running stream handlers
	c        counters
}

// New starts a Service on h: it registers the library-served protocols at
// once. Close it before closing h.
func New(h host.Host, cfg Config, sink Sink) *Service {
	s := &Service{
		h: h, cfg: cfg.withDefaults(), sink: sink,
		serve:    map[protocol.ID]ServeMode{},
		resp:     map[protocol.ID]Responder{},
		out:      map[slotKey]*slot{},
		in:       map[slotKey]*slot{},
		incoming: map[uint64]*incoming{},
	}
	s.lim = newLimiter(*s.cfg.RateLimits)
	parent := s.cfg.Context
	if parent == nil {
		parent = context.Background()
	}
	s.ctx, s.cancel = context.WithCancel(parent)
	for _, p := range Supported {
		if isLibraryServed(p) {
			h.SetStreamHandler(protocol.ID(p.ID()), s.handleStream)
		}
	}
	return s
}

// Close unregisters every protocol, ends outgoing requests (Done with
// ErrClosed) and incoming streams, and waits for their goroutines.
func (s *Service) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	for _, p := range Supported {
		s.h.RemoveStreamHandler(protocol.ID(p.ID()))
	}
	s.cancel()
	s.wg.Wait()
	s.handlers.Wait()
}

// SetStatus sets the status the library sends and answers with.
func (s *Service) SetStatus(st Status) {
	s.mu.Lock()
	s.status = &st
	s.mu.Unlock()
}

// LocalStatus returns the status set with SetStatus.
func (s *Service) LocalStatus() (Status, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status == nil {
		return Status{}, false
	}
	return *s.status, true
}

// SetMetadata sets the metadata the library answers with (and whose
// sequence number it answers pings with).
func (s *Service) SetMetadata(m Metadata) {
	s.mu.Lock()
	s.metadata = m
	s.mu.Unlock()
}

// Serve selects who serves a data protocol (not status, goodbye, ping or
// metadata, which the library serves). ServeNone unregisters it (peers
// then fail to negotiate it); r is required for ServeByGo.
func (s *Service) Serve(p reqresp.Protocol, mode ServeMode, r Responder) error {
	if _, ok := Lookup(p.ID()); !ok || isLibraryServed(p) {
		return fmt.Errorf("%w: %s cannot be served by the host", ErrUnknownProtocol, p.ID())
	}
	if mode == ServeByGo && r == nil {
		return fmt.Errorf("reqrespnet: ServeByGo needs a Responder")
	}
	id := protocol.ID(p.ID())
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.serve[id] = mode
	s.resp[id] = r
	s.mu.Unlock()
	if mode == ServeNone {
		s.h.RemoveStreamHandler(id)
	} else {
		s.h.SetStreamHandler(id, s.handleStream)
	}
	return nil
}

// Counters returns the counters.
func (s *Service) Counters() Counters {
	c := &s.c
	return Counters{
		RequestsSent: c.sent.Load(), RequestsFailed: c.failed.Load(), RequestsTimedOut: c.timedOut.Load(),
		ChunksReceived: c.chunksRx.Load(), IncomingRequests: c.incoming.Load(), IncomingInvalid: c.invalid.Load(),
		IncomingRateLimited: c.rateLimited.Load(), IncomingConcurrency: c.concurrency.Load(),
		IncomingRefused: c.refused.Load(), IncomingTimedOut: c.inTimeout.Load(), IncomingNotServed: c.notServed.Load(),
		IncomingStreamError: c.inStreamErr.Load(), ChunksServed: c.chunksServed.Load(), StatusServed: c.status.Load(),
		PingsServed: c.pings.Load(), MetadataServed: c.metadata.Load(), GoodbyesReceived: c.goodbyes.Load(),
		ByProtocol: s.protocolCounters(),
	}
}

func (s *Service) protocolCounters() map[string]ProtocolCounters {
	out := map[string]ProtocolCounters{}
	s.c.byProto.Range(func(k, v any) bool {
		pc := v.(*protoCounters)
		out[k.(string)] = ProtocolCounters{OutgoingOK: pc.outOK.Load(), OutgoingFailed: pc.outFailed.Load(),
			OutgoingTimedOut: pc.outTimedOut.Load(), IncomingReceived: pc.inReceived.Load()}
		return true
	})
	return out
}

// acquire takes a concurrency slot of key in table (waiting, in FIFO
// order, until one frees or ctx ends) when wait; without wait it fails at
// once when the limit is reached.
func (s *Service) acquire(ctx context.Context, table map[slotKey]*slot, key slotKey, limit int, wait bool) error {
	s.mu.Lock()
	sl := table[key]
	if sl == nil {
		sl = &slot{}
		table[key] = sl
	}
	if sl.active < limit {
		sl.active++
		s.mu.Unlock()
		return nil
	}
	if !wait {
		s.mu.Unlock()
		return ErrTooManyWaiting
	}
	ch := make(chan struct{})
	sl.waiters = append(sl.waiters, ch)
	s.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for i, w := range sl.waiters {
			if w == ch {
				sl.waiters = append(sl.waiters[:i], sl.waiters[i+1:]...)
				s.mu.Unlock()
				return ctx.Err()
			}
		}
		s.mu.Unlock()
		// granted meanwhile: hand the slot on
		s.release(table, key)
		return ctx.Err()
	}
}

// release frees a slot, handing it to the first waiter if any.
func (s *Service) release(table map[slotKey]*slot, key slotKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl := table[key]
	if len(sl.waiters) > 0 {
		ch := sl.waiters[0]
		sl.waiters = sl.waiters[1:]
		close(ch)
		return
	}
	sl.active--
	if sl.active == 0 && sl.queued == 0 {
		delete(table, key)
	}
}
