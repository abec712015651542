package main

/*
#include "libp2pc.h"
*/
import "C"

import (
	"unsafe"

	"github.com/libp2pc/libp2pc/libp2pc/membership"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// The membership transport's exports (header section "Membership
// transport"). None of them waits: node's membership calls never block.

// putString writes s and a NUL into buf (bufLen bytes).
func putString(buf *C.char, bufLen C.size_t, s, what string) C.int {
	if buf == nil || int(bufLen) < len(s)+1 {
		return failf(status.InvalidArgument, "%s: buffer of %d bytes cannot hold %d bytes and a NUL", what, bufLen, len(s))
	}
	out := unsafe.Slice((*byte)(unsafe.Pointer(buf)), len(s)+1)
	copy(out, s)
	out[len(s)] = 0
	return 0
}

// payload is a borrowed view of the host's buffer (the module copies it).
func payload(data *C.uint8_t, length C.size_t, what string) ([]byte, error) {
	if data == nil && length > 0 {
		return nil, status.Errorf(status.InvalidArgument, "%s: data is NULL but len is %d", what, length)
	}
	if length == 0 {
		return nil, nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(data)), int(length)), nil
}

//export libp2pc_node_membership_start
func libp2pc_node_membership_start(h C.libp2pc_node, transport, tcpListenAddr, tcpNodeID *C.char, idOut *C.char, idLen C.size_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	tr, err := goString(transport, "transport")
	if err != nil {
		return fail(err)
	}
	cfg := node.MembershipConfig{Transport: tr}
	if tcpListenAddr != nil {
		cfg.TCPListenAddr = C.GoString(tcpListenAddr)
	}
	if tcpNodeID != nil {
		cfg.TCPNodeID = C.GoString(tcpNodeID)
		if cfg.TCPNodeID == "" {
			return failf(status.InvalidArgument, "membership_start: tcp_node_id is empty (pass NULL for the peer id)")
		}
	}
	if tr == "tcp" && tcpListenAddr != nil && cfg.TCPListenAddr == "" {
		return failf(status.InvalidArgument, "membership_start: tcp_listen_addr is empty (pass NULL for 127.0.0.1:0)")
	}
	if err := e.n.StartMembership(cfg); err != nil {
		return fail(err)
	}
	id, _, err := e.n.MembershipLocal()
	if err != nil {
		return fail(err)
	}
	return putString(idOut, idLen, id, "membership_start: local_id_out")
}

//export libp2pc_node_membership_addr
func libp2pc_node_membership_addr(h C.libp2pc_node, buf *C.char, bufLen C.size_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	_, addr, err := e.n.MembershipLocal()
	if err != nil {
		return fail(err)
	}
	return putString(buf, bufLen, addr, "membership_addr")
}

//export libp2pc_node_membership_set_sized
func libp2pc_node_membership_set_sized(h C.libp2pc_node, members *C.libp2pc_member, n C.size_t, elemSize C.size_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	if members == nil && n > 0 {
		return failf(status.InvalidArgument, "membership_set: members is NULL but n is %d", n)
	}
	stride, width, err := elementSize[C.libp2pc_member](elemSize, memberLayout, "membership_set: element size")
	if err != nil {
		return fail(err)
	}
	out := make([]membership.Member, 0, int(n))
	if n > 0 {
		for i := 0; i < int(n); i++ {
			var m C.libp2pc_member // the first width bytes of the host's element i; later fields keep their defaults
			copyPrefix(unsafe.Pointer(&m), unsafe.Add(unsafe.Pointer(members), uintptr(i)*stride), width)
			if m.id == nil || m.addr == nil {
				return failf(status.InvalidArgument, "membership_set: members[%d] has a NULL id or addr", i)
			}
			out = append(out, membership.Member{ID: membership.NodeID(C.GoString(m.id)), Addr: C.GoString(m.addr)})
		}
	}
	if err := e.n.SetMembership(out); err != nil {
		return fail(err)
	}
	return 0
}

//export libp2pc_node_member_send
func libp2pc_node_member_send(h C.libp2pc_node, id *C.char, data *C.uint8_t, length C.size_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	to, err := goString(id, "member_send: id")
	if err != nil {
		return fail(err)
	}
	p, err := payload(data, length, "member_send")
	if err != nil {
		return fail(err)
	}
	if err := e.n.MemberSend(to, p); err != nil {
		return fail(err)
	}
	return 0
}

//export libp2pc_node_member_broadcast
func libp2pc_node_member_broadcast(h C.libp2pc_node, data *C.uint8_t, length C.size_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	p, err := payload(data, length, "member_broadcast")
	if err != nil {
		return fail(err)
	}
	if err := e.n.MemberBroadcast(p); err != nil {
		return fail(err)
	}
	return 0
}

//export libp2pc_node_membership_counters
func libp2pc_node_membership_counters(h C.libp2pc_node, out *C.libp2pc_membership_counters) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	if err := checkOut(out, membershipCountersLayout, "membership_counters: out"); err != nil {
		return fail(err)
	}
	c, err := e.n.MembershipCounters()
	if err != nil {
		return fail(err)
	}
	val := C.libp2pc_membership_counters{
		enqueued:            C.uint64_t(c.Enqueued),
		sent:                C.uint64_t(c.Sent),
		sent_bytes:          C.uint64_t(c.SentBytes),
		dropped:             C.uint64_t(c.Dropped),
		write_failed:        C.uint64_t(c.WriteFailed),
		discarded:           C.uint64_t(c.Discarded),
		reconnects:          C.uint64_t(c.Reconnects),
		dial_failures:       C.uint64_t(c.DialFailures),
		send_too_large:      C.uint64_t(c.SendTooLarge),
		received:            C.uint64_t(c.Received),
		received_bytes:      C.uint64_t(c.ReceivedBytes),
		oversized_frames:    C.uint64_t(c.OversizedFrames),
		bad_streams:         C.uint64_t(c.BadPreambles + c.StaleStreams + c.PendingRejected),
		tentative_received:  C.uint64_t(c.TentativeReceived),
		tentative_evictions: C.uint64_t(c.TentativeEvictions),
		tentative_dropped:   C.uint64_t(c.TentativeDropped),
		tentative_flushed:   C.uint64_t(c.TentativeFlushed),
		events_queued:       C.uint64_t(c.EventsQueued),
		events_not_queued:   C.uint64_t(c.EventsNotQueued),
		members:             C.uint32_t(c.Members),
		connected:           C.uint32_t(c.Connected),
		receivers:           C.uint32_t(c.Receivers),
		tentative:           C.uint32_t(c.Tentative),
	}
	return rcOf(writeOut(out, &val, membershipCountersLayout, "membership_counters: out"))
}

//export libp2pc_node_member_counters
func libp2pc_node_member_counters(h C.libp2pc_node, id *C.char, out *C.libp2pc_member_counters) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	who, err := goString(id, "member_counters: id")
	if err != nil {
		return fail(err)
	}
	if err := checkOut(out, memberCountersLayout, "member_counters: out"); err != nil {
		return fail(err)
	}
	c, err := e.n.MembershipCounters()
	if err != nil {
		return fail(err)
	}
	if c.Peers == nil {
		return failf(status.Stopped, "member_counters: the node stopped; membership closed")
	}
	p, ok := c.Peers[membership.NodeID(who)]
	if !ok {
		return failf(status.NotFound, "member_counters: %q is not a member (or is this node)", who)
	}
	connected := C.uint32_t(0)
	if p.Connected {
		connected = 1
	}
	val := C.libp2pc_member_counters{
		connected:      connected,
		enqueued:       C.uint64_t(p.Enqueued),
		sent:           C.uint64_t(p.Sent),
		sent_bytes:     C.uint64_t(p.SentBytes),
		dropped:        C.uint64_t(p.Dropped),
		write_failed:   C.uint64_t(p.WriteFailed),
		reconnects:     C.uint64_t(p.Reconnects),
		dial_failures:  C.uint64_t(p.DialFailures),
		received:       C.uint64_t(p.Received),
		received_bytes: C.uint64_t(p.ReceivedBytes),
		queue_len:      C.uint64_t(p.QueueLen),
		queue_bytes:    C.uint64_t(p.QueueBytes),
		in_flight:      C.uint64_t(p.InFlight),
	}
	return rcOf(writeOut(out, &val, memberCountersLayout, "member_counters: out"))
}
