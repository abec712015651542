package dareqresp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqrespnet"
)

// Requester sends one request and hands over its response chunks
// (*reqrespnet.Service).
type Requester interface {
	RequestFunc(ctx context.Context, to peer.ID, p reqresp.Protocol, body []byte, timeout time.Duration, onChunk reqrespnet.ChunkFunc) (int, error)
}

// FetcherConfig configures a Fetcher.
type FetcherConfig struct {
	Net Requester
	// ColumnPeers lists the connected peers that custody a column, best
	// first (custodynet.Peers.PeersForColumn).
	ColumnPeers func(column uint64) []peer.ID
	// BlobPeers lists the connected peers to ask for blob sidecars.
	BlobPeers func() []peer.ID
	// DigestAtSlot is the fork digest of slot's epoch: a chunk must carry
	// the digest of its sidecar's slot.
	DigestAtSlot func(slot uint64) [4]byte
	// RequestTimeout bounds one request (default 5 s); MaxRequests bounds
	// the requests of one fetch (default 8).
	RequestTimeout time.Duration
	MaxRequests    int
	// OnBadPeer hears of a peer whose response broke the protocol (wrong
	// context bytes, undecodable, unrequested or repeated sidecars), to
	// score it; nil: not reported.
	OnBadPeer func(p peer.ID, why string)
}

// Fetcher gets the sidecars of a block from peers. It implements the
// pipeline's SidecarFetcher (branch daimport). The sidecars it returns
// are the requested ones of the requested block, decoded; the caller
// verifies their proofs (KZG, inclusion, the header's signature).
type Fetcher struct {
	cfg                                    FetcherConfig
	requests, failures, badPeers, received atomic.Uint64
}

// FetcherStats count what the fetcher did.
type FetcherStats struct {
	Requests, Failures, BadResponses, Received uint64
}

// ErrIncomplete: the peers did not give every requested sidecar. What
// they gave is returned with it.
var ErrIncomplete = errors.New("dareqresp: not every requested sidecar was obtained")

// NewFetcher returns a Fetcher.
func NewFetcher(cfg FetcherConfig) (*Fetcher, error) {
	if cfg.Net == nil || cfg.DigestAtSlot == nil || (cfg.ColumnPeers == nil && cfg.BlobPeers == nil) {
		return nil, errors.New("dareqresp: Net, DigestAtSlot and a peer source are required")
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 5 * time.Second
	}
	if cfg.MaxRequests <= 0 {
		cfg.MaxRequests = 8
	}
	return &Fetcher{cfg: cfg}, nil
}

// Stats returns the counters.
func (f *Fetcher) Stats() FetcherStats {
	return FetcherStats{Requests: f.requests.Load(), Failures: f.failures.Load(), BadResponses: f.badPeers.Load(), Received: f.received.Load()}
}

// FetchDataColumnSidecars asks for columns of block root (at slot) by
// root: each request goes to the peer that custodies the most of the
// columns still missing, for those it custodies; a peer that fails or
// answers short is not asked again; up to MaxRequests requests.
func (f *Fetcher) FetchDataColumnSidecars(ctx context.Context, root [32]byte, slot uint64, columns []uint64) ([]*fulu.DataColumnSidecar, error) {
	if f.cfg.ColumnPeers == nil {
		return nil, errors.New("dareqresp: no column peers configured")
	}
	missing := map[uint64]bool{}
	for _, c := range columns {
		missing[c] = true
	}
	var got []*fulu.DataColumnSidecar
	tried := map[peer.ID]bool{}
	for range f.cfg.MaxRequests {
		if len(missing) == 0 || ctx.Err() != nil {
			break
		}
		p, want := f.bestColumnPeer(missing, tried)
		if p == "" {
			break
		}
		tried[p] = true
		body := EncodeColumnsByRoot([]ColumnsByRoot{{BlockRoot: root, Columns: want}})
		// A failed or short answer is counted in request; the next peer
		// is tried for what is still missing.
		scs, _ := request(ctx, f, p, reqresp.DataColumnSidecarsByRootV1, body, decodeColumn, root, want)
		for _, sc := range scs {
			if missing[sc.Index] {
				delete(missing, sc.Index)
				got = append(got, sc)
			}
		}
	}
	slices.SortFunc(got, func(a, b *fulu.DataColumnSidecar) int { return int(a.Index) - int(b.Index) })
	if len(missing) > 0 {
		left := make([]uint64, 0, len(missing))
		for c := range missing {
			left = append(left, c)
		}
		slices.Sort(left)
		return got, fmt.Errorf("%w: columns %v of %x", ErrIncomplete, left, root[:4])
	}
	return got, nil
}

// bestColumnPeer is the untried peer custodying most missing columns.
func (f *Fetcher) bestColumnPeer(missing map[uint64]bool, tried map[peer.ID]bool) (peer.ID, []uint64) {
	cover := map[peer.ID][]uint64{}
	var order []peer.ID
	for c := range missing {
		for _, p := range f.cfg.ColumnPeers(c) {
			if tried[p] {
				continue
			}
			if _, seen := cover[p]; !seen {
				order = append(order, p)
			}
			cover[p] = append(cover[p], c)
		}
	}
	var best peer.ID
	for _, p := range order {
		if best == "" || len(cover[p]) > len(cover[best]) || (len(cover[p]) == len(cover[best]) && p < best) {
			best = p
		}
	}
	if best == "" {
		return "", nil
	}
	want := cover[best]
	slices.Sort(want)
	return best, want
}

// FetchBlobSidecars asks BlobPeers, in turn, for the blob sidecars of
// block root with these indices, each request for what is still missing.
func (f *Fetcher) FetchBlobSidecars(ctx context.Context, root [32]byte, slot uint64, indices []uint64) ([]*deneb.BlobSidecar, error) {
	if f.cfg.BlobPeers == nil {
		return nil, errors.New("dareqresp: no blob peers configured")
	}
	missing := map[uint64]bool{}
	for _, i := range indices {
		missing[i] = true
	}
	var got []*deneb.BlobSidecar
	peers := f.cfg.BlobPeers()
	for i := 0; i < len(peers) && i < f.cfg.MaxRequests && len(missing) > 0 && ctx.Err() == nil; i++ {
		var want []uint64
		for idx := range missing {
			want = append(want, idx)
		}
		slices.Sort(want)
		ids := make([]BlobIdentifier, len(want))
		for j, idx := range want {
			ids[j] = BlobIdentifier{BlockRoot: root, Index: idx}
		}
		scs, _ := request(ctx, f, peers[i], reqresp.BlobSidecarsByRootV1, EncodeBlobIdentifiers(ids), decodeBlob, root, want)
		for _, sc := range scs {
			if missing[sc.Index] {
				delete(missing, sc.Index)
				got = append(got, sc)
			}
		}
	}
	slices.SortFunc(got, func(a, b *deneb.BlobSidecar) int { return int(a.Index) - int(b.Index) })
	if len(missing) > 0 {
		return got, fmt.Errorf("%w: %d blobs of %x", ErrIncomplete, len(missing), root[:4])
	}
	return got, nil
}

// request sends one by-root request and keeps the chunks that are
// sidecars of root with a requested index, each once, under the digest of
// their slot. Anything else makes the peer a bad peer (reported) and ends
// the use of its response.
func request[T any](ctx context.Context, f *Fetcher, p peer.ID, proto reqresp.Protocol, body []byte,
	decode func([]byte) (T, sidecarID, error), root [32]byte, want []uint64) ([]T, error) {
	f.requests.Add(1)
	var out []T
	var bad string
	seen := map[uint64]bool{}
	_, err := f.cfg.Net.RequestFunc(ctx, p, proto, body, f.cfg.RequestTimeout, func(ch reqresp.Chunk) {
		if bad != "" || ch.Code != reqresp.Success {
			return
		}
		sc, id, err := decode(ch.Payload)
		idx, r, slot := id.index, id.root, id.slot
		switch {
		case err != nil:
			bad = "undecodable sidecar: " + err.Error()
		case r != root:
			bad = fmt.Sprintf("sidecar of block %x, asked for %x", r[:4], root[:4])
		case !slices.Contains(want, idx) || seen[idx]:
			bad = fmt.Sprintf("unrequested or repeated sidecar %d", idx)
		case !ch.HasContext || [4]byte(ch.Context) != f.cfg.DigestAtSlot(slot):
			bad = fmt.Sprintf("context bytes %x, not the digest of slot %d", ch.Context, slot)
		default:
			seen[idx] = true
			out = append(out, sc)
		}
	})
	if bad != "" {
		f.badPeers.Add(1)
		if f.cfg.OnBadPeer != nil {
			f.cfg.OnBadPeer(p, bad)
		}
		return nil, fmt.Errorf("dareqresp: %s: %s", p, bad)
	}
	if err != nil {
		f.failures.Add(1)
	}
	f.received.Add(uint64(len(out)))
	return out, err
}

// sidecarID is what a response chunk is checked against.
type sidecarID struct {
	index, slot uint64
	root        [32]byte // the block root: hash_tree_root of the header
}

func headerID(index uint64, h *phase0.SignedBeaconBlockHeader) (sidecarID, error) {
	if h == nil || h.Message == nil {
		return sidecarID{}, errors.New("sidecar without header")
	}
	r, err := h.Message.HashTreeRoot()
	return sidecarID{index: index, slot: h.Message.Slot, root: r}, err
}

func decodeColumn(ssz []byte) (*fulu.DataColumnSidecar, sidecarID, error) {
	sc := new(fulu.DataColumnSidecar)
	if err := sc.UnmarshalSSZ(ssz); err != nil {
		return nil, sidecarID{}, err
	}
	id, err := headerID(sc.Index, sc.SignedBlockHeader)
	return sc, id, err
}

func decodeBlob(ssz []byte) (*deneb.BlobSidecar, sidecarID, error) {
	sc := new(deneb.BlobSidecar)
	if err := sc.UnmarshalSSZ(ssz); err != nil {
		return nil, sidecarID{}, err
	}
	id, err := headerID(sc.Index, sc.SignedBlockHeader)
	return sc, id, err
}
