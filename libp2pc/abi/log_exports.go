package main

/*
#include <stdlib.h>
#include "libp2pc.h"

// cgo cannot call a C function pointer directly.
static inline void libp2pc__call_log(libp2pc_log_cb cb, const libp2pc_log_record *r, void *user_data) {
    cb(r, user_data);
}
*/
import "C"

import (
	"log/slog"
	"unsafe"

	"github.com/libp2pc/libp2pc/libp2pc/logs"
)

// The log export (header section "Library").

//export libp2pc_set_log_callback
func libp2pc_set_log_callback(level C.int32_t, cb C.libp2pc_log_cb, userData unsafe.Pointer) (rc C.int) {
	defer guard(&rc)
	if cb == nil {
		logs.Default().SetSink(slog.Level(level), nil)
		return 0
	}
	logs.Default().SetSink(slog.Level(level), func(r *logs.Record) { callLog(cb, userData, r) })
	return 0
}

// callLog copies r into C memory for the callback's duration (the
// callback must not see Go pointers) and frees it after.
func callLog(cb C.libp2pc_log_cb, userData unsafe.Pointer, r *logs.Record) {
	var rec C.libp2pc_log_record
	rec.level = C.int32_t(r.Level)
	rec.time_unix_ns = C.int64_t(r.Time.UnixNano())
	rec.dropped = C.uint64_t(r.Dropped)
	rec.logger = C.CString(r.Logger)
	rec.message = C.CString(r.Message)
	defer C.free(unsafe.Pointer(rec.logger))
	defer C.free(unsafe.Pointer(rec.message))
	if n := len(r.Attrs); n > 0 {
		ptrSize := C.size_t(unsafe.Sizeof(uintptr(0)))
		keys := (*[1 << 20]*C.char)(C.malloc(C.size_t(n) * ptrSize))[:n:n]
		values := (*[1 << 20]*C.char)(C.malloc(C.size_t(n) * ptrSize))[:n:n]
		for i, a := range r.Attrs {
			keys[i], values[i] = C.CString(a.Key), C.CString(a.Value)
		}
		defer func() {
			for i := range n {
				C.free(unsafe.Pointer(keys[i]))
				C.free(unsafe.Pointer(values[i]))
			}
			C.free(unsafe.Pointer(&keys[0]))
			C.free(unsafe.Pointer(&values[0]))
		}()
		rec.attrs_len = C.uint32_t(n)
		rec.keys = (**C.char)(unsafe.Pointer(&keys[0]))
		rec.values = (**C.char)(unsafe.Pointer(&values[0]))
	}
	C.libp2pc__call_log(cb, &rec, userData)
}
