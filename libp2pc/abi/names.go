package main

/*
#include <stdlib.h>
#include "libp2pc.h"
*/
import "C"

import "unsafe"

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
