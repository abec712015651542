package gossipcheck

import (
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
)

type blobCase struct {
	name    string
	blob    func(sc *deneb.BlobSidecar)
	chain   func(c *chainFacts)
	subnet  func(index uint64) uint64
	now     func(v *Validator, slot uint64) time.Time
	verdict Verdict
	reason  string
}

func TestBlobSidecarRules(t *testing.T) {
	cases := []blobCase{
		{name: "good blob is accepted", verdict: Accept},
		{name: "index not below MAX_BLOBS_PER_BLOCK", verdict: Reject, reason: "index_out_of_range",
			blob: func(sc *deneb.BlobSidecar) { sc.Index = 6 }},
		{name: "wrong subnet", verdict: Reject, reason: "wrong_subnet",
			subnet: func(index uint64) uint64 { return index + 1 }},
		{name: "from a future slot", verdict: Ignore, reason: ReasonFutureSlot,
			now: func(v *Validator, slot uint64) time.Time { return v.slotStart(slot).Add(-time.Second) }},
		{name: "not after the finalized slot", verdict: Ignore, reason: ReasonNotAfterFinalized,
			chain: func(c *chainFacts) { c.finEpoch = 2 }},
		{name: "proposer index not a validator", verdict: Reject, reason: ReasonProposerOutOfRange,
			chain: func(c *chainFacts) { c.pubkeys = c.pubkeys[:proposer] }},
		{name: "signature of another key", verdict: Reject, reason: ReasonBadSignature,
			chain: func(c *chainFacts) { c.pubkeys[proposer] = c.pubkeys[0] }},
		{name: "header changed after signing", verdict: Reject, reason: ReasonBadSignature,
			blob: func(sc *deneb.BlobSidecar) { sc.SignedBlockHeader.Message.BodyRoot[3] ^= 1 }},
		{name: "parent not seen", verdict: Ignore, reason: ReasonParentUnknown,
			chain: func(c *chainFacts) { delete(c.blocks, parentRoot) }},
		{name: "parent failed validation", verdict: Reject, reason: ReasonParentInvalid,
			chain: func(c *chainFacts) { c.blocks[parentRoot] = knownBlock{slot: 1, state: BlockInvalid} }},
		{name: "not after its parent's slot", verdict: Reject, reason: ReasonNotAfterParent,
			chain: func(c *chainFacts) { c.blocks[parentRoot] = knownBlock{slot: denebSlot, state: BlockValid} }},
		{name: "finalized checkpoint not an ancestor", verdict: Reject, reason: ReasonFinalizedNotAncestor,
			chain: func(c *chainFacts) { c.finRoot = [32]byte{0xbe, 0xef} }},
		{name: "inclusion proof node changed", verdict: Reject, reason: "inclusion_proof",
			blob: func(sc *deneb.BlobSidecar) { sc.KZGCommitmentInclusionProof[5][1] ^= 1 }},
		{name: "commitment of another blob", verdict: Reject, reason: "inclusion_proof",
			blob: func(sc *deneb.BlobSidecar) { sc.KZGCommitment = loadFixture(t).blobs[0].KZGCommitment }},
		{name: "blob changed", verdict: Reject, reason: "kzg_proof",
			blob: func(sc *deneb.BlobSidecar) { sc.Blob[1000]++ }},
		{name: "KZG proof of another blob", verdict: Reject, reason: "kzg_proof",
			blob: func(sc *deneb.BlobSidecar) { sc.KZGProof = loadFixture(t).blobs[0].KZGProof }},
		{name: "not the expected proposer", verdict: Reject, reason: ReasonWrongProposer,
			chain: func(c *chainFacts) { c.proposers[denebSlot] = 0 }},
		{name: "shuffling unavailable", verdict: Ignore, reason: ReasonShufflingUnavailable,
			chain: func(c *chainFacts) { c.noShuffling = true }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := loadFixture(t)
			chain := newChainFacts(t)
			if tc.chain != nil {
				tc.chain(chain)
			}
			v := newValidator(t, chain)
			sc := cloneBlob(f.blobs[1])
			if tc.blob != nil {
				tc.blob(sc)
			}
			slot := sc.SignedBlockHeader.Message.Slot
			subnet := v.BlobRules(slot).ComputeSubnetForBlobSidecar(sc.Index)
			if tc.subnet != nil {
				subnet = tc.subnet(sc.Index)
			}
			now := time.Now()
			if tc.now != nil {
				now = tc.now(v, slot)
			}
			wantResult(t, v.ValidateBlobSidecar(sc, subnet, now), tc.verdict, tc.reason)
		})
	}
}

// [IGNORE] first blob sidecar per (slot, proposer_index, index), marked
// only once every other rule passed (the spec checks it last but one).
func TestBlobSidecarFirstSeen(t *testing.T) {
	f := loadFixture(t)
	v := newValidator(t, newChainFacts(t))
	bad := cloneBlob(f.blobs[0])
	bad.Blob[7]++
	wantResult(t, v.ValidateBlobSidecar(bad, 0, time.Now()), Reject, "kzg_proof")
	wantResult(t, v.ValidateBlobSidecar(f.blobs[0], 0, time.Now()), Accept, "")
	wantResult(t, v.ValidateBlobSidecar(f.blobs[0], 0, time.Now()), Ignore, ReasonAlreadySeen)
	wantResult(t, v.ValidateBlobSidecar(f.blobs[1], 1, time.Now()), Accept, "")
}

// The index bound and the subnet count follow the fork of the sidecar's
// slot: deneb's 6 and 6, electra's 9 and 9.
func TestBlobRulesFollowTheFork(t *testing.T) {
	v := newValidator(t, newChainFacts(t))
	deneb := v.BlobRules(denebSlot)
	electra := v.BlobRules(electraEpoch * config.SlotsPerEpoch)
	if deneb.MaxBlobsPerBlock != 6 || deneb.SubnetCount != 6 || electra.MaxBlobsPerBlock != 9 || electra.SubnetCount != 9 {
		t.Fatalf("deneb %+v, electra %+v", deneb, electra)
	}
	// Index 7 at an electra slot passes the bound and lands on subnet 7;
	// it then fails on the header (unsigned here), not on the index.
	sc := cloneBlob(loadFixture(t).blobs[0])
	sc.Index = 7
	sc.SignedBlockHeader.Message.Slot = electraEpoch * config.SlotsPerEpoch
	if r := v.ValidateBlobSidecar(sc, 7, time.Now()); r.Reason == "index_out_of_range" || r.Reason == "wrong_subnet" {
		t.Fatalf("electra index 7: %v", r)
	}
	sc.SignedBlockHeader.Message.Slot = denebSlot
	wantResult(t, v.ValidateBlobSidecar(sc, 7, time.Now()), Reject, "index_out_of_range")
}
