// Package ckzgcheck cross-checks libp2pc/da/kzg against c-kzg-4844, an
// independent implementation (C, cgo). It is a module of its own so the
// library never links c-kzg, and so c-kzg stays at v2.1.5 here (the replace
// in go.mod) while the main module's go-ethereum asks for a later one.
// `make kzg-crosscheck` runs it.
package ckzgcheck

import (
	"bytes"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	ckzg "github.com/ethereum/c-kzg-4844/v2/bindings/go"

	. "github.com/libp2pc/libp2pc/libp2pc/da/kzg"
)

// ckzgDir is the c-kzg-4844 module directory (its src/trusted_setup.txt is
// the ceremony output c-kzg ships, read independently of go-eth-kzg's copy).
func ckzgDir(t *testing.T) string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/ethereum/c-kzg-4844/v2").Output()
	if err != nil {
		t.Fatalf("go list c-kzg-4844: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// randomBlob fills a blob with field elements below the BLS modulus (the
// top byte of each big-endian element is kept under 0x73).
func randomBlob(r *rand.Rand) []byte {
	blob := make([]byte, BytesPerBlob)
	for i := range blob {
		blob[i] = byte(r.Uint32())
	}
	for i := 0; i < BytesPerBlob; i += BytesPerFieldElement {
		blob[i] %= 0x73
	}
	return blob
}

func TestCrossCheckCKZG(t *testing.T) {
	dir := ckzgDir(t)
	if err := ckzg.LoadTrustedSetupFile(filepath.Join(dir, "src", "trusted_setup.txt"), 0); err != nil {
		t.Fatal(err)
	}
	defer ckzg.FreeTrustedSetup()
	ctx, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 4844))
	const blobs = 4
	for n := range blobs {
		blob := randomBlob(r)
		cblob := (*ckzg.Blob)(blob)

		comm, err := ctx.BlobToCommitment(blob)
		if err != nil {
			t.Fatal(err)
		}
		ccomm, err := ckzg.BlobToKZGCommitment(cblob)
		if err != nil {
			t.Fatal(err)
		}
		if comm != Commitment(ccomm) {
			t.Fatalf("blob %d: commitment %x, c-kzg %x", n, comm, ccomm)
		}
		proof, err := ctx.ComputeBlobProof(blob, comm)
		if err != nil {
			t.Fatal(err)
		}
		cproof, err := ckzg.ComputeBlobKZGProof(cblob, ckzg.Bytes48(comm))
		if err != nil {
			t.Fatal(err)
		}
		if proof != Proof(cproof) {
			t.Fatalf("blob %d: blob proof %x, c-kzg %x", n, proof, cproof)
		}

		cp, err := ctx.ComputeCellsAndProofs(blob)
		if err != nil {
			t.Fatal(err)
		}
		ccells, cproofs, err := ckzg.ComputeCellsAndKZGProofs(cblob)
		if err != nil {
			t.Fatal(err)
		}
		for i := range CellsPerExtBlob {
			if !bytes.Equal(cp.Cells[i], ccells[i][:]) {
				t.Fatalf("blob %d: cell %d differs from c-kzg", n, i)
			}
			if cp.Proofs[i] != Proof(cproofs[i]) {
				t.Fatalf("blob %d: cell proof %d differs from c-kzg", n, i)
			}
		}

		// c-kzg accepts the cells and proofs computed here, and rejects one
		// with a flipped cell byte like this package does.
		comms := make([]ckzg.Bytes48, CellsPerExtBlob)
		idx := make([]uint64, CellsPerExtBlob)
		prfs := make([]ckzg.Bytes48, CellsPerExtBlob)
		ourComms := make([]Commitment, CellsPerExtBlob)
		cells := make([]ckzg.Cell, CellsPerExtBlob)
		for i := range CellsPerExtBlob {
			comms[i], idx[i], prfs[i], ourComms[i] = ckzg.Bytes48(comm), uint64(i), ckzg.Bytes48(cp.Proofs[i]), comm
			copy(cells[i][:], cp.Cells[i])
		}
		ok, err := ckzg.VerifyCellKZGProofBatch(comms, idx, cells, prfs)
		if err != nil || !ok {
			t.Fatalf("blob %d: c-kzg rejects our cells: %v %v", n, ok, err)
		}
		bad := r.IntN(CellsPerExtBlob)
		cells[bad][BytesPerCell-1] ^= 1
		ok, err = ckzg.VerifyCellKZGProofBatch(comms, idx, cells, prfs)
		if err != nil || ok {
			t.Fatalf("blob %d: c-kzg accepts a flipped cell: %v %v", n, ok, err)
		}
		badCells := append([][]byte(nil), cp.Cells...)
		badCells[bad] = cells[bad][:]
		if err := ctx.VerifyCellProofBatch(ourComms, idx, badCells, cp.Proofs); err != ErrProofMismatch {
			t.Fatalf("blob %d: flipped cell: %v, want ErrProofMismatch", n, err)
		}
		cells[bad][BytesPerCell-1] ^= 1

		// Recovery from a random half agrees with c-kzg's.
		keep := r.Perm(CellsPerExtBlob)[:CellsPerExtBlob/2]
		present := make([]bool, CellsPerExtBlob)
		for _, k := range keep {
			present[k] = true
		}
		var hIdx []uint64
		var hCells [][]byte
		var hcCells []ckzg.Cell
		for i := range CellsPerExtBlob {
			if present[i] {
				hIdx, hCells, hcCells = append(hIdx, uint64(i)), append(hCells, cp.Cells[i]), append(hcCells, cells[i])
			}
		}
		rec, err := ctx.RecoverCellsAndProofs(hIdx, hCells)
		if err != nil {
			t.Fatal(err)
		}
		crec, crecProofs, err := ckzg.RecoverCellsAndKZGProofs(hIdx, hcCells)
		if err != nil {
			t.Fatal(err)
		}
		for i := range CellsPerExtBlob {
			if !bytes.Equal(rec.Cells[i], crec[i][:]) || rec.Proofs[i] != Proof(crecProofs[i]) {
				t.Fatalf("blob %d: recovered cell/proof %d differs from c-kzg", n, i)
			}
			if !bytes.Equal(rec.Cells[i], cp.Cells[i]) {
				t.Fatalf("blob %d: recovered cell %d differs from the original", n, i)
			}
		}
	}
	t.Logf("%d random blobs: commitments, blob proofs, 128 cells and proofs each, recovery from a random half: identical to c-kzg-4844 v2.1.5", blobs)
}
