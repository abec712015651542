package kzg

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The official KZG vectors (consensus-specs format: data.yaml with input and
// output, output null when the inputs must be rejected) ship in the tests/
// folders of these two module zips. They are located through
// `go mod download -json`, which fetches them on a machine that lacks them.
var vectorModules = []string{
	"github.com/ethereum/c-kzg-4844/v2@v2.1.5",
	"github.com/crate-crypto/go-eth-kzg@v1.5.0",
}

// kzgFunctions are the functions whose every vector case must pass through
// this package; compute_cells (c-kzg only) is checked through
// ComputeCellsAndProofs as well.
var kzgFunctions = []string{
	"blob_to_kzg_commitment",
	"compute_blob_kzg_proof",
	"verify_blob_kzg_proof",
	"verify_blob_kzg_proof_batch",
	"compute_cells_and_kzg_proofs",
	"recover_cells_and_kzg_proofs",
	"verify_cell_kzg_proof_batch",
}

func moduleDir(t testing.TB, mod string) string {
	t.Helper()
	goBin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	// Outside the project module, so the project's go.mod/go.sum are
	// neither consulted nor changed.
	cmd := exec.Command(goBin, "mod", "download", "-json", mod)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GO111MODULE=on")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod download %s: %v\n%s%s", mod, err, out, stderr.String())
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		t.Fatalf("go mod download %s: no directory (%v %s)", mod, err, info.Error)
	}
	return info.Dir
}

type vectorCase struct {
	name string
	file string
}

// casesOf lists the data.yaml files of one function in one module, sorted.
func casesOf(t testing.TB, modDir, fn string) []vectorCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(modDir, "tests", fn, "*", "*", "data.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	out := make([]vectorCase, len(files))
	for i, f := range files {
		out[i] = vectorCase{name: filepath.Base(filepath.Dir(f)), file: f}
	}
	return out
}

type vectorFile struct {
	Input  map[string]any `yaml:"input"`
	Output any            `yaml:"output"`
}

var errBadHex = errors.New("bad hex")

func decodeHex(v any) ([]byte, error) {
	s, ok := v.(string)
	if !ok || !strings.HasPrefix(s, "0x") {
		return nil, fmt.Errorf("%w: %v", errBadHex, v)
	}
	return hex.DecodeString(s[2:])
}

func decodeHexList(v any) ([][]byte, error) {
	items, ok := v.([]any)
	if !ok && v != nil {
		return nil, fmt.Errorf("%w: not a list", errBadHex)
	}
	out := make([][]byte, len(items))
	for i, it := range items {
		b, err := decodeHex(it)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func decodeIndices(v any) ([]uint64, error) {
	items, ok := v.([]any)
	if !ok && v != nil {
		return nil, errors.New("cell_indices: not a list")
	}
	out := make([]uint64, len(items))
	for i, it := range items {
		n, ok := it.(int)
		if !ok || n < 0 {
			return nil, fmt.Errorf("cell_indices: %v", it)
		}
		out[i] = uint64(n)
	}
	return out, nil
}

func parseCommitments(raw [][]byte) ([]Commitment, error) {
	out := make([]Commitment, len(raw))
	for i, b := range raw {
		c, err := ParseCommitment(b)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func parseProofs(raw [][]byte) ([]Proof, error) {
	out := make([]Proof, len(raw))
	for i, b := range raw {
		p, err := ParseProof(b)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// runCase feeds one case through the package and compares with the
// expected output. A case whose output is null must fail with an input
// error (not ErrProofMismatch); a bool output must come back as nil /
// ErrProofMismatch.
func runCase(ctx *Context, fn string, v *vectorFile) error {
	in := v.Input
	// Every input error — hex, length, or the function's own — is an
	// "output: null" for the vectors.
	type result struct {
		bytes  []byte // blob_to_kzg_commitment, compute_blob_kzg_proof
		cp     *CellsAndProofs
		verify error // verification functions
	}
	var (
		res result
		err error
	)
	switch fn {
	case "blob_to_kzg_commitment":
		var blob []byte
		if blob, err = decodeHex(in["blob"]); err == nil {
			var c Commitment
			if c, err = ctx.BlobToCommitment(blob); err == nil {
				res.bytes = c[:]
			}
		}
	case "compute_blob_kzg_proof":
		var blob, comm []byte
		var c Commitment
		if blob, err = decodeHex(in["blob"]); err == nil {
			if comm, err = decodeHex(in["commitment"]); err == nil {
				if c, err = ParseCommitment(comm); err == nil {
					var p Proof
					if p, err = ctx.ComputeBlobProof(blob, c); err == nil {
						res.bytes = p[:]
					}
				}
			}
		}
	case "verify_blob_kzg_proof":
		err = func() error {
			blob, err := decodeHex(in["blob"])
			if err != nil {
				return err
			}
			comm, err := decodeHex(in["commitment"])
			if err != nil {
				return err
			}
			proof, err := decodeHex(in["proof"])
			if err != nil {
				return err
			}
			c, err := ParseCommitment(comm)
			if err != nil {
				return err
			}
			p, err := ParseProof(proof)
			if err != nil {
				return err
			}
			res.verify = ctx.VerifyBlobProof(blob, c, p)
			if errors.Is(res.verify, ErrProofMismatch) || res.verify == nil {
				return nil
			}
			return res.verify
		}()
	case "verify_blob_kzg_proof_batch":
		err = func() error {
			blobs, err := decodeHexList(in["blobs"])
			if err != nil {
				return err
			}
			rawComms, err := decodeHexList(in["commitments"])
			if err != nil {
				return err
			}
			rawProofs, err := decodeHexList(in["proofs"])
			if err != nil {
				return err
			}
			comms, err := parseCommitments(rawComms)
			if err != nil {
				return err
			}
			proofs, err := parseProofs(rawProofs)
			if err != nil {
				return err
			}
			res.verify = ctx.VerifyBlobProofBatch(blobs, comms, proofs)
			if errors.Is(res.verify, ErrProofMismatch) || res.verify == nil {
				return nil
			}
			return res.verify
		}()
	case "compute_cells_and_kzg_proofs", "compute_cells":
		var blob []byte
		if blob, err = decodeHex(in["blob"]); err == nil {
			var cp CellsAndProofs
			if cp, err = ctx.ComputeCellsAndProofs(blob); err == nil {
				res.cp = &cp
			}
		}
	case "recover_cells_and_kzg_proofs":
		err = func() error {
			idx, err := decodeIndices(in["cell_indices"])
			if err != nil {
				return err
			}
			cells, err := decodeHexList(in["cells"])
			if err != nil {
				return err
			}
			cp, err := ctx.RecoverCellsAndProofs(idx, cells)
			if err != nil {
				return err
			}
			res.cp = &cp
			return nil
		}()
	case "verify_cell_kzg_proof_batch":
		err = func() error {
			rawComms, err := decodeHexList(in["commitments"])
			if err != nil {
				return err
			}
			idx, err := decodeIndices(in["cell_indices"])
			if err != nil {
				return err
			}
			cells, err := decodeHexList(in["cells"])
			if err != nil {
				return err
			}
			rawProofs, err := decodeHexList(in["proofs"])
			if err != nil {
				return err
			}
			comms, err := parseCommitments(rawComms)
			if err != nil {
				return err
			}
			proofs, err := parseProofs(rawProofs)
			if err != nil {
				return err
			}
			res.verify = ctx.VerifyCellProofBatch(comms, idx, cells, proofs)
			if errors.Is(res.verify, ErrProofMismatch) || res.verify == nil {
				return nil
			}
			return res.verify
		}()
	default:
		return fmt.Errorf("no runner for %s", fn)
	}

	if v.Output == nil {
		if err == nil {
			return fmt.Errorf("expected the inputs to be rejected, got success (verify result %v)", res.verify)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("unexpected error: %w", err)
	}
	switch want := v.Output.(type) {
	case bool:
		got := res.verify == nil
		if got != want {
			return fmt.Errorf("verification = %v (%v), want %v", got, res.verify, want)
		}
	case string:
		wantBytes, herr := decodeHex(want)
		if herr != nil {
			return herr
		}
		if !bytes.Equal(res.bytes, wantBytes) {
			return fmt.Errorf("got %x, want %x", res.bytes, wantBytes)
		}
	case []any:
		if res.cp == nil {
			return errors.New("no cells computed")
		}
		var wantCells, wantProofs [][]byte
		var herr error
		if fn == "compute_cells" {
			wantCells, herr = decodeHexList(want)
		} else {
			if len(want) != 2 {
				return fmt.Errorf("output has %d parts, want 2", len(want))
			}
			if wantCells, herr = decodeHexList(want[0]); herr == nil {
				wantProofs, herr = decodeHexList(want[1])
			}
		}
		if herr != nil {
			return herr
		}
		if len(wantCells) != CellsPerExtBlob || len(res.cp.Cells) != CellsPerExtBlob {
			return fmt.Errorf("%d cells, want %d", len(res.cp.Cells), len(wantCells))
		}
		for i := range wantCells {
			if !bytes.Equal(res.cp.Cells[i], wantCells[i]) {
				return fmt.Errorf("cell %d differs", i)
			}
		}
		if wantProofs != nil {
			for i := range wantProofs {
				if !bytes.Equal(res.cp.Proofs[i][:], wantProofs[i]) {
					return fmt.Errorf("proof %d differs", i)
				}
			}
		}
	default:
		return fmt.Errorf("unexpected output type %T", v.Output)
	}
	return nil
}

// raceSampler: under the race detector (ten times slower or more) each
// function runs one "invalid" case and one other (by case name, so the
// skipped files are not even parsed) and the expensive cell functions none
// of go-eth-kzg's set (which mostly repeats c-kzg's inputs), so
// `make test-go` stays short. The `kzg-vectors` make target runs every case
// without -race.
type raceSampler map[string]bool

func (s raceSampler) take(mod, fn, name string) bool {
	if !raceEnabled {
		return true
	}
	if !strings.Contains(mod, "c-kzg") {
		switch fn {
		case "compute_cells_and_kzg_proofs", "compute_cells", "recover_cells_and_kzg_proofs":
			return false
		}
	}
	key := fmt.Sprint(mod, fn, strings.Contains(name, "_invalid"))
	if s[key] {
		return false
	}
	s[key] = true
	return true
}

func TestOfficialVectors(t *testing.T) {
	ctx, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, mod := range vectorModules {
		dir := moduleDir(t, mod)
		fns := kzgFunctions
		if strings.Contains(mod, "c-kzg") {
			fns = append(append([]string(nil), kzgFunctions...), "compute_cells")
		}
		for _, fn := range fns {
			cases := casesOf(t, dir, fn)
			if len(cases) == 0 {
				t.Errorf("%s: no %s vectors under %s/tests", mod, fn, dir)
				continue
			}
			ran, rejected := 0, 0
			sample := raceSampler{}
			for _, c := range cases {
				if !sample.take(mod, fn, c.name) {
					continue
				}
				data, err := os.ReadFile(c.file)
				if err != nil {
					t.Fatal(err)
				}
				var v vectorFile
				if err := yaml.Unmarshal(data, &v); err != nil {
					t.Fatalf("%s: %v", c.file, err)
				}
				if err := runCase(ctx, fn, &v); err != nil {
					t.Errorf("%s %s/%s: %v", mod, fn, c.name, err)
				}
				ran++
				if v.Output == nil {
					rejected++
				}
			}
			t.Logf("%-45s %-30s %3d of %3d cases (%d expecting rejection)", mod, fn, ran, len(cases), rejected)
		}
	}
}
