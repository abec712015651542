// Package helpers implements the helper functions of the consensus
// specs (specs/phase0 and altair beacon-chain.md "Helper functions"), for
// every fork through the State interface: shuffling, sync committees,
// committees, proposer selection, seeds, domains and signing roots, Merkle
// branch checks, and the read-only state accessors. Functions that mutate
// the state live in package transition.
package helpers

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
)

// ComputeShuffledIndex is the spec's compute_shuffled_index: the position
// index is moved to by the swap-or-not shuffle of indexCount items.
func ComputeShuffledIndex(index, indexCount uint64, seed [32]byte) (uint64, error) {
	if index >= indexCount {
		return 0, fmt.Errorf("compute_shuffled_index: index %d out of range [0, %d)", index, indexCount)
	}
	var buf [32 + 1 + 4]byte
	copy(buf[:32], seed[:])
	for round := uint64(0); round < config.ShuffleRoundCount; round++ {
		buf[32] = byte(round)
		h := sha256.Sum256(buf[:33])
		pivot := binary.LittleEndian.Uint64(h[:8]) % indexCount
		flip := (pivot + indexCount - index) % indexCount
		position := max(index, flip)
		binary.LittleEndian.PutUint32(buf[33:], uint32(position/256))
		source := sha256.Sum256(buf[:])
		if (source[(position%256)/8]>>(position%8))&1 == 1 {
			index = flip
		}
	}
	return index, nil
}

// indexShuffler is compute_shuffled_index for one seed and index count,
// with each round's pivot (which depends only on the seed and the round)
// hashed once instead of once per call. For callers that shuffle many
// single indices under one seed: proposer selection tries about 64
// candidates per slot under electra's balance rule, and fulu's
// process_proposer_lookahead selects 32 proposers per epoch, so the pivots
// were half of its ~370,000 hashes at 65,536 validators.
type indexShuffler struct {
	buf    [32 + 1 + 4]byte // seed, round, position/256
	count  uint64
	pivots [config.ShuffleRoundCount]uint64
}

func newIndexShuffler(count uint64, seed [32]byte) *indexShuffler {
	sh := &indexShuffler{count: count}
	copy(sh.buf[:32], seed[:])
	for round := range sh.pivots {
		sh.buf[32] = byte(round)
		h := sha256.Sum256(sh.buf[:33])
		sh.pivots[round] = binary.LittleEndian.Uint64(h[:8]) % count
	}
	return sh
}

// shuffled is compute_shuffled_index(index, count, seed); index < count.
func (sh *indexShuffler) shuffled(index uint64) uint64 {
	n := sh.count
	for round, pivot := range sh.pivots {
		flip := (pivot + n - index) % n
		position := max(index, flip)
		sh.buf[32] = byte(round)
		binary.LittleEndian.PutUint32(sh.buf[33:], uint32(position/256))
		source := sha256.Sum256(sh.buf[:])
		if (source[(position%256)/8]>>(position%8))&1 == 1 {
			index = flip
		}
	}
	return index
}

// ShufflePermutation returns p with p[i] = compute_shuffled_index(i, n,
// seed) for every i, computed for the whole list at once: each round is an
// involution (pairs i <-> flip swap together), and composing the rounds in
// reverse order over an identity array yields the forward mapping, with one
// hash per 256 positions instead of one per index.
func ShufflePermutation(n uint64, seed [32]byte) []uint64 {
	p := make([]uint64, n)
	for i := range p {
		p[i] = uint64(i)
	}
	if n <= 1 {
		return p
	}
	var buf [32 + 1 + 4]byte
	copy(buf[:32], seed[:])
	for r := int(config.ShuffleRoundCount) - 1; r >= 0; r-- {
		buf[32] = byte(r)
		h := sha256.Sum256(buf[:33])
		pivot := binary.LittleEndian.Uint64(h[:8]) % n
		var source [32]byte
		sourceChunk := ^uint64(0)
		for i := uint64(0); i < n; i++ {
			flip := (pivot + n - i) % n
			if i >= flip {
				continue // each pair is handled once, from its lower end
			}
			position := flip
			if chunk := position / 256; chunk != sourceChunk {
				binary.LittleEndian.PutUint32(buf[33:], uint32(chunk))
				source = sha256.Sum256(buf[:])
				sourceChunk = chunk
			}
			if (source[(position%256)/8]>>(position%8))&1 == 1 {
				p[i], p[flip] = p[flip], p[i]
			}
		}
	}
	return p
}

// permutationCache keeps the last few whole-list shuffles: every attestation
// of an epoch needs a committee of the same shuffle. A permutation depends
// only on (seed, n), so it is safe to share across states.
type permKey struct {
	seed [32]byte
	n    uint64
}

var permutationCache = struct {
	sync.Mutex
	m     map[permKey][]uint64
	order []permKey
}{m: map[permKey][]uint64{}}

const permutationCacheSize = 8

// cachedPermutation returns ShufflePermutation(n, seed); the result is shared
// and must not be modified.
func cachedPermutation(n uint64, seed [32]byte) []uint64 {
	k := permKey{seed, n}
	permutationCache.Lock()
	p, ok := permutationCache.m[k]
	permutationCache.Unlock()
	if ok {
		return p
	}
	p = ShufflePermutation(n, seed)
	permutationCache.Lock()
	defer permutationCache.Unlock()
	if _, ok := permutationCache.m[k]; !ok {
		if len(permutationCache.order) >= permutationCacheSize {
			delete(permutationCache.m, permutationCache.order[0])
			permutationCache.order = permutationCache.order[1:]
		}
		permutationCache.m[k] = p
		permutationCache.order = append(permutationCache.order, k)
	}
	return p
}

// ComputeCommittee is the spec's compute_committee: slice `index` of `count`
// of the shuffled indices.
func ComputeCommittee(indices []uint64, seed [32]byte, index, count uint64) ([]uint64, error) {
	if count == 0 || index >= count {
		return nil, fmt.Errorf("compute_committee: committee %d of %d does not exist", index, count)
	}
	n := uint64(len(indices))
	start, end := n*index/count, n*(index+1)/count
	perm := cachedPermutation(n, seed)
	out := make([]uint64, end-start)
	for i := start; i < end; i++ {
		out[i-start] = indices[perm[i]]
	}
	return out, nil
}
