package phase0

import (
	"crypto/sha256"
	"encoding/binary"
	"runtime"
	"sync"
)

// ValidatorRoot is hash_tree_root(v), the same value as v.HashTreeRoot(),
// computed directly: the container's 8 fields are 8 chunks (the pubkey's
// root is one more hash of its two chunks), so 8 SHA-256 of 64 bytes, with
// no hasher state and no allocation. Hashing a 65,536-validator registry
// from scratch (a freshly decoded state's hash cache) spent most of its time
// in the generic hasher's bookkeeping around the same hashes.
func ValidatorRoot(v *Validator) [32]byte {
	var pair [64]byte
	var leaves [8][32]byte
	copy(pair[:48], v.Pubkey[:]) // pubkey: two chunks, the second zero-padded
	leaves[0] = sha256.Sum256(pair[:])
	leaves[1] = v.WithdrawalCredentials
	binary.LittleEndian.PutUint64(leaves[2][:8], v.EffectiveBalance)
	if v.Slashed {
		leaves[3][0] = 1
	}
	binary.LittleEndian.PutUint64(leaves[4][:8], v.ActivationEligibilityEpoch)
	binary.LittleEndian.PutUint64(leaves[5][:8], v.ActivationEpoch)
	binary.LittleEndian.PutUint64(leaves[6][:8], v.ExitEpoch)
	binary.LittleEndian.PutUint64(leaves[7][:8], v.WithdrawableEpoch)
	for width := 8; width > 1; width /= 2 {
		for i := 0; i < width/2; i++ {
			copy(pair[:32], leaves[2*i][:])
			copy(pair[32:], leaves[2*i+1][:])
			leaves[i] = sha256.Sum256(pair[:])
		}
	}
	return leaves[0]
}

// parallelRootsMin is the number of validators to hash below which
// ValidatorRoots stays on the caller's goroutine (a block changes a few
// validators; only a cold cache has the whole registry to hash).
const parallelRootsMin = 4096

// ValidatorRoots sets roots[i] = ValidatorRoot(vs[i]) for every i in dirty,
// spreading a large batch over GOMAXPROCS goroutines (the roots are
// independent). vs[i] must not be nil for any i in dirty.
func ValidatorRoots(vs []*Validator, roots [][32]byte, dirty []int) {
	workers := runtime.GOMAXPROCS(0)
	if len(dirty) < parallelRootsMin || workers < 2 {
		for _, i := range dirty {
			roots[i] = ValidatorRoot(vs[i])
		}
		return
	}
	var wg sync.WaitGroup
	per := (len(dirty) + workers - 1) / workers
	for start := 0; start < len(dirty); start += per {
		part := dirty[start:min(start+per, len(dirty))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, i := range part {
				roots[i] = ValidatorRoot(vs[i])
			}
		}()
	}
	wg.Wait()
}
