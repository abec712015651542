package typescheck

import (
	"fmt"
	"math/rand"
	"reflect"
	"strconv"
	"strings"
)

// Filler fills our SSZ structs with random values that respect their ssz
// tags: exact lengths for vectors, random lengths up to a small cap for
// lists, valid bitlists, and zero padding bits for bitvectors whose length
// is not a multiple of 8.
type Filler struct {
	Rand *rand.Rand
	// MaxListLen caps random list lengths (limits can be 2^40).
	MaxListLen int
	// BitvectorBits gives the bit length of [N]byte fields that are
	// bitvectors of a length not a multiple of 8, by field name.
	BitvectorBits map[string]int
}

// Fill fills the struct pointed to by v.
func (f *Filler) Fill(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("fill: want a pointer to a struct, got %T", v)
	}
	return f.fillStruct(rv.Elem())
}

func (f *Filler) fillStruct(v reflect.Value) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if err := f.fillField(v.Field(i), sf); err != nil {
			return fmt.Errorf("%s.%s: %w", t.Name(), sf.Name, err)
		}
	}
	return nil
}

// dims parses "a,b" tags into per-dimension values (-1 for "?" or absent).
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

func at(d []int, i int) int {
	if i < len(d) {
		return d[i]
	}
	return -1
}

func (f *Filler) listLen(max int) int {
	limit := f.MaxListLen
	if max >= 0 && max < limit {
		limit = max
	}
	return f.Rand.Intn(limit + 1)
}

func (f *Filler) fillField(v reflect.Value, sf reflect.StructField) error {
	size, max := dims(sf.Tag.Get("ssz-size")), dims(sf.Tag.Get("ssz-max"))
	if sf.Tag.Get("ssz") == "bitlist" {
		n := f.listLen(at(max, 0)) // number of bits
		b := make([]byte, n/8+1)
		for i := 0; i < n; i++ {
			if f.Rand.Intn(2) == 1 {
				b[i/8] |= 1 << (i % 8)
			}
		}
		b[n/8] |= 1 << (n % 8)
		v.SetBytes(b)
		return nil
	}
	if bits, ok := f.BitvectorBits[sf.Name]; ok && v.Kind() == reflect.Array {
		for i := 0; i < bits; i++ {
			if f.Rand.Intn(2) == 1 {
				v.Index(i / 8).SetUint(v.Index(i/8).Uint() | 1<<(i%8))
			}
		}
		return nil
	}
	return f.fillValue(v, size, max, 0)
}

func (f *Filler) fillValue(v reflect.Value, size, max []int, dim int) error {
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(f.Rand.Intn(2) == 1)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(f.Rand.Uint64())
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if err := f.fillValue(v.Index(i), size, max, dim+1); err != nil {
				return err
			}
		}
	case reflect.Slice:
		n := at(size, dim)
		if n < 0 {
			n = f.listLen(at(max, dim))
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			if err := f.fillValue(s.Index(i), size, max, dim+1); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if p.Elem().Kind() != reflect.Struct {
			return fmt.Errorf("unsupported pointer to %s", p.Elem().Kind())
		}
		if err := f.fillStruct(p.Elem()); err != nil {
			return err
		}
		v.Set(p)
	default:
		return fmt.Errorf("unsupported kind %s", v.Kind())
	}
	return nil
}
