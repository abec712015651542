// Command abi is libp2pc's C ABI: the only package that imports "C". It is
// built with -buildmode=c-shared (and c-archive) into libp2pc.so / .a, and
// include/libp2pc.h documents every function it exports.
//
// This file holds the plumbing every export uses: the panic guard, error
// reporting, and the handle registry. The exports themselves are in
// exports.go; event marshalling is in marshal.go.
//
// Handles: nodes are addressed by uint64 handles from a registry map, not by
// runtime/cgo.Handle or mattn/go-pointer. Both of those turn an unknown or
// stale value into a panic or a crash (cgo.Handle.Value panics on an invalid
// handle; go-pointer restores whatever pointer it is given), and misuse must
// return LIBP2PC_ERR_BAD_HANDLE instead. Handles come from a counter and are
// never reused, so a stale handle can never reach a newer node.
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../../include -DLIBP2PC_NO_PROTOTYPES
#include <stdlib.h>
#include "libp2pc.h"

void libp2pc__set_error(const char *msg, size_t len);
*/
import "C"

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

func main() {} // required by -buildmode=c-shared; never runs

// ABI version of this library (see LIBP2PC_ABI_VERSION_* in the header;
// the header check keeps the two equal).
const (
	abiMajor = 2
	abiMinor = 2
)

var initialized atomic.Bool

// setError records msg as the calling thread's last error. The goroutine
// running an export is on the caller's C thread for the whole call, so the
// thread-local store in lasterror.c is the caller's.
func setError(msg string) {
	if len(msg) == 0 {
		msg = "error"
	}
	b := []byte(msg)
	C.libp2pc__set_error((*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b)))
}

// fail records err and returns its code.
func fail(err error) C.int {
	setError(err.Error())
	return C.int(status.CodeOf(err))
}

func failf(code status.Code, format string, args ...any) C.int {
	return fail(status.Errorf(code, format, args...))
}

// guard is deferred first in every export that returns int: a Go panic
// becomes LIBP2PC_ERR_INTERNAL with the panic's text as the last error, and
// never unwinds into the host.
func guard(rc *C.int) {
	if r := recover(); r != nil {
		*rc = failf(status.Internal, "internal error (Go panic caught at the ABI): %v", r)
	}
}

// guardVoid is guard for exports that return nothing.
func guardVoid() {
	if r := recover(); r != nil {
		setError(fmt.Sprintf("internal error (Go panic caught at the ABI): %v", r))
	}
}

// entry is one registered node and what its host gave for delivery.
type entry struct {
	n        *node.Node
	handle   uint64
	cb       C.libp2pc_event_cb // callback mode; nil in poll mode
	userData unsafe.Pointer     // host's pointer, only passed back to cb
	pollDone atomic.Bool        // poll mode: Stopped was delivered
	growth   growthState        // fields of a grown config (growth_on.go); empty in production
}

var registry struct {
	sync.RWMutex
	next  uint64
	nodes map[uint64]*entry
}

func register(e *entry) uint64 {
	registry.Lock()
	defer registry.Unlock()
	if registry.nodes == nil {
		registry.nodes = map[uint64]*entry{}
	}
	registry.next++
	e.handle = registry.next
	registry.nodes[e.handle] = e
	return e.handle
}

func lookup(h C.libp2pc_node) (*entry, error) {
	registry.RLock()
	e := registry.nodes[uint64(h)]
	registry.RUnlock()
	if e == nil {
		return nil, status.Errorf(status.BadHandle, "unknown or destroyed node handle %d", uint64(h))
	}
	return e, nil
}

func unregister(h uint64) {
	registry.Lock()
	delete(registry.nodes, h)
	registry.Unlock()
}
