package state

import (
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
)

// Conversions between the generic state and block and each fork's
// generated SSZ containers live in convert_gen.go, written by ./gen from
// the containers of libp2pc/consensus/types and the generic structs of
// this package (`make state-generate`; `make state-check` fails when the
// file is stale). They are shallow: the result shares slices and nested
// containers with the argument (use Copy for an independent state), which
// makes them cheap enough to run around every hash_tree_root and encoding.
// Every field of the fork's container is carried over, so
// To<Fork>(From<Fork>(x)) encodes exactly as x (TestRoundTripEveryFork,
// TestGenericBlockRoundTripVectors).
//
// The generated code is:
//   - From<Fork> / (*BeaconState).To<Fork>, Decode and (*BeaconState).Container;
//   - BlockFrom<Fork>, DecodeSignedBlock, and signedBlockContainer,
//     blockContainer and bodyContainer behind the Container methods of
//     block.go;
//   - the converters between a fork's execution payload (header) and the
//     deneb-shaped one the generic structs keep.

//go:generate go run ./gen -dir . -o convert_gen.go

func wrongFork(s *BeaconState, want forks.Fork) error {
	return fmt.Errorf("state: a %s state cannot be converted to a %s container", s.ForkName, want)
}
