package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The committed convert_gen.go is what the generator writes today, so a
// container or generic struct changed without regenerating fails here
// (and in make state-check).
func TestCommittedFileIsCurrent(t *testing.T) {
	want, err := generate("..")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "convert_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("libp2pc/consensus/state/convert_gen.go is stale: run make state-generate")
	}
}

// copyStructs copies the hand-written sources of package state into a
// scratch directory, applying edit to each.
func copyStructs(t *testing.T, edit func(name, src string) string) string {
	t.Helper()
	dir := t.TempDir()
	files, err := filepath.Glob(filepath.Join("..", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, "_gen.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out := edit(filepath.Base(f), string(src))
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A container field the generic structs cannot carry stops the generation
// with an error naming it, instead of being dropped from the conversion.
func TestFieldWithoutHomeIsAnError(t *testing.T) {
	cases := []struct{ name, file, from, to, wantErr string }{
		{"state field removed", "state.go", "\tProposerLookahead []uint64\n", "",
			"fulu.BeaconState.ProposerLookahead"},
		{"state field of another type", "state.go", "\tEth1DepositIndex      uint64\n", "\tEth1DepositIndex      uint32\n",
			"phase0.BeaconState.Eth1DepositIndex"},
		{"electra body field removed", "block.go", "\tElectraAttestations      []*electra.Attestation\n", "",
			"electra.BeaconBlockBody.Attestations"},
		{"generic field no fork has", "block.go", "\tGraffiti          [32]byte\n", "\tGraffiti          [32]byte\n\tUnknownField      uint64\n",
			"BeaconBlockBody.UnknownField"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			edited := false
			dir := copyStructs(t, func(name, src string) string {
				if name == c.file && strings.Contains(src, c.from) {
					edited = true
					return strings.Replace(src, c.from, c.to, 1)
				}
				return src
			})
			if !edited {
				t.Fatalf("%q not found in %s: update the test", c.from, c.file)
			}
			_, err := generate(dir)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %v, want one naming %s", err, c.wantErr)
			}
		})
	}
}
