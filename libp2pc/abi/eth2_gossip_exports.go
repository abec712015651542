package main

/*
#include <stdlib.h>
#include "libp2pc.h"
*/
import "C"

import (
	"os"
	"time"
	"unsafe"

	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// The eth2 gossip exports (header section "Eth2 gossip"). None waits:
// configure, report_validation and counters return at once; subscribe,
// unsubscribe and publish complete with REQUEST_DONE.

//export libp2pc_eth2_config_init_sized
func libp2pc_eth2_config_init_sized(cfg *C.libp2pc_eth2_config, size C.size_t) (rc C.int) {
	defer guard(&rc)
	return rcOf(initSized(cfg, size, eth2ConfigLayout, "eth2_config_init"))
}

//export libp2pc_node_eth2_configure
func libp2pc_node_eth2_configure(h C.libp2pc_node, cfgIn *C.libp2pc_eth2_config) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	hostCfg, err := readIn(cfgIn, eth2ConfigLayout, "eth2_configure: cfg")
	if err != nil {
		return fail(err)
	}
	cfg := &hostCfg
	var yml []byte
	switch {
	case cfg.config_yaml != nil && cfg.config_path != nil:
		return failf(status.InvalidArgument, "eth2_configure: set config_yaml or config_path, not both")
	case cfg.config_yaml != nil:
		yml = C.GoBytes(unsafe.Pointer(cfg.config_yaml), C.int(cfg.config_yaml_len))
	case cfg.config_path != nil:
		if yml, err = os.ReadFile(C.GoString(cfg.config_path)); err != nil {
			return failf(status.IO, "eth2_configure: %v", err)
		}
	default:
		return failf(status.InvalidArgument, "eth2_configure: no consensus config (config_yaml or config_path)")
	}
	var root [32]byte
	copy(root[:], unsafe.Slice((*byte)(unsafe.Pointer(&cfg.genesis_validators_root[0])), 32))
	c, err := node.Eth2ConfigFromYAML(yml, time.Unix(int64(cfg.genesis_time), 0), root)
	if err != nil {
		return fail(err)
	}
	if cfg.slots_per_epoch != 0 {
		c.Chain.SlotsPerEpoch = uint64(cfg.slots_per_epoch)
	}
	if cfg.active_validators != 0 {
		c.Chain.ActiveValidators = uint64(cfg.active_validators)
	}
	c.ValidationTimeout = time.Duration(cfg.validation_timeout_ms) * time.Millisecond
	c.MaxPendingValidations = int(cfg.max_pending_validations)
	c.ForkLeadSlots = uint64(cfg.fork_lead_slots)
	c.ForkTailSlots = uint64(cfg.fork_tail_slots)
	if err := e.n.ConfigureEth2(c); err != nil {
		return fail(err)
	}
	return 0
}

//export libp2pc_node_eth2_subscribe
func libp2pc_node_eth2_subscribe(h C.libp2pc_node, name *C.char, mode C.uint32_t, reqOut *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	s, err := goString(name, "topic_name")
	if err != nil {
		return fail(err)
	}
	return request(h, reqOut, func(n *node.Node) (uint64, error) { return n.Eth2Subscribe(s, node.ValidationMode(mode)) })
}

//export libp2pc_node_eth2_unsubscribe
func libp2pc_node_eth2_unsubscribe(h C.libp2pc_node, name *C.char, reqOut *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	s, err := goString(name, "topic_name")
	if err != nil {
		return fail(err)
	}
	return request(h, reqOut, func(n *node.Node) (uint64, error) { return n.Eth2Unsubscribe(s) })
}

//export libp2pc_node_eth2_publish
func libp2pc_node_eth2_publish(h C.libp2pc_node, topic *C.char, ssz *C.uint8_t, length C.size_t, reqOut *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	s, err := goString(topic, "topic")
	if err != nil {
		return fail(err)
	}
	data, err := payload(ssz, length, "eth2_publish")
	if err != nil {
		return fail(err)
	}
	// data is borrowed; Eth2Publish copies it before returning (and
	// compresses the copy later, on the topic's publish worker).
	return request(h, reqOut, func(n *node.Node) (uint64, error) { return n.Eth2Publish(s, data) })
}

//export libp2pc_node_eth2_publish_nowait
func libp2pc_node_eth2_publish_nowait(h C.libp2pc_node, topic *C.char, ssz *C.uint8_t, length C.size_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	s, err := goString(topic, "topic")
	if err != nil {
		return fail(err)
	}
	data, err := payload(ssz, length, "eth2_publish_nowait")
	if err != nil {
		return fail(err)
	}
	// data is borrowed; Eth2PublishNoWait copies it before returning.
	if err := e.n.Eth2PublishNoWait(s, data); err != nil {
		return fail(err)
	}
	return 0
}

//export libp2pc_node_eth2_publish_nowait_counters
func libp2pc_node_eth2_publish_nowait_counters(h C.libp2pc_node, dropped, failed *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	c := e.n.Counters()
	if dropped != nil {
		*dropped = C.uint64_t(c.PublishNoWaitDropped)
	}
	if failed != nil {
		*failed = C.uint64_t(c.PublishNoWaitFailed)
	}
	return 0
}

//export libp2pc_node_report_validation
func libp2pc_node_report_validation(h C.libp2pc_node, validationID C.uint64_t, result C.uint32_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	if err := e.n.ReportValidation(uint64(validationID), node.ValidationResult(result)); err != nil {
		return fail(err)
	}
	return 0
}

//export libp2pc_node_eth2_counters
func libp2pc_node_eth2_counters(h C.libp2pc_node, out *C.libp2pc_eth2_counters) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	if err := checkOut(out, eth2CountersLayout, "eth2_counters: out"); err != nil {
		return fail(err)
	}
	c := e.n.Eth2Counters()
	val := C.libp2pc_eth2_counters{
		pending_validations:  C.uint32_t(c.PendingValidations),
		invalid_snappy:       C.uint64_t(c.InvalidSnappy),
		compressed_too_large: C.uint64_t(c.CompressedTooLarge),
		decoded_too_large:    C.uint64_t(c.DecodedTooLarge),
		pending_full:         C.uint64_t(c.PendingFull),
		peer_gone:            C.uint64_t(c.PeerGone),
		unknown_topic:        C.uint64_t(c.UnknownTopic),
		not_subscribed:       C.uint64_t(c.NotSubscribed),
		late_reports:         C.uint64_t(c.LateReports),
		pubsub_rejected:      C.uint64_t(c.PubsubRejected),
		pubsub_ignored:       C.uint64_t(c.PubsubIgnored),
		pubsub_throttled:     C.uint64_t(c.PubsubThrottled),
	}
	for i, k := range node.Eth2TopicKinds {
		t := c.Topics[k]
		val.topics[i] = C.libp2pc_eth2_topic_counters{accepted: C.uint64_t(t.Accepted), rejected: C.uint64_t(t.Rejected),
			ignored: C.uint64_t(t.Ignored), timed_out: C.uint64_t(t.TimedOut)}
	}
	return rcOf(writeOut(out, &val, eth2CountersLayout, "eth2_counters: out"))
}
