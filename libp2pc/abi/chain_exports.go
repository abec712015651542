package main

/*
#include <stdlib.h>
#include <string.h>
#include "libp2pc.h"
*/
import "C"

import (
	"unsafe"

	"github.com/libp2pc/libp2pc/libp2pc/chainsvc"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// The chain exports (header section "Chain").

//export libp2pc_chain_config_init_sized
func libp2pc_chain_config_init_sized(cfg *C.libp2pc_chain_config, size C.size_t) (rc C.int) {
	defer guard(&rc)
	return rcOf(initSized(cfg, size, chainConfigLayout, "chain_config_init"))
}

//export libp2pc_node_chain_start
func libp2pc_node_chain_start(h C.libp2pc_node, cfgIn *C.libp2pc_chain_config, reqOut *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	cc, err := chainConfigOf(cfgIn)
	if err != nil {
		return fail(err)
	}
	return request(h, reqOut, func(n *node.Node) (uint64, error) {
		return chainsvc.Start(n, cc)
	})
}

// chainConfigOf reads the host's libp2pc_chain_config (the fields of its
// minor version; later ones stay zero) into a chainsvc.ChainConfig.
func chainConfigOf(cfgIn *C.libp2pc_chain_config) (chainsvc.ChainConfig, error) {
	hostCfg, err := readIn(cfgIn, chainConfigLayout, "chain_start: config")
	if err != nil {
		return chainsvc.ChainConfig{}, err
	}
	cfg := &hostCfg
	dir, err := goString(cfg.data_dir, "data_dir")
	if err != nil {
		return chainsvc.ChainConfig{}, err
	}
	bytesOf := func(p *C.uint8_t, n C.size_t, what string) ([]byte, error) {
		if n == 0 {
			return nil, nil
		}
		if p == nil {
			return nil, status.Errorf(status.InvalidArgument, "chain_start: %s is NULL with length %d", what, n)
		}
		return C.GoBytes(unsafe.Pointer(p), C.int(n)), nil
	}
	anchor, err := bytesOf(cfg.anchor_state, cfg.anchor_state_len, "anchor_state")
	if err != nil {
		return chainsvc.ChainConfig{}, err
	}
	yaml, err := bytesOf(cfg.config_yaml, cfg.config_yaml_len, "config_yaml")
	if err != nil {
		return chainsvc.ChainConfig{}, err
	}
	cc := chainsvc.ChainConfig{DataDir: dir, AnchorState: anchor, ConsensusConfig: yaml}
	optString := func(p *C.char) string {
		if p == nil {
			return ""
		}
		return C.GoString(p)
	}
	// readIn zeroed the fields past the host's struct_size (and refused a
	// size that cuts a field): a 2.0 host's checkpoint fields and a 2.1
	// host's 2.2 fields read as NULL/0, their defaults.
	cc.CheckpointURL, cc.CheckpointID = optString(cfg.checkpoint_sync_url), optString(cfg.checkpoint_id)
	cc.WSCheckpoint = optString(cfg.ws_checkpoint)
	if cc.CheckpointState, err = bytesOf(cfg.checkpoint_state, cfg.checkpoint_state_len, "checkpoint_state"); err != nil {
		return chainsvc.ChainConfig{}, err
	}
	if cc.CheckpointBlock, err = bytesOf(cfg.checkpoint_block, cfg.checkpoint_block_len, "checkpoint_block"); err != nil {
		return chainsvc.ChainConfig{}, err
	}
	// ABI 2.2: backfill window, stale checkpoint override, custody, execution engine.
	cc.BackfillEpochs = uint64(cfg.backfill_epochs)
	switch cfg.allow_stale_checkpoint {
	case 0:
	case 1:
		cc.AllowStaleCheckpoint = true
	default:
		return chainsvc.ChainConfig{}, status.Errorf(status.InvalidArgument, "chain_start: allow_stale_checkpoint is %d, not 0 or 1", cfg.allow_stale_checkpoint)
	}
	cc.CustodyGroupCount = uint64(cfg.custody_group_count)
	cc.Engine.Endpoint = optString(cfg.engine_endpoint)
	cc.Engine.JWTSecretPath = optString(cfg.jwt_secret_path)
	cc.Engine.JWTSecret = *(*[32]byte)(unsafe.Pointer(&cfg.jwt_secret[0]))
	return cc, nil
}

func put32(dst *C.uint8_t, src [32]byte) {
	if dst != nil {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(dst)), 32), src[:])
	}
}

//export libp2pc_node_chain_head
func libp2pc_node_chain_head(h C.libp2pc_node, rootOut *C.uint8_t, slot *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	root, s, err := chainsvc.Head(e.n)
	if err != nil {
		return fail(err)
	}
	put32(rootOut, root)
	if slot != nil {
		*slot = C.uint64_t(s)
	}
	return 0
}

//export libp2pc_node_chain_finalized
func libp2pc_node_chain_finalized(h C.libp2pc_node, rootOut *C.uint8_t, epoch *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	cp, err := chainsvc.Finalized(e.n)
	if err != nil {
		return fail(err)
	}
	put32(rootOut, cp.Root)
	if epoch != nil {
		*epoch = C.uint64_t(cp.Epoch)
	}
	return 0
}

//export libp2pc_node_get_block
func libp2pc_node_get_block(h C.libp2pc_node, root *C.uint8_t, out **C.uint8_t, n *C.size_t) (rc C.int) {
	defer guard(&rc)
	if root == nil || out == nil || n == nil {
		return failf(status.InvalidArgument, "get_block: root, out and len must not be NULL")
	}
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	r := [32]byte(C.GoBytes(unsafe.Pointer(root), 32))
	b, err := chainsvc.Block(e.n, r)
	if err != nil {
		return fail(err)
	}
	mem, err := mallocCopy(b, "get_block")
	if err != nil {
		return fail(err)
	}
	*out, *n = mem, C.size_t(len(b))
	return 0
}

// mallocCopy copies b into a buffer from C.malloc (at least 1 byte), which
// the caller owns and frees with libp2pc_free.
func mallocCopy(b []byte, what string) (*C.uint8_t, error) {
	mem := C.malloc(C.size_t(max(1, len(b))))
	if mem == nil {
		return nil, status.Errorf(status.Internal, "%s: out of memory (%d bytes)", what, len(b))
	}
	if len(b) > 0 {
		C.memcpy(mem, unsafe.Pointer(&b[0]), C.size_t(len(b)))
	}
	return (*C.uint8_t)(mem), nil
}

//export libp2pc_node_get_state
func libp2pc_node_get_state(h C.libp2pc_node, root *C.uint8_t, out **C.uint8_t, n *C.size_t) (rc C.int) {
	defer guard(&rc)
	if root == nil || out == nil || n == nil {
		return failf(status.InvalidArgument, "get_state: root, out and len must not be NULL")
	}
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	s, err := chainsvc.State(e.n, [32]byte(C.GoBytes(unsafe.Pointer(root), 32)))
	if err != nil {
		return fail(err)
	}
	mem, err := mallocCopy(s, "get_state")
	if err != nil {
		return fail(err)
	}
	*out, *n = mem, C.size_t(len(s))
	return 0
}

//export libp2pc_node_chain_submit_block
func libp2pc_node_chain_submit_block(h C.libp2pc_node, ssz *C.uint8_t, n C.size_t, rootOut *C.uint8_t) (rc C.int) {
	defer guard(&rc)
	if ssz == nil || n == 0 {
		return failf(status.InvalidArgument, "chain_submit_block: block is NULL or empty")
	}
	if n > 1<<30 {
		return failf(status.TooLarge, "chain_submit_block: %d bytes", n)
	}
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	root, err := chainsvc.SubmitBlock(e.n, C.GoBytes(unsafe.Pointer(ssz), C.int(n)))
	if err != nil {
		return fail(err)
	}
	put32(rootOut, root)
	return 0
}

//export libp2pc_node_chain_sync_status
func libp2pc_node_chain_sync_status(h C.libp2pc_node, out *C.libp2pc_chain_sync_status) (rc C.int) {
	defer guard(&rc)
	if err := checkOut(out, syncStatusLayout, "chain_sync_status: out"); err != nil {
		return fail(err)
	}
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	s, err := chainsvc.SyncStatus(e.n)
	if err != nil {
		return fail(err)
	}
	u := func(v uint64) C.uint64_t { return C.uint64_t(v) }
	r := C.libp2pc_chain_sync_status{
		head_slot: u(s.HeadSlot), current_slot: u(s.CurrentSlot),
		sync_distance: u(s.SyncDistance), finalized_epoch: u(s.FinalizedEpoch),
		sync_start_slot: u(s.SyncStartSlot), sync_target_slot: u(s.SyncTargetSlot),
		syncs: u(s.Syncs), synced_blocks: u(s.SyncedBlocks), sync_failures: u(s.SyncFailures),
		blocks_imported: u(s.Imported), blocks_invalid: u(s.Invalid), blocks_dropped: u(s.Dropped),
		blocks_in_flight: u(s.InFlight),
	}
	if s.Syncing {
		r.syncing = 1
	}
	r.earliest_slot, r.backfilled_blocks = u(s.EarliestSlot), u(s.BackfilledBlocks)
	if s.Backfilling {
		r.backfilling = 1
	}
	if s.BackfillDone {
		r.backfill_done = 1
	}
	peer := unsafe.Slice((*byte)(unsafe.Pointer(&r.sync_peer[0])), len(r.sync_peer))
	copy(peer[:len(peer)-1], s.SyncPeer) // NUL-terminated (r is zeroed); peer ids are far shorter
	return rcOf(writeOut(out, &r, syncStatusLayout, "chain_sync_status: out"))
}

//export libp2pc_free
func libp2pc_free(p unsafe.Pointer) {
	defer guardVoid()
	if p != nil {
		C.free(p)
	}
}
