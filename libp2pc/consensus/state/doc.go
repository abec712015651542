// Package state holds the fork-generic beacon state and block that the
// multi-fork state transition (package transition) works on.
//
// # Design
//
// One in-memory representation serves every fork: BeaconState carries the
// union of the fields of the phase0 .. fulu BeaconState containers (in the
// shape of fulu.BeaconState, with the execution payload header in its
// deneb shape, the superset of all headers) plus a fork tag, ForkName.
// The tag selects the SSZ container used for decoding, encoding and
// hash_tree_root (To<Fork>/From<Fork>, Decode, MarshalSSZ, HashTreeRoot;
// the per-fork conversions are generated, see convert.go)
// and, in package transition, the rules applied. Fields a fork does not
// have stay zero. Because field names and types are those of the generated
// containers, spec functions read the same whatever the fork, and a fork
// that only adds fields (most of them) needs no change to existing code.
//
// This was preferred to one state type per fork behind an interface: the
// spec's functions are mostly shared between forks with small changes, and
// a single struct lets them be written once, with `s.ForkName >= forks.X`
// where a fork changes a rule, instead of once per type.
//
// Conversions are shallow (the result shares memory with its argument),
// so a phase0-typed API can wrap the generic code at no copying cost; Copy
// makes a deep copy. Phase0 states keep the incremental hash cache of
// phase0.BeaconState across conversions and copies; altair+ states have
// their own (hashcache.go). Both, and the pubkey → validator index map
// (pubkeyindex.go), are shared by copies.
//
// # Adding a fork
//
//  1. Add its fields to BeaconState (and Copy) and, if its blocks change,
//     to BeaconBlockBody; a field whose type changes at the fork gets a
//     new field named <package><Name> (see BeaconBlockBody).
//  2. Add a row to the fork table of ./gen and run `make state-generate`
//     (go generate): From<Fork>/To<Fork>, BlockFrom<Fork>, Decode,
//     DecodeSignedBlock and the Container switches are written from the
//     containers; the generator fails on a container field the generic
//     structs cannot carry. `make state-check` (part of make test) fails
//     when convert_gen.go is stale. Extend TestRoundTripEveryFork if needed.
//  3. Hash its new fields in forkHashCache.root (hashcache.go), in the
//     container's field order; TestCachedHashTreeRootUnderEdits compares
//     it with the generated code.
//  4. Register the rules in package transition (see its doc).
package state
