package main

/*
#include <stdlib.h>
#include "libp2pc.h"
*/
import "C"

import (
	"math"
	"net"
	"time"
	"unsafe"

	"github.com/libp2pc/libp2pc/libp2pc/discovery"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/peermgr"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// The discovery and peer management exports (header section "Discovery and
// peer management"). None waits.

//export libp2pc_discovery_config_init_sized
func libp2pc_discovery_config_init_sized(cfg *C.libp2pc_discovery_config, size C.size_t) (rc C.int) {
	defer guard(&rc)
	return rcOf(initSized(cfg, size, discoveryConfigLayout, "discovery_config_init"))
}

// cStrings copies a C string array.
func cStrings(arr **C.char, n C.size_t, what string) ([]string, error) {
	if n == 0 {
		return nil, nil
	}
	if arr == nil {
		return nil, status.Errorf(status.InvalidArgument, "%s is NULL but its length is %d", what, n)
	}
	out := make([]string, 0, int(n))
	for i, s := range unsafe.Slice(arr, n) {
		if s == nil {
			return nil, status.Errorf(status.InvalidArgument, "%s[%d] is NULL", what, i)
		}
		out = append(out, C.GoString(s))
	}
	return out, nil
}

//export libp2pc_node_discovery_configure
func libp2pc_node_discovery_configure(h C.libp2pc_node, cfgIn *C.libp2pc_discovery_config) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	hostCfg, err := readIn(cfgIn, discoveryConfigLayout, "discovery_configure: cfg")
	if err != nil {
		return fail(err)
	}
	cfg := &hostCfg
	var c node.DiscoveryConfig
	if cfg.listen_udp != nil {
		c.ListenUDP = C.GoString(cfg.listen_udp)
	}
	if cfg.advertise_ip != nil {
		s := C.GoString(cfg.advertise_ip)
		if c.AdvertiseIP = net.ParseIP(s); c.AdvertiseIP == nil {
			return failf(status.InvalidArgument, "discovery_configure: advertise_ip %q is not an IP address", s)
		}
	}
	if c.Bootnodes, err = cStrings(cfg.bootnodes, cfg.bootnodes_len, "discovery_config.bootnodes"); err != nil {
		return fail(err)
	}
	if c.StaticPeers, err = cStrings(cfg.static_peers, cfg.static_peers_len, "discovery_config.static_peers"); err != nil {
		return fail(err)
	}
	if c.TrustedPeers, err = cStrings(cfg.trusted_peers, cfg.trusted_peers_len, "discovery_config.trusted_peers"); err != nil {
		return fail(err)
	}
	c.TargetPeers, c.MaxPeers, c.PruneAbove = int(cfg.target_peers), int(cfg.max_peers), int(cfg.prune_above)
	if cfg.outbound_percent > 100 {
		return failf(status.InvalidArgument, "discovery_configure: outbound_percent %d above 100", cfg.outbound_percent)
	}
	c.OutboundFraction = float64(cfg.outbound_percent) / 100
	c.BanDuration = time.Duration(cfg.ban_seconds) * time.Second
	c.MaxBanDuration = time.Duration(cfg.max_ban_seconds) * time.Second
	c.StatusTimeout = time.Duration(cfg.status_timeout_ms) * time.Millisecond
	c.TickInterval = time.Duration(cfg.tick_ms) * time.Millisecond
	c.MaxFinalizedLag = uint64(cfg.max_finalized_lag)
	copy(c.Attnets[:], unsafe.Slice((*byte)(unsafe.Pointer(&cfg.attnets[0])), 8))
	c.Syncnets = discovery.Syncnets(cfg.syncnets)
	c.CustodyGroupCount = uint64(cfg.custody_group_count)
	return rcOf(e.n.ConfigureDiscovery(c))
}

//export libp2pc_node_fork_digest
func libp2pc_node_fork_digest(h C.libp2pc_node, digest *C.uint8_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	if digest == nil {
		return failf(status.InvalidArgument, "fork_digest: digest is NULL")
	}
	d, err := e.n.Eth2CurrentDigest()
	if err != nil {
		return fail(err)
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(digest)), 4), d[:])
	return 0
}

//export libp2pc_node_enr
func libp2pc_node_enr(h C.libp2pc_node, buf *C.char, bufLen C.size_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	if buf == nil {
		return failf(status.InvalidArgument, "enr: buf is NULL")
	}
	s, err := e.n.ENR()
	if err != nil {
		return fail(err)
	}
	if uintptr(len(s))+1 > uintptr(bufLen) {
		return failf(status.InvalidArgument, "enr: buffer of %d bytes, need %d", bufLen, len(s)+1)
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(buf)), len(s)+1)
	copy(b, s)
	b[len(s)] = 0
	return 0
}

//export libp2pc_node_update_enr
func libp2pc_node_update_enr(h C.libp2pc_node, attnets *C.uint8_t, syncnets C.uint8_t, cgc C.uint64_t, seqOut *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	var a *discovery.Attnets
	if attnets != nil {
		a = new(discovery.Attnets)
		copy(a[:], unsafe.Slice((*byte)(unsafe.Pointer(attnets)), 8))
	}
	var sn *discovery.Syncnets
	if syncnets != 0xff {
		v := discovery.Syncnets(syncnets)
		sn = &v
	}
	seq, err := e.n.UpdateENR(a, sn, uint64(cgc))
	if err != nil {
		return fail(err)
	}
	if seqOut != nil {
		*seqOut = C.uint64_t(seq)
	}
	return 0
}

//export libp2pc_node_peer_table_sized
func libp2pc_node_peer_table_sized(h C.libp2pc_node, out **C.libp2pc_peer_info, count *C.size_t, elemSize C.size_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	if out == nil || count == nil {
		return failf(status.InvalidArgument, "peer_table: out and count must not be NULL")
	}
	stride, n, err := elementSize[C.libp2pc_peer_info](elemSize, peerInfoLayout, "peer_table: element size")
	if err != nil {
		return fail(err)
	}
	*out, *count = nil, 0
	tab, err := e.n.PeerTable()
	if err != nil {
		return fail(err)
	}
	if len(tab) == 0 {
		return 0
	}
	// One allocation: the array, then its strings (libp2pc_peer_table_free
	// is a single free()).
	strLen := 0
	for _, r := range tab {
		strLen += len(r.ID) + len(r.Direction) + len(r.Addr) + len(r.Agent) + len(r.BanReason) + 5
	}
	rows, err := newRowBlock(len(tab), stride, n, strLen, "peer_table")
	if err != nil {
		return fail(err)
	}
	put := rows.str
	ms := func(t time.Time) C.uint64_t {
		if t.IsZero() {
			return 0
		}
		return C.uint64_t(t.UnixMilli())
	}
	for i, r := range tab {
		var flags C.uint32_t
		for _, f := range []struct {
			on  bool
			bit C.uint32_t
		}{{r.Connected, C.LIBP2PC_PEER_CONNECTED}, {r.Static, C.LIBP2PC_PEER_STATIC}, {r.Trusted, C.LIBP2PC_PEER_TRUSTED},
			{r.HasENR, C.LIBP2PC_PEER_HAS_ENR}, {r.HasStatus, C.LIBP2PC_PEER_HAS_STATUS}} {
			if f.on {
				flags |= f.bit
			}
		}
		score := r.Score
		if math.IsNaN(score) {
			score = 0
		}
		row := C.libp2pc_peer_info{
			peer_id: put(r.ID), direction: put(r.Direction), addr: put(r.Addr), agent: put(r.Agent), ban_reason: put(r.BanReason),
			score: C.double(score), flags: flags, banned_until_ms: ms(r.BannedUntil), enr_seq: C.uint64_t(r.ENRSeq),
			syncnets: C.uint8_t(r.Syncnets), custody_group_count: C.uint64_t(r.CustodyGroupCount),
			finalized_epoch: C.uint64_t(r.Status.FinalizedEpoch), head_slot: C.uint64_t(r.Status.HeadSlot),
			earliest_available_slot: C.uint64_t(r.Status.EarliestAvailableSlot),
		}
		if r.Connected {
			row.connected_since_ms = ms(r.Since)
		}
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&row.attnets[0])), 8), r.Attnets[:])
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&row.fork_digest[0])), 4), r.Status.ForkDigest[:])
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&row.finalized_root[0])), 32), r.Status.FinalizedRoot[:])
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&row.head_root[0])), 32), r.Status.HeadRoot[:])
		rows.set(i, unsafe.Pointer(&row))
	}
	rows.done()
	*out, *count = (*C.libp2pc_peer_info)(rows.block), C.size_t(len(tab))
	return 0
}

//export libp2pc_peer_table_free
func libp2pc_peer_table_free(table *C.libp2pc_peer_info) {
	defer guardVoid()
	if table != nil {
		C.free(unsafe.Pointer(table))
	}
}

//export libp2pc_node_ban
func libp2pc_node_ban(h C.libp2pc_node, peerID *C.char, seconds C.uint32_t, reason C.uint64_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	p, err := goString(peerID, "ban: peer_id")
	if err != nil {
		return fail(err)
	}
	return rcOf(e.n.Ban(p, time.Duration(seconds)*time.Second, peermgr.GoodbyeReason(reason)))
}

//export libp2pc_node_discovery_counters
func libp2pc_node_discovery_counters(h C.libp2pc_node, out *C.libp2pc_discovery_counters) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	if err := checkOut(out, discoveryCountersLayout, "discovery_counters: out"); err != nil {
		return fail(err)
	}
	if !e.n.DiscoveryConfigured() {
		return failf(status.BadState, "discovery_counters: discovery is not configured")
	}
	c := e.n.DiscoveryCounters()
	u := func(v uint64) C.uint64_t { return C.uint64_t(v) }
	val := C.libp2pc_discovery_counters{
		discovered: u(c.Discovered), address_book: u(c.AddressBook),
		dials: u(c.Dials), dials_failed: u(c.DialsFailed), goodbyes_sent: u(c.GoodbyesSent), bans: u(c.Bans),
		banned: u(c.Banned), refused_banned: u(c.RefusedBanned), ban_events_dropped: u(c.BanEventsDropped),
		gossip_rejects: u(c.GossipRejects), reqresp_faults: u(c.ReqRespFaults), faults_dropped: u(c.FaultsDropped),
		status_checked: u(c.StatusChecked), subnet_searches: u(c.SubnetSearches), enr_seq: u(c.ENRSeq),
		connected: C.uint32_t(c.Connected), inbound: C.uint32_t(c.Inbound), outbound: C.uint32_t(c.Outbound),
	}
	return rcOf(writeOut(out, &val, discoveryCountersLayout, "discovery_counters: out"))
}
