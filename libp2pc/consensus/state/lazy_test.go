package state

import (
	"reflect"
	"sync"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// TestSharedStateFirstUse: a freshly decoded state shared by goroutines
// (as the pipeline shares its hot states) may be hashed, copied and
// searched by several at once on first use; the lazily created caches must
// not race (go test -race) and every root must be the full one.
func TestSharedStateFirstUse(t *testing.T) {
	for _, f := range []forks.Fork{forks.Phase0, forks.Deneb, forks.Electra} {
		var obj SSZObject = new(phase0.BeaconState)
		if f != forks.Phase0 {
			obj = stateContainers()[f]()
		}
		new(filler).fill(reflect.ValueOf(obj).Elem(), nil, nil, 0, false)
		raw, err := obj.MarshalSSZ()
		if err != nil {
			t.Fatal(err)
		}
		s, err := Decode(f, raw)
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.FullHashTreeRoot()
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				switch i % 3 {
				case 0:
					if got, err := s.HashTreeRoot(); err != nil || got != want {
						t.Errorf("%v: root %x (%v), want %x", f, got, err, want)
					}
				case 1:
					c := s.Copy()
					if got, err := c.HashTreeRoot(); err != nil || got != want {
						t.Errorf("%v: copy's root %x (%v), want %x", f, got, err, want)
					}
				default:
					if len(s.Validators) > 0 {
						if _, ok := s.ValidatorIndex(s.Validators[0].Pubkey); !ok {
							t.Errorf("%v: validator 0 not found", f)
						}
					}
				}
			}()
		}
		wg.Wait()
	}
}
