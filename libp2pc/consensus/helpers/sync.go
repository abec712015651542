package helpers

import (
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
)

// NextSyncCommitteeIndices is altair's get_next_sync_committee_indices: the
// SYNC_COMMITTEE_SIZE validators (repetition allowed) of the next epoch's
// active set, sampled like proposers, with probability proportional to
// their effective balance.
//
// Electra samples with 16-bit random values and
// MAX_EFFECTIVE_BALANCE_ELECTRA: NextSyncCommitteeIndicesElectra.
func NextSyncCommitteeIndices(s State) ([]uint64, error) {
	epoch := CurrentEpoch(s) + 1
	active := ActiveValidatorIndices(s, epoch)
	n := uint64(len(active))
	if n == 0 {
		return nil, fmt.Errorf("get_next_sync_committee_indices: no active validators at epoch %d", epoch)
	}
	seed := Seed(s, epoch, config.DomainSyncCommittee)
	vals := s.GetValidators()
	const maxRandomByte = 255
	out := make([]uint64, 0, config.SyncCommitteeSize)
	perm := cachedPermutation(n, seed)
	var hashed [32]byte
	for i := uint64(0); uint64(len(out)) < config.SyncCommitteeSize; i++ {
		candidate := active[perm[i%n]]
		if i%32 == 0 {
			hashed = Hash(seed[:], uint64Bytes(i/32))
		}
		if vals[candidate].EffectiveBalance*maxRandomByte >= config.MaxEffectiveBalance*uint64(hashed[i%32]) {
			out = append(out, candidate)
		}
	}
	return out, nil
}
