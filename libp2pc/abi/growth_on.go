//go:build abigrowth_test

package main

/*
#cgo CFLAGS: -I${SRCDIR}/../../examples/tests/growth
#include "libp2pc_growth.h"
*/
import "C"

import "unsafe"

// The ABI growth test build (-tags abigrowth_test, make test-abi-growth):
// libp2pc_config and libp2pc_counters each gain a field at their end, as a
// later minor version would add one (examples/tests/growth/libp2pc_growth.h
// declares the grown structs). The new config field, growth_probe, comes
// back in the new counters field, growth_probe_echo, so a host sees which
// value the library read: the one it set, or the default
// (LIBP2PC_GROWTH_PROBE_DEFAULT) when its struct_size ends before the field.
// Hosts built against the frozen ABI 2.0 header must keep working with this
// library unchanged.

type growthState struct{ probe uint64 }

func readConfig(p *C.libp2pc_config) (C.libp2pc_config, growthState, error) {
	g, err := readIn((*C.libp2pc_config_grown)(unsafe.Pointer(p)), configLayout, "config")
	probe := uint64(g.growth_probe)
	if probe == 0 {
		probe = C.LIBP2PC_GROWTH_PROBE_DEFAULT
	}
	return g.v2_0, growthState{probe: probe}, err
}

func writeCounters(p *C.libp2pc_counters, val *C.libp2pc_counters, gs growthState) error {
	g := C.libp2pc_counters_grown{v2_0: *val, growth_probe_echo: C.uint64_t(gs.probe)}
	return writeOut((*C.libp2pc_counters_grown)(unsafe.Pointer(p)), &g, countersLayout, "counters")
}
