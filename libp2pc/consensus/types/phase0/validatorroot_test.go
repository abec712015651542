package phase0

import (
	"math/rand/v2"
	"testing"
)

// ValidatorRoot and ValidatorRoots must give the generated code's
// hash_tree_root for any field values (both Slashed values, zero and
// extreme numbers), on the sequential and the parallel path.
func TestValidatorRootMatchesHashTreeRoot(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vs := make([]*Validator, 2*parallelRootsMin+3)
	for i := range vs {
		v := &Validator{EffectiveBalance: rng.Uint64(), Slashed: i%3 == 0,
			ActivationEligibilityEpoch: rng.Uint64(), ActivationEpoch: uint64(i),
			ExitEpoch: ^uint64(0), WithdrawableEpoch: rng.Uint64N(1 << 20)}
		for j := range v.Pubkey {
			v.Pubkey[j] = byte(rng.Uint32())
		}
		for j := range v.WithdrawalCredentials {
			v.WithdrawalCredentials[j] = byte(rng.Uint32())
		}
		vs[i] = v
	}
	vs[0] = &Validator{} // all zero
	want := make([][32]byte, len(vs))
	for i, v := range vs {
		r, err := v.HashTreeRoot()
		if err != nil {
			t.Fatal(err)
		}
		want[i] = r
		if got := ValidatorRoot(v); got != r {
			t.Fatalf("validator %d: ValidatorRoot %x, HashTreeRoot %x", i, got, r)
		}
	}
	for _, n := range []int{5, len(vs)} { // sequential, then parallel
		dirty := make([]int, 0, n)
		for i := 0; i < n; i++ {
			dirty = append(dirty, (i*7)%len(vs))
		}
		roots := make([][32]byte, len(vs))
		ValidatorRoots(vs, roots, dirty)
		for _, i := range dirty {
			if roots[i] != want[i] {
				t.Fatalf("ValidatorRoots over %d: root %d differs", n, i)
			}
		}
	}
}
