package helpers

import (
	"fmt"

	ssz "github.com/ferranbt/fastssz"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// ComputeForkDataRoot is compute_fork_data_root.
func ComputeForkDataRoot(version [4]byte, genesisValidatorsRoot [32]byte) ([32]byte, error) {
	r, err := (&phase0.ForkData{CurrentVersion: version, GenesisValidatorsRoot: genesisValidatorsRoot}).HashTreeRoot()
	if err != nil {
		return [32]byte{}, fmt.Errorf("compute_fork_data_root: %w", err)
	}
	return r, nil
}

// ComputeDomain is compute_domain: the domain type followed by the first 28
// bytes of the fork data root.
func ComputeDomain(domainType [4]byte, version [4]byte, genesisValidatorsRoot [32]byte) ([32]byte, error) {
	root, err := ComputeForkDataRoot(version, genesisValidatorsRoot)
	if err != nil {
		return [32]byte{}, err
	}
	var d [32]byte
	copy(d[:4], domainType[:])
	copy(d[4:], root[:28])
	return d, nil
}

// Domain is get_domain: the fork version in force at epoch.
func Domain(s State, domainType [4]byte, epoch uint64) ([32]byte, error) {
	version := s.GetFork().CurrentVersion
	if epoch < s.GetFork().Epoch {
		version = s.GetFork().PreviousVersion
	}
	return ComputeDomain(domainType, version, s.GetGenesisValidatorsRoot())
}

// SigningRoot is compute_signing_root.
func SigningRoot(obj ssz.HashRoot, domain [32]byte) ([32]byte, error) {
	root, err := obj.HashTreeRoot()
	if err != nil {
		return [32]byte{}, fmt.Errorf("compute_signing_root: %w", err)
	}
	return SigningRootOfRoot(root, domain)
}

// SigningRootOfRoot is compute_signing_root for an object whose
// hash_tree_root is already known (e.g. the epoch of a RANDAO reveal).
func SigningRootOfRoot(root [32]byte, domain [32]byte) ([32]byte, error) {
	r, err := (&phase0.SigningData{ObjectRoot: root, Domain: domain}).HashTreeRoot()
	if err != nil {
		return [32]byte{}, fmt.Errorf("compute_signing_root: %w", err)
	}
	return r, nil
}
