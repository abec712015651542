//go:build !abigrowth_test

package main

/*
#include "libp2pc.h"
*/
import "C"

// The production build: libp2pc_config and libp2pc_counters as the header
// declares them. growth_on.go (tag abigrowth_test) is the same with one
// field appended to each, the test that the ABI can grow (make
// test-abi-growth).

// growthState is what the grown config carries into the node's entry:
// nothing here.
type growthState struct{}

func readConfig(p *C.libp2pc_config) (C.libp2pc_config, growthState, error) {
	c, err := readIn(p, configLayout, "config")
	return c, growthState{}, err
}

func writeCounters(p *C.libp2pc_counters, val *C.libp2pc_counters, _ growthState) error {
	return writeOut(p, val, countersLayout, "counters")
}
