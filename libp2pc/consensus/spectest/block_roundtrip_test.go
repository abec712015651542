package spectest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/bellatrix"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// Every block of the sanity/blocks vectors of every fork (phase0 from the
// phase0 tree, altair..fulu from the stf tree) decodes into the generic
// block and encodes back to the same bytes; its hash_tree_root is that of
// the fork's container. This does not need the fork's transition.
func TestGenericBlockRoundTripVectors(t *testing.T) {
	if config.PresetName != "minimal" {
		t.Skip("the vectors are minimal-preset only")
	}
	phase0Dir, err := Dir()
	if err != nil {
		t.Skip(err)
	}
	stfDir, err := STFDir()
	if err != nil {
		t.Skip(err)
	}
	total := 0
	for _, f := range forks.All() {
		root := stfDir
		if f == forks.Phase0 {
			root = phase0Dir
		}
		dir := filepath.Join(root, "tests", "minimal", f.String(), "sanity", "blocks")
		if _, err := os.Stat(dir); err != nil {
			t.Logf("%s: no sanity/blocks vectors at %s", f, dir)
			continue
		}
		cases, err := Cases(dir)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range cases {
			entries, err := os.ReadDir(c.Dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				name, ok := strings.CutSuffix(e.Name(), ".ssz_snappy")
				if !ok || !strings.HasPrefix(name, "blocks_") {
					continue
				}
				raw, err := c.SSZ(name)
				if err != nil {
					t.Fatal(err)
				}
				if err := blockRoundTrip(f, raw); err != nil {
					t.Errorf("%s %s %s: %v", f, c.Name, name, err)
				}
				n++
			}
		}
		if n == 0 {
			t.Errorf("%s: no blocks found under %s", f, dir)
		}
		t.Logf("%s: %d blocks round-tripped", f, n)
		total += n
	}
	if total == 0 {
		t.Skip("no block vectors present")
	}
}

// signedBlockContainers gives a fresh generated SignedBeaconBlock of each
// fork (fulu blocks are electra's containers) and its message.
var signedBlockContainers = map[forks.Fork]func() (sszObject, func() sszObject){
	forks.Phase0: func() (sszObject, func() sszObject) {
		b := new(phase0.SignedBeaconBlock)
		return b, func() sszObject { return b.Message }
	},
	forks.Altair: func() (sszObject, func() sszObject) {
		b := new(altair.SignedBeaconBlock)
		return b, func() sszObject { return b.Message }
	},
	forks.Bellatrix: func() (sszObject, func() sszObject) {
		b := new(bellatrix.SignedBeaconBlock)
		return b, func() sszObject { return b.Message }
	},
	forks.Capella: func() (sszObject, func() sszObject) {
		b := new(capella.SignedBeaconBlock)
		return b, func() sszObject { return b.Message }
	},
	forks.Deneb: func() (sszObject, func() sszObject) {
		b := new(deneb.SignedBeaconBlock)
		return b, func() sszObject { return b.Message }
	},
	forks.Electra: func() (sszObject, func() sszObject) {
		b := new(electra.SignedBeaconBlock)
		return b, func() sszObject { return b.Message }
	},
	forks.Fulu: func() (sszObject, func() sszObject) {
		b := new(electra.SignedBeaconBlock)
		return b, func() sszObject { return b.Message }
	},
}

func blockRoundTrip(f forks.Fork, raw []byte) error {
	b, err := state.DecodeSignedBlock(f, raw)
	if err != nil {
		return err
	}
	if b.Message.ForkName != f {
		return fmt.Errorf("decoded as %s", b.Message.ForkName)
	}
	again, err := b.MarshalSSZ()
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if !bytes.Equal(again, raw) {
		return fmt.Errorf("re-encoding differs")
	}
	// The generic block's root is that of the fork's own container,
	// decoded independently.
	obj, message := signedBlockContainers[f]()
	if err := obj.UnmarshalSSZ(raw); err != nil {
		return err
	}
	want, err := message().HashTreeRoot()
	if err != nil {
		return err
	}
	got, err := b.Message.HashTreeRoot()
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("block root %x, container root %x", got, want)
	}
	return nil
}
