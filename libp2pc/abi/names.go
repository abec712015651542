package main

/*
#include <stdlib.h>
#include "libp2pc.h"
*/
import "C"

import (
	"unsafe"

	"github.com/libp2pc/libp2pc/libp2pc/chainsvc"
)

// cName and cEventName expose the C-side name tables to the tests (test
// files cannot use cgo themselves).
func cName(code int32) string    { return C.GoString(C.libp2pc_strerror(C.int(code))) }
func cEventName(t uint32) string { return C.GoString(C.libp2pc_event_type_name(C.uint32_t(t))) }

// callDebugPanic calls the panic export the way a host would.
func callDebugPanic() (int, string) {
	rc := libp2pc_debug_panic()
	return int(rc), C.GoString(C.libp2pc_last_error())
}

// structSizes gives the tests the library's sizeof of every growable
// struct, by C type name.
func structSizes() map[string]uintptr {
	return map[string]uintptr{
		"libp2pc_config": unsafe.Sizeof(C.libp2pc_config{}), "libp2pc_eth2_config": unsafe.Sizeof(C.libp2pc_eth2_config{}),
		"libp2pc_discovery_config": unsafe.Sizeof(C.libp2pc_discovery_config{}),
		"libp2pc_chain_config":     unsafe.Sizeof(C.libp2pc_chain_config{}),
		"libp2pc_eth2_status":      unsafe.Sizeof(C.libp2pc_eth2_status{}), "libp2pc_eth2_metadata": unsafe.Sizeof(C.libp2pc_eth2_metadata{}),
		"libp2pc_counters":            unsafe.Sizeof(C.libp2pc_counters{}),
		"libp2pc_membership_counters": unsafe.Sizeof(C.libp2pc_membership_counters{}),
		"libp2pc_member_counters":     unsafe.Sizeof(C.libp2pc_member_counters{}),
		"libp2pc_eth2_counters":       unsafe.Sizeof(C.libp2pc_eth2_counters{}),
		"libp2pc_reqresp_counters":    unsafe.Sizeof(C.libp2pc_reqresp_counters{}),
		"libp2pc_discovery_counters":  unsafe.Sizeof(C.libp2pc_discovery_counters{}),
		"libp2pc_chain_sync_status":   unsafe.Sizeof(C.libp2pc_chain_sync_status{}),
		"libp2pc_chain_da_counters":   unsafe.Sizeof(C.libp2pc_chain_da_counters{}),
		"libp2pc_peer":                unsafe.Sizeof(C.libp2pc_peer{}), "libp2pc_peer_info": unsafe.Sizeof(C.libp2pc_peer_info{}),
		"libp2pc_member": unsafe.Sizeof(C.libp2pc_member{}),
	}
}

// readInPrefix runs readIn on a C copy of a libp2pc_eth2_status of size
// bytes (struct_size = size), every byte 0xa5 but struct_size, and returns
// what the library read (as bytes) and the error.
func readInPrefix(size uint32) ([]byte, error) {
	n := uintptr(size) + 64
	mem := C.malloc(C.size_t(n))
	defer C.free(mem)
	b := unsafe.Slice((*byte)(mem), n)
	for i := range b {
		b[i] = 0xa5
	}
	*(*uint32)(mem) = size
	st, err := readIn((*C.libp2pc_eth2_status)(mem), eth2StatusLayout, "status")
	return C.GoBytes(unsafe.Pointer(&st), C.int(unsafe.Sizeof(st))), err
}

// writeOutPrefix runs writeOut of a libp2pc_eth2_status whose every byte
// is 0x11 into C memory of size+64 bytes (0xa5, struct_size = size), and
// returns that memory.
func writeOutPrefix(size uint32) ([]byte, error) {
	n := uintptr(size) + 64
	mem := C.malloc(C.size_t(n))
	defer C.free(mem)
	b := unsafe.Slice((*byte)(mem), n)
	for i := range b {
		b[i] = 0xa5
	}
	*(*uint32)(mem) = size
	var val C.libp2pc_eth2_status
	vb := unsafe.Slice((*byte)(unsafe.Pointer(&val)), unsafe.Sizeof(val))
	for i := range vb {
		vb[i] = 0x11
	}
	err := writeOut((*C.libp2pc_eth2_status)(mem), &val, eth2StatusLayout, "status")
	return C.GoBytes(mem, C.int(n)), err
}

// chainConfigAtSize fills a libp2pc_chain_config in C memory the way a host
// of struct_size size would (data_dir, ws_checkpoint, the ABI 2.2 engine
// fields), every byte past size garbage (0xa5), and reads it back with
// chain_start's reader.
func chainConfigAtSize(size uint32, dir, ws, endpoint, jwtPath string, secret [32]byte) (chainsvc.ChainConfig, error) {
	full := unsafe.Sizeof(C.libp2pc_chain_config{})
	n := full + 64
	mem := C.malloc(C.size_t(n))
	defer C.free(mem)
	b := unsafe.Slice((*byte)(mem), n)
	clear(b)
	cfg := (*C.libp2pc_chain_config)(mem)
	cstr := func(s string) *C.char {
		if s == "" {
			return nil
		}
		return C.CString(s)
	}
	cfg.data_dir, cfg.ws_checkpoint = cstr(dir), cstr(ws)
	cfg.engine_endpoint, cfg.jwt_secret_path = cstr(endpoint), cstr(jwtPath)
	for _, p := range []*C.char{cfg.data_dir, cfg.ws_checkpoint, cfg.engine_endpoint, cfg.jwt_secret_path} {
		if p != nil {
			defer C.free(unsafe.Pointer(p))
		}
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&cfg.jwt_secret[0])), 32), secret[:])
	for i := uintptr(size); i < n; i++ {
		b[i] = 0xa5
	}
	cfg.struct_size = C.uint32_t(size)
	return chainConfigOf(cfg)
}

// chainConfigSizes are the released sizes of libp2pc_chain_config: ABI
// 2.0, 2.1 and the library's.
func chainConfigSizes() (v20, v21, full uintptr) {
	return chainConfigLayout.first, chainConfigV21, unsafe.Sizeof(C.libp2pc_chain_config{})
}
