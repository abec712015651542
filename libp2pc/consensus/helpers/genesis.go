package helpers

import (
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// IsValidGenesisState is is_valid_genesis_state.
func IsValidGenesisState(cfg *config.Config, s *phase0.BeaconState) bool {
	if s.GenesisTime < cfg.MinGenesisTime {
		return false
	}
	return uint64(len(ActiveValidatorIndices(s, config.GenesisEpoch))) >= cfg.MinGenesisActiveValidatorCount
}
