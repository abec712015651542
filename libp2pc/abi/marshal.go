package main

/*
#include <stdlib.h>
#include <string.h>
#include "libp2pc.h"

void libp2pc__mark_defined(const void *p, size_t len);
*/
import "C"

import (
	"unsafe"

	"github.com/libp2pc/libp2pc/libp2pc/events"
)

// arena is C memory that holds one event at a time while the host's callback
// reads it: the libp2pc_event struct, its addrs array, and every string and
// byte field, copied in. Go memory cannot be handed to C inside a struct of
// pointers, so the event is built here; the buffer is reused for the next
// event, grown when needed, so steady-state delivery does not allocate.
type arena struct {
	buf  unsafe.Pointer
	size uintptr
	off  uintptr
}

const ptrSize = unsafe.Sizeof(uintptr(0))

func (a *arena) free() {
	if a.buf != nil {
		C.free(a.buf)
		a.buf, a.size = nil, 0
	}
}

func (a *arena) reserve(need uintptr) {
	if need <= a.size {
		return
	}
	size := a.size
	if size == 0 {
		size = 4096
	}
	for size < need {
		size *= 2
	}
	a.free()
	a.buf = C.malloc(C.size_t(size))
	if a.buf == nil {
		panic("libp2pc: out of memory marshalling an event")
	}
	a.size = size
}

// take returns n bytes of the arena, aligned for pointers.
func (a *arena) take(n uintptr) unsafe.Pointer {
	a.off = (a.off + ptrSize - 1) &^ (ptrSize - 1)
	p := unsafe.Add(a.buf, a.off)
	a.off += n
	return p
}

func (a *arena) str(s string) *C.char {
	p := a.take(uintptr(len(s)) + 1)
	b := unsafe.Slice((*byte)(p), len(s)+1)
	copy(b, s)
	b[len(s)] = 0
	return (*C.char)(p)
}

// strOrNil leaves unused string fields NULL, as the header promises.
func (a *arena) strOrNil(s string) *C.char {
	if s == "" {
		return nil
	}
	return a.str(s)
}

func (a *arena) bytes(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	p := a.take(uintptr(len(b)))
	copy(unsafe.Slice((*byte)(p), len(b)), b)
	return (*C.uint8_t)(p)
}

// need is an upper bound of the arena bytes marshalling e takes.
func need(e *events.Event) uintptr {
	n := unsafe.Sizeof(C.libp2pc_event{}) + uintptr(len(e.Addrs)+1)*ptrSize +
		uintptr(len(e.PeerID)+len(e.Direction)+len(e.Addr)+len(e.Topic)+len(e.Text)+len(e.MsgID)+len(e.Data)+
			len(e.Protocol)+len(e.Context)) +
		10*(ptrSize+1) // NULs and alignment of each field
	for _, s := range e.Addrs {
		n += uintptr(len(s)) + 1 + ptrSize
	}
	return n
}

// marshal builds e as a C libp2pc_event at the start of the arena.
func (a *arena) marshal(e *events.Event) *C.libp2pc_event {
	a.reserve(need(e))
	a.off = 0
	ev := a.build(e)
	C.libp2pc__mark_defined(a.buf, C.size_t(a.off))
	return ev
}

// batchBytes bounds one delivery batch's arena (at least one event is
// always taken, however large).
const batchBytes = 1 << 20

// marshalBatch builds a prefix of evs (as many as fit in batchBytes, at
// least one) into the arena, preceded by an array of pointers to them, and
// returns that array and its length.
func (a *arena) marshalBatch(evs []events.Event) (**C.libp2pc_event, int) {
	total, n := uintptr(0), 0
	for n < len(evs) {
		sz := need(&evs[n]) + ptrSize
		if n > 0 && total+sz > batchBytes {
			break
		}
		total += sz
		n++
	}
	a.reserve(total + ptrSize)
	a.off = 0
	ptrs := unsafe.Slice((**C.libp2pc_event)(a.take(uintptr(n)*ptrSize)), n)
	for i := 0; i < n; i++ {
		ptrs[i] = a.build(&evs[i])
	}
	C.libp2pc__mark_defined(a.buf, C.size_t(a.off))
	return &ptrs[0], n
}

// build marshals e at the arena's current offset.
func (a *arena) build(e *events.Event) *C.libp2pc_event {
	ev := (*C.libp2pc_event)(a.take(unsafe.Sizeof(C.libp2pc_event{})))
	*ev = C.libp2pc_event{
		_type:          C.uint32_t(e.Type),
		status:         C.int32_t(e.Status),
		seq:            C.uint64_t(e.Seq),
		request_id:     C.uint64_t(e.RequestID),
		dropped_gossip: C.uint64_t(e.DropCounts.Gossip),
		dropped_errors: C.uint64_t(e.DropCounts.Errors),
	}
	ev.peer_id = a.strOrNil(e.PeerID)
	ev.direction = a.strOrNil(e.Direction)
	ev.addr = a.strOrNil(e.Addr)
	ev.topic = a.strOrNil(e.Topic)
	ev.text = a.strOrNil(e.Text)
	ev.msg_id, ev.msg_id_len = a.bytes(e.MsgID), C.size_t(len(e.MsgID))
	ev.data, ev.data_len = a.bytes(e.Data), C.size_t(len(e.Data))
	ev.protocol = a.strOrNil(e.Protocol)
	ev.code = C.uint64_t(e.Code)
	ev.context, ev.context_len = a.bytes(e.Context), C.size_t(len(e.Context))
	if len(e.Addrs) > 0 {
		arr := unsafe.Slice((**C.char)(a.take(uintptr(len(e.Addrs))*ptrSize)), len(e.Addrs))
		for i, s := range e.Addrs {
			arr[i] = a.str(s)
		}
		ev.addrs = (**C.char)(unsafe.Pointer(&arr[0]))
		ev.addrs_len = C.size_t(len(e.Addrs))
	}
	if a.off > a.size {
		panic("libp2pc: event arena overrun") // the size estimate in need is wrong
	}
	return ev
}
