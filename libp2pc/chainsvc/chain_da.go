package chainsvc

// Data availability on the node (issue 15): the pipeline's DA config from
// the node's identity and custody, reads of stored sidecars, the counters,
// and the proposer's blob hand-over. The gossip and req/resp side
// (validation, by_root/by_range serving, the SidecarFetcher) is wired by
// the dagossip work; it calls the pipeline's AddVerifiedBlobSidecar /
// AddVerifiedDataColumnSidecar (Node.ChainPipeline()).

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/da/custody"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/da/sidecar"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/pipeline"
	"github.com/libp2pc/libp2pc/libp2pc/status"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// chainDA is the chainState's data availability part.
type chainDA struct {
	published, publishFailed atomic.Uint64
}

// chainDAConfig is the pipeline's data availability config: custody from
// the node's discv5 node id (its secp256k1 identity) and the chain's
// custody group count; recovered custody columns are published.
func (c *chainState) chainDAConfig() (pipeline.DAConfig, error) {
	cgc := c.cfg.CustodyGroupCount
	if cgc > custody.Mainnet.NumberOfCustodyGroups {
		return pipeline.DAConfig{}, status.Errorf(status.InvalidArgument, "start chain: custody group count %d exceeds %d", cgc, custody.Mainnet.NumberOfCustodyGroups)
	}
	var id custody.NodeID
	if nid, err := c.nd.NodeID(); err == nil {
		id = custody.NodeID(nid)
	}
	return pipeline.DAConfig{
		NodeID: id, CustodyGroupCount: cgc,
		Timeout:         c.cfg.DA.Timeout,
		OnReconstructed: c.publishColumns,
		Fetcher:         &c.daFetch,
	}, nil
}

// publishColumns publishes data column sidecars on their subnets' topics
// (fire-and-forget; a topic the node is not in counts as a failure).
func (c *chainState) publishColumns(scs []*fulu.DataColumnSidecar) {
	for _, sc := range scs {
		ssz, err := sc.MarshalSSZ()
		if err != nil {
			c.da.publishFailed.Add(1)
			continue
		}
		topic := fmt.Sprintf("data_column_sidecar_%d", custody.Mainnet.ComputeSubnetForDataColumnSidecar(sc.Index))
		if err := c.nd.Eth2PublishNoWait(topic, ssz); err != nil {
			c.da.publishFailed.Add(1)
			continue
		}
		c.da.published.Add(1)
	}
}

// ChainDAStats are the data availability counters of the chain.
type ChainDAStats struct {
	pipeline.DAStats
	Published, PublishFailed uint64 // sidecars published by the node (proposer, reconstruction)
	CustodyGroupCount        uint64
	EarliestSidecarSlot      uint64
}

// DAStats returns the data availability counters.
func DAStats(n *node.Node) (ChainDAStats, error) {
	c, err := chainOf(n)
	if err != nil {
		return ChainDAStats{}, err
	}
	cgc := c.cfg.CustodyGroupCount
	if cgc == 0 {
		cgc = custody.Mainnet.CustodyRequirement
	}
	return ChainDAStats{DAStats: c.p.DAStats(), Published: c.da.published.Load(), PublishFailed: c.da.publishFailed.Load(),
		CustodyGroupCount: cgc, EarliestSidecarSlot: c.st.EarliestSidecarSlot()}, nil
}

// Sidecars returns the stored sidecars of a block (SSZ BlobSidecars or
// DataColumnSidecars, by index); NotFound when the block has none stored.
func Sidecars(n *node.Node, root [32]byte) ([]store.Sidecar, error) {
	c, err := chainOf(n)
	if err != nil {
		return nil, err
	}
	scs, err := c.st.Sidecars(root)
	if err != nil {
		return nil, status.Errorf(status.Internal, "sidecars of %x: %v", root[:4], err)
	}
	if len(scs) == 0 {
		return nil, status.Errorf(status.NotFound, "no sidecars of %x stored", root[:4])
	}
	return scs, nil
}

// ProposeBlobs is the proposer's hand-over: blockSSZ is the signed block
// the host proposed (deneb or later), blobs its blobs in commitment order.
// The library builds the sidecars the proposer publishes (blob sidecars
// with inclusion proofs; from fulu the 128 data column sidecars with cells
// and proofs), files them with its own pipeline (so the block it also
// submits becomes available), and publishes each on its subnet topic
// (fire-and-forget: a topic the node is not in is counted in
// PublishFailed). It returns the sidecars (SSZ, by index). CPU-heavy for
// fulu (cells and proofs of every blob): call it off the host's thread or
// through the ABI's asynchronous call.
func ProposeBlobs(n *node.Node, blockSSZ []byte, blobs [][]byte) ([]store.Sidecar, error) {
	c, err := chainOf(n)
	if err != nil {
		return nil, err
	}
	b, err := c.tr.DecodeBlock(blockSSZ)
	if err != nil {
		return nil, status.Errorf(status.InvalidArgument, "propose blobs: block: %v", err)
	}
	f, sb, err := pipeline.SidecarBlockOf(b)
	if err != nil {
		return nil, status.Errorf(status.InvalidArgument, "propose blobs: %v", err)
	}
	ctx, err := kzg.Default()
	if err != nil {
		return nil, status.Errorf(status.Internal, "propose blobs: kzg: %v", err)
	}
	var out []store.Sidecar
	if f >= forks.Fulu {
		cols, err := sidecar.BuildDataColumnSidecars(ctx, sb, blobs)
		if err != nil {
			return nil, status.Errorf(status.InvalidArgument, "propose blobs: %v", err)
		}
		for _, sc := range cols {
			ssz, err := sc.MarshalSSZ()
			if err != nil {
				return nil, status.Errorf(status.Internal, "propose blobs: %v", err)
			}
			out = append(out, store.Sidecar{Kind: store.DataColumnSidecarKind, Index: sc.Index, SSZ: ssz})
			_ = c.p.AddVerifiedDataColumnSidecar(sc)
		}
		c.publishColumns(cols)
		return out, nil
	}
	scs, err := sidecar.BuildBlobSidecars(ctx, sb, blobs, nil)
	if err != nil {
		return nil, status.Errorf(status.InvalidArgument, "propose blobs: %v", err)
	}
	subnets := sidecar.BlobRulesAt(c.ccfg, b.Slot()/config.SlotsPerEpoch).SubnetCount
	for _, sc := range scs {
		ssz, err := sc.MarshalSSZ()
		if err != nil {
			return nil, status.Errorf(status.Internal, "propose blobs: %v", err)
		}
		out = append(out, store.Sidecar{Kind: store.BlobSidecarKind, Index: sc.Index, SSZ: ssz})
		_ = c.p.AddVerifiedBlobSidecar(sc)
		if err := c.nd.Eth2PublishNoWait(fmt.Sprintf("blob_sidecar_%d", sc.Index%subnets), ssz); err != nil {
			c.da.publishFailed.Add(1)
		} else {
			c.da.published.Add(1)
		}
	}
	return out, nil
}

// onDAEvent turns the pipeline's data availability events into node
// events (DataWaiting, DataAvailable, DataUnavailable).
func (c *chainState) onDAEvent(e pipeline.Event) {
	withMissing := func() []byte {
		data := slices.Clone(e.Root[:])
		for _, i := range e.Missing {
			data = binary.LittleEndian.AppendUint16(data, uint16(i))
		}
		return data
	}
	switch e.Kind {
	case pipeline.EventDataWaiting:
		c.push(events.Event{Type: events.DataWaiting, Code: e.Slot, Data: withMissing()})
	case pipeline.EventDataAvailable:
		c.push(events.Event{Type: events.DataAvailable, Code: e.Slot, Data: slices.Clone(e.Root[:]), Text: "after " + e.Took.String()})
	case pipeline.EventDataUnavailable:
		c.push(events.Event{Type: events.DataUnavailable, Code: e.Slot, Data: withMissing(), Text: e.Rule})
	}
}

// ProposeBlobsAsync is ProposeBlobs as a request: it returns at once; the
// request completes (RequestDone, Code: the number of sidecars built) when
// the sidecars are built, filed and handed to gossip.
func ProposeBlobsAsync(n *node.Node, block []byte, blobs [][]byte) (uint64, error) {
	if _, err := chainOf(n); err != nil {
		return 0, err
	}
	return n.RunRequest("chain propose blobs", func(context.Context) (uint64, error) {
		scs, err := ProposeBlobs(n, block, blobs)
		if err != nil {
			return 0, status.Errorf(status.CodeOf(err), "chain propose blobs: %v", err)
		}
		return uint64(len(scs)), nil
	})
}
