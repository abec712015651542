// Package forkdigest computes the p2p fork digest (compute_fork_digest of
// phase0..electra, and the Blob-Parameters-Only aware form of Fulu), the
// blob schedule lookup get_blob_parameters, and the ENR `eth2` (ENRForkID)
// and `nfd` values.
package forkdigest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/eth2"
)

// Digest is a ForkDigest (Bytes4).
type Digest [4]byte

// String is the lowercase hex form without 0x, as used in gossip topics.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// ErrBadDigest is returned by ParseDigest for anything but 8 hex digits
// (an optional 0x prefix is accepted).
var ErrBadDigest = errors.New("forkdigest: malformed fork digest")

// ParseDigest parses 8 hex digits, optionally 0x-prefixed.
func ParseDigest(s string) (Digest, error) {
	s = strings.TrimPrefix(s, "0x")
	var d Digest
	if len(s) != 8 {
		return d, fmt.Errorf("%w: %q", ErrBadDigest, s)
	}
	if _, err := hex.Decode(d[:], []byte(s)); err != nil {
		return d, fmt.Errorf("%w: %q", ErrBadDigest, s)
	}
	return d, nil
}

// ComputeForkDigest is the phase0..electra compute_fork_digest: the first 4
// bytes of compute_fork_data_root(version, genesis_validators_root).
func ComputeForkDigest(version [4]byte, genesisValidatorsRoot [32]byte) (Digest, error) {
	root, err := helpers.ComputeForkDataRoot(version, genesisValidatorsRoot)
	if err != nil {
		return Digest{}, err
	}
	return Digest(root[:4]), nil
}

// BlobParameters is the Fulu BlobParameters of an epoch: one type with the
// consensus config's, whose parser reads BLOB_SCHEDULE.
type BlobParameters = config.BlobParameters

// blobParametersHash is hash(uint_to_bytes(Uint64(epoch)) +
// uint_to_bytes(Uint64(max_blobs_per_block))), both little-endian.
func blobParametersHash(p BlobParameters) [32]byte {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], p.Epoch)
	binary.LittleEndian.PutUint64(b[8:], p.MaxBlobsPerBlock)
	return sha256.Sum256(b[:])
}

// ComputeFuluForkDigest is the Fulu (EIP-7892) compute_fork_digest for an
// epoch at or after FULU_FORK_EPOCH: the first 4 bytes of
// compute_fork_data_root(version, genesis_validators_root) XOR the hash of
// the blob parameters in force.
func ComputeFuluForkDigest(version [4]byte, genesisValidatorsRoot [32]byte, p BlobParameters) (Digest, error) {
	root, err := helpers.ComputeForkDataRoot(version, genesisValidatorsRoot)
	if err != nil {
		return Digest{}, err
	}
	h := blobParametersHash(p)
	var d Digest
	for i := range d {
		d[i] = root[i] ^ h[i]
	}
	return d, nil
}

// ForkEntry is one regular fork of the schedule.
type ForkEntry struct {
	Fork    eth2.Fork
	Version [4]byte
	Epoch   uint64 // config.FarFutureEpoch when not scheduled
}

// Schedule is a chain's fork schedule as far as the p2p layer needs it.
type Schedule struct {
	GenesisValidatorsRoot [32]byte
	// Forks are the regular forks, phase0 (GENESIS) first, in fork order.
	Forks []ForkEntry
	// BlobSchedule is the config's BLOB_SCHEDULE (any order when built by
	// hand; NewSchedule copies the config's, sorted by epoch).
	BlobSchedule []BlobParameters
	// MaxBlobsPerBlockElectra is MAX_BLOBS_PER_BLOCK_ELECTRA, the fallback of
	// get_blob_parameters.
	MaxBlobsPerBlockElectra uint64
}

// ErrBadSchedule reports an unusable fork schedule.
var ErrBadSchedule = errors.New("forkdigest: bad fork schedule")

// NewSchedule builds a Schedule from a parsed config: its fork versions and
// epochs, its BLOB_SCHEDULE (config.ParseConfig reads it) and
// MAX_BLOBS_PER_BLOCK_ELECTRA (9 when absent).
func NewSchedule(cfg *config.Config, genesisValidatorsRoot [32]byte) (*Schedule, error) {
	entries, err := cfg.Forks()
	if err != nil {
		return nil, err
	}
	s := &Schedule{GenesisValidatorsRoot: genesisValidatorsRoot, BlobSchedule: slices.Clone(cfg.BlobSchedule)}
	for _, e := range entries {
		f, ok := eth2.ForkByConfigName(e.Name)
		if !ok {
			continue // a fork after Fulu: out of scope of this package
		}
		s.Forks = append(s.Forks, ForkEntry{Fork: f, Version: e.Version, Epoch: e.Epoch})
	}
	// A config without the key means the published value (9), as
	// config.MaxBlobsPerBlockElectra (the state transition's view) and other
	// clients read it: Prysm's devnet configs leave it out, and a zero here
	// made every Fulu digest differ from theirs.
	s.MaxBlobsPerBlockElectra = config.DefaultMaxBlobsPerBlockElectra
	if _, ok := cfg.Raw["MAX_BLOBS_PER_BLOCK_ELECTRA"]; ok {
		if s.MaxBlobsPerBlockElectra, err = cfg.Uint("MAX_BLOBS_PER_BLOCK_ELECTRA"); err != nil {
			return nil, err
		}
	}
	return s, s.Validate()
}

// Validate checks that the forks start with phase0 at epoch 0 and are in
// fork order with non-decreasing epochs.
func (s *Schedule) Validate() error {
	if len(s.Forks) == 0 || s.Forks[0].Fork != eth2.Phase0 || s.Forks[0].Epoch != 0 {
		return fmt.Errorf("%w: must start with phase0 at epoch 0", ErrBadSchedule)
	}
	for i := 1; i < len(s.Forks); i++ {
		if s.Forks[i].Fork <= s.Forks[i-1].Fork || s.Forks[i].Epoch < s.Forks[i-1].Epoch {
			return fmt.Errorf("%w: %s out of order", ErrBadSchedule, s.Forks[i].Fork)
		}
	}
	return nil
}

// ForkAt is the regular fork in force at epoch (compute_fork_version's choice).
func (s *Schedule) ForkAt(epoch uint64) ForkEntry {
	cur := s.Forks[0]
	for _, f := range s.Forks[1:] {
		if f.Epoch != config.FarFutureEpoch && epoch >= f.Epoch {
			cur = f
		}
	}
	return cur
}

// ForkVersion is compute_fork_version(epoch).
func (s *Schedule) ForkVersion(epoch uint64) [4]byte { return s.ForkAt(epoch).Version }

func (s *Schedule) forkEpoch(f eth2.Fork) uint64 {
	for _, e := range s.Forks {
		if e.Fork == f {
			return e.Epoch
		}
	}
	return config.FarFutureEpoch
}

// BlobParameters is get_blob_parameters(epoch): the latest BLOB_SCHEDULE
// entry whose epoch is <= epoch, else (ELECTRA_FORK_EPOCH,
// MAX_BLOBS_PER_BLOCK_ELECTRA).
func (s *Schedule) BlobParameters(epoch uint64) BlobParameters {
	best, found := BlobParameters{}, false
	for _, e := range s.BlobSchedule {
		if epoch >= e.Epoch && (!found || e.Epoch >= best.Epoch) {
			best, found = e, true
		}
	}
	if found {
		return best
	}
	return BlobParameters{Epoch: s.forkEpoch(eth2.Electra), MaxBlobsPerBlock: s.MaxBlobsPerBlockElectra}
}

// Digest is compute_fork_digest(genesis_validators_root, epoch), in its Fulu
// form: the plain form before FULU_FORK_EPOCH, the blob-parameter-masked
// form from it on.
func (s *Schedule) Digest(epoch uint64) (Digest, error) {
	version := s.ForkVersion(epoch)
	fulu := s.forkEpoch(eth2.Fulu)
	if fulu == config.FarFutureEpoch || epoch < fulu {
		return ComputeForkDigest(version, s.GenesisValidatorsRoot)
	}
	return ComputeFuluForkDigest(version, s.GenesisValidatorsRoot, s.BlobParameters(epoch))
}

// NextForkEpoch is the epoch of the next fork after epoch, regular or (from
// Fulu on) blob-parameters-only, or FAR_FUTURE_EPOCH when none is planned.
// A BLOB_SCHEDULE entry counts as a fork only where the digest can change:
// at or after FULU_FORK_EPOCH.
func (s *Schedule) NextForkEpoch(epoch uint64) uint64 {
	next := config.FarFutureEpoch
	for _, f := range s.Forks {
		if f.Epoch != config.FarFutureEpoch && f.Epoch > epoch && f.Epoch < next {
			next = f.Epoch
		}
	}
	fulu := s.forkEpoch(eth2.Fulu)
	for _, b := range s.BlobSchedule {
		if fulu != config.FarFutureEpoch && b.Epoch >= fulu && b.Epoch > epoch && b.Epoch < next {
			next = b.Epoch
		}
	}
	return next
}

// ENRForkID is the SSZ container carried under the ENR key `eth2`.
type ENRForkID struct {
	ForkDigest      Digest
	NextForkVersion [4]byte
	NextForkEpoch   uint64
}

// ENRForkIDSize is the SSZ size of ENRForkID.
const ENRForkIDSize = 16

// ErrBadENRForkID reports an `eth2` ENR value that is not 16 bytes.
var ErrBadENRForkID = errors.New("forkdigest: ENRForkID must be 16 bytes")

// MarshalSSZ encodes the container (4 + 4 + 8 bytes, epoch little-endian).
func (e ENRForkID) MarshalSSZ() []byte {
	b := make([]byte, ENRForkIDSize)
	copy(b[:4], e.ForkDigest[:])
	copy(b[4:8], e.NextForkVersion[:])
	binary.LittleEndian.PutUint64(b[8:], e.NextForkEpoch)
	return b
}

// UnmarshalENRForkID decodes the 16-byte SSZ value of the `eth2` key.
func UnmarshalENRForkID(b []byte) (ENRForkID, error) {
	var e ENRForkID
	if len(b) != ENRForkIDSize {
		return e, fmt.Errorf("%w: got %d", ErrBadENRForkID, len(b))
	}
	copy(e.ForkDigest[:], b[:4])
	copy(e.NextForkVersion[:], b[4:8])
	e.NextForkEpoch = binary.LittleEndian.Uint64(b[8:])
	return e, nil
}

// ENRForkID is the node's `eth2` value at the wall-clock epoch: the current
// digest, the version of the next regular fork (the current version when
// the next fork is blob-parameters-only or none is planned) and the epoch
// of the next fork of either kind (FAR_FUTURE_EPOCH when none).
func (s *Schedule) ENRForkID(epoch uint64) (ENRForkID, error) {
	d, err := s.Digest(epoch)
	if err != nil {
		return ENRForkID{}, err
	}
	next := s.NextForkEpoch(epoch)
	version := s.ForkVersion(epoch)
	if next != config.FarFutureEpoch {
		version = s.ForkVersion(next)
	}
	return ENRForkID{ForkDigest: d, NextForkVersion: version, NextForkEpoch: next}, nil
}

// NextForkDigest is the Fulu ENR `nfd` value: the digest at the next fork
// (regular or blob-parameters-only), or the zero digest when none is
// scheduled.
func (s *Schedule) NextForkDigest(epoch uint64) (Digest, error) {
	next := s.NextForkEpoch(epoch)
	if next == config.FarFutureEpoch {
		return Digest{}, nil
	}
	return s.Digest(next)
}
