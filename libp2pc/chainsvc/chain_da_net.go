package chainsvc

// The chain's data availability on the network: once the chain has started
// the node's DA gossip (chain_da_gossip.go), its pipeline asks peers for
// missing sidecars through the node's DA fetcher, and the node serves the
// four DA req/resp protocols from the chain's store.

import (
	"context"
	"sync/atomic"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/da/dareqresp"
	"github.com/libp2pc/libp2pc/libp2pc/pipeline"
	"github.com/libp2pc/libp2pc/libp2pc/status"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// lateFetcher is the pipeline's SidecarFetcher: the pipeline starts
// (setUp) before the DA gossip that makes the node's fetcher (wire), so it
// holds the fetcher once there is one and refuses until then.
type lateFetcher struct {
	f atomic.Pointer[dareqresp.Fetcher]
}

var _ pipeline.SidecarFetcher = (*lateFetcher)(nil)

func (l *lateFetcher) FetchBlobSidecars(ctx context.Context, root [32]byte, slot uint64, indices []uint64) ([]*deneb.BlobSidecar, error) {
	f := l.f.Load()
	if f == nil {
		return nil, status.Errorf(status.BadState, "fetch blob sidecars: DA gossip is not running")
	}
	return f.FetchBlobSidecars(ctx, root, slot, indices)
}

func (l *lateFetcher) FetchDataColumnSidecars(ctx context.Context, root [32]byte, slot uint64, columns []uint64) ([]*fulu.DataColumnSidecar, error) {
	f := l.f.Load()
	if f == nil {
		return nil, status.Errorf(status.BadState, "fetch data column sidecars: DA gossip is not running")
	}
	return f.FetchDataColumnSidecars(ctx, root, slot, columns)
}

// startDANet runs after startDAGossip: the fetcher for the pipeline and
// the DA protocols served from the store.
func (c *chainState) startDANet() error {
	if !c.daStarted.Load() {
		return nil
	}
	f, err := c.nd.DAFetcher(c.cfg.RequestTimeout)
	if err != nil {
		return err
	}
	c.daFetch.f.Store(f)
	_, err = c.nd.ServeDASidecars(storeSidecars{c.st}, nil)
	return err
}

// storeSidecars is the store as the DA req/resp server's source.
type storeSidecars struct{ st *store.Store }

var _ dareqresp.Source = storeSidecars{}

func (s storeSidecars) byIndex(root [32]byte, kind store.SidecarKind, indices []uint64) ([][]byte, error) {
	scs, err := s.st.SidecarsByIndex(root, kind, indices)
	out := make([][]byte, 0, len(scs))
	for _, sc := range scs {
		out = append(out, sc.SSZ)
	}
	return out, err
}

func (s storeSidecars) byRange(kind store.SidecarKind, start, count uint64, indices []uint64) ([][]byte, error) {
	blocks, err := s.st.SidecarsByRange(kind, start, count, indices)
	var out [][]byte
	for _, b := range blocks {
		for _, sc := range b.Sidecars {
			out = append(out, sc.SSZ)
		}
	}
	return out, err
}

func (s storeSidecars) BlobSidecars(root [32]byte, indices []uint64) ([][]byte, error) {
	return s.byIndex(root, store.BlobSidecarKind, indices)
}

func (s storeSidecars) DataColumnSidecars(root [32]byte, columns []uint64) ([][]byte, error) {
	return s.byIndex(root, store.DataColumnSidecarKind, columns)
}

func (s storeSidecars) BlobSidecarsByRange(start, count uint64) ([][]byte, error) {
	return s.byRange(store.BlobSidecarKind, start, count, nil)
}

func (s storeSidecars) DataColumnSidecarsByRange(start, count uint64, columns []uint64) ([][]byte, error) {
	return s.byRange(store.DataColumnSidecarKind, start, count, columns)
}

func (s storeSidecars) EarliestSidecarSlot() uint64 { return s.st.EarliestSidecarSlot() }
