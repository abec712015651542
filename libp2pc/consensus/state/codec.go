package state

import "github.com/libp2pc/libp2pc/libp2pc/consensus/forks"

// SSZObject is what the generated containers implement.
type SSZObject interface {
	MarshalSSZ() ([]byte, error)
	UnmarshalSSZ([]byte) error
	HashTreeRoot() ([32]byte, error)
}

// MarshalSSZ encodes the state as its fork's container.
func (s *BeaconState) MarshalSSZ() ([]byte, error) {
	c, err := s.Container()
	if err != nil {
		return nil, err
	}
	return c.MarshalSSZ()
}

// HashTreeRoot is hash_tree_root of the state as its fork's container.
//
// Phase0 states are hashed incrementally by phase0.BeaconState's cached
// Merkle trees; later forks by the cache of hashcache.go. Both are kept
// across calls and shared by copies. FullHashTreeRoot hashes from scratch.
func (s *BeaconState) HashTreeRoot() ([32]byte, error) {
	if s.ForkName == forks.Phase0 {
		p, err := s.ToPhase0()
		if err != nil {
			return [32]byte{}, err
		}
		return p.CachedHashTreeRoot()
	}
	return s.cachedRoot()
}

// FullHashTreeRoot is hash_tree_root computed by the generated code of the
// fork's container, without any cache.
func (s *BeaconState) FullHashTreeRoot() ([32]byte, error) {
	c, err := s.Container()
	if err != nil {
		return [32]byte{}, err
	}
	return c.HashTreeRoot()
}
