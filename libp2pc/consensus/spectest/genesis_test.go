package spectest

import (
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
)

// TestGenesisValidity runs genesis/validity (is_valid_genesis_state). The
// genesis/initialization cases are all unrecoverable lfs pointers in the
// shipped tree, so initialize_beacon_state_from_eth1 has no runner yet.
func TestGenesisValidity(t *testing.T) {
	cfg := loadConfig(t)
	dir := handlerDir(t, config.PresetName, "genesis", "validity")
	summary.Run(t, "genesis", "validity", dir, func(t *testing.T, c Case) {
		s := readState(t, c, "genesis")
		var want bool
		if err := c.YAML("is_valid", &want); err != nil {
			t.Fatal(err)
		}
		if got := helpers.IsValidGenesisState(cfg, s); got != want {
			t.Fatalf("is_valid_genesis_state = %v, want %v", got, want)
		}
	})
}
