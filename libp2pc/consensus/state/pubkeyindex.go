package state

// pubkeyIndex maps the public keys of validators[0:n] of the state it was
// built from to their indices. It is immutable once built, and shared by
// copies: the registry only grows by appending and a validator's pubkey never
// changes, so validators[0:n] are the same in every state that descends
// (through Copy) from the one it was built from. Validators appended since
// are found by scanning the short tail.
type pubkeyIndex struct {
	m map[[48]byte]uint64
	n int
}

// pubkeyIndexTail is how many validators may be appended after the index
// was built before it is rebuilt (scanning them costs ~5 ns each).
const pubkeyIndexTail = 4096

// ValidatorIndex is validator_pubkeys.index(pubkey): the index of the first
// validator with that key, ok false when none has it. The index map is built
// on first use (a few ms at 65,536 validators) and shared by copies of the
// state. Safe for concurrent use (two callers may both build the map).
func (s *BeaconState) ValidatorIndex(pubkey [48]byte) (uint64, bool) {
	lazyMu.Lock()
	idx := s.pubkeyIndex
	lazyMu.Unlock()
	if idx == nil || idx.n > len(s.Validators) || len(s.Validators)-idx.n > pubkeyIndexTail {
		idx = &pubkeyIndex{m: make(map[[48]byte]uint64, len(s.Validators)), n: len(s.Validators)}
		for i, v := range s.Validators {
			if _, dup := idx.m[v.Pubkey]; !dup {
				idx.m[v.Pubkey] = uint64(i)
			}
		}
		lazyMu.Lock()
		s.pubkeyIndex = idx
		lazyMu.Unlock()
	}
	if i, ok := idx.m[pubkey]; ok {
		return i, true
	}
	for i := idx.n; i < len(s.Validators); i++ {
		if s.Validators[i].Pubkey == pubkey {
			return uint64(i), true
		}
	}
	return 0, false
}
