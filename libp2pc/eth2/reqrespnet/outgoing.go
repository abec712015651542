package reqrespnet

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
)

// Request sends body on protocol p to peer and reads the response
// asynchronously: each chunk goes to Sink.Chunk, and Sink.Done ends the
// request exactly once, unless Request returns an error (then nothing is
// reported). body is not copied: the caller must not change it.
//
// The request waits for one of the MaxConcurrent slots of (peer, p),
// in FIFO order; timeout (0: none besides TTFB and RespTimeout) counts from
// the call and covers that wait. parent's end cancels the request.
func (s *Service) Request(parent context.Context, id uint64, to peer.ID, p reqresp.Protocol, body []byte, timeout time.Duration) error {
	if _, ok := Lookup(p.ID()); !ok {
		return fmt.Errorf("%w: %s", ErrUnknownProtocol, p.ID())
	}
	maxChunks, _, err := requestInfo(p, body)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if to == s.h.ID() {
		return fmt.Errorf("%w: %s is this node", ErrNotConnected, to)
	}
	if s.h.Network().Connectedness(to) != network.Connected {
		return fmt.Errorf("%w: %s", ErrNotConnected, to)
	}
	key := slotKey{to, protocol.ID(p.ID())}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	sl := s.out[key]
	if sl == nil {
		sl = &slot{}
		s.out[key] = sl
	}
	if sl.queued >= s.cfg.MaxConcurrent+s.cfg.MaxWaiting {
		s.mu.Unlock()
		return fmt.Errorf("%w (%d)", ErrTooManyWaiting, sl.queued)
	}
	sl.queued++
	s.wg.Add(1)
	s.mu.Unlock()
	go s.runRequest(parent, id, to, p, body, timeout, maxChunks, key)
	return nil
}

func (s *Service) runRequest(parent context.Context, id uint64, to peer.ID, p reqresp.Protocol, body []byte, timeout time.Duration, maxChunks uint64, key slotKey) {
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(parent)
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
	chunks, err := s.doRequest(ctx, deadline, id, to, p, body, maxChunks, key)
	s.mu.Lock()
	if sl := s.out[key]; sl != nil {
		sl.queued--
		if sl.queued == 0 && sl.active == 0 && len(sl.waiters) == 0 {
			delete(s.out, key)
		}
	}
	s.mu.Unlock()
	s.c.outcome(p.ID(), err)
	s.sink.Done(id, err, chunks)
}

// ctxErr names why ctx ended.
func (s *Service) ctxErr(ctx context.Context) error {
	if s.ctx.Err() != nil {
		return ErrClosed
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ErrDeadline
	}
	return ctx.Err()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

func (s *Service) doRequest(ctx context.Context, deadline time.Time, id uint64, to peer.ID, p reqresp.Protocol, body []byte, maxChunks uint64, key slotKey) (int, error) {
	if err := s.acquire(ctx, s.out, key, s.cfg.MaxConcurrent, true); err != nil {
		return 0, s.ctxErr(ctx)
	}
	defer s.release(s.out, key)
	st, err := s.h.NewStream(network.WithNoDial(ctx, "req/resp"), to, protocol.ID(p.ID()))
	if err != nil {
		if ctx.Err() != nil {
			return 0, s.ctxErr(ctx)
		}
		return 0, fmt.Errorf("open %s stream to %s: %w", p.ID(), to, err)
	}
	s.c.sent.Add(1)
	// Ending ctx (deadline, Close, the caller) resets the stream, which
	// unblocks any read or write.
	stopReset := context.AfterFunc(ctx, func() { st.Reset() })
	defer stopReset()
	chunks, err := s.exchange(ctx, st, deadline, id, p, body, maxChunks)
	if err != nil {
		st.Reset()
		if ctx.Err() != nil && !errors.Is(err, ErrTTFB) && !errors.Is(err, ErrRespTimeout) {
			return chunks, s.ctxErr(ctx)
		}
		return chunks, err
	}
	st.Close()
	return chunks, nil
}

// readDeadline is now+d, or the request's deadline if sooner.
func readDeadline(d time.Duration, deadline time.Time) time.Time {
	t := time.Now().Add(d)
	if !deadline.IsZero() && deadline.Before(t) {
		return deadline
	}
	return t
}

func (s *Service) exchange(ctx context.Context, st network.Stream, deadline time.Time, id uint64, p reqresp.Protocol, body []byte, maxChunks uint64) (int, error) {
	st.SetWriteDeadline(readDeadline(s.cfg.RespTimeout, deadline))
	if !p.NoRequest {
		if err := reqresp.WritePayload(st, body); err != nil {
			return 0, fmt.Errorf("write request: %w", err)
		}
	}
	if err := st.CloseWrite(); err != nil {
		return 0, fmt.Errorf("close request: %w", err)
	}
	r := bufio.NewReader(st)
	bounds := p.Response
	single := isLibraryServed(p)
	chunks := 0
	for uint64(chunks) < maxChunks {
		wait, timeoutErr := s.cfg.RespTimeout, ErrRespTimeout
		if chunks == 0 {
			wait, timeoutErr = s.cfg.TTFB, ErrTTFB
		}
		st.SetReadDeadline(readDeadline(wait, deadline))
		c, err := reqresp.ReadChunkFunc(r, p.ContextBytes, func(forkdigest.Digest) (reqresp.SizeBounds, error) { return bounds, nil })
		if err == io.EOF {
			if single {
				return chunks, fmt.Errorf("%w: stream ended without a response", ErrBadResponse)
			}
			return chunks, nil
		}
		if err != nil {
			if isTimeout(err) {
				if !deadline.IsZero() && !time.Now().Before(deadline) {
					return chunks, ErrDeadline
				}
				return chunks, timeoutErr
			}
			if ctx.Err() != nil {
				return chunks, s.ctxErr(ctx)
			}
			return chunks, fmt.Errorf("%w: %v", ErrBadResponse, err)
		}
		s.c.chunksRx.Add(1)
		// Waiting here (the embedder's backpressure) does not count against
		// RESP_TIMEOUT: the next read deadline is set after it.
		if err := s.deliver(ctx, id, p, c); err != nil {
			return chunks, s.ctxErr(ctx)
		}
		chunks++
		if c.Code != reqresp.Success {
			return chunks, nil // an error chunk ends the response
		}
	}
	if single {
		st.SetReadDeadline(readDeadline(s.cfg.RespTimeout, deadline))
		if err := reqresp.ExpectEOF(r); err != nil {
			return chunks, fmt.Errorf("%w: data after the single response chunk", ErrBadResponse)
		}
	}
	// The most chunks the request allows were read: stop (spec: "the
	// maximum number of requested chunks are read").
	return chunks, nil
}
