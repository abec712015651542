package main

/*
#include <stdlib.h>
#include <string.h>
#include "libp2pc.h"
*/
import "C"

import (
	"sync"
	"unsafe"

	"github.com/libp2pc/libp2pc/libp2pc/metrics"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// The metrics exports (header section "Counters"). Each node handle gets
// its own exporter (own registry) on first use; destroy closes its
// endpoint (releaseMetrics).

var exporters struct {
	sync.Mutex
	byHandle map[uint64]*metrics.Exporter
}

func exporterOf(e *entry) *metrics.Exporter {
	exporters.Lock()
	defer exporters.Unlock()
	if exporters.byHandle == nil {
		exporters.byHandle = map[uint64]*metrics.Exporter{}
	}
	x := exporters.byHandle[e.handle]
	if x == nil {
		x = metrics.New(e.n)
		exporters.byHandle[e.handle] = x
	}
	return x
}

// releaseMetrics closes the endpoint of a destroyed handle (if any).
func releaseMetrics(handle uint64) {
	exporters.Lock()
	x := exporters.byHandle[handle]
	delete(exporters.byHandle, handle)
	exporters.Unlock()
	if x != nil {
		_ = x.Close()
	}
}

//export libp2pc_node_metrics_text
func libp2pc_node_metrics_text(h C.libp2pc_node, out **C.char, n *C.size_t) (rc C.int) {
	defer guard(&rc)
	if out == nil || n == nil {
		return failf(status.InvalidArgument, "metrics_text: out and len must not be NULL")
	}
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	text, err := exporterOf(e).Text()
	if err != nil {
		return fail(err)
	}
	mem, err := mallocCopy(append(text, 0), "metrics_text") // NUL-terminated for C string use
	if err != nil {
		return fail(err)
	}
	*out, *n = (*C.char)(unsafe.Pointer(mem)), C.size_t(len(text))
	return 0
}

//export libp2pc_node_metrics_serve
func libp2pc_node_metrics_serve(h C.libp2pc_node, addr *C.char, bound *C.char, boundLen C.size_t) (rc C.int) {
	defer guard(&rc)
	if addr == nil {
		return failf(status.InvalidArgument, "metrics_serve: addr must not be NULL")
	}
	e, err := lookup(h)
	if err != nil {
		return fail(err)
	}
	x := exporterOf(e)
	got, err := x.Serve(C.GoString(addr))
	if err != nil {
		return fail(err)
	}
	if bound != nil {
		s := got.String()
		if uintptr(len(s))+1 > uintptr(boundLen) {
			_ = x.Close() // all or nothing: the host could not learn the port
			return failf(status.InvalidArgument, "metrics_serve: bound buffer of %d bytes, need %d", boundLen, len(s)+1)
		}
		b := unsafe.Slice((*byte)(unsafe.Pointer(bound)), len(s)+1)
		copy(b, s)
		b[len(s)] = 0
	}
	return 0
}
