package transition

import (
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
)

// Fulu (specs/fulu/beacon-chain.md, fork.md): the deterministic proposer
// lookahead (EIP-7917) and the blob schedule (EIP-7892, maxBlobsPerBlock in
// deneb.go). PeerDAS changes nothing else in the state transition.
//
// The rules are those of fulu as deployed (consensus-specs v1.6): the
// later removal of the eth1 bridge deposits from fulu (consensus-specs
// #4704: no process_deposit, deposit_requests_start_index unused) is not
// applied, the vectors (fulu/sanity/blocks/deposit) process a bridge
// deposit in a fulu block.

// upgradeToFulu is upgrade_to_fulu: the fork version, and the proposer
// lookahead initialised for the current and the next MIN_SEED_LOOKAHEAD
// epochs (initialize_proposer_lookahead).
func upgradeToFulu(cfg *config.Config, s *state.BeaconState) error {
	if err := nextForkVersion(cfg, s, forks.Fulu); err != nil {
		return err
	}
	// Computed with electra's rules, from the pre-state; the fork tag only
	// changes which rules later steps use.
	lookahead, err := initialProposerLookahead(s)
	if err != nil {
		return err
	}
	s.ForkName = forks.Fulu
	s.ProposerLookahead = lookahead
	return nil
}

// initialProposerLookahead is initialize_proposer_lookahead.
func initialProposerLookahead(s *state.BeaconState) ([]uint64, error) {
	current := helpers.CurrentEpoch(s)
	out := make([]uint64, 0, config.ProposerLookaheadLength)
	for i := uint64(0); i <= config.MinSeedLookahead; i++ {
		proposers, err := helpers.BeaconProposerIndices(s, current+i)
		if err != nil {
			return nil, fmt.Errorf("initialize_proposer_lookahead: %w", err)
		}
		out = append(out, proposers...)
	}
	return out, nil
}

// processProposerLookahead is process_proposer_lookahead: shift out the
// ending epoch's proposers and append those of epoch
// current + MIN_SEED_LOOKAHEAD + 1.
func processProposerLookahead(_ *config.Config, s *state.BeaconState) error {
	if len(s.ProposerLookahead) != config.ProposerLookaheadLength {
		return fmt.Errorf("proposer_lookahead has %d entries, not %d", len(s.ProposerLookahead), config.ProposerLookaheadLength)
	}
	last, err := helpers.BeaconProposerIndices(s, helpers.CurrentEpoch(s)+config.MinSeedLookahead+1)
	if err != nil {
		return err
	}
	lookahead := make([]uint64, 0, config.ProposerLookaheadLength)
	lookahead = append(lookahead, s.ProposerLookahead[config.SlotsPerEpoch:]...)
	s.ProposerLookahead = append(lookahead, last...)
	return nil
}
