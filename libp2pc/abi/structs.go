package main

/*
#include <stdlib.h>
#include "libp2pc.h"
*/
import "C"

import (
	"unsafe"

	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// How the library reads and writes the host's structs so that the ABI can
// grow (the growth rule at the top of include/libp2pc.h).
//
// Every struct the host passes starts with uint32_t struct_size: the size of
// the struct as the host's header declares it. A host built against an older
// minor version of this major has a shorter struct: the library reads (in) or
// writes (out) only the first min(struct_size, sizeof) bytes, and the fields
// the host does not have take their defaults (0, which every field documents
// as its default). Arrays the library fills or reads carry their element size
// the same way (the *_sized functions), so elements can grow too.
//
// A struct_size below the struct's first layout in this major (ABI 2.0), zero,
// or absurdly large is INVALID_ARGUMENT: it is an uninitialised struct, not an
// older host.

// layout names one growable C struct for the checks and their messages.
type layout struct {
	name  string  // C type name
	first uintptr // size of its ABI 2.0 layout: the smallest struct_size accepted
	init  string  // the init function that sets struct_size, or "" (the host sets it)
	// later lists the sizes of the struct in released minor versions after
	// 2.0 and before the current one (empty while a struct has grown at most
	// once: the current sizeof is the other size accepted). A struct_size
	// between two released sizes would cut a field in two: refused.
	later []uintptr
}

// maxStructSize bounds struct_size: no struct of this ABI comes near it, so a
// larger value is garbage (an uninitialised struct), not a newer host.
const maxStructSize = 1 << 16

// end is the offset just past a field: the first layout of a struct ends
// with its last ABI 2.0 field, wherever later fields put sizeof.
func end(offset, size uintptr) uintptr { return offset + size }

// The first (ABI 2.0) layout of every growable struct. Later minor versions
// append fields after these ends and leave the ends alone.
var (
	configLayout = layout{"libp2pc_config",
		end(unsafe.Offsetof(C.libp2pc_config{}.user_data), unsafe.Sizeof(C.libp2pc_config{}.user_data)), "libp2pc_config_init", nil}
	eth2ConfigLayout = layout{"libp2pc_eth2_config",
		end(unsafe.Offsetof(C.libp2pc_eth2_config{}.fork_tail_slots), unsafe.Sizeof(C.libp2pc_eth2_config{}.fork_tail_slots)),
		"libp2pc_eth2_config_init", nil}
	discoveryConfigLayout = layout{"libp2pc_discovery_config",
		end(unsafe.Offsetof(C.libp2pc_discovery_config{}.custody_group_count), 8), "libp2pc_discovery_config_init", nil}
	chainConfigLayout = layout{"libp2pc_chain_config",
		end(unsafe.Offsetof(C.libp2pc_chain_config{}.config_yaml_len), unsafe.Sizeof(C.libp2pc_chain_config{}.config_yaml_len)),
		"libp2pc_chain_config_init", []uintptr{chainConfigV21}}
	eth2StatusLayout = layout{"libp2pc_eth2_status",
		end(unsafe.Offsetof(C.libp2pc_eth2_status{}.earliest_available_slot), 8), "", nil}
	eth2MetadataLayout = layout{"libp2pc_eth2_metadata",
		end(unsafe.Offsetof(C.libp2pc_eth2_metadata{}.custody_group_count), 8), "", nil}

	countersLayout = layout{"libp2pc_counters",
		end(unsafe.Offsetof(C.libp2pc_counters{}.reserved1), 4), "", nil}
	membershipCountersLayout = layout{"libp2pc_membership_counters",
		end(unsafe.Offsetof(C.libp2pc_membership_counters{}.tentative), 4), "", nil}
	memberCountersLayout = layout{"libp2pc_member_counters",
		end(unsafe.Offsetof(C.libp2pc_member_counters{}.in_flight), 8), "", nil}
	eth2CountersLayout = layout{"libp2pc_eth2_counters",
		end(unsafe.Offsetof(C.libp2pc_eth2_counters{}.topics), unsafe.Sizeof(C.libp2pc_eth2_counters{}.topics)), "", nil}
	reqrespCountersLayout = layout{"libp2pc_reqresp_counters",
		end(unsafe.Offsetof(C.libp2pc_reqresp_counters{}.goodbye_events_dropped), 8), "", nil}
	discoveryCountersLayout = layout{"libp2pc_discovery_counters",
		end(unsafe.Offsetof(C.libp2pc_discovery_counters{}.reserved1), 4), "", nil}
	syncStatusLayout = layout{"libp2pc_chain_sync_status",
		end(unsafe.Offsetof(C.libp2pc_chain_sync_status{}.blocks_in_flight), 8), "", nil}
	// Since ABI 2.2: its first layout is the 2.2 one.
	daCountersLayout = layout{"libp2pc_chain_da_counters",
		end(unsafe.Offsetof(C.libp2pc_chain_da_counters{}.tracker_evicted), 8), "", nil}

	// Elements of arrays (no struct_size of their own: the call passes it).
	peerLayout = layout{"libp2pc_peer",
		end(unsafe.Offsetof(C.libp2pc_peer{}.addr), unsafe.Sizeof(C.libp2pc_peer{}.addr)), "", nil}
	peerInfoLayout = layout{"libp2pc_peer_info",
		end(unsafe.Offsetof(C.libp2pc_peer_info{}.earliest_available_slot), 8), "", nil}
	memberLayout = layout{"libp2pc_member",
		end(unsafe.Offsetof(C.libp2pc_member{}.addr), unsafe.Sizeof(C.libp2pc_member{}.addr)), "", nil}
)

// chainConfigV21 is the size of libp2pc_chain_config in ABI 2.1 (the
// checkpoint fields); 2.2 appended the execution engine's.
var chainConfigV21 = end(unsafe.Offsetof(C.libp2pc_chain_config{}.ws_checkpoint), unsafe.Sizeof(C.libp2pc_chain_config{}.ws_checkpoint))

// growableLayouts lists every layout (TestFirstLayouts checks each).
var growableLayouts = []layout{configLayout, eth2ConfigLayout, discoveryConfigLayout, chainConfigLayout,
	eth2StatusLayout, eth2MetadataLayout, countersLayout, membershipCountersLayout, memberCountersLayout,
	eth2CountersLayout, reqrespCountersLayout, discoveryCountersLayout, syncStatusLayout, daCountersLayout,
	peerLayout, peerInfoLayout, memberLayout}

// checkSize validates a struct_size (or an element size) the host gave.
func (l layout) checkSize(what string, size uintptr) error {
	hint := "set it to sizeof(" + l.name + ")"
	if l.init != "" {
		hint = "initialise the struct with " + l.init
	}
	switch {
	case size == 0:
		return status.Errorf(status.InvalidArgument, "%s is 0: %s", what, hint)
	case size < l.first:
		return status.Errorf(status.InvalidArgument, "%s is %d, below the %d bytes of the ABI 2.0 layout of %s: %s",
			what, size, l.first, l.name, hint)
	case size > maxStructSize:
		return status.Errorf(status.InvalidArgument, "%s is %d, absurdly large for %s (at most %d): %s",
			what, size, l.name, maxStructSize, hint)
	}
	return nil
}

// checkReleased refuses a size that is not the end of a released layout of
// the struct: between the 2.0 layout and the library's full struct, only
// the sizes of released minor versions are whole fields. A size at or past
// the library's struct (a newer host) is read up to the library's fields.
func (l layout) checkReleased(what string, size, full uintptr) error {
	if size >= full || size == l.first {
		return nil
	}
	for _, s := range l.later {
		if size == s {
			return nil
		}
	}
	return status.Errorf(status.InvalidArgument, "%s is %d: not the size of any released layout of %s (%d in ABI 2.0, %d now): a field would be cut in two",
		what, size, l.name, l.first, full)
}

// hostSize reads the struct_size at the start of the host's struct.
func hostSize[T any](p *T) uintptr { return uintptr(*(*uint32)(unsafe.Pointer(p))) }

// copyPrefix copies the first n bytes of src to dst.
func copyPrefix(dst, src unsafe.Pointer, n uintptr) {
	copy(unsafe.Slice((*byte)(dst), n), unsafe.Slice((*byte)(src), n))
}

// readIn copies the host's struct at p: the first min(struct_size,
// sizeof(T)) bytes; the rest of the result is zero, the default of every
// field the host's header does not have. what names the argument in
// errors. The copy also keeps the host from changing the config under the
// library's feet.
func readIn[T any](p *T, l layout, what string) (T, error) {
	var out T
	if p == nil {
		return out, status.Errorf(status.InvalidArgument, "%s is NULL", what)
	}
	size := hostSize(p)
	if err := l.checkSize(what+".struct_size", size); err != nil {
		return out, err
	}
	if err := l.checkReleased(what+".struct_size", size, unsafe.Sizeof(out)); err != nil {
		return out, err
	}
	copyPrefix(unsafe.Pointer(&out), unsafe.Pointer(p), min(size, unsafe.Sizeof(out)))
	return out, nil
}

// writeOut stores val into the host's struct at p: only the first
// min(struct_size, sizeof(T)) bytes, with struct_size left as the host set
// it. A host built against an older minor version gets the fields it knows.
func writeOut[T any](p *T, val *T, l layout, what string) error {
	if p == nil {
		return status.Errorf(status.InvalidArgument, "%s is NULL", what)
	}
	size := hostSize(p)
	if err := l.checkSize(what+".struct_size", size); err != nil {
		return err
	}
	if err := l.checkReleased(what+".struct_size", size, unsafe.Sizeof(*val)); err != nil {
		return err
	}
	*(*uint32)(unsafe.Pointer(val)) = uint32(size)
	copyPrefix(unsafe.Pointer(p), unsafe.Pointer(val), min(size, unsafe.Sizeof(*val)))
	return nil
}

// initSized zeroes the host's size bytes at p and sets struct_size: the
// *_init_sized functions (the header's libp2pc_*_init macros pass sizeof of
// the host's struct, so a library newer than the host never writes past it).
func initSized[T any](p *T, size C.size_t, l layout, what string) error {
	if p == nil {
		return status.Errorf(status.InvalidArgument, "%s: cfg is NULL", what)
	}
	if err := l.checkSize(what+": struct size", uintptr(size)); err != nil {
		return err
	}
	if err := l.checkReleased(what+": struct size", uintptr(size), unsafe.Sizeof(*p)); err != nil {
		return err
	}
	clear(unsafe.Slice((*byte)(unsafe.Pointer(p)), uintptr(size)))
	*(*uint32)(unsafe.Pointer(p)) = uint32(size)
	return nil
}

// elementSize validates the element size of an array the host passes or
// receives, and returns the stride and the bytes of each element the
// library reads or writes (min(elemSize, sizeof)).
func elementSize[T any](elemSize C.size_t, l layout, what string) (stride, n uintptr, err error) {
	if err := l.checkSize(what, uintptr(elemSize)); err != nil {
		return 0, 0, err
	}
	var zero T
	if err := l.checkReleased(what, uintptr(elemSize), unsafe.Sizeof(zero)); err != nil {
		return 0, 0, err
	}
	return uintptr(elemSize), min(uintptr(elemSize), unsafe.Sizeof(zero)), nil
}

// rowBlock is an array the library returns to the host in one C allocation:
// count rows of stride bytes (the host's element size), then the strings
// the rows point to, so that one free() releases everything.
type rowBlock struct {
	block  unsafe.Pointer
	stride uintptr        // the host's element size
	n      uintptr        // bytes of each row the library writes: min(stride, sizeof)
	strs   unsafe.Pointer // where the next string goes
	size   uintptr        // of the whole allocation
}

// newRowBlock allocates (zeroed: bytes of a row past what the library
// writes stay 0) count rows and strLen bytes of strings.
func newRowBlock(count int, stride, n uintptr, strLen int, what string) (*rowBlock, error) {
	rowsEnd := uintptr(count) * stride
	size := rowsEnd + uintptr(strLen)
	block := C.calloc(1, C.size_t(size))
	if block == nil {
		return nil, status.Errorf(status.Internal, "%s: out of memory (%d bytes)", what, size)
	}
	return &rowBlock{block: block, stride: stride, n: n, strs: unsafe.Add(block, rowsEnd), size: size}, nil
}

// str copies s and a NUL into the string area and returns it.
func (r *rowBlock) str(s string) *C.char {
	b := unsafe.Slice((*byte)(r.strs), len(s)+1)
	copy(b, s)
	b[len(s)] = 0
	p := (*C.char)(r.strs)
	r.strs = unsafe.Add(r.strs, len(s)+1)
	return p
}

// set writes row i from the library's struct at src (its first r.n bytes).
func (r *rowBlock) set(i int, src unsafe.Pointer) {
	copyPrefix(unsafe.Add(r.block, uintptr(i)*r.stride), src, r.n)
}

// done marks the whole block defined for valgrind (see markDefined).
func (r *rowBlock) done() { markDefined(r.block, r.size) }

// checkOut validates an out struct before the call does any work (writeOut
// checks again when it stores the result).
func checkOut[T any](p *T, l layout, what string) error {
	if p == nil {
		return status.Errorf(status.InvalidArgument, "%s is NULL", what)
	}
	return l.checkSize(what+".struct_size", hostSize(p))
}
