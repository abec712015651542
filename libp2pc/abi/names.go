package main

/*
#include "libp2pc.h"
*/
import "C"

// cName and cEventName expose the C-side name tables to the tests (test
// files cannot use cgo themselves).
func cName(code int32) string    { return C.GoString(C.libp2pc_strerror(C.int(code))) }
func cEventName(t uint32) string { return C.GoString(C.libp2pc_event_type_name(C.uint32_t(t))) }

// callDebugPanic calls the panic export the way a host would.
func callDebugPanic() (int, string) {
	rc := libp2pc_debug_panic()
	return int(rc), C.GoString(C.libp2pc_last_error())
}
