package kzg

import (
	"errors"
	"sync"
	"testing"
)

var infinity = Commitment{0xc0}

// Default is built once and its Context is used from many goroutines at
// once (run with -race). The zero blob commits to the point at infinity,
// which is also each of its proofs; the G1 generator is a well-formed but
// wrong proof.
func TestConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	ctxs := make([]*Context, 4)
	for w := range ctxs {
		wg.Go(func() {
			ctx, err := Default()
			if err != nil {
				t.Error(err)
				return
			}
			ctxs[w] = ctx
			blob := make([]byte, BytesPerBlob)
			cell := make([]byte, BytesPerCell)
			for range 3 {
				if err := ctx.VerifyBlobProof(blob, infinity, Proof(infinity)); err != nil {
					t.Errorf("zero blob: %v", err)
				}
				if err := ctx.VerifyBlobProof(blob, infinity, Proof(g1Generator)); !errors.Is(err, ErrProofMismatch) {
					t.Errorf("wrong proof: %v", err)
				}
				if err := ctx.VerifyCellProofBatch([]Commitment{infinity}, []uint64{uint64(w)}, [][]byte{cell}, []Proof{Proof(infinity)}); err != nil {
					t.Errorf("zero cell: %v", err)
				}
			}
		})
	}
	wg.Wait()
	for _, c := range ctxs[1:] {
		if c != ctxs[0] {
			t.Fatal("Default built more than one Context")
		}
	}
}

// Inputs of the wrong shape are refused before the library sees them, each
// with its own error.
func TestInputErrors(t *testing.T) {
	ctx, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	blob := make([]byte, BytesPerBlob)
	cell := make([]byte, BytesPerCell)
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"short blob", ctx.VerifyBlobProof(blob[1:], infinity, Proof(infinity)), ErrBlobLength},
		{"batch lengths", ctx.VerifyBlobProofBatch([][]byte{blob}, nil, nil), ErrBatchLength},
		{"short cell", ctx.VerifyCellProofBatch([]Commitment{infinity}, []uint64{0}, [][]byte{cell[1:]}, []Proof{Proof(infinity)}), ErrCellLength},
		{"cell index 128", ctx.VerifyCellProofBatch([]Commitment{infinity}, []uint64{128}, [][]byte{cell}, []Proof{Proof(infinity)}), ErrCellIndex},
		{"commitment not on the curve", ctx.VerifyBlobProof(blob, Commitment{0x80, 1}, Proof(infinity)), ErrMalformed},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
	if _, err := ParseCommitment(make([]byte, 47)); !errors.Is(err, ErrCommitmentLength) {
		t.Errorf("47-byte commitment: %v", err)
	}
	if _, err := ParseProof(make([]byte, 49)); !errors.Is(err, ErrProofLength) {
		t.Errorf("49-byte proof: %v", err)
	}
	few := make([][]byte, 63)
	idx := make([]uint64, 63)
	for i := range few {
		few[i], idx[i] = cell, uint64(i)
	}
	if _, err := ctx.RecoverCellsAndProofs(idx, few); !errors.Is(err, ErrRecoverInput) {
		t.Errorf("63 cells: %v", err)
	}
	if _, err := ctx.RecoverCellsAndProofs(append(idx, 0), append(few, cell)); !errors.Is(err, ErrRecoverInput) {
		t.Errorf("unordered cells: %v", err)
	}
}
