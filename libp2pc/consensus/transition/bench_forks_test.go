package transition

import (
	"fmt"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// validator_pubkeys.index(pubkey) of the electra rules (pending deposits,
// withdrawal and consolidation requests), one lookup that misses (a new
// depositor's key), per registry size: "scan" is the linear scan of the
// registry the transition used before state.ValidatorIndex, "index" the
// lookup in the index map (built already, as on the states a node imports
// blocks on), "build" the first lookup on a state, which builds the map. At
// most a few dozen lookups happen per block or epoch
// (MAX_PENDING_DEPOSITS_PER_EPOCH = 16, 16 withdrawal and 2 consolidation
// requests per block, plus the deposits of a block).
func BenchmarkForkElectraPubkeyLookup(b *testing.B) {
	for _, n := range []int{16384, 65536, 1 << 20} {
		s := &state.BeaconState{ForkName: forks.Electra}
		vals := make([]phase0.Validator, n)
		s.Validators = make([]*phase0.Validator, n)
		for i := range vals {
			vals[i].Pubkey[0], vals[i].Pubkey[1], vals[i].Pubkey[2] = byte(i), byte(i>>8), byte(i>>16)
			vals[i].Pubkey[47] = 1
			s.Validators[i] = &vals[i]
		}
		var missing [48]byte
		missing[47] = 2
		b.Run(fmt.Sprintf("electra/validators=%d/scan", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				for _, v := range s.Validators {
					if v.Pubkey == missing {
						b.Fatal("found a key that is not there")
					}
				}
			}
		})
		b.Run(fmt.Sprintf("electra/validators=%d/index", n), func(b *testing.B) {
			validatorIndexByPubkey(s, missing) // builds the map
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, ok := validatorIndexByPubkey(s, missing); ok {
					b.Fatal("found a key that is not there")
				}
			}
		})
		b.Run(fmt.Sprintf("electra/validators=%d/build", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				fresh := &state.BeaconState{ForkName: forks.Electra, Validators: s.Validators}
				b.StartTimer()
				if _, ok := validatorIndexByPubkey(fresh, missing); ok {
					b.Fatal("found a key that is not there")
				}
			}
		})
	}
}
