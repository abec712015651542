package state

import (
	"bytes"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/bellatrix"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// filler sets every field of a generated container to non-zero values
// that respect its SSZ tags, so a conversion that drops or mixes up a
// field changes the encoding.
type filler struct{ n byte }

func (f *filler) next() byte { f.n++; return f.n }

// dims parses an ssz-size / ssz-max tag: one entry per dimension, -1 for "?".
func dims(tag string) []int {
	if tag == "" {
		return nil
	}
	var out []int
	for _, p := range strings.Split(tag, ",") {
		n, err := strconv.Atoi(p)
		if err != nil {
			n = -1
		}
		out = append(out, n)
	}
	return out
}

// length picks the length of dimension d: the fixed size, or a short list.
func length(size, max []int, d int) int {
	if d < len(size) && size[d] >= 0 {
		return size[d]
	}
	if d < len(max) && max[d] < 3 {
		return max[d]
	}
	return 3
}

func (f *filler) fill(v reflect.Value, size, max []int, d int, bitlist bool) {
	switch v.Kind() {
	case reflect.Uint64:
		v.SetUint(uint64(f.next()))
	case reflect.Uint8:
		v.SetUint(uint64(f.next()))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			f.fill(v.Index(i), size, max, d+1, false)
		}
	case reflect.Slice:
		n := length(size, max, d)
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := 0; i < n; i++ {
			f.fill(v.Index(i), size, max, d+1, false)
		}
		if bitlist && n > 0 {
			v.Index(n - 1).SetUint(0x01) // the delimiting bit
		}
	case reflect.Ptr:
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem(), nil, nil, 0, false)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			sf := v.Type().Field(i)
			if !sf.IsExported() {
				continue
			}
			f.fill(v.Field(i), dims(sf.Tag.Get("ssz-size")), dims(sf.Tag.Get("ssz-max")), 0, sf.Tag.Get("ssz") == "bitlist")
		}
	}
}

// Every fork's container survives From/To, Decode/MarshalSSZ and Copy
// byte for byte, with the same hash_tree_root.
func TestRoundTripEveryFork(t *testing.T) {
	containers := map[forks.Fork]func() SSZObject{
		forks.Phase0:    func() SSZObject { return new(phase0.BeaconState) },
		forks.Altair:    func() SSZObject { return new(altair.BeaconState) },
		forks.Bellatrix: func() SSZObject { return new(bellatrix.BeaconState) },
		forks.Capella:   func() SSZObject { return new(capella.BeaconState) },
		forks.Deneb:     func() SSZObject { return new(deneb.BeaconState) },
		forks.Electra:   func() SSZObject { return new(electra.BeaconState) },
		forks.Fulu:      func() SSZObject { return new(fulu.BeaconState) },
	}
	for _, f := range forks.All() {
		t.Run(f.String(), func(t *testing.T) {
			obj := containers[f]()
			new(filler).fill(reflect.ValueOf(obj).Elem(), nil, nil, 0, false)
			raw, err := obj.MarshalSSZ()
			if err != nil {
				t.Fatalf("encode filled container: %v", err)
			}
			wantRoot, err := obj.HashTreeRoot()
			if err != nil {
				t.Fatal(err)
			}
			s, err := Decode(f, raw)
			if err != nil {
				t.Fatal(err)
			}
			if s.ForkName != f {
				t.Fatalf("decoded as %v", s.ForkName)
			}
			for name, st := range map[string]*BeaconState{"decoded": s, "copy": s.Copy()} {
				again, err := st.MarshalSSZ()
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(again, raw) {
					t.Fatalf("%s: re-encoding differs", name)
				}
				root, err := st.HashTreeRoot()
				if err != nil || root != wantRoot {
					t.Fatalf("%s: hash_tree_root %x, %v; want %x", name, root, err, wantRoot)
				}
			}
			// The container of another fork is refused.
			if _, err := s.ToPhase0(); (err == nil) != (f == forks.Phase0) {
				t.Fatalf("ToPhase0 of a %s state: %v", f, err)
			}
		})
	}
}

// Copy is deep: changing the copy leaves the original as it was.
func TestCopyIsDeep(t *testing.T) {
	obj := new(fulu.BeaconState)
	new(filler).fill(reflect.ValueOf(obj).Elem(), nil, nil, 0, false)
	s := FromFulu(obj)
	before, err := s.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	c := s.Copy()
	c.Validators[0].EffectiveBalance++
	c.Balances[0]++
	c.BlockRoots[0][0]++
	c.Fork.Epoch++
	c.CurrentEpochParticipation[0]++
	c.InactivityScores[0]++
	c.CurrentSyncCommittee.Pubkeys[0][0]++
	c.LatestExecutionPayloadHeader.BlockNumber++
	c.PendingDeposits[0].Amount++
	c.ProposerLookahead[0]++
	c.Eth1DataVotes[0].DepositCount++
	c.FinalizedCheckpoint.Epoch++
	after, err := s.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatal("changing the copy changed the original")
	}
}

// The block conversions of every fork are lossless: decoding a fork's
// SignedBeaconBlock into the generic block and encoding it back gives the
// same bytes, and the block and body roots are those of the container.
func TestBlockRoundTrip(t *testing.T) {
	for _, c := range []struct {
		f   forks.Fork
		obj SSZObject
	}{
		{forks.Phase0, new(phase0.SignedBeaconBlock)},
		{forks.Altair, new(altair.SignedBeaconBlock)},
		{forks.Bellatrix, new(bellatrix.SignedBeaconBlock)},
		{forks.Capella, new(capella.SignedBeaconBlock)},
		{forks.Deneb, new(deneb.SignedBeaconBlock)},
		{forks.Electra, new(electra.SignedBeaconBlock)},
		{forks.Fulu, new(electra.SignedBeaconBlock)},
	} {
		new(filler).fill(reflect.ValueOf(c.obj).Elem(), nil, nil, 0, false)
		raw, err := c.obj.MarshalSSZ()
		if err != nil {
			t.Fatalf("%s: %v", c.f, err)
		}
		b, err := DecodeSignedBlock(c.f, raw)
		if err != nil {
			t.Fatal(err)
		}
		if b.Message.ForkName != c.f {
			t.Fatalf("%s: decoded as %s", c.f, b.Message.ForkName)
		}
		again, err := b.MarshalSSZ()
		if err != nil {
			t.Fatalf("%s: encode: %v", c.f, err)
		}
		if !bytes.Equal(again, raw) {
			t.Fatalf("%s: re-encoding differs", c.f)
		}
		got, err := b.Message.HashTreeRoot()
		if err != nil {
			t.Fatal(err)
		}
		msg := reflect.ValueOf(c.obj).Elem().FieldByName("Message")
		want, _ := msg.Interface().(SSZObject).HashTreeRoot()
		if got != want {
			t.Fatalf("%s: block root %x, want %x", c.f, got, want)
		}
		gotBody, err := b.Message.BodyRoot()
		if err != nil {
			t.Fatal(err)
		}
		wantBody, _ := msg.Elem().FieldByName("Body").Interface().(SSZObject).HashTreeRoot()
		if gotBody != wantBody {
			t.Fatalf("%s: body root %x, want %x", c.f, gotBody, wantBody)
		}
	}
	if _, err := DecodeSignedBlock(forks.Capella, nil); err == nil {
		t.Fatal("an empty encoding must be an error")
	}
}
