package sidecar

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/da/custody"
	"github.com/libp2pc/libp2pc/libp2pc/da/internal/datest"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
)

func kzgContext(t testing.TB) *kzg.Context {
	t.Helper()
	ctx, err := kzg.Default()
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

func fuluRules(maxBlobs uint64) ColumnRules {
	return ColumnRules{
		Config:  &config.Config{BlobSchedule: []config.BlobParameters{{Epoch: 0, MaxBlobsPerBlock: maxBlobs}}},
		Custody: custody.Mainnet,
	}
}

func wantReason(t *testing.T, what string, err error, verdict Verdict, reason Reason) {
	t.Helper()
	if verdict == 0 {
		if err != nil {
			t.Errorf("%s: %v, want acceptance", what, err)
		}
		return
	}
	if err == nil {
		t.Errorf("%s: accepted, want %s %s", what, verdict, reason)
		return
	}
	if VerdictOf(err) != verdict || ReasonOf(err) != reason {
		t.Errorf("%s: %v, want %s %s", what, err, verdict, reason)
	}
}

// The field roots computed here rebuild fastssz's body root (FromElectra
// and FromDeneb fail otherwise), and the fulu inclusion proof equals the
// one fastssz's own proof tree gives for generalized index 27.
func TestInclusionProofMatchesFastsszProofTree(t *testing.T) {
	ctx := kzgContext(t)
	r := rand.New(rand.NewPCG(1, 2))
	_, comms := datest.Blobs(t, ctx, r, 2)
	blk := datest.ElectraBlock(r, 40, comms)
	b, err := FromElectra(blk)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := blk.Message.Body.GetTree()
	if err != nil {
		t.Fatal(err)
	}
	proof, err := tree.Prove(16 + commitmentsField)
	if err != nil {
		t.Fatal(err)
	}
	ours := b.commitmentsInclusionProof()
	if len(proof.Hashes) != len(ours) {
		t.Fatalf("fastssz branch has %d nodes, ours %d", len(proof.Hashes), len(ours))
	}
	for i := range ours {
		if !bytes.Equal(proof.Hashes[i], ours[i][:]) {
			t.Fatalf("branch node %d differs from fastssz", i)
		}
	}
	if root, _ := CommitmentsRoot(comms); !bytes.Equal(proof.Leaf, root[:]) {
		t.Fatal("commitments root differs from fastssz's leaf")
	}
	// The deneb-style branch of each commitment: generalized index
	// (27 * 2) * 4096 + i (the list's data subtree, 12 levels deep).
	for i := range comms {
		proof, err := tree.Prove(27*2*MaxBlobCommitmentsPerBlock + i)
		if err != nil {
			t.Fatal(err)
		}
		ours := b.commitmentInclusionProof(i)
		if len(proof.Hashes) != KZGCommitmentInclusionProofDepth || len(ours) != KZGCommitmentInclusionProofDepth {
			t.Fatalf("commitment %d: fastssz branch %d nodes, ours %d", i, len(proof.Hashes), len(ours))
		}
		for d := range ours {
			if !bytes.Equal(proof.Hashes[d], ours[d][:]) {
				t.Fatalf("commitment %d: branch node %d differs from fastssz", i, d)
			}
		}
		if leaf := CommitmentRoot(comms[i]); !bytes.Equal(proof.Leaf, leaf[:]) {
			t.Fatalf("commitment %d: leaf differs from fastssz's", i)
		}
	}
	if _, err := FromDeneb(datest.DenebBlock(r, 3, comms)); err != nil {
		t.Fatal(err)
	}
}

func cloneColumn(sc *fulu.DataColumnSidecar) *fulu.DataColumnSidecar {
	h := *sc.SignedBlockHeader
	msg := *h.Message
	h.Message = &msg
	c := &fulu.DataColumnSidecar{
		Index:                        sc.Index,
		KZGCommitments:               slices.Clone(sc.KZGCommitments),
		KZGProofs:                    slices.Clone(sc.KZGProofs),
		SignedBlockHeader:            &h,
		KZGCommitmentsInclusionProof: slices.Clone(sc.KZGCommitmentsInclusionProof),
	}
	for _, cell := range sc.Column {
		c.Column = append(c.Column, bytes.Clone(cell))
	}
	return c
}

func TestDataColumnSidecarsBuildVerifyTamper(t *testing.T) {
	ctx := kzgContext(t)
	r := rand.New(rand.NewPCG(3, 4))
	blobs, comms := datest.Blobs(t, ctx, r, 2)
	blk := datest.ElectraBlock(r, 17, comms)
	b, err := FromElectra(blk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BuildDataColumnSidecars(ctx, b, blobs[:1]); err == nil {
		t.Error("built sidecars from fewer blobs than commitments")
	}
	scs, err := BuildDataColumnSidecars(ctx, b, blobs)
	if err != nil {
		t.Fatal(err)
	}
	if len(scs) != NumberOfColumns {
		t.Fatalf("%d sidecars", len(scs))
	}
	rules := fuluRules(9)
	bodyRoot, _ := blk.Message.Body.HashTreeRoot()
	for j, sc := range scs {
		if sc.Index != uint64(j) || sc.SignedBlockHeader.Message.BodyRoot != bodyRoot || sc.SignedBlockHeader.Signature != blk.Signature {
			t.Fatalf("sidecar %d: wrong index or header", j)
		}
		if err := VerifyDataColumn(ctx, rules, sc, uint64(j)); err != nil {
			t.Fatalf("column %d: %v", j, err)
		}
		// Round trip through SSZ: what goes on the wire verifies too.
		enc, err := sc.MarshalSSZ()
		if err != nil {
			t.Fatal(err)
		}
		var dec fulu.DataColumnSidecar
		if err := dec.UnmarshalSSZ(enc); err != nil {
			t.Fatal(err)
		}
		if j%37 == 0 {
			if err := VerifyDataColumn(ctx, rules, &dec, uint64(j)); err != nil {
				t.Fatalf("decoded column %d: %v", j, err)
			}
		}
	}
	// The cells of column j are cell j of each blob.
	cp, _ := ctx.ComputeCellsAndProofs(blobs[1])
	if !bytes.Equal(scs[5].Column[1], cp.Cells[5]) || scs[5].KZGProofs[1] != cp.Proofs[5] {
		t.Error("column 5 does not hold cell 5 of blob 1")
	}
	// Several columns in one batch, as a by-root response.
	if err := VerifyDataColumnSidecarsKZGProofs(ctx, scs[:8]); err != nil {
		t.Fatal(err)
	}
	if err := VerifyDataColumnSidecars(ctx, rules, scs[:8]); err != nil {
		t.Fatal(err)
	}
	// One bad cell among several columns: the error names its column.
	resp := []*fulu.DataColumnSidecar{scs[10], cloneColumn(scs[11]), scs[12]}
	resp[1].Column[0][200] ^= 1
	if err := VerifyDataColumnSidecars(ctx, rules, resp); ReasonOf(err) != ReasonKZGProof || !strings.Contains(err.Error(), "column 11") {
		t.Errorf("response with a bad cell in column 11: %v", err)
	}
	// A bad inclusion proof in the second sidecar of a block is not hidden by
	// the first one's good proof.
	resp = []*fulu.DataColumnSidecar{scs[10], cloneColumn(scs[11])}
	resp[1].KZGCommitmentsInclusionProof[0][0] ^= 1
	if err := VerifyDataColumnSidecars(ctx, rules, resp); ReasonOf(err) != ReasonInclusionProof {
		t.Errorf("response with a bad inclusion proof: %v", err)
	}

	base := scs[3]
	tamper := func(name string, subnet uint64, r ColumnRules, verdict Verdict, reason Reason, f func(sc *fulu.DataColumnSidecar)) {
		t.Helper()
		sc := cloneColumn(base)
		f(sc)
		wantReason(t, name, VerifyDataColumn(ctx, r, sc, subnet), verdict, reason)
	}
	tamper("index 128", 128, rules, Reject, ReasonIndexOutOfRange, func(sc *fulu.DataColumnSidecar) { sc.Index = 128 })
	tamper("no commitments", 3, rules, Reject, ReasonNoCommitments, func(sc *fulu.DataColumnSidecar) {
		sc.KZGCommitments, sc.Column, sc.KZGProofs = nil, nil, nil
	})
	tamper("above the blob schedule's limit", 3, fuluRules(1), Reject, ReasonTooManyCommitments, func(*fulu.DataColumnSidecar) {})
	tamper("a cell missing", 3, rules, Reject, ReasonLengthMismatch, func(sc *fulu.DataColumnSidecar) { sc.Column = sc.Column[:1] })
	tamper("a proof missing", 3, rules, Reject, ReasonLengthMismatch, func(sc *fulu.DataColumnSidecar) { sc.KZGProofs = sc.KZGProofs[:1] })
	tamper("wrong subnet", 4, rules, Reject, ReasonWrongSubnet, func(*fulu.DataColumnSidecar) {})
	tamper("inclusion proof node", 3, rules, Reject, ReasonInclusionProof, func(sc *fulu.DataColumnSidecar) { sc.KZGCommitmentsInclusionProof[2][0] ^= 1 })
	tamper("inclusion proof short", 3, rules, Reject, ReasonInclusionProof, func(sc *fulu.DataColumnSidecar) {
		sc.KZGCommitmentsInclusionProof = sc.KZGCommitmentsInclusionProof[:3]
	})
	tamper("body root", 3, rules, Reject, ReasonInclusionProof, func(sc *fulu.DataColumnSidecar) { sc.SignedBlockHeader.Message.BodyRoot[31] ^= 1 })
	tamper("commitments swapped", 3, rules, Reject, ReasonInclusionProof, func(sc *fulu.DataColumnSidecar) {
		sc.KZGCommitments[0], sc.KZGCommitments[1] = sc.KZGCommitments[1], sc.KZGCommitments[0]
	})
	tamper("a cell byte", 3, rules, Reject, ReasonKZGProof, func(sc *fulu.DataColumnSidecar) { sc.Column[1][100] ^= 1 })
	tamper("proofs swapped", 3, rules, Reject, ReasonKZGProof, func(sc *fulu.DataColumnSidecar) {
		sc.KZGProofs[0], sc.KZGProofs[1] = sc.KZGProofs[1], sc.KZGProofs[0]
	})
	tamper("cells of another column", 9, rules, Reject, ReasonKZGProof, func(sc *fulu.DataColumnSidecar) { sc.Index = 9 })
	tamper("non-canonical field element", 3, rules, Reject, ReasonKZGInput, func(sc *fulu.DataColumnSidecar) {
		for i := range 32 {
			sc.Column[0][i] = 0xff
		}
	})
	tamper("proof not a G1 point", 3, rules, Reject, ReasonKZGInput, func(sc *fulu.DataColumnSidecar) { sc.KZGProofs[0] = [48]byte{1} })
	tamper("no header", 3, rules, Reject, ReasonMalformed, func(sc *fulu.DataColumnSidecar) { sc.SignedBlockHeader = nil })
	// The header's slot, proposer and signature are not in the body root:
	// the inclusion proof still holds (the caller checks the signature).
	tamper("slot changed", 3, rules, 0, 0, func(sc *fulu.DataColumnSidecar) { sc.SignedBlockHeader.Message.Slot++ })
}

func cloneBlob(sc *deneb.BlobSidecar) *deneb.BlobSidecar {
	h := *sc.SignedBlockHeader
	msg := *h.Message
	h.Message = &msg
	c := *sc
	c.Blob = bytes.Clone(sc.Blob)
	c.SignedBlockHeader = &h
	c.KZGCommitmentInclusionProof = slices.Clone(sc.KZGCommitmentInclusionProof)
	return &c
}

func TestBlobSidecarsBuildVerifyTamper(t *testing.T) {
	ctx := kzgContext(t)
	r := rand.New(rand.NewPCG(5, 6))
	blobs, comms := datest.Blobs(t, ctx, r, 3)
	denebBlock, err := FromDeneb(datest.DenebBlock(r, 9, comms))
	if err != nil {
		t.Fatal(err)
	}
	electraBlock, err := FromElectra(datest.ElectraBlock(r, 9, comms))
	if err != nil {
		t.Fatal(err)
	}
	// A blob that is not the committed one is refused, with proofs
	// computed here or handed in.
	swapped := [][]byte{blobs[1], blobs[0], blobs[2]}
	if _, err := BuildBlobSidecars(ctx, denebBlock, swapped, nil); err == nil {
		t.Error("built sidecars for blobs that do not match the commitments")
	}
	for _, fork := range []struct {
		name  string
		block *Block
		rules BlobRules
	}{
		{"deneb", denebBlock, BlobRules{MaxBlobsPerBlock: 6, SubnetCount: 6}},
		{"electra", electraBlock, BlobRules{MaxBlobsPerBlock: 9, SubnetCount: 9}},
	} {
		scs, err := BuildBlobSidecars(ctx, fork.block, blobs, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, sc := range scs {
			if err := VerifyBlobSidecar(ctx, fork.rules, sc, uint64(i)); err != nil {
				t.Fatalf("%s blob %d: %v", fork.name, i, err)
			}
		}
		proofs := []kzg.Proof{scs[0].KZGProof, scs[1].KZGProof, scs[2].KZGProof}
		if _, err := BuildBlobSidecars(ctx, fork.block, blobs, proofs); err != nil {
			t.Fatalf("%s with the execution layer's proofs: %v", fork.name, err)
		}
		if _, err := BuildBlobSidecars(ctx, fork.block, blobs, []kzg.Proof{proofs[1], proofs[0], proofs[2]}); err == nil {
			t.Errorf("%s: built sidecars with swapped proofs", fork.name)
		}

		base := scs[1]
		tamper := func(name string, subnet uint64, verdict Verdict, reason Reason, f func(sc *deneb.BlobSidecar)) {
			t.Helper()
			sc := cloneBlob(base)
			f(sc)
			wantReason(t, fork.name+" "+name, VerifyBlobSidecar(ctx, fork.rules, sc, subnet), verdict, reason)
		}
		limit := fork.rules.MaxBlobsPerBlock
		tamper("index at the limit", limit%fork.rules.SubnetCount, Reject, ReasonIndexOutOfRange, func(sc *deneb.BlobSidecar) { sc.Index = limit })
		tamper("wrong subnet", 2, Reject, ReasonWrongSubnet, func(*deneb.BlobSidecar) {})
		tamper("inclusion proof node", 1, Reject, ReasonInclusionProof, func(sc *deneb.BlobSidecar) { sc.KZGCommitmentInclusionProof[0][5] ^= 1 })
		tamper("length mix-in node", 1, Reject, ReasonInclusionProof, func(sc *deneb.BlobSidecar) { sc.KZGCommitmentInclusionProof[12][0]++ })
		tamper("body-level node", 1, Reject, ReasonInclusionProof, func(sc *deneb.BlobSidecar) { sc.KZGCommitmentInclusionProof[16][0] ^= 1 })
		tamper("another block's body root", 1, Reject, ReasonInclusionProof, func(sc *deneb.BlobSidecar) { sc.SignedBlockHeader.Message.BodyRoot[0] ^= 1 })
		tamper("commitment of another blob", 1, Reject, ReasonInclusionProof, func(sc *deneb.BlobSidecar) { sc.KZGCommitment = comms[2] })
		tamper("index of another blob", 2, Reject, ReasonInclusionProof, func(sc *deneb.BlobSidecar) { sc.Index = 2 })
		tamper("blob byte", 1, Reject, ReasonKZGProof, func(sc *deneb.BlobSidecar) { sc.Blob[4000] ^= 1 })
		tamper("proof of another blob", 1, Reject, ReasonKZGProof, func(sc *deneb.BlobSidecar) { sc.KZGProof = scs[0].KZGProof })
		tamper("blob of another sidecar", 1, Reject, ReasonKZGProof, func(sc *deneb.BlobSidecar) { sc.Blob = bytes.Clone(blobs[0]) })
		tamper("non-canonical blob", 1, Reject, ReasonKZGInput, func(sc *deneb.BlobSidecar) { sc.Blob[0] = 0xff })
		tamper("no header", 1, Reject, ReasonMalformed, func(sc *deneb.BlobSidecar) { sc.SignedBlockHeader = &phase0.SignedBeaconBlockHeader{} })
	}
}

// The blob limit follows the blob schedule (BPO entries) by the epoch of
// the sidecar's slot.
func TestDataColumnBlobLimitFollowsSchedule(t *testing.T) {
	cfg := &config.Config{
		Raw:          map[string]string{"ELECTRA_FORK_EPOCH": "0", "MAX_BLOBS_PER_BLOCK_ELECTRA": "9"},
		BlobSchedule: []config.BlobParameters{{Epoch: 2, MaxBlobsPerBlock: 15}, {Epoch: 4, MaxBlobsPerBlock: 21}},
	}
	rules := ColumnRules{Config: cfg, Custody: custody.Mainnet}
	column := func(epoch uint64, blobs int) *fulu.DataColumnSidecar {
		return &fulu.DataColumnSidecar{
			Index:             5,
			Column:            make([][]byte, blobs),
			KZGCommitments:    make([][48]byte, blobs),
			KZGProofs:         make([][48]byte, blobs),
			SignedBlockHeader: &phase0.SignedBeaconBlockHeader{Message: &phase0.BeaconBlockHeader{Slot: epoch * config.SlotsPerEpoch}},
		}
	}
	for _, c := range []struct {
		epoch uint64
		blobs int
		ok    bool
	}{{0, 9, true}, {1, 10, false}, {2, 15, true}, {3, 16, false}, {4, 21, true}, {9, 22, false}} {
		err := VerifyDataColumnSidecar(rules, column(c.epoch, c.blobs))
		if c.ok && err != nil || !c.ok && ReasonOf(err) != ReasonTooManyCommitments {
			t.Errorf("epoch %d, %d blobs: %v", c.epoch, c.blobs, err)
		}
	}
}

func TestBlobRulesAt(t *testing.T) {
	cfg := &config.Config{Raw: map[string]string{
		"ELECTRA_FORK_EPOCH": "5", "MAX_BLOBS_PER_BLOCK": "6", "MAX_BLOBS_PER_BLOCK_ELECTRA": "9",
		"BLOB_SIDECAR_SUBNET_COUNT": "6", "BLOB_SIDECAR_SUBNET_COUNT_ELECTRA": "9",
	}}
	if r := BlobRulesAt(cfg, 4); r != (BlobRules{MaxBlobsPerBlock: 6, SubnetCount: 6}) {
		t.Errorf("deneb epoch: %+v", r)
	}
	if r := BlobRulesAt(cfg, 5); r != (BlobRules{MaxBlobsPerBlock: 9, SubnetCount: 9}) {
		t.Errorf("electra epoch: %+v", r)
	}
	if r := BlobRulesAt(&config.Config{}, 100); r != (BlobRules{MaxBlobsPerBlock: 6, SubnetCount: 6}) {
		t.Errorf("no electra in the config: %+v", r)
	}
	if s := BlobRulesAt(cfg, 5).ComputeSubnetForBlobSidecar(11); s != 2 {
		t.Errorf("subnet of blob 11 under electra: %d", s)
	}
}
