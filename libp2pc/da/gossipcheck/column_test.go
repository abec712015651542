package gossipcheck

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/da/sidecar"
)

// columnCase: a change to a good column (or to the chain's facts) and the
// verdict the rule it breaks asks for. Each case breaks one rule only, so
// it fails if that rule goes away (the column would be accepted).
type columnCase struct {
	name    string
	column  func(sc *fulu.DataColumnSidecar) // nil: unchanged
	chain   func(c *chainFacts)              // nil: unchanged
	subnet  func(index uint64) uint64        // nil: the column's subnet
	now     func(v *Validator, slot uint64) time.Time
	verdict Verdict
	reason  string
}

func runColumnCase(t *testing.T, tc columnCase) {
	f := loadFixture(t)
	chain := newChainFacts(t)
	if tc.chain != nil {
		tc.chain(chain)
	}
	v := newValidator(t, chain)
	sc := cloneColumn(f.columns[5])
	if tc.column != nil {
		tc.column(sc)
	}
	subnet := v.ColumnSubnet(sc.Index)
	if tc.subnet != nil {
		subnet = tc.subnet(sc.Index)
	}
	now := time.Now()
	if tc.now != nil {
		now = tc.now(v, sc.SignedBlockHeader.Message.Slot)
	}
	wantResult(t, v.ValidateDataColumnSidecar(sc, subnet, now), tc.verdict, tc.reason)
}

func TestDataColumnSidecarRules(t *testing.T) {
	cases := []columnCase{
		{name: "good column is accepted", verdict: Accept},
		{name: "index not below NUMBER_OF_COLUMNS", verdict: Reject, reason: "index_out_of_range",
			column: func(sc *fulu.DataColumnSidecar) { sc.Index = 128 }},
		{name: "no commitments", verdict: Reject, reason: "no_commitments",
			column: func(sc *fulu.DataColumnSidecar) { sc.KZGCommitments, sc.Column, sc.KZGProofs = nil, nil, nil }},
		{name: "more commitments than the epoch's blob limit (BPO entry)", verdict: Reject, reason: "too_many_commitments",
			column: func(sc *fulu.DataColumnSidecar) { sc.SignedBlockHeader.Message.Slot = bpoEpoch * config.SlotsPerEpoch }},
		{name: "a proof missing", verdict: Reject, reason: "length_mismatch",
			column: func(sc *fulu.DataColumnSidecar) { sc.KZGProofs = sc.KZGProofs[:1] }},
		{name: "a cell missing", verdict: Reject, reason: "length_mismatch",
			column: func(sc *fulu.DataColumnSidecar) { sc.Column = sc.Column[:1] }},
		{name: "wrong subnet", verdict: Reject, reason: "wrong_subnet",
			subnet: func(index uint64) uint64 { return index + 1 }},
		{name: "from a future slot", verdict: Ignore, reason: ReasonFutureSlot,
			now: func(v *Validator, slot uint64) time.Time { return v.slotStart(slot).Add(-time.Second) }},
		{name: "within the clock disparity", verdict: Accept,
			now: func(v *Validator, slot uint64) time.Time { return v.slotStart(slot).Add(-400 * time.Millisecond) }},
		{name: "not after the finalized slot", verdict: Ignore, reason: ReasonNotAfterFinalized,
			chain: func(c *chainFacts) { c.finEpoch = fuluEpoch + 1 }},
		{name: "proposer index not a validator", verdict: Reject, reason: ReasonProposerOutOfRange,
			chain: func(c *chainFacts) { c.pubkeys = c.pubkeys[:proposer] }},
		{name: "signature of another key", verdict: Reject, reason: ReasonBadSignature,
			chain: func(c *chainFacts) { c.pubkeys[proposer] = c.pubkeys[proposer+1] }},
		{name: "header changed after signing", verdict: Reject, reason: ReasonBadSignature,
			column: func(sc *fulu.DataColumnSidecar) { sc.SignedBlockHeader.Message.StateRoot[0] ^= 1 }},
		{name: "parent not seen", verdict: Ignore, reason: ReasonParentUnknown,
			chain: func(c *chainFacts) { delete(c.blocks, parentRoot) }},
		{name: "parent failed validation", verdict: Reject, reason: ReasonParentInvalid,
			chain: func(c *chainFacts) { c.blocks[parentRoot] = knownBlock{slot: 1, state: BlockInvalid} }},
		{name: "not after its parent's slot", verdict: Reject, reason: ReasonNotAfterParent,
			chain: func(c *chainFacts) { c.blocks[parentRoot] = knownBlock{slot: fuluSlot, state: BlockValid} }},
		{name: "finalized checkpoint not an ancestor", verdict: Reject, reason: ReasonFinalizedNotAncestor,
			chain: func(c *chainFacts) { c.checkpoints[parentRoot] = [32]byte{0xbe, 0xef} }},
		{name: "inclusion proof node changed", verdict: Reject, reason: "inclusion_proof",
			column: func(sc *fulu.DataColumnSidecar) { sc.KZGCommitmentsInclusionProof[2][7] ^= 1 }},
		{name: "commitments swapped (not the block's)", verdict: Reject, reason: "inclusion_proof",
			column: func(sc *fulu.DataColumnSidecar) {
				sc.KZGCommitments[0], sc.KZGCommitments[1] = sc.KZGCommitments[1], sc.KZGCommitments[0]
			}},
		{name: "cell proofs swapped", verdict: Reject, reason: "kzg_proof",
			column: func(sc *fulu.DataColumnSidecar) { sc.KZGProofs[0], sc.KZGProofs[1] = sc.KZGProofs[1], sc.KZGProofs[0] }},
		{name: "cell changed", verdict: Reject, reason: "kzg_proof",
			column: func(sc *fulu.DataColumnSidecar) {
				cell := append([]byte(nil), sc.Column[1]...)
				cell[100]++
				sc.Column[1] = cell
			}},
		{name: "not the expected proposer", verdict: Reject, reason: ReasonWrongProposer,
			chain: func(c *chainFacts) { c.proposers[fuluSlot] = proposer + 1 }},
		{name: "shuffling unavailable", verdict: Ignore, reason: ReasonShufflingUnavailable,
			chain: func(c *chainFacts) { c.noShuffling = true }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runColumnCase(t, tc) })
	}
}

// [IGNORE] first sidecar per (slot, proposer_index, index): the same column
// again is ignored, another column of the block is not, and a column that
// failed does not mark the tuple.
func TestDataColumnSidecarFirstSeen(t *testing.T) {
	f := loadFixture(t)
	v := newValidator(t, newChainFacts(t))
	now := time.Now()
	bad := cloneColumn(f.columns[7])
	bad.KZGProofs[0], bad.KZGProofs[1] = bad.KZGProofs[1], bad.KZGProofs[0]
	wantResult(t, v.ValidateDataColumnSidecar(bad, v.ColumnSubnet(7), now), Reject, "kzg_proof")
	wantResult(t, v.ValidateDataColumnSidecar(f.columns[7], v.ColumnSubnet(7), now), Accept, "")
	wantResult(t, v.ValidateDataColumnSidecar(f.columns[7], v.ColumnSubnet(7), now), Ignore, ReasonAlreadySeen)
	wantResult(t, v.ValidateDataColumnSidecar(f.columns[8], v.ColumnSubnet(8), now), Accept, "")

	// Timings: every call is timed; the KZG batch ran for the bad column
	// and the two accepted ones, not for the one ignored before it.
	tm := v.Timings()
	if tm.ColumnVerification.Count != 4 || tm.ColumnKZGBatch.Count != 3 {
		t.Fatalf("timed %d verifications and %d KZG batches, want 4 and 3", tm.ColumnVerification.Count, tm.ColumnKZGBatch.Count)
	}
	if tm.ColumnKZGBatch.SumSeconds <= 0 || tm.ColumnVerification.SumSeconds < tm.ColumnKZGBatch.SumSeconds {
		t.Fatalf("verification took %vs, its KZG batches %vs", tm.ColumnVerification.SumSeconds, tm.ColumnKZGBatch.SumSeconds)
	}
}

// 32 columns of a block, validated concurrently as gossipsub does, the
// caches cold: every one accepted, the header signature and the inclusion
// proof verified once, the expected proposer asked once (the first column
// computes, the others wait for it or read the cache).
func TestDataColumnSidecarHeaderCheckedOncePerBlock(t *testing.T) {
	f := loadFixture(t)
	chain := newChainFacts(t)
	v := newValidator(t, chain)
	const n = 32
	var wg sync.WaitGroup
	results := make([]Result, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			results[i] = v.ValidateDataColumnSidecar(f.columns[i], v.ColumnSubnet(uint64(i)), time.Now())
		})
	}
	close(start)
	wg.Wait()
	for i, r := range results {
		if r.Verdict != Accept {
			t.Fatalf("column %d: %v", i, r)
		}
	}
	st := v.Stats()
	if st.SignatureChecks != 1 {
		t.Errorf("signature verified %d times for %d columns, want once", st.SignatureChecks, n)
	}
	if st.InclusionChecks != 1 {
		t.Errorf("inclusion proof verified %d times, want once", st.InclusionChecks)
	}
	chain.mu.Lock()
	calls := chain.proposerCalls
	chain.mu.Unlock()
	if calls != 1 {
		t.Errorf("expected proposer asked %d times, want once", calls)
	}
}

// A cached verdict is a verdict on exactly that header and proof: a
// tampered header or proof after a good column is checked afresh.
func TestCachesKeyOnWhatWasVerified(t *testing.T) {
	f := loadFixture(t)
	v := newValidator(t, newChainFacts(t))
	wantResult(t, v.ValidateDataColumnSidecar(f.columns[0], 0, time.Now()), Accept, "")
	forged := cloneColumn(f.columns[1])
	forged.SignedBlockHeader.Signature = f.blobs[0].SignedBlockHeader.Signature
	wantResult(t, v.ValidateDataColumnSidecar(forged, 1, time.Now()), Reject, ReasonBadSignature)
	moved := cloneColumn(f.columns[2])
	moved.KZGCommitmentsInclusionProof[0][0] ^= 0x80
	wantResult(t, v.ValidateDataColumnSidecar(moved, 2, time.Now()), Reject, "inclusion_proof")
}

// The seen set stays bounded: above capacity the oldest slots go, counted.
func TestSeenSetBounded(t *testing.T) {
	v := newValidator(t, newChainFacts(t))
	v.cfg.SeenCapacity = 4
	for i := range uint64(10) {
		if !v.markSeen(v.seenCols, seenKey{slot: 100 + i, proposer: 1, index: i}) {
			t.Fatalf("key %d refused", i)
		}
	}
	if len(v.seenCols) != 4 || v.Stats().SeenEvicted != 6 {
		t.Fatalf("%d entries, %d evicted; want 4 and 6", len(v.seenCols), v.Stats().SeenEvicted)
	}
	if _, ok := v.seenCols[seenKey{slot: 109, proposer: 1, index: 9}]; !ok {
		t.Fatal("the newest entry was evicted")
	}
}

func TestFromSidecarKeepsVerdict(t *testing.T) {
	r := fromSidecar(&sidecar.Error{Verdict: sidecar.Ignore, Reason: sidecar.ReasonTooEarly, Detail: "x"})
	if r.Verdict != Ignore || r.Reason != "future_slot" {
		t.Fatalf("%v", r)
	}
	if r := fromSidecar(errors.New("boom")); r.Verdict != Reject {
		t.Fatalf("%v", r)
	}
}

// [IGNORE] when the chain has no head state to read the proposer's key
// from (it cannot tell whether the index is a validator).
func TestNoHeadStateIgnores(t *testing.T) {
	runColumnCase(t, columnCase{verdict: Ignore, reason: ReasonStateUnavailable,
		chain: func(c *chainFacts) { c.noHeadState = true }})
}
