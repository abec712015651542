package dareqresp

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqrespnet"
)

// Source is what the server reads: the node's sidecar store (branch
// daimport's store.Store behind an adapter). Sidecars are SSZ.
type Source interface {
	// BlobSidecars are the stored blob sidecars of block root with these
	// indices, in index order; the ones not stored are left out.
	BlobSidecars(root [32]byte, indices []uint64) ([][]byte, error)
	// DataColumnSidecars likewise for columns.
	DataColumnSidecars(root [32]byte, columns []uint64) ([][]byte, error)
	// BlobSidecarsByRange are the blob sidecars of the canonical blocks in
	// [start, start+count), in (slot, index) order.
	BlobSidecarsByRange(start, count uint64) ([][]byte, error)
	// DataColumnSidecarsByRange likewise for the given columns.
	DataColumnSidecarsByRange(start, count uint64, columns []uint64) ([][]byte, error)
	// EarliestSidecarSlot: no sidecar below it is kept (pruned, or before
	// the anchor and its backfill).
	EarliestSidecarSlot() uint64
}

// ServerConfig configures a Server.
type ServerConfig struct {
	Source Source
	// DigestAtSlot is the fork digest of the epoch of slot (the context
	// bytes of each chunk: the sidecar's own slot decides).
	DigestAtSlot func(slot uint64) [4]byte
	// ServeFromSlot is the first slot the node must serve
	// (max(current_epoch - MIN_EPOCHS_FOR_*_SIDECARS_REQUESTS, fork
	// epoch) in slots); a range starting at or after it that begins below
	// EarliestSidecarSlot is answered ResourceUnavailable. nil: never.
	ServeFromSlot func() uint64
}

// Server answers the four DA protocols from a Source.
type Server struct {
	cfg                                        ServerConfig
	served, invalid, unavailable, sourceErrors atomic.Uint64
}

// ServerStats count what the server did.
type ServerStats struct {
	Served       uint64 // sidecar chunks written
	Invalid      uint64 // requests answered InvalidRequest
	Unavailable  uint64 // requests answered ResourceUnavailable
	SourceErrors uint64 // requests the source failed (ServerError)
}

// NewServer returns a Server.
func NewServer(cfg ServerConfig) (*Server, error) {
	if cfg.Source == nil || cfg.DigestAtSlot == nil {
		return nil, errors.New("dareqresp: Source and DigestAtSlot are required")
	}
	return &Server{cfg: cfg}, nil
}

// Stats returns the counters.
func (s *Server) Stats() ServerStats {
	return ServerStats{Served: s.served.Load(), Invalid: s.invalid.Load(), Unavailable: s.unavailable.Load(), SourceErrors: s.sourceErrors.Load()}
}

// Protocols are the protocols the Server answers.
var Protocols = []reqresp.Protocol{
	reqresp.BlobSidecarsByRangeV1, reqresp.BlobSidecarsByRootV1,
	reqresp.DataColumnSidecarsByRangeV1, reqresp.DataColumnSidecarsByRootV1,
}

// Responder is the reqrespnet.Responder of protocol p (one of Protocols).
func (s *Server) Responder(p reqresp.Protocol) reqrespnet.Responder {
	return responder{s, p}
}

// Serve registers the server for every protocol of Protocols on svc.
func (s *Server) Serve(svc *reqrespnet.Service) error {
	for _, p := range Protocols {
		if err := svc.Serve(p, reqrespnet.ServeByGo, s.Responder(p)); err != nil {
			return err
		}
	}
	return nil
}

type responder struct {
	s *Server
	p reqresp.Protocol
}

func (r responder) Respond(ctx context.Context, req *reqrespnet.IncomingRequest, w reqrespnet.ResponseWriter) error {
	s := r.s
	invalid := func(err error) error {
		s.invalid.Add(1)
		return w.WriteError(reqresp.InvalidRequest, err.Error())
	}
	var (
		chunks [][]byte
		err    error
		slotOf = DataColumnSidecarSlot
		limit  = MaxRequestDataColumnSidecars
	)
	switch r.p.Name {
	case reqresp.BlobSidecarsByRangeMethod:
		slotOf, limit = BlobSidecarSlot, MaxRequestBlobSidecars
		rg, e := DecodeBlobRange(req.Body)
		if e != nil {
			return invalid(e)
		}
		if rg.Count > MaxRequestBlocksDeneb {
			return invalid(fmt.Errorf("count %d above MAX_REQUEST_BLOCKS_DENEB", rg.Count))
		}
		if r.unavailable(rg.StartSlot) {
			return w.WriteError(reqresp.ResourceUnavailable, "blob sidecars below the earliest kept slot")
		}
		chunks, err = s.cfg.Source.BlobSidecarsByRange(rg.StartSlot, rg.Count)
	case reqresp.BlobSidecarsByRootMethod:
		slotOf, limit = BlobSidecarSlot, MaxRequestBlobSidecars
		ids, e := DecodeBlobIdentifiers(req.Body)
		if e != nil {
			return invalid(e)
		}
		for _, id := range ids {
			got, e := s.cfg.Source.BlobSidecars(id.BlockRoot, []uint64{id.Index})
			if e != nil {
				err = e
				break
			}
			chunks = append(chunks, got...)
		}
	case reqresp.DataColumnSidecarsByRangeMethod:
		rg, e := DecodeColumnRange(req.Body)
		if e != nil {
			return invalid(e)
		}
		if rg.Count > MaxRequestBlocksDeneb {
			return invalid(fmt.Errorf("count %d above MAX_REQUEST_BLOCKS_DENEB", rg.Count))
		}
		if r.unavailable(rg.StartSlot) {
			return w.WriteError(reqresp.ResourceUnavailable, "data column sidecars below the earliest kept slot")
		}
		if len(rg.Columns) > 0 && rg.Count > 0 {
			chunks, err = s.cfg.Source.DataColumnSidecarsByRange(rg.StartSlot, rg.Count, rg.Columns)
		}
	case reqresp.DataColumnSidecarsByRootMethod:
		ids, e := DecodeColumnsByRoot(req.Body)
		if e != nil {
			return invalid(e)
		}
		for _, id := range ids {
			got, e := s.cfg.Source.DataColumnSidecars(id.BlockRoot, id.Columns)
			if e != nil {
				err = e
				break
			}
			chunks = append(chunks, got...)
		}
	default:
		return w.WriteError(reqresp.ServerError, "unsupported protocol")
	}
	if err != nil {
		s.sourceErrors.Add(1)
		return w.WriteError(reqresp.ServerError, "sidecar store: "+err.Error())
	}
	for i, ssz := range chunks {
		if i >= limit || ctx.Err() != nil {
			break
		}
		slot, e := slotOf(ssz)
		if e != nil {
			s.sourceErrors.Add(1)
			return w.WriteError(reqresp.ServerError, e.Error())
		}
		d := s.cfg.DigestAtSlot(slot)
		if err := w.WriteChunk(&d, ssz); err != nil {
			return err
		}
		s.served.Add(1)
	}
	return nil
}

// unavailable: a range the node must serve but whose start it no longer
// (or not yet) keeps.
func (r responder) unavailable(start uint64) bool {
	if r.s.cfg.ServeFromSlot == nil {
		return false
	}
	if start >= r.s.cfg.ServeFromSlot() && start < r.s.cfg.Source.EarliestSidecarSlot() {
		r.s.unavailable.Add(1)
		return true
	}
	return false
}
