package phase0

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/ssztree"
)

// CachedHashTreeRoot returns the same value as HashTreeRoot, but keeps the
// Merkle trees of the large fields (validators, balances, the root vectors,
// the pending attestations...) between calls, so that hashing a state that
// differs from the previously hashed one in a few places costs a few
// hundred hashes instead of a full re-hash. The cache is created on first
// use and shared by Copy; it is safe for concurrent use (calls serialize).
func (s *BeaconState) CachedHashTreeRoot() ([32]byte, error) {
	if s.hashCache == nil {
		s.hashCache = newStateHashCache()
	}
	return s.hashCache.root(s)
}

// ShareHashCache makes s use the hash cache of other (for example a state
// decoded from bytes that will be hashed after a related state).
func (s *BeaconState) ShareHashCache(other *BeaconState) {
	if other.hashCache == nil {
		other.hashCache = newStateHashCache()
	}
	s.hashCache = other.hashCache
}

// elemCache remembers, per list index, the last element value seen and its
// root, so that only changed elements are re-hashed.
type elemCache[T any] struct {
	vals  []T
	roots [][32]byte
}

func (c *elemCache[T]) update(n int, get func(i int) *T, eq func(a, b *T) bool, clone func(*T) T, root func(*T) ([32]byte, error)) ([][32]byte, error) {
	if len(c.vals) > n {
		c.vals, c.roots = c.vals[:n], c.roots[:n]
	}
	for i := 0; i < n; i++ {
		v := get(i)
		if v == nil {
			return nil, fmt.Errorf("element %d is nil", i)
		}
		if i < len(c.vals) && eq(&c.vals[i], v) {
			continue
		}
		r, err := root(v)
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		if i < len(c.vals) {
			c.vals[i], c.roots[i] = clone(v), r
		} else {
			c.vals, c.roots = append(c.vals, clone(v)), append(c.roots, r)
		}
	}
	return c.roots, nil
}

type stateHashCache struct {
	mu sync.Mutex

	blockRoots, stateRoots, historicalRoots, randaoMixes *ssztree.Tree
	eth1Votes, validators, balances, slashings           *ssztree.Tree
	previousAttestations, currentAttestations            *ssztree.Tree

	eth1VoteElems                     elemCache[Eth1Data]
	validatorElems                    elemCache[Validator]
	previousAttElems, currentAttElems elemCache[PendingAttestation]
	balanceChunks, slashingChunks     [][32]byte
}

func newStateHashCache() *stateHashCache {
	// Limits in chunks, from the SSZ types of BeaconState.
	return &stateHashCache{
		blockRoots:           ssztree.New(slotsPerHistoricalRoot),
		stateRoots:           ssztree.New(slotsPerHistoricalRoot),
		historicalRoots:      ssztree.New(historicalRootsLimit),
		randaoMixes:          ssztree.New(epochsPerHistoricalVector),
		eth1Votes:            ssztree.New(eth1DataVotesLimit),
		validators:           ssztree.New(validatorRegistryLimit),
		balances:             ssztree.New(validatorRegistryLimit / 4),
		slashings:            ssztree.New(epochsPerSlashingsVector / 4),
		previousAttestations: ssztree.New(pendingAttestationsLimit),
		currentAttestations:  ssztree.New(pendingAttestationsLimit),
	}
}

func eqPending(a, b *PendingAttestation) bool {
	return a.InclusionDelay == b.InclusionDelay && a.ProposerIndex == b.ProposerIndex &&
		bytes.Equal(a.AggregationBits, b.AggregationBits) && a.Data != nil && b.Data != nil &&
		a.Data.Slot == b.Data.Slot && a.Data.Index == b.Data.Index && a.Data.BeaconBlockRoot == b.Data.BeaconBlockRoot &&
		a.Data.Source != nil && b.Data.Source != nil && *a.Data.Source == *b.Data.Source &&
		a.Data.Target != nil && b.Data.Target != nil && *a.Data.Target == *b.Data.Target
}

func clonePending(a *PendingAttestation) PendingAttestation {
	c := *a
	c.AggregationBits = append([]byte(nil), a.AggregationBits...)
	if a.Data != nil {
		d := *a.Data
		if d.Source != nil {
			src := *d.Source
			d.Source = &src
		}
		if d.Target != nil {
			tgt := *d.Target
			d.Target = &tgt
		}
		c.Data = &d
	}
	return c
}

func (c *stateHashCache) root(s *BeaconState) ([32]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var fields [32][32]byte // 21 fields, padded to 32 leaves
	var err error
	fail := func(field string, e error) ([32]byte, error) {
		return [32]byte{}, fmt.Errorf("hash_tree_root(BeaconState.%s): %w", field, e)
	}
	if len(s.BlockRoots) != slotsPerHistoricalRoot || len(s.StateRoots) != slotsPerHistoricalRoot ||
		len(s.RandaoMixes) != epochsPerHistoricalVector || len(s.Slashings) != epochsPerSlashingsVector {
		return fail("vectors", fmt.Errorf("a vector field has the wrong length"))
	}
	if s.Fork == nil || s.LatestBlockHeader == nil || s.Eth1Data == nil || s.PreviousJustifiedCheckpoint == nil ||
		s.CurrentJustifiedCheckpoint == nil || s.FinalizedCheckpoint == nil {
		return fail("containers", fmt.Errorf("a container field is nil"))
	}
	fields[0] = ssztree.Uint64Chunk(s.GenesisTime)
	fields[1] = s.GenesisValidatorsRoot
	fields[2] = ssztree.Uint64Chunk(s.Slot)
	if fields[3], err = s.Fork.HashTreeRoot(); err != nil {
		return fail("fork", err)
	}
	if fields[4], err = s.LatestBlockHeader.HashTreeRoot(); err != nil {
		return fail("latest_block_header", err)
	}
	fields[5] = c.blockRoots.Root(s.BlockRoots)
	fields[6] = c.stateRoots.Root(s.StateRoots)
	if uint64(len(s.HistoricalRoots)) > historicalRootsLimit {
		return fail("historical_roots", fmt.Errorf("list too long"))
	}
	fields[7] = ssztree.MixInLength(c.historicalRoots.Root(s.HistoricalRoots), uint64(len(s.HistoricalRoots)))
	if fields[8], err = s.Eth1Data.HashTreeRoot(); err != nil {
		return fail("eth1_data", err)
	}
	if len(s.Eth1DataVotes) > eth1DataVotesLimit {
		return fail("eth1_data_votes", fmt.Errorf("list too long"))
	}
	votes, err := c.eth1VoteElems.update(len(s.Eth1DataVotes), func(i int) *Eth1Data { return s.Eth1DataVotes[i] },
		func(a, b *Eth1Data) bool { return *a == *b }, func(a *Eth1Data) Eth1Data { return *a },
		func(a *Eth1Data) ([32]byte, error) { return a.HashTreeRoot() })
	if err != nil {
		return fail("eth1_data_votes", err)
	}
	fields[9] = ssztree.MixInLength(c.eth1Votes.Root(votes), uint64(len(votes)))
	fields[10] = ssztree.Uint64Chunk(s.Eth1DepositIndex)
	vals, err := c.validatorElems.update(len(s.Validators), func(i int) *Validator { return s.Validators[i] },
		func(a, b *Validator) bool { return *a == *b }, func(a *Validator) Validator { return *a },
		func(a *Validator) ([32]byte, error) { return ValidatorRoot(a), nil })
	if err != nil {
		return fail("validators", err)
	}
	fields[11] = ssztree.MixInLength(c.validators.Root(vals), uint64(len(vals)))
	c.balanceChunks = ssztree.PackUint64s(c.balanceChunks, s.Balances)
	fields[12] = ssztree.MixInLength(c.balances.Root(c.balanceChunks), uint64(len(s.Balances)))
	fields[13] = c.randaoMixes.Root(s.RandaoMixes)
	c.slashingChunks = ssztree.PackUint64s(c.slashingChunks, s.Slashings)
	fields[14] = c.slashings.Root(c.slashingChunks)
	for i, list := range []struct {
		name  string
		atts  []*PendingAttestation
		elems *elemCache[PendingAttestation]
		tree  *ssztree.Tree
	}{
		{"previous_epoch_attestations", s.PreviousEpochAttestations, &c.previousAttElems, c.previousAttestations},
		{"current_epoch_attestations", s.CurrentEpochAttestations, &c.currentAttElems, c.currentAttestations},
	} {
		if len(list.atts) > pendingAttestationsLimit {
			return fail(list.name, fmt.Errorf("list too long"))
		}
		roots, err := list.elems.update(len(list.atts), func(i int) *PendingAttestation { return list.atts[i] },
			eqPending, clonePending, func(a *PendingAttestation) ([32]byte, error) { return a.HashTreeRoot() })
		if err != nil {
			return fail(list.name, err)
		}
		fields[15+i] = ssztree.MixInLength(list.tree.Root(roots), uint64(len(roots)))
	}
	fields[17][0] = s.JustificationBits[0]
	if fields[18], err = s.PreviousJustifiedCheckpoint.HashTreeRoot(); err != nil {
		return fail("previous_justified_checkpoint", err)
	}
	if fields[19], err = s.CurrentJustifiedCheckpoint.HashTreeRoot(); err != nil {
		return fail("current_justified_checkpoint", err)
	}
	if fields[20], err = s.FinalizedCheckpoint.HashTreeRoot(); err != nil {
		return fail("finalized_checkpoint", err)
	}
	return ssztree.New(32).Root(fields[:21]), nil
}
