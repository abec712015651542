package state

import (
	"fmt"
	"sync"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/ssztree"
)

// Incremental hash_tree_root of altair+ states (phase0 states use
// phase0.BeaconState's own cache through hashShadow). The Merkle trees of
// the large fields (validators, balances, the root vectors, participation,
// inactivity scores, the electra queues...) are kept between calls, so
// hashing a state that differs from the previously hashed one in a few
// places costs a few thousand hashes instead of a full re-hash (at 65,536
// validators: ~1 ms instead of ~100 ms). Like phase0's cache, it is created
// on first use, shared by Copy (copies usually differ little) and safe for
// concurrent use (calls serialize); ssztree only ever compares new leaves
// with the ones it saw last, so sharing never makes a root wrong, only
// slower.

type forkHashCache struct {
	mu sync.Mutex

	blockRoots, stateRoots, historicalRoots, randaoMixes *ssztree.Tree
	eth1Votes, validators, balances, slashings           *ssztree.Tree
	prevParticipation, curParticipation, inactivity      *ssztree.Tree
	historicalSummaries                                  *ssztree.Tree
	pendingDeposits, pendingWithdrawals, pendingConsol   *ssztree.Tree
	lookahead                                            *ssztree.Tree

	validatorVals  []phase0.Validator
	validatorRoots [][32]byte

	balanceChunks, slashingChunks, inactivityChunks, lookaheadChunks [][32]byte
	prevChunks, curChunks                                            [][32]byte
	roots                                                            [][32]byte // scratch for element roots

	syncCur, syncNext syncCommitteeRoot
}

// syncCommitteeRoot remembers the last sync committee hashed and its root.
type syncCommitteeRoot struct {
	val  altair.SyncCommittee
	root [32]byte
	ok   bool
}

func (c *syncCommitteeRoot) get(sc *altair.SyncCommittee) ([32]byte, error) {
	if c.ok && c.val.AggregatePubkey == sc.AggregatePubkey && len(c.val.Pubkeys) == len(sc.Pubkeys) {
		same := true
		for i := range sc.Pubkeys {
			if c.val.Pubkeys[i] != sc.Pubkeys[i] {
				same = false
				break
			}
		}
		if same {
			return c.root, nil
		}
	}
	r, err := sc.HashTreeRoot()
	if err != nil {
		return r, err
	}
	c.val.AggregatePubkey = sc.AggregatePubkey
	c.val.Pubkeys = append(c.val.Pubkeys[:0], sc.Pubkeys...)
	c.root, c.ok = r, true
	return r, nil
}

func newForkHashCache() *forkHashCache {
	// Limits in chunks, from the SSZ types of BeaconState.
	return &forkHashCache{
		blockRoots:          ssztree.New(config.SlotsPerHistoricalRoot),
		stateRoots:          ssztree.New(config.SlotsPerHistoricalRoot),
		historicalRoots:     ssztree.New(config.HistoricalRootsLimit),
		randaoMixes:         ssztree.New(config.EpochsPerHistoricalVector),
		eth1Votes:           ssztree.New(config.Eth1DataVotesLimit),
		validators:          ssztree.New(config.ValidatorRegistryLimit),
		balances:            ssztree.New(config.ValidatorRegistryLimit / 4),
		slashings:           ssztree.New(config.EpochsPerSlashingsVector / 4),
		prevParticipation:   ssztree.New(config.ValidatorRegistryLimit / 32),
		curParticipation:    ssztree.New(config.ValidatorRegistryLimit / 32),
		inactivity:          ssztree.New(config.ValidatorRegistryLimit / 4),
		historicalSummaries: ssztree.New(config.HistoricalRootsLimit),
		pendingDeposits:     ssztree.New(config.PendingDepositsLimit),
		pendingWithdrawals:  ssztree.New(config.PendingPartialWithdrawalsLimit),
		pendingConsol:       ssztree.New(config.PendingConsolidationsLimit),
		lookahead:           ssztree.New((config.ProposerLookaheadLength + 3) / 4),
	}
}

// packBytes packs bytes 32 to a chunk (SSZ lists of uint8); dst is reused.
func packBytes(dst [][32]byte, values []byte) [][32]byte {
	n := (len(values) + 31) / 32
	if cap(dst) < n {
		dst = make([][32]byte, n)
	}
	dst = dst[:n]
	for i := range dst {
		dst[i] = [32]byte{}
		copy(dst[i][:], values[i*32:])
	}
	return dst
}

// elementRoots returns the roots of the elements of a list (into the
// cache's scratch buffer, valid until the next call).
func elementRoots[T interface{ HashTreeRoot() ([32]byte, error) }](c *forkHashCache, list []T) ([][32]byte, error) {
	c.roots = c.roots[:0]
	for i, e := range list {
		r, err := e.HashTreeRoot()
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		c.roots = append(c.roots, r)
	}
	return c.roots, nil
}

// cachedRoot is hash_tree_root of an altair+ state.
func (s *BeaconState) cachedRoot() ([32]byte, error) {
	lazyMu.Lock()
	if s.hashCache == nil {
		s.hashCache = newForkHashCache()
	}
	c := s.hashCache
	lazyMu.Unlock()
	return c.root(s)
}

func (c *forkHashCache) root(s *BeaconState) ([32]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var fields [64][32]byte
	var err error
	fail := func(field string, e error) ([32]byte, error) {
		return [32]byte{}, fmt.Errorf("hash_tree_root(BeaconState.%s): %w", field, e)
	}
	if len(s.BlockRoots) != config.SlotsPerHistoricalRoot || len(s.StateRoots) != config.SlotsPerHistoricalRoot ||
		len(s.RandaoMixes) != config.EpochsPerHistoricalVector || len(s.Slashings) != config.EpochsPerSlashingsVector {
		return fail("vectors", fmt.Errorf("a vector field has the wrong length"))
	}
	if s.Fork == nil || s.LatestBlockHeader == nil || s.Eth1Data == nil || s.PreviousJustifiedCheckpoint == nil ||
		s.CurrentJustifiedCheckpoint == nil || s.FinalizedCheckpoint == nil ||
		s.CurrentSyncCommittee == nil || s.NextSyncCommittee == nil {
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
	if uint64(len(s.HistoricalRoots)) > config.HistoricalRootsLimit {
		return fail("historical_roots", fmt.Errorf("list too long"))
	}
	fields[7] = ssztree.MixInLength(c.historicalRoots.Root(s.HistoricalRoots), uint64(len(s.HistoricalRoots)))
	if fields[8], err = s.Eth1Data.HashTreeRoot(); err != nil {
		return fail("eth1_data", err)
	}
	if len(s.Eth1DataVotes) > config.Eth1DataVotesLimit {
		return fail("eth1_data_votes", fmt.Errorf("list too long"))
	}
	votes, err := elementRoots(c, s.Eth1DataVotes)
	if err != nil {
		return fail("eth1_data_votes", err)
	}
	fields[9] = ssztree.MixInLength(c.eth1Votes.Root(votes), uint64(len(votes)))
	fields[10] = ssztree.Uint64Chunk(s.Eth1DepositIndex)
	vals, err := c.validatorRootsOf(s.Validators)
	if err != nil {
		return fail("validators", err)
	}
	fields[11] = ssztree.MixInLength(c.validators.Root(vals), uint64(len(vals)))
	c.balanceChunks = ssztree.PackUint64s(c.balanceChunks, s.Balances)
	fields[12] = ssztree.MixInLength(c.balances.Root(c.balanceChunks), uint64(len(s.Balances)))
	fields[13] = c.randaoMixes.Root(s.RandaoMixes)
	c.slashingChunks = ssztree.PackUint64s(c.slashingChunks, s.Slashings)
	fields[14] = c.slashings.Root(c.slashingChunks)
	c.prevChunks = packBytes(c.prevChunks, s.PreviousEpochParticipation)
	fields[15] = ssztree.MixInLength(c.prevParticipation.Root(c.prevChunks), uint64(len(s.PreviousEpochParticipation)))
	c.curChunks = packBytes(c.curChunks, s.CurrentEpochParticipation)
	fields[16] = ssztree.MixInLength(c.curParticipation.Root(c.curChunks), uint64(len(s.CurrentEpochParticipation)))
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
	c.inactivityChunks = ssztree.PackUint64s(c.inactivityChunks, s.InactivityScores)
	fields[21] = ssztree.MixInLength(c.inactivity.Root(c.inactivityChunks), uint64(len(s.InactivityScores)))
	if fields[22], err = c.syncCur.get(s.CurrentSyncCommittee); err != nil {
		return fail("current_sync_committee", err)
	}
	if fields[23], err = c.syncNext.get(s.NextSyncCommittee); err != nil {
		return fail("next_sync_committee", err)
	}
	n := 24
	if s.ForkName >= forks.Bellatrix {
		h := s.LatestExecutionPayloadHeader
		if h == nil {
			return fail("latest_execution_payload_header", fmt.Errorf("nil"))
		}
		switch s.ForkName {
		case forks.Bellatrix:
			fields[24], err = toBellatrixExecutionPayloadHeader(h).HashTreeRoot()
		case forks.Capella:
			fields[24], err = toCapellaExecutionPayloadHeader(h).HashTreeRoot()
		default:
			fields[24], err = h.HashTreeRoot()
		}
		if err != nil {
			return fail("latest_execution_payload_header", err)
		}
		n = 25
	}
	if s.ForkName >= forks.Capella {
		fields[25] = ssztree.Uint64Chunk(s.NextWithdrawalIndex)
		fields[26] = ssztree.Uint64Chunk(s.NextWithdrawalValidatorIndex)
		if uint64(len(s.HistoricalSummaries)) > config.HistoricalRootsLimit {
			return fail("historical_summaries", fmt.Errorf("list too long"))
		}
		sums, err := elementRoots(c, s.HistoricalSummaries)
		if err != nil {
			return fail("historical_summaries", err)
		}
		fields[27] = ssztree.MixInLength(c.historicalSummaries.Root(sums), uint64(len(sums)))
		n = 28
	}
	if s.ForkName >= forks.Electra {
		fields[28] = ssztree.Uint64Chunk(s.DepositRequestsStartIndex)
		fields[29] = ssztree.Uint64Chunk(s.DepositBalanceToConsume)
		fields[30] = ssztree.Uint64Chunk(s.ExitBalanceToConsume)
		fields[31] = ssztree.Uint64Chunk(s.EarliestExitEpoch)
		fields[32] = ssztree.Uint64Chunk(s.ConsolidationBalanceToConsume)
		fields[33] = ssztree.Uint64Chunk(s.EarliestConsolidationEpoch)
		if uint64(len(s.PendingDeposits)) > config.PendingDepositsLimit {
			return fail("pending_deposits", fmt.Errorf("list too long"))
		}
		roots, err := elementRoots(c, s.PendingDeposits)
		if err != nil {
			return fail("pending_deposits", err)
		}
		fields[34] = ssztree.MixInLength(c.pendingDeposits.Root(roots), uint64(len(roots)))
		if uint64(len(s.PendingPartialWithdrawals)) > config.PendingPartialWithdrawalsLimit {
			return fail("pending_partial_withdrawals", fmt.Errorf("list too long"))
		}
		if roots, err = elementRoots(c, s.PendingPartialWithdrawals); err != nil {
			return fail("pending_partial_withdrawals", err)
		}
		fields[35] = ssztree.MixInLength(c.pendingWithdrawals.Root(roots), uint64(len(roots)))
		if uint64(len(s.PendingConsolidations)) > config.PendingConsolidationsLimit {
			return fail("pending_consolidations", fmt.Errorf("list too long"))
		}
		if roots, err = elementRoots(c, s.PendingConsolidations); err != nil {
			return fail("pending_consolidations", err)
		}
		fields[36] = ssztree.MixInLength(c.pendingConsol.Root(roots), uint64(len(roots)))
		n = 37
	}
	if s.ForkName >= forks.Fulu {
		if len(s.ProposerLookahead) != config.ProposerLookaheadLength {
			return fail("proposer_lookahead", fmt.Errorf("vector has length %d, want %d", len(s.ProposerLookahead), config.ProposerLookaheadLength))
		}
		c.lookaheadChunks = ssztree.PackUint64s(c.lookaheadChunks, s.ProposerLookahead)
		fields[37] = c.lookahead.Root(c.lookaheadChunks)
		n = 38
	}
	return ssztree.New(uint64(n)).Root(fields[:n]), nil
}

// validatorRootsOf returns the roots of the validators, re-hashing only
// those that differ from the values last seen at the same index.
func (c *forkHashCache) validatorRootsOf(vs []*phase0.Validator) ([][32]byte, error) {
	if uint64(len(vs)) > config.ValidatorRegistryLimit {
		return nil, fmt.Errorf("list too long")
	}
	if len(c.validatorVals) > len(vs) {
		c.validatorVals, c.validatorRoots = c.validatorVals[:len(vs)], c.validatorRoots[:len(vs)]
	}
	// Record which validators changed, then hash those (in parallel when
	// there are many: a cold cache hashes the whole registry).
	if cap(c.validatorVals) < len(vs) { // a cold cache: grow once, not per append
		c.validatorVals = append(make([]phase0.Validator, 0, len(vs)), c.validatorVals...)
		c.validatorRoots = append(make([][32]byte, 0, len(vs)), c.validatorRoots...)
	}
	var dirty []int
	for i, v := range vs {
		if v == nil {
			return nil, fmt.Errorf("element %d is nil", i)
		}
		if i < len(c.validatorVals) && c.validatorVals[i] == *v {
			continue
		}
		if i < len(c.validatorVals) {
			c.validatorVals[i] = *v
		} else {
			c.validatorVals, c.validatorRoots = append(c.validatorVals, *v), append(c.validatorRoots, [32]byte{})
		}
		dirty = append(dirty, i)
	}
	phase0.ValidatorRoots(vs, c.validatorRoots, dirty)
	return c.validatorRoots, nil
}
