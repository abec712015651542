package reqrespnet

import (
	"context"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
)

// A Go-side request (RequestFunc) hands its chunks to a Go callback
// instead of the Sink: the callback travels in the request's context.
type chunkFuncKey struct{}

// ChunkFunc receives one response chunk of a Go-side request (it should
// return quickly: the stream is not read meanwhile).
type ChunkFunc func(c reqresp.Chunk)

// deliver hands a chunk to the request's ChunkFunc, or to the Sink.
func (s *Service) deliver(ctx context.Context, id uint64, p reqresp.Protocol, c reqresp.Chunk) error {
	if f, ok := ctx.Value(chunkFuncKey{}).(ChunkFunc); ok {
		f(c)
		return nil
	}
	return s.sink.Chunk(ctx, id, p, c)
}

// RequestFunc is Request for Go callers: it sends body on p to peer, hands
// every response chunk to onChunk (on this goroutine) and returns when
// the response ends, with the number of chunks and the request's error.
// Nothing goes to the Sink (no Chunk, no Done). It shares the (peer,
// protocol) concurrency slots, limits and timeouts of Request.
func (s *Service) RequestFunc(ctx context.Context, to peer.ID, p reqresp.Protocol, body []byte, timeout time.Duration, onChunk ChunkFunc) (int, error) {
	if onChunk == nil {
		return 0, fmt.Errorf("%w: nil chunk callback", ErrBadRequest)
	}
	if _, ok := Lookup(p.ID()); !ok {
		return 0, fmt.Errorf("%w: %s", ErrUnknownProtocol, p.ID())
	}
	maxChunks, _, err := requestInfo(p, body)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if to == s.h.ID() || s.h.Network().Connectedness(to) != network.Connected {
		return 0, fmt.Errorf("%w: %s", ErrNotConnected, to)
	}
	key := slotKey{to, protocol.ID(p.ID())}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, ErrClosed
	}
	sl := s.out[key]
	if sl == nil {
		sl = &slot{}
		s.out[key] = sl
	}
	if sl.queued >= s.cfg.MaxConcurrent+s.cfg.MaxWaiting {
		s.mu.Unlock()
		return 0, fmt.Errorf("%w (%d)", ErrTooManyWaiting, sl.queued)
	}
	sl.queued++
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	ctx, cancel := context.WithCancel(context.WithValue(ctx, chunkFuncKey{}, onChunk))
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
		var c2 context.CancelFunc
		ctx, c2 = context.WithDeadline(ctx, deadline)
		defer c2()
	}
	chunks, err := s.doRequest(ctx, deadline, 0, to, p, body, maxChunks, key)
	s.mu.Lock()
	if sl := s.out[key]; sl != nil {
		sl.queued--
		if sl.queued == 0 && sl.active == 0 && len(sl.waiters) == 0 {
			delete(s.out, key)
		}
	}
	s.mu.Unlock()
	s.c.outcome(p.ID(), err)
	return chunks, err
}
