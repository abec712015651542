package main

/*
#include <stdlib.h>
#include <string.h>
#include "libp2pc.h"
*/
import "C"

import (
	"unsafe"

	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// The chain exports (header section "Chain").

//export libp2pc_node_chain_start
func libp2pc_node_chain_start(h C.libp2pc_node, cfg *C.libp2pc_chain_config, reqOut *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	if cfg == nil {
		return failf(status.InvalidArgument, "chain_start: config is NULL")
	}
	if uintptr(cfg.struct_size) < unsafe.Sizeof(C.libp2pc_chain_config{}) {
		return failf(status.InvalidArgument, "chain_start: struct_size is %d, want %d", cfg.struct_size, unsafe.Sizeof(C.libp2pc_chain_config{}))
	}
	dir, err := goString(cfg.data_dir, "data_dir")
	if err != nil {
		return fail(err)
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
		return fail(err)
	}
	yaml, err := bytesOf(cfg.config_yaml, cfg.config_yaml_len, "config_yaml")
	if err != nil {
		return fail(err)
	}
	return request(h, reqOut, func(n *node.Node) (uint64, error) {
		return n.StartChain(node.ChainConfig{DataDir: dir, AnchorState: anchor, ConsensusConfig: yaml})
	})
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
	root, s, err := e.n.ChainHead()
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
	cp, err := e.n.ChainFinalized()
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
	b, err := e.n.ChainBlock(r)
	if err != nil {
		return fail(err)
	}
	mem := C.malloc(C.size_t(max(1, len(b))))
	if mem == nil {
		return failf(status.Internal, "get_block: out of memory (%d bytes)", len(b))
	}
	if len(b) > 0 {
		C.memcpy(mem, unsafe.Pointer(&b[0]), C.size_t(len(b)))
	}
	*out, *n = (*C.uint8_t)(mem), C.size_t(len(b))
	return 0
}

//export libp2pc_free
func libp2pc_free(p unsafe.Pointer) {
	defer guardVoid()
	if p != nil {
		C.free(p)
	}
}
