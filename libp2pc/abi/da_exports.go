package main

/*
#include <stdlib.h>
#include <string.h>
#include "libp2pc.h"
*/
import "C"

import (
	"encoding/binary"
	"unsafe"

	"github.com/libp2pc/libp2pc/libp2pc/chainsvc"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/status"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// The data availability exports (header section "Data availability",
// since ABI 2.2).

//export libp2pc_node_chain_da_counters
func libp2pc_node_chain_da_counters(h C.libp2pc_node, out *C.libp2pc_chain_da_counters) (rc C.int) {
	defer guard(&rc)
	if err := checkOut(out, daCountersLayout, "chain_da_counters: out"); err != nil {
		return fail(err)
	}
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	s, err := chainsvc.DAStats(e.n)
	if err != nil {
		return fail(err)
	}
	u := func(v uint64) C.uint64_t { return C.uint64_t(v) }
	r := C.libp2pc_chain_da_counters{
		sidecars_received: u(s.SidecarsReceived), sidecars_verified: u(s.SidecarsVerified),
		sidecars_rejected: u(s.SidecarsRejected), sidecars_late: u(s.SidecarsLate),
		sidecars_requested: u(s.SidecarsRequested), fetch_requests: u(s.FetchRequests), fetch_failures: u(s.FetchFailures),
		reconstructions: u(s.Reconstructions), columns_recovered: u(s.ColumnsRecovered),
		blocks_waited: u(s.BlocksWaited), blocks_available: u(s.BlocksAvailable), blocks_unavailable: u(s.BlocksUnavailable),
		dropped_waiting_full: u(s.DroppedWaitingFull), sidecars_stored: u(s.SidecarsStored), sidecars_pruned: u(s.Pruned),
		sidecars_published: u(s.Published), publish_failures: u(s.PublishFailed),
		custody_group_count: u(s.CustodyGroupCount), earliest_sidecar_slot: u(s.EarliestSidecarSlot),
		waiting: u(uint64(max(s.Waiting, 0))), tracker_evicted: u(s.TrackerEvicted),
	}
	return rcOf(writeOut(out, &r, daCountersLayout, "chain_da_counters: out"))
}

//export libp2pc_node_get_sidecars
func libp2pc_node_get_sidecars(h C.libp2pc_node, root *C.uint8_t, out **C.uint8_t, n *C.size_t, kind *C.uint32_t, count *C.uint32_t) (rc C.int) {
	defer guard(&rc)
	if root == nil || out == nil || n == nil || kind == nil || count == nil {
		return failf(status.InvalidArgument, "get_sidecars: root, out, len, kind and count must not be NULL")
	}
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	scs, err := chainsvc.Sidecars(e.n, [32]byte(C.GoBytes(unsafe.Pointer(root), 32)))
	if err != nil {
		return fail(err)
	}
	var buf []byte
	for _, sc := range scs {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(sc.SSZ)))
		buf = append(buf, sc.SSZ...)
	}
	mem, err := mallocCopy(buf, "get_sidecars")
	if err != nil {
		return fail(err)
	}
	*out, *n, *count = mem, C.size_t(len(buf)), C.uint32_t(len(scs))
	*kind = 1
	if scs[0].Kind == store.DataColumnSidecarKind {
		*kind = 2
	}
	return 0
}

//export libp2pc_node_chain_propose_blobs
func libp2pc_node_chain_propose_blobs(h C.libp2pc_node, block *C.uint8_t, blockLen C.size_t, blobs *C.uint8_t, blobCount C.size_t, reqOut *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	if block == nil || blockLen == 0 {
		return failf(status.InvalidArgument, "chain_propose_blobs: block is NULL or empty")
	}
	if blockLen > 1<<30 {
		return failf(status.TooLarge, "chain_propose_blobs: block of %d bytes", blockLen)
	}
	if blobCount > 4096 {
		return failf(status.InvalidArgument, "chain_propose_blobs: %d blobs (MAX_BLOB_COMMITMENTS_PER_BLOCK is 4096)", blobCount)
	}
	if blobs == nil && blobCount > 0 {
		return failf(status.InvalidArgument, "chain_propose_blobs: blobs is NULL with a count of %d", blobCount)
	}
	blk := C.GoBytes(unsafe.Pointer(block), C.int(blockLen))
	all := make([][]byte, blobCount)
	if blobCount > 0 {
		raw := unsafe.Slice((*byte)(unsafe.Pointer(blobs)), int(blobCount)*kzg.BytesPerBlob)
		for i := range all {
			all[i] = append([]byte(nil), raw[i*kzg.BytesPerBlob:(i+1)*kzg.BytesPerBlob]...)
		}
	}
	return request(h, reqOut, func(n *node.Node) (uint64, error) {
		return chainsvc.ProposeBlobsAsync(n, blk, all)
	})
}
