package main

/*
#include "libp2pc.h"
*/
import "C"

import (
	"time"
	"unsafe"

	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqrespnet"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// The eth2 req/resp exports (header section "Eth2 req/resp"). None of them
// waits for the network: requests complete with events.

//export libp2pc_node_set_reqresp_timeouts
func libp2pc_node_set_reqresp_timeouts(h C.libp2pc_node, ttfbMs, respMs, serveMs C.uint32_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	ms := func(v C.uint32_t) time.Duration { return time.Duration(v) * time.Millisecond }
	return rcOf(e.n.SetReqRespConfig(reqrespnet.Config{TTFB: ms(ttfbMs), RespTimeout: ms(respMs), ServeTimeout: ms(serveMs)}, node.ReqRespLimits{}))
}

func rcOf(err error) C.int {
	if err != nil {
		return fail(err)
	}
	return 0
}

//export libp2pc_node_set_status
func libp2pc_node_set_status(h C.libp2pc_node, stIn *C.libp2pc_eth2_status) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	hostSt, err := readIn(stIn, eth2StatusLayout, "set_status: status")
	if err != nil {
		return fail(err)
	}
	st := &hostSt
	var s reqrespnet.Status
	copy(s.ForkDigest[:], C.GoBytes(unsafe.Pointer(&st.fork_digest[0]), 4))
	copy(s.FinalizedRoot[:], C.GoBytes(unsafe.Pointer(&st.finalized_root[0]), 32))
	copy(s.HeadRoot[:], C.GoBytes(unsafe.Pointer(&st.head_root[0]), 32))
	s.FinalizedEpoch = uint64(st.finalized_epoch)
	s.HeadSlot = uint64(st.head_slot)
	s.EarliestAvailableSlot = uint64(st.earliest_available_slot)
	return rcOf(e.n.SetStatus(s))
}

//export libp2pc_node_set_metadata
func libp2pc_node_set_metadata(h C.libp2pc_node, mdIn *C.libp2pc_eth2_metadata) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	hostMd, err := readIn(mdIn, eth2MetadataLayout, "set_metadata: metadata")
	if err != nil {
		return fail(err)
	}
	md := &hostMd
	if md.syncnets&0xf0 != 0 {
		return failf(status.InvalidArgument, "set_metadata: syncnets has bits above the 4th set")
	}
	m := reqrespnet.Metadata{SeqNumber: uint64(md.seq_number), Syncnets: byte(md.syncnets), CustodyGroupCount: uint64(md.custody_group_count)}
	copy(m.Attnets[:], C.GoBytes(unsafe.Pointer(&md.attnets[0]), 8))
	return rcOf(e.n.SetMetadata(m))
}

//export libp2pc_node_serve
func libp2pc_node_serve(h C.libp2pc_node, protocol *C.char, mode C.uint32_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	p, err := goString(protocol, "serve: protocol")
	if err != nil {
		return fail(err)
	}
	var m reqrespnet.ServeMode
	switch mode {
	case C.LIBP2PC_SERVE_NONE:
		m = reqrespnet.ServeNone
	case C.LIBP2PC_SERVE_BY_HOST:
		m = reqrespnet.ServeByHost
	default:
		return failf(status.InvalidArgument, "serve: mode %d (want LIBP2PC_SERVE_NONE or LIBP2PC_SERVE_BY_HOST)", mode)
	}
	return rcOf(e.n.Serve(p, m, nil))
}

//export libp2pc_node_request
func libp2pc_node_request(h C.libp2pc_node, peerID, protocol *C.char, req *C.uint8_t, length C.size_t, timeoutMs C.uint32_t, reqOut *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	p, err := goString(peerID, "request: peer_id")
	if err != nil {
		return fail(err)
	}
	proto, err := goString(protocol, "request: protocol")
	if err != nil {
		return fail(err)
	}
	body, err := payload(req, length, "request")
	if err != nil {
		return fail(err)
	}
	// body is borrowed; Node.Request copies it before returning.
	return request(h, reqOut, func(n *node.Node) (uint64, error) {
		return n.Request(p, proto, body, time.Duration(timeoutMs)*time.Millisecond)
	})
}

//export libp2pc_node_respond_chunk
func libp2pc_node_respond_chunk(h C.libp2pc_node, incomingID C.uint64_t, context *C.uint8_t, contextLen C.size_t, data *C.uint8_t, length C.size_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	ctx, err := payload(context, contextLen, "respond_chunk: context")
	if err != nil {
		return fail(err)
	}
	d, err := payload(data, length, "respond_chunk")
	if err != nil {
		return fail(err)
	}
	return rcOf(e.n.RespondChunk(uint64(incomingID), ctx, d)) // copies data
}

//export libp2pc_node_respond_end
func libp2pc_node_respond_end(h C.libp2pc_node, incomingID C.uint64_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	return rcOf(e.n.RespondEnd(uint64(incomingID)))
}

//export libp2pc_node_respond_error
func libp2pc_node_respond_error(h C.libp2pc_node, incomingID C.uint64_t, code C.uint8_t, msg *C.char) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	m := ""
	if msg != nil {
		m = C.GoString(msg)
	}
	return rcOf(e.n.RespondError(uint64(incomingID), uint8(code), m))
}

//export libp2pc_node_goodbye
func libp2pc_node_goodbye(h C.libp2pc_node, peerID *C.char, reason C.uint64_t, reqOut *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	p, err := goString(peerID, "goodbye: peer_id")
	if err != nil {
		return fail(err)
	}
	return request(h, reqOut, func(n *node.Node) (uint64, error) { return n.Goodbye(p, uint64(reason)) })
}

//export libp2pc_node_reqresp_counters
func libp2pc_node_reqresp_counters(h C.libp2pc_node, out *C.libp2pc_reqresp_counters) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	if err := checkOut(out, reqrespCountersLayout, "reqresp_counters: out"); err != nil {
		return fail(err)
	}
	c, err := e.n.ReqRespCounters()
	if err != nil {
		return fail(err)
	}
	u := func(v uint64) C.uint64_t { return C.uint64_t(v) }
	val := C.libp2pc_reqresp_counters{
		requests_sent:          u(c.RequestsSent),
		requests_failed:        u(c.RequestsFailed),
		requests_timed_out:     u(c.RequestsTimedOut),
		chunks_received:        u(c.ChunksReceived),
		chunk_events_queued:    u(c.ChunkEventsQueued),
		chunk_waits:            u(c.ChunkWaits),
		incoming_requests:      u(c.IncomingRequests),
		incoming_invalid:       u(c.IncomingInvalid),
		incoming_rate_limited:  u(c.IncomingRateLimited),
		incoming_concurrency:   u(c.IncomingConcurrency),
		incoming_refused:       u(c.IncomingRefused),
		incoming_stale:         u(c.IncomingStale),
		incoming_timed_out:     u(c.IncomingTimedOut),
		incoming_not_served:    u(c.IncomingNotServed),
		incoming_stream_errors: u(c.IncomingStreamError),
		chunks_served:          u(c.ChunksServed),
		status_served:          u(c.StatusServed),
		pings_served:           u(c.PingsServed),
		metadata_served:        u(c.MetadataServed),
		goodbyes_received:      u(c.GoodbyesReceived),
		status_events_dropped:  u(c.StatusEventsDropped),
		goodbye_events_dropped: u(c.GoodbyeEventsDropped),
	}
	return rcOf(writeOut(out, &val, reqrespCountersLayout, "reqresp_counters: out"))
}
