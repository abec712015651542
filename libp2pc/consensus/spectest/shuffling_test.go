package spectest

import (
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
)

// TestShuffling checks both compute_shuffled_index (per index) and the
// whole-list shuffle used for committees against mapping.yaml.
func TestShuffling(t *testing.T) {
	dir := handlerDir(t, config.PresetName, "shuffling", "core")
	summary.Run(t, "shuffling", "core", dir, func(t *testing.T, c Case) {
		var d struct {
			Seed    string   `yaml:"seed"`
			Count   uint64   `yaml:"count"`
			Mapping []uint64 `yaml:"mapping"`
		}
		if err := c.YAML("mapping", &d); err != nil {
			t.Fatal(err)
		}
		var seed [32]byte
		copy(seed[:], hexBytes(t, d.Seed))
		if uint64(len(d.Mapping)) != d.Count {
			t.Fatalf("mapping has %d entries for count %d", len(d.Mapping), d.Count)
		}
		perm := helpers.ShufflePermutation(d.Count, seed)
		for i, want := range d.Mapping {
			if perm[i] != want {
				t.Fatalf("whole-list shuffle: position %d -> %d, want %d", i, perm[i], want)
			}
			got, err := helpers.ComputeShuffledIndex(uint64(i), d.Count, seed)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("compute_shuffled_index(%d) = %d, want %d", i, got, want)
			}
		}
	})
}
