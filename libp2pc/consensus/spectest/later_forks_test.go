package spectest

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/bellatrix"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// The altair..fulu state-transition vectors (stf-altair-fulu-minimal) are
// used here for what our code can check today: that every state and block
// in them decodes with our types and re-encodes byte-identically, and that
// the post-state of each valid sanity/blocks case hashes to the state_root
// its last block commits to (a hash_tree_root check of whole states of
// every fork on real data). The same cases also run through the
// state transition, for the forks that have one: stf_test.go.

// STFDir returns $STF_TESTS_DIR, or build/spec-tests-stf next to the phase0
// tree's default location.
func STFDir() (string, error) {
	if d := os.Getenv("STF_TESTS_DIR"); d != "" {
		return d, nil
	}
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(dir), "spec-tests-stf"), nil
}

type forkTypes struct {
	name      string
	state     func() sszObject
	prevState func() sszObject
	block     func() sszObject
	// stateRoot returns block.message.state_root of a decoded block.
	stateRoot func(sszObject) [32]byte
}

var laterForks = []forkTypes{
	{"altair", func() sszObject { return new(altair.BeaconState) }, func() sszObject { return new(phase0.BeaconState) },
		func() sszObject { return new(altair.SignedBeaconBlock) },
		func(o sszObject) [32]byte { return o.(*altair.SignedBeaconBlock).Message.StateRoot }},
	{"bellatrix", func() sszObject { return new(bellatrix.BeaconState) }, func() sszObject { return new(altair.BeaconState) },
		func() sszObject { return new(bellatrix.SignedBeaconBlock) },
		func(o sszObject) [32]byte { return o.(*bellatrix.SignedBeaconBlock).Message.StateRoot }},
	{"capella", func() sszObject { return new(capella.BeaconState) }, func() sszObject { return new(bellatrix.BeaconState) },
		func() sszObject { return new(capella.SignedBeaconBlock) },
		func(o sszObject) [32]byte { return o.(*capella.SignedBeaconBlock).Message.StateRoot }},
	{"deneb", func() sszObject { return new(deneb.BeaconState) }, func() sszObject { return new(capella.BeaconState) },
		func() sszObject { return new(deneb.SignedBeaconBlock) },
		func(o sszObject) [32]byte { return o.(*deneb.SignedBeaconBlock).Message.StateRoot }},
	{"electra", func() sszObject { return new(electra.BeaconState) }, func() sszObject { return new(deneb.BeaconState) },
		func() sszObject { return new(electra.SignedBeaconBlock) },
		func(o sszObject) [32]byte { return o.(*electra.SignedBeaconBlock).Message.StateRoot }},
	// Fulu blocks are electra blocks.
	{"fulu", func() sszObject { return new(fulu.BeaconState) }, func() sszObject { return new(electra.BeaconState) },
		func() sszObject { return new(electra.SignedBeaconBlock) },
		func(o sszObject) [32]byte { return o.(*electra.SignedBeaconBlock).Message.StateRoot }},
}

// roundTrip decodes name.ssz_snappy into obj and requires a byte-identical
// re-encoding.
func roundTrip(t *testing.T, c Case, name string, obj sszObject) {
	t.Helper()
	raw, err := c.SSZ(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.UnmarshalSSZ(raw); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	again, err := obj.MarshalSSZ()
	if err != nil {
		t.Fatalf("re-encode %s: %v", name, err)
	}
	if !bytes.Equal(again, raw) {
		t.Fatalf("%s: re-encoding differs (%d vs %d bytes)", name, len(again), len(raw))
	}
}

func TestLaterForksSSZ(t *testing.T) {
	if config.PresetName != "minimal" {
		t.Skip("minimal preset only: at mainnet scale TestForkStateTransitions decodes and compares the same states")
	}
	roots := vectorRoots()
	if len(roots) == 0 {
		t.Skip("no vector tree (set STF_TESTS_DIR, or `make spec-test` unpacks them)")
	}
	for _, root := range roots {
		for _, f := range laterForks {
			base := filepath.Join(root.path, "tests", "minimal", f.name)
			// A tree may hold some handlers of a fork only.
			present := func(rel ...string) (string, bool) {
				dir := filepath.Join(append([]string{base}, rel...)...)
				_, err := os.Stat(dir)
				return dir, err == nil
			}
			if dir, ok := present("sanity", "blocks"); ok {
				t.Run(f.name+"/sanity_blocks", func(t *testing.T) {
					summary.Run(t, "ssz_"+f.name, "sanity_blocks", dir, func(t *testing.T, c Case) {
						m := readMeta(t, c)
						roundTrip(t, c, "pre", f.state())
						var last sszObject
						for i := 0; i < m.BlocksCount; i++ {
							last = f.block()
							roundTrip(t, c, "blocks_"+strconv.Itoa(i), last)
						}
						if !c.Exists("post.ssz_snappy") {
							return
						}
						post := f.state()
						roundTrip(t, c, "post", post)
						htr, err := post.HashTreeRoot()
						if err != nil {
							t.Fatal(err)
						}
						if last != nil && htr != f.stateRoot(last) {
							t.Fatalf("hash_tree_root(post) %x != last block's state_root %x", htr, f.stateRoot(last))
						}
					})
				})
			}
			if dir, ok := present("sanity", "slots"); ok {
				t.Run(f.name+"/sanity_slots", func(t *testing.T) {
					summary.Run(t, "ssz_"+f.name, "sanity_slots", dir, func(t *testing.T, c Case) {
						roundTrip(t, c, "pre", f.state())
						roundTrip(t, c, "post", f.state())
					})
				})
			}
			if dir, ok := present("fork", "fork"); ok {
				t.Run(f.name+"/fork", func(t *testing.T) {
					summary.Run(t, "ssz_"+f.name, "fork", dir, func(t *testing.T, c Case) {
						roundTrip(t, c, "pre", f.prevState())
						roundTrip(t, c, "post", f.state())
					})
				})
			}
		}
	}
}

// The per-fork configs shipped with the altair..fulu vectors load, and each
// schedules its own fork.
func TestLaterForksConfigs(t *testing.T) {
	root, err := STFDir()
	if err != nil {
		t.Skip(err)
	}
	for _, f := range laterForks {
		path := filepath.Join(root, "configs", "minimal_"+f.name+".yaml")
		if _, err := os.Stat(path); err != nil {
			t.Skipf("no %s", path)
		}
		cfg, err := config.LoadConfigFile(path)
		if err != nil {
			t.Fatal(err)
		}
		forks, err := cfg.Forks()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		found := false
		for _, fe := range forks {
			if strings.EqualFold(fe.Name, f.name) {
				found = true
			}
		}
		if !found {
			t.Fatalf("%s does not schedule %s: %+v", path, f.name, forks)
		}
	}
}
