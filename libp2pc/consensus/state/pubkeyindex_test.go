package state

import (
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

func scanIndex(s *BeaconState, pk [48]byte) (uint64, bool) {
	for i, v := range s.Validators {
		if v.Pubkey == pk {
			return uint64(i), true
		}
	}
	return 0, false
}

func keyOf(i int) (k [48]byte) {
	k[0], k[1], k[2], k[47] = byte(i), byte(i>>8), byte(i>>16), 1
	return k
}

// ValidatorIndex agrees with a scan of the registry on copies that share
// the index and then append different validators, before and after the
// index is rebuilt, for present, absent and duplicate keys.
func TestValidatorIndexMatchesScan(t *testing.T) {
	base := &BeaconState{ForkName: forks.Electra}
	for i := 0; i < 100; i++ {
		base.Validators = append(base.Validators, &phase0.Validator{Pubkey: keyOf(i)})
	}
	base.Validators = append(base.Validators, &phase0.Validator{Pubkey: keyOf(7)}) // a duplicate: the first wins
	check := func(name string, s *BeaconState, upTo int) {
		t.Helper()
		for i := 0; i < upTo; i++ {
			got, ok := s.ValidatorIndex(keyOf(i))
			want, wantOK := scanIndex(s, keyOf(i))
			if got != want || ok != wantOK {
				t.Fatalf("%s: key %d: got %d,%v want %d,%v", name, i, got, ok, want, wantOK)
			}
		}
	}
	check("base", base, 200)
	a, b := base.Copy(), base.Copy()
	a.Validators = append(a.Validators, &phase0.Validator{Pubkey: keyOf(150)})
	b.Validators = append(b.Validators, &phase0.Validator{Pubkey: keyOf(160)})
	check("a", a, 200)
	check("b", b, 200)
	// A long tail forces a rebuild on c only; its origin keeps working.
	c := a.Copy()
	for i := 1000; i < 1000+pubkeyIndexTail+10; i++ {
		c.Validators = append(c.Validators, &phase0.Validator{Pubkey: keyOf(i)})
	}
	check("c", c, 1000+pubkeyIndexTail+20)
	check("a after c", a, 200)
	check("base after all", base, 200)
}
