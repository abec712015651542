package main

/*
#include <stdlib.h>
#include <string.h>
#include "libp2pc.h"

// cgo cannot call a C function pointer directly.
static inline void libp2pc__call(libp2pc_event_cb cb, const libp2pc_event *ev, void *user_data) {
    cb(ev, user_data);
}

// One crossing from Go into C per delivery batch: a cgo call costs far more
// than the host's callback usually does.
static inline void libp2pc__call_batch(libp2pc_event_cb cb, libp2pc_event **evs, size_t n, void *user_data) {
    for (size_t i = 0; i < n; i++) cb(evs[i], user_data);
}
*/
import "C"

import (
	"time"
	"unsafe"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/identity"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// Every export starts with `defer guard(&rc)` (or guardVoid/guardPtr); a
// test (TestEveryExportIsGuarded) enforces it.

//export libp2pc_abi_version
func libp2pc_abi_version() (v C.uint32_t) {
	defer guardVoid()
	return C.uint32_t(abiMajor<<16 | abiMinor)
}

//export libp2pc_init
func libp2pc_init(hostVersion C.uint32_t) (rc C.int) {
	defer guard(&rc)
	major, minor := uint32(hostVersion)>>16, uint32(hostVersion)&0xffff
	if major != abiMajor || minor > abiMinor {
		return failf(status.ABIMismatch,
			"host was built against libp2pc ABI %d.%d; this library provides ABI %d.%d (rebuild the host against this library's libp2pc.h)",
			major, minor, abiMajor, abiMinor)
	}
	initialized.Store(true)
	return 0
}

//export libp2pc_config_init_sized
func libp2pc_config_init_sized(cfg *C.libp2pc_config, size C.size_t) (rc C.int) {
	defer guard(&rc)
	return rcOf(initSized(cfg, size, configLayout, "config_init"))
}

// goConfig converts the host's config (already copied by readConfig) into
// a node.Config.
func goConfig(cfg *C.libp2pc_config) (node.Config, error) {
	var out node.Config
	if cfg.listen_addrs_len > 0 {
		if cfg.listen_addrs == nil {
			return out, status.Errorf(status.InvalidArgument, "config.listen_addrs is NULL but listen_addrs_len is %d", cfg.listen_addrs_len)
		}
		for i, a := range unsafe.Slice(cfg.listen_addrs, cfg.listen_addrs_len) {
			if a == nil {
				return out, status.Errorf(status.InvalidArgument, "config.listen_addrs[%d] is NULL", i)
			}
			out.ListenAddrs = append(out.ListenAddrs, C.GoString(a))
		}
	}
	out.MaxPeers = int(cfg.max_peers)
	out.Queue = events.Capacities{
		Gossip:  int(cfg.gossip_queue_capacity),
		Control: int(cfg.control_queue_capacity),
		Errors:  int(cfg.error_queue_capacity),
	}
	out.MaxMessageSize = int(cfg.max_message_size)
	out.DialTimeout = time.Duration(cfg.dial_timeout_ms) * time.Millisecond
	out.StopGrace = time.Duration(cfg.stop_grace_ms) * time.Millisecond
	if cfg.identity_key_path != nil {
		key, err := identity.LoadOrCreate(C.GoString(cfg.identity_key_path))
		if err != nil {
			return out, err
		}
		out.Key = key
	}
	return out, nil
}

//export libp2pc_node_new
func libp2pc_node_new(cfgIn *C.libp2pc_config, out *C.libp2pc_node) (rc C.int) {
	defer guard(&rc)
	if !initialized.Load() {
		return failf(status.NotInitialized, "node_new: call libp2pc_init(LIBP2PC_ABI_VERSION) first")
	}
	if out == nil {
		return failf(status.InvalidArgument, "node_new: out must not be NULL")
	}
	hostCfg, growth, err := readConfig(cfgIn)
	if err != nil {
		return fail(err)
	}
	cfg := &hostCfg
	gcfg, err := goConfig(cfg)
	if err != nil {
		return fail(err)
	}
	e := &entry{cb: cfg.on_event, userData: cfg.user_data, growth: growth}
	var deliveryArena *arena
	if e.cb != nil {
		// The sink runs only on the node's delivery thread, so one arena
		// serves every batch; it is freed once that thread has finished.
		// Event data stays valid until the callback for that event returns
		// (in fact until the whole batch has been delivered).
		deliveryArena = &arena{}
		gcfg.BatchSink = func(evs []events.Event) {
			for len(evs) > 0 {
				ptrs, n := deliveryArena.marshalBatch(evs)
				C.libp2pc__call_batch(e.cb, ptrs, C.size_t(n), e.userData)
				last := evs[n-1].Type
				evs = evs[n:]
				if last == events.Stopped {
					// STOPPED is the node's last event: free the arena as
					// soon as its callback returns, on this thread. A host
					// may exit right after seeing STOPPED; the goroutine
					// below would free it only after a scheduling delay
					// (LeakSanitizer then calls it a leak).
					deliveryArena.free()
				}
			}
		}
	}
	n, err := node.New(gcfg)
	if err != nil {
		return fail(err)
	}
	e.n = n
	if deliveryArena != nil {
		go func() {
			<-n.DeliveryFinished()
			deliveryArena.free()
		}()
	}
	*out = C.libp2pc_node(register(e))
	return 0
}

// request runs one asynchronous call and stores its request id in the
// host's *reqOut before any event carrying that id can be delivered (the
// header's request-id rule; node.Issue).
func request(h C.libp2pc_node, reqOut *C.uint64_t, call func(n *node.Node) (uint64, error)) C.int {
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	if reqOut == nil {
		return failf(status.InvalidArgument, "request_id must not be NULL")
	}
	err = e.n.Issue(func() (uint64, error) { return call(e.n) }, func(id uint64) { *reqOut = C.uint64_t(id) })
	if err != nil {
		return fail(err)
	}
	return 0
}

//export libp2pc_node_start
func libp2pc_node_start(h C.libp2pc_node, reqOut *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	return request(h, reqOut, (*node.Node).Start)
}

//export libp2pc_node_stop
func libp2pc_node_stop(h C.libp2pc_node, reqOut *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	return request(h, reqOut, (*node.Node).Stop)
}

//export libp2pc_node_destroy
func libp2pc_node_destroy(h C.libp2pc_node) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	if e.n.InOwnCallback() {
		return failf(status.InCallback,
			"node_destroy called from inside the node's own callback; call it after the callback returns (e.g. on STOPPED)")
	}
	unregister(e.handle)
	releaseMetrics(e.handle)
	if err := e.n.Destroy(); err != nil {
		return fail(err)
	}
	return 0
}

//export libp2pc_node_peer_id
func libp2pc_node_peer_id(h C.libp2pc_node, buf *C.char, bufLen C.size_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	id := e.n.ID().String()
	if buf == nil || int(bufLen) < len(id)+1 {
		return failf(status.InvalidArgument, "peer_id: buffer of %d bytes cannot hold %d bytes and a NUL", bufLen, len(id))
	}
	out := unsafe.Slice((*byte)(unsafe.Pointer(buf)), len(id)+1)
	copy(out, id)
	out[len(id)] = 0
	return 0
}

func goString(p *C.char, what string) (string, error) {
	if p == nil {
		return "", status.Errorf(status.InvalidArgument, "%s must not be NULL", what)
	}
	return C.GoString(p), nil
}

//export libp2pc_node_dial
func libp2pc_node_dial(h C.libp2pc_node, addr *C.char, reqOut *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	a, err := goString(addr, "multiaddr")
	if err != nil {
		return fail(err)
	}
	return request(h, reqOut, func(n *node.Node) (uint64, error) { return n.Dial(a) })
}

//export libp2pc_node_disconnect
func libp2pc_node_disconnect(h C.libp2pc_node, peerID *C.char, reqOut *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	p, err := goString(peerID, "peer_id")
	if err != nil {
		return fail(err)
	}
	return request(h, reqOut, func(n *node.Node) (uint64, error) { return n.Disconnect(p) })
}

//export libp2pc_node_subscribe
func libp2pc_node_subscribe(h C.libp2pc_node, topic *C.char, reqOut *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	t, err := goString(topic, "topic")
	if err != nil {
		return fail(err)
	}
	return request(h, reqOut, func(n *node.Node) (uint64, error) { return n.Subscribe(t) })
}

//export libp2pc_node_unsubscribe
func libp2pc_node_unsubscribe(h C.libp2pc_node, topic *C.char, reqOut *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	t, err := goString(topic, "topic")
	if err != nil {
		return fail(err)
	}
	return request(h, reqOut, func(n *node.Node) (uint64, error) { return n.Unsubscribe(t) })
}

//export libp2pc_node_publish
func libp2pc_node_publish(h C.libp2pc_node, topic *C.char, data *C.uint8_t, length C.size_t, reqOut *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	t, err := goString(topic, "topic")
	if err != nil {
		return fail(err)
	}
	if data == nil && length > 0 {
		return failf(status.InvalidArgument, "publish: data is NULL but len is %d", length)
	}
	var payload []byte
	if length > 0 {
		// Borrowed view of the host's buffer; Node.Publish copies it
		// before returning.
		payload = unsafe.Slice((*byte)(unsafe.Pointer(data)), int(length))
	}
	return request(h, reqOut, func(n *node.Node) (uint64, error) { return n.Publish(t, payload) })
}

//export libp2pc_node_peers_sized
func libp2pc_node_peers_sized(h C.libp2pc_node, out **C.libp2pc_peer, count *C.size_t, elemSize C.size_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	if out == nil || count == nil {
		return failf(status.InvalidArgument, "peers: out and count must not be NULL")
	}
	stride, n, err := elementSize[C.libp2pc_peer](elemSize, peerLayout, "peers: element size")
	if err != nil {
		return fail(err)
	}
	peers := e.n.Peers()
	*out, *count = nil, 0
	if len(peers) == 0 {
		return 0
	}
	strLen := 0
	for _, p := range peers {
		strLen += len(p.ID) + len(p.Direction) + len(p.Addr) + 3
	}
	rows, err := newRowBlock(len(peers), stride, n, strLen, "peers")
	if err != nil {
		return fail(err)
	}
	for i, p := range peers {
		row := C.libp2pc_peer{peer_id: rows.str(p.ID), direction: rows.str(p.Direction), addr: rows.str(p.Addr)}
		rows.set(i, unsafe.Pointer(&row))
	}
	rows.done()
	*out, *count = (*C.libp2pc_peer)(rows.block), C.size_t(len(peers))
	return 0
}

//export libp2pc_peers_free
func libp2pc_peers_free(peers *C.libp2pc_peer) {
	defer guardVoid()
	if peers != nil {
		C.free(unsafe.Pointer(peers))
	}
}

//export libp2pc_node_event_fd
func libp2pc_node_event_fd(h C.libp2pc_node, fd *C.int) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	if fd == nil {
		return failf(status.InvalidArgument, "event_fd: fd must not be NULL")
	}
	v, err := e.n.EventFD()
	if err != nil {
		return fail(err)
	}
	*fd = C.int(v)
	return 0
}

//export libp2pc_node_poll
func libp2pc_node_poll(h C.libp2pc_node, cb C.libp2pc_event_cb, userData unsafe.Pointer, max C.size_t, delivered *C.size_t) (rc C.int) {
	defer guard(&rc)
	if delivered != nil {
		*delivered = 0
	}
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	if cb == nil {
		return failf(status.InvalidArgument, "poll: cb must not be NULL")
	}
	if e.pollDone.Load() {
		return failf(status.Stopped, "poll: the node stopped; its STOPPED event was already delivered")
	}
	// A fresh arena per call: the host may poll from any thread (one at a
	// time), and the arena must not outlive a concurrent destroy.
	var a arena
	defer a.free()
	n, done, err := e.n.Poll(func(ev *events.Event) {
		C.libp2pc__call(cb, a.marshal(ev), userData)
	}, int(max))
	if err != nil {
		return fail(err)
	}
	if done {
		e.pollDone.Store(true)
	}
	if delivered != nil {
		*delivered = C.size_t(n)
	}
	return 0
}

//export libp2pc_node_counters
func libp2pc_node_counters(h C.libp2pc_node, out *C.libp2pc_counters) (rc C.int) {
	defer guard(&rc)
	if err := checkOut(out, countersLayout, "counters: out"); err != nil {
		return fail(err)
	}
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	c, q := e.n.Counters(), e.n.QueueStats()
	val := C.libp2pc_counters{
		events_delivered:         C.uint64_t(q.Delivered),
		dropped_gossip:           C.uint64_t(q.Dropped.Gossip),
		dropped_errors:           C.uint64_t(q.Dropped.Errors),
		dropped_subscription:     C.uint64_t(c.SubscriptionDrops),
		dropped_outbound_rpcs:    C.uint64_t(c.OutboundRPCDrops),
		stale_gossip:             C.uint64_t(c.StaleGossip),
		peers_refused_limit:      C.uint64_t(c.PeersRefusedLimit),
		peers_refused_queue:      C.uint64_t(c.PeersRefusedQueue),
		calls_refused_busy:       C.uint64_t(c.CallsRefusedBusy),
		messages_received:        C.uint64_t(c.MessagesReceived),
		messages_published:       C.uint64_t(c.MessagesPublished),
		connected_peers:          C.uint64_t(c.ConnectedPeers),
		duplicate_connections:    C.uint64_t(c.DuplicateConnsSeen),
		recovered_panics:         C.uint64_t(c.RecoveredPanics),
		gossip_queue_len:         C.uint32_t(q.GossipLen),
		gossip_queue_capacity:    C.uint32_t(q.GossipCap),
		gossip_queue_high_water:  C.uint32_t(q.GossipHighWater),
		control_queue_len:        C.uint32_t(q.ControlLen),
		control_queue_capacity:   C.uint32_t(q.ControlCap),
		control_queue_high_water: C.uint32_t(q.ControlHighWater),
		error_queue_len:          C.uint32_t(q.ErrorLen),
		error_queue_capacity:     C.uint32_t(q.ErrorCap),
		error_queue_high_water:   C.uint32_t(q.ErrorHighWater),
	}
	return rcOf(writeCounters(out, &val, e.growth))
}

//export libp2pc_debug_panic
func libp2pc_debug_panic() (rc C.int) {
	defer guard(&rc)
	panic("libp2pc_debug_panic: a deliberate panic to exercise the ABI guard")
}
