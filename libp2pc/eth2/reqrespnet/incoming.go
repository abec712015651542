package reqrespnet

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/libp2pc/libp2pc/libp2pc/eth2"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
)

// Error texts sent to peers.
const (
	msgRateLimited = "rate limited" // as Prysm (p2p/types ErrRateLimited)
	msgConcurrency = "too many concurrent requests"
	msgBusy        = "server busy"
	msgDeadline    = "response deadline passed"
	msgNotServed   = "not served"
)

// handleStream serves one incoming stream; it runs on libp2p's handler
// goroutine and returns when the stream is finished (closed or reset).
func (s *Service) handleStream(st network.Stream) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		st.Reset()
		return
	}
	s.handlers.Add(1)
	s.mu.Unlock()
	defer s.handlers.Done()
	stop := context.AfterFunc(s.ctx, func() { st.Reset() })
	defer stop()

	p, ok := Lookup(string(st.Protocol()))
	if !ok {
		st.Reset()
		return
	}
	from := st.Conn().RemotePeer()
	w := &chunkWriter{s: s, st: st}
	if !s.lim.allow(from, "", 1) {
		s.c.rateLimited.Add(1)
		s.inboundFault(from, FaultRateLimited)
		w.finishWithError(reqresp.InvalidRequest, msgRateLimited)
		return
	}
	key := slotKey{from, st.Protocol()}
	if err := s.acquire(s.ctx, s.in, key, s.cfg.MaxIncomingConcurrent, false); err != nil {
		s.c.concurrency.Add(1)
		w.finishWithError(reqresp.InvalidRequest, msgConcurrency)
		return
	}
	// The slot is released before the stream's final close (finish*), so a
	// requester that saw our end of stream finds it free.
	w.release = func() { s.release(s.in, key) }
	defer w.releaseOnce()

	st.SetReadDeadline(time.Now().Add(s.cfg.RespTimeout))
	var body []byte
	var err error
	if p.NoRequest {
		err = reqresp.ExpectEOF(st)
	} else {
		body, err = reqresp.ReadRequest(bufio.NewReader(st), requestBounds(p))
	}
	if err != nil {
		if isTimeout(err) || errors.Is(err, network.ErrReset) {
			s.c.inStreamErr.Add(1)
			st.Reset()
			return
		}
		s.c.invalid.Add(1)
		s.inboundFault(from, FaultMalformedRequest)
		w.finishWithError(reqresp.InvalidRequest, err.Error())
		return
	}
	_, cost, err := requestInfo(p, body)
	if err != nil {
		s.c.invalid.Add(1)
		s.inboundFault(from, FaultMalformedRequest)
		w.finishWithError(reqresp.InvalidRequest, err.Error())
		return
	}
	s.c.incoming.Add(1)
	s.c.proto(p.ID()).inReceived.Add(1)
	if !s.lim.allow(from, GroupOf(p), cost) {
		s.c.rateLimited.Add(1)
		s.inboundFault(from, FaultRateLimited)
		w.finishWithError(reqresp.InvalidRequest, msgRateLimited)
		return
	}
	req := &IncomingRequest{Peer: from, Protocol: p, Body: body}
	switch p.Name {
	case reqresp.StatusMethod:
		s.serveStatus(w, req)
		return
	case reqresp.PingMethod:
		s.mu.Lock()
		seq := s.metadata.SeqNumber
		s.mu.Unlock()
		s.c.pings.Add(1)
		w.finishWithChunk(nil, Uint64(seq))
		return
	case reqresp.MetadataMethod:
		s.mu.Lock()
		md := s.metadata
		s.mu.Unlock()
		s.c.metadata.Add(1)
		w.finishWithChunk(nil, md.Marshal(p.Version))
		return
	case reqresp.GoodbyeMethod:
		s.c.goodbyes.Add(1)
		reason := binary.LittleEndian.Uint64(body)
		s.sink.Goodbye(from, reason)
		w.finishWithChunk(nil, Uint64(reason))
		return
	}
	s.mu.Lock()
	mode, r := s.serve[st.Protocol()], s.resp[st.Protocol()]
	s.mu.Unlock()
	switch mode {
	case ServeByHost:
		s.serveByHost(w, req)
	case ServeByGo:
		s.serveByGo(w, req, r)
	default:
		s.c.notServed.Add(1)
		w.finishWithError(reqresp.ResourceUnavailable, msgNotServed)
	}
}

func (s *Service) inboundFault(p peer.ID, f InboundFault) {
	if s.cfg.OnInboundFault != nil {
		s.cfg.OnInboundFault(p, f)
	}
}

func (s *Service) serveStatus(w *chunkWriter, req *IncomingRequest) {
	s.sink.PeerStatus(req.Peer, req.Protocol, req.Body, nil)
	st, ok := s.LocalStatus()
	if !ok {
		w.finishWithError(reqresp.ServerError, "status not known yet")
		return
	}
	s.c.status.Add(1)
	w.finishWithChunk(nil, st.Marshal(req.Protocol.Version))
}

// chunkWriter writes response chunks on an incoming stream, each within
// RespTimeout.
type chunkWriter struct {
	s       *Service
	st      network.Stream
	release func()
	once    sync.Once
	failed  bool
}

func (w *chunkWriter) releaseOnce() {
	if w.release != nil {
		w.once.Do(w.release)
	}
}

func (w *chunkWriter) write(code reqresp.ResponseCode, ctx *forkdigest.Digest, data []byte) error {
	if w.failed {
		return io.ErrClosedPipe
	}
	b, err := reqresp.EncodeChunk(code, ctx, data)
	if err != nil {
		return err
	}
	w.st.SetWriteDeadline(time.Now().Add(w.s.cfg.RespTimeout))
	if _, err := w.st.Write(b); err != nil {
		w.failed = true
		w.s.c.inStreamErr.Add(1)
		return err
	}
	if code == reqresp.Success {
		w.s.c.chunksServed.Add(1)
	}
	return nil
}

// end closes the stream (after releasing the concurrency slot), or resets
// it after a failed write.
func (w *chunkWriter) end() {
	w.releaseOnce()
	if w.failed {
		w.st.Reset()
		return
	}
	w.st.Close()
}

func (w *chunkWriter) finishWithError(code reqresp.ResponseCode, msg string) {
	if len(msg) > eth2.MaxErrorMessageLength {
		msg = msg[:eth2.MaxErrorMessageLength]
	}
	w.write(code, nil, []byte(msg))
	w.end()
}

func (w *chunkWriter) finishWithChunk(ctx *forkdigest.Digest, data []byte) {
	w.write(reqresp.Success, ctx, data)
	w.end()
}

// goWriter is the ResponseWriter given to a Go Responder.
type goWriter struct {
	w        *chunkWriter
	p        reqresp.Protocol
	maxN     uint64
	n        uint64
	errWrote bool
}

func (g *goWriter) WriteChunk(ctx *[4]byte, ssz []byte) error {
	if g.errWrote {
		return fmt.Errorf("%w: the response already ended with an error chunk", ErrBadResponse)
	}
	if (ctx != nil) != g.p.ContextBytes {
		return fmt.Errorf("%w: %s context bytes", ErrBadResponse, map[bool]string{true: "needs", false: "has no"}[g.p.ContextBytes])
	}
	if g.n >= g.maxN {
		return fmt.Errorf("%w: the request allows at most %d chunks", ErrBadResponse, g.maxN)
	}
	g.n++
	var d *forkdigest.Digest
	if ctx != nil {
		dd := forkdigest.Digest(*ctx)
		d = &dd
	}
	return g.w.write(reqresp.Success, d, ssz)
}

func (g *goWriter) WriteError(code reqresp.ResponseCode, msg string) error {
	if code == reqresp.Success {
		return fmt.Errorf("%w: error code 0", ErrBadResponse)
	}
	if g.errWrote {
		return fmt.Errorf("%w: the response already ended with an error chunk", ErrBadResponse)
	}
	g.errWrote = true
	if len(msg) > eth2.MaxErrorMessageLength {
		msg = msg[:eth2.MaxErrorMessageLength]
	}
	return g.w.write(code, nil, []byte(msg))
}

func (s *Service) serveByGo(w *chunkWriter, req *IncomingRequest, r Responder) {
	maxN, _, _ := requestInfo(req.Protocol, req.Body)
	g := &goWriter{w: w, p: req.Protocol, maxN: maxN}
	err := func() (err error) {
		defer func() {
			if x := recover(); x != nil {
				err = fmt.Errorf("responder panic: %v", x)
			}
		}()
		return r.Respond(s.ctx, req, g)
	}()
	if err != nil && !g.errWrote && !w.failed {
		w.write(reqresp.ServerError, nil, []byte(truncate(err.Error())))
	}
	w.end()
}

func truncate(m string) string {
	if len(m) > eth2.MaxErrorMessageLength {
		return m[:eth2.MaxErrorMessageLength]
	}
	return m
}

// incoming is one host-served request waiting for the host's answers.
type incoming struct {
	id       uint64
	p        reqresp.Protocol
	maxN     uint64
	mu       sync.Mutex
	queue    []outChunk
	queued   int // bytes in queue
	n        uint64
	finished bool // End or Error queued: nothing more accepted
	notify   chan struct{}
}

type outChunk struct {
	code reqresp.ResponseCode
	ctx  *forkdigest.Digest
	data []byte
	end  bool
}

func (s *Service) serveByHost(w *chunkWriter, req *IncomingRequest) {
	maxN, _, _ := requestInfo(req.Protocol, req.Body)
	in := &incoming{p: req.Protocol, maxN: maxN, notify: make(chan struct{}, 1)}
	s.mu.Lock()
	s.nextIn++
	in.id = s.nextIn
	s.incoming[in.id] = in
	s.mu.Unlock()
	req.ID = in.id
	forget := func() {
		s.mu.Lock()
		delete(s.incoming, in.id)
		s.mu.Unlock()
		in.mu.Lock()
		in.finished = true
		in.queue = nil
		in.mu.Unlock()
	}
	if !s.sink.Incoming(req) {
		forget()
		s.c.refused.Add(1)
		w.finishWithError(reqresp.ServerError, msgBusy)
		return
	}
	timer := time.NewTimer(s.cfg.ServeTimeout)
	defer timer.Stop()
	for {
		select {
		case <-in.notify:
			in.mu.Lock()
			batch := in.queue
			in.queue = nil
			in.queued = 0
			in.mu.Unlock()
			for _, c := range batch {
				if c.end {
					forget()
					w.end()
					return
				}
				if err := w.write(c.code, c.ctx, c.data); err != nil {
					forget()
					w.end()
					return
				}
			}
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
			timer.Reset(s.cfg.ServeTimeout)
		case <-timer.C:
			forget()
			s.c.inTimeout.Add(1)
			w.write(reqresp.ServerError, nil, []byte(msgDeadline))
			w.end()
			return
		case <-s.ctx.Done():
			forget()
			w.st.Reset()
			return
		}
	}
}

func (s *Service) lookupIncoming(id uint64) (*incoming, error) {
	s.mu.Lock()
	in := s.incoming[id]
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if in == nil {
		return nil, fmt.Errorf("%w: %d", ErrUnknownIncoming, id)
	}
	return in, nil
}

func (in *incoming) push(c outChunk, limit int) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.finished {
		return fmt.Errorf("%w: %d", ErrUnknownIncoming, in.id)
	}
	if !c.end {
		if in.queued > 0 && in.queued+len(c.data) > limit {
			return fmt.Errorf("%w: %d bytes waiting for the peer to read", ErrResponseFull, in.queued)
		}
		if c.code == reqresp.Success {
			if in.n >= in.maxN {
				return fmt.Errorf("%w: the request allows at most %d chunks", ErrBadResponse, in.maxN)
			}
			in.n++
		}
		in.queued += len(c.data)
	}
	if c.end || c.code != reqresp.Success {
		in.finished = true
	}
	in.queue = append(in.queue, c)
	if c.code != reqresp.Success && !c.end {
		in.queue = append(in.queue, outChunk{end: true})
	}
	select {
	case in.notify <- struct{}{}:
	default:
	}
	return nil
}

// RespondChunk queues a Success chunk (data copied) on host-served
// request id. context must be the 4-byte fork digest for protocols with
// context bytes and empty otherwise. It never waits for the network.
func (s *Service) RespondChunk(id uint64, context []byte, data []byte) error {
	in, err := s.lookupIncoming(id)
	if err != nil {
		return err
	}
	var d *forkdigest.Digest
	switch {
	case in.p.ContextBytes && len(context) != 4:
		return fmt.Errorf("%w: %s needs 4 context bytes, got %d", ErrBadResponse, in.p.ID(), len(context))
	case !in.p.ContextBytes && len(context) != 0:
		return fmt.Errorf("%w: %s has no context bytes", ErrBadResponse, in.p.ID())
	case uint64(len(data)) > eth2.MaxPayloadSize:
		return fmt.Errorf("%w: %d bytes above MAX_PAYLOAD_SIZE", ErrBadResponse, len(data))
	}
	if in.p.ContextBytes {
		var dd forkdigest.Digest
		copy(dd[:], context)
		d = &dd
	}
	return in.push(outChunk{code: reqresp.Success, ctx: d, data: append([]byte(nil), data...)}, s.cfg.MaxQueuedResponseBytes)
}

// RespondEnd ends host-served request id once its queued chunks are
// written.
func (s *Service) RespondEnd(id uint64) error {
	in, err := s.lookupIncoming(id)
	if err != nil {
		return err
	}
	return in.push(outChunk{end: true}, 0)
}

// RespondError ends host-served request id with an error chunk (code
// 1..255; msg truncated to 256 bytes) after its queued chunks.
func (s *Service) RespondError(id uint64, code reqresp.ResponseCode, msg string) error {
	if code == reqresp.Success {
		return fmt.Errorf("%w: error code must not be 0", ErrBadResponse)
	}
	in, err := s.lookupIncoming(id)
	if err != nil {
		return err
	}
	return in.push(outChunk{code: code, data: []byte(truncate(msg))}, int(^uint(0)>>1))
}

// IncomingOpen is the number of host-served requests waiting for answers.
func (s *Service) IncomingOpen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.incoming)
}

// ExchangeStatus runs the status handshake with p as the dialer (status/2
// if p supports it, else status/1) in the background and reports the
// result through Sink.PeerStatus. Without a local status it reports
// ErrStatusNotSet.
func (s *Service) ExchangeStatus(p peer.ID) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		proto, raw, err := s.exchangeStatus(p)
		s.sink.PeerStatus(p, proto, raw, err)
	}()
}

func (s *Service) exchangeStatus(p peer.ID) (reqresp.Protocol, []byte, error) {
	local, ok := s.LocalStatus()
	if !ok {
		return reqresp.StatusV1, nil, ErrStatusNotSet
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.TTFB+s.cfg.RespTimeout)
	defer cancel()
	st, err := s.h.NewStream(network.WithNoDial(ctx, "status"), p,
		protocol.ID(reqresp.StatusV2.ID()), protocol.ID(reqresp.StatusV1.ID()))
	if err != nil {
		if s.ctx.Err() != nil {
			return reqresp.StatusV1, nil, ErrClosed
		}
		return reqresp.StatusV1, nil, fmt.Errorf("open status stream: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { st.Reset() })
	defer stop()
	proto := reqresp.StatusV1
	if string(st.Protocol()) == reqresp.StatusV2.ID() {
		proto = reqresp.StatusV2
	}
	s.c.sent.Add(1)
	st.SetWriteDeadline(time.Now().Add(s.cfg.RespTimeout))
	if err := reqresp.WritePayload(st, local.Marshal(proto.Version)); err != nil {
		st.Reset()
		return proto, nil, fmt.Errorf("write status: %w", err)
	}
	st.CloseWrite()
	st.SetReadDeadline(time.Now().Add(s.cfg.TTFB))
	c, err := reqresp.ReadSingleResponse(bufio.NewReader(st), false, proto.Response)
	if err != nil {
		st.Reset()
		if isTimeout(err) {
			return proto, nil, ErrTTFB
		}
		if s.ctx.Err() != nil {
			return proto, nil, ErrClosed
		}
		return proto, nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	st.Close()
	if c.Code != reqresp.Success {
		return proto, nil, fmt.Errorf("peer answered status with %s: %q", c.Code, c.Payload)
	}
	return proto, c.Payload, nil
}

// Goodbye sends a goodbye with reason to p and waits (at most TTFB) for
// its answer or end of stream; it does not close the connection.
func (s *Service) Goodbye(ctx context.Context, p peer.ID, reason uint64) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.TTFB)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()
	st, err := s.h.NewStream(network.WithNoDial(ctx, "goodbye"), p, protocol.ID(reqresp.GoodbyeV1.ID()))
	if err != nil {
		return fmt.Errorf("open goodbye stream: %w", err)
	}
	defer st.Close()
	stopReset := context.AfterFunc(ctx, func() { st.Reset() })
	defer stopReset()
	if err := reqresp.WritePayload(st, Uint64(reason)); err != nil {
		return fmt.Errorf("write goodbye: %w", err)
	}
	st.CloseWrite()
	// Peers commonly close without answering: either is fine.
	io.Copy(io.Discard, io.LimitReader(st, 64))
	return nil
}
