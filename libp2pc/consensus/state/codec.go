package state

import (
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/bellatrix"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// SSZObject is what the generated containers implement.
type SSZObject interface {
	MarshalSSZ() ([]byte, error)
	UnmarshalSSZ([]byte) error
	HashTreeRoot() ([32]byte, error)
}

// Decode decodes the SSZ encoding of a fork's BeaconState.
func Decode(f forks.Fork, data []byte) (*BeaconState, error) {
	var (
		obj  SSZObject
		wrap func() *BeaconState
	)
	switch f {
	case forks.Phase0:
		p := new(phase0.BeaconState)
		obj, wrap = p, func() *BeaconState { return FromPhase0(p) }
	case forks.Altair:
		p := new(altair.BeaconState)
		obj, wrap = p, func() *BeaconState { return FromAltair(p) }
	case forks.Bellatrix:
		p := new(bellatrix.BeaconState)
		obj, wrap = p, func() *BeaconState { return FromBellatrix(p) }
	case forks.Capella:
		p := new(capella.BeaconState)
		obj, wrap = p, func() *BeaconState { return FromCapella(p) }
	case forks.Deneb:
		p := new(deneb.BeaconState)
		obj, wrap = p, func() *BeaconState { return FromDeneb(p) }
	case forks.Electra:
		p := new(electra.BeaconState)
		obj, wrap = p, func() *BeaconState { return FromElectra(p) }
	case forks.Fulu:
		p := new(fulu.BeaconState)
		obj, wrap = p, func() *BeaconState { return FromFulu(p) }
	default:
		return nil, fmt.Errorf("state: decode: unknown fork %v", f)
	}
	if err := obj.UnmarshalSSZ(data); err != nil {
		return nil, fmt.Errorf("state: decode %s BeaconState: %w", f, err)
	}
	return wrap(), nil
}

// Container returns the state as its fork's generated container (sharing
// memory with s).
func (s *BeaconState) Container() (SSZObject, error) {
	switch s.ForkName {
	case forks.Phase0:
		return s.ToPhase0()
	case forks.Altair:
		return s.ToAltair()
	case forks.Bellatrix:
		return s.ToBellatrix()
	case forks.Capella:
		return s.ToCapella()
	case forks.Deneb:
		return s.ToDeneb()
	case forks.Electra:
		return s.ToElectra()
	case forks.Fulu:
		return s.ToFulu()
	}
	return nil, fmt.Errorf("state: unknown fork %v", s.ForkName)
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
