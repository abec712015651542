package spectest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
)

// The altair..fulu state-transition cases of every vector tree of the run
// (SPEC_TESTS_DIR, and STF_TESTS_DIR: the minimal stf-altair-fulu archive by
// default), for the compiled preset, run through the multi-fork transition:
// sanity/slots, sanity/blocks and fork/fork of every fork directory found,
// each with the config of its tree for that fork (ForkConfigPath). The cases
// of a fork whose transition is not implemented are reported as skipped, by
// name, never as passed; a fork or handler this runner does not know is left
// to the coverage check (TestMain), which fails the run.
// Summary lines: stf_<fork>/<runner>_<handler>.

// NotImplementedReason marks the cases of a fork without a transition.
const NotImplementedReason = "fork not implemented"

func TestForkStateTransitions(t *testing.T) {
	roots := vectorRoots()
	if len(roots) == 0 {
		t.Skip("no vector tree (set SPEC_TESTS_DIR / STF_TESTS_DIR, or `make spec-test` unpacks them)")
	}
	for _, root := range roots {
		names, err := ForkDirs(root.path, config.PresetName)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			f, err := forks.Parse(name)
			if err != nil || f == forks.Phase0 {
				continue // phase0: its own runners; unknown forks: the coverage check
			}
			t.Run(f.String(), func(t *testing.T) { runForkTree(t, root.path, f) })
		}
	}
}

// runForkTree runs the handlers of tests/<preset>/<f> of root this runner
// knows.
func runForkTree(t *testing.T, root string, f forks.Fork) {
	cfgPath, err := ForkConfigPath(root, config.PresetName, f.String())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadConfigFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(root, "tests", config.PresetName, f.String())
	runners := []struct {
		runner, handler string
		implemented     bool
		fn              func(t *testing.T, c Case)
	}{
		{"sanity", "slots", transition.Implemented(f), func(t *testing.T, c Case) { runSlotsAny(t, cfg, f, c) }},
		{"sanity", "blocks", transition.Implemented(f), func(t *testing.T, c Case) { runBlocksAny(t, cfg, f, c) }},
		{"fork", "fork", transition.Implemented(f-1) && transition.Implemented(f), func(t *testing.T, c Case) { runForkAny(t, cfg, f, c) }},
	}
	for _, r := range runners {
		dir := filepath.Join(base, r.runner, r.handler)
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		name := "stf_" + f.String()
		handler := r.runner + "_" + r.handler
		if !r.implemented {
			summary.SkipAll(t, name, handler, dir, NotImplementedReason)
			continue
		}
		t.Run(handler, func(t *testing.T) { summary.Run(t, name, handler, dir, r.fn) })
	}
}

func readStateAny(t *testing.T, c Case, f forks.Fork, name string) *state.BeaconState {
	t.Helper()
	raw, err := c.SSZ(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := state.Decode(f, raw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func runSlotsAny(t *testing.T, cfg *config.Config, f forks.Fork, c Case) {
	s := readStateAny(t, c, f, "pre")
	var slots uint64
	if err := c.YAML("slots", &slots); err != nil {
		t.Fatal(err)
	}
	err := transition.AdvanceSlots(cfg, s, s.Slot+slots)
	expectPostAny(t, c, f, s, err)
}

func runBlocksAny(t *testing.T, cfg *config.Config, f forks.Fork, c Case) {
	m := readMeta(t, c)
	pre := readStateAny(t, c, f, "pre")
	preBytes, err := pre.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	s := pre
	for i := 0; i < m.BlocksCount; i++ {
		raw, rerr := c.SSZ(fmt.Sprintf("blocks_%d", i))
		if rerr != nil {
			t.Fatal(rerr)
		}
		block, derr := state.DecodeSignedBlock(f, raw)
		if derr != nil {
			t.Fatal(derr)
		}
		var res *transition.Result
		res, err = transition.Transition(cfg, s, block, transition.Options{VerifySignatures: m.verifySignatures(), ValidateStateRoot: true})
		if err != nil {
			err = fmt.Errorf("block %d: %w", i, err)
			break
		}
		// No execution engine is configured: a block with a payload must
		// come back marked optimistic, one without must not.
		if want := hasPayload(t, block); res.Optimistic != want {
			t.Fatalf("block %d: optimistic=%v, but carries a payload: %v", i, res.Optimistic, want)
		}
		s = res.State
	}
	if after, _ := pre.MarshalSSZ(); !bytes.Equal(after, preBytes) {
		t.Fatal("the transition modified its pre-state")
	}
	expectPostAny(t, c, f, s, err)
}

func runForkAny(t *testing.T, cfg *config.Config, f forks.Fork, c Case) {
	var m struct {
		Fork string `yaml:"fork"`
	}
	if err := c.YAML("meta", &m); err != nil {
		t.Fatal(err)
	}
	if m.Fork != f.String() {
		t.Fatalf("meta.yaml fork %q in the %s tree", m.Fork, f)
	}
	s := readStateAny(t, c, f-1, "pre")
	err := transition.Upgrade(cfg, s, f)
	expectPostAny(t, c, f, s, err)
}

// hasPayload reports whether a block carries a non-empty execution payload
// (compared by hash_tree_root with the empty one).
func hasPayload(t *testing.T, b *state.SignedBeaconBlock) bool {
	t.Helper()
	p := b.Message.Body.ExecutionPayload
	if p == nil {
		return false
	}
	got, err := p.HashTreeRoot()
	if err != nil {
		t.Fatal(err)
	}
	empty, err := new(deneb.ExecutionPayload).HashTreeRoot()
	if err != nil {
		t.Fatal(err)
	}
	return got != empty
}

// expectPostAny compares got with post.ssz_snappy, or, when the case has no
// post file, requires a rejection for a consensus rule.
func expectPostAny(t *testing.T, c Case, f forks.Fork, got *state.BeaconState, err error) {
	t.Helper()
	if !c.Exists("post.ssz_snappy") {
		if err == nil {
			t.Fatal("transition succeeded, but the case has no post state: it must be rejected")
		}
		var re *transition.RuleError
		if !errors.As(err, &re) {
			t.Errorf("rejected, but not for a consensus rule: %v", err)
		}
		t.Logf("rejected as expected: %v", err)
		return
	}
	if err != nil {
		t.Fatalf("transition failed: %v", err)
	}
	wantBytes, rerr := c.SSZ("post")
	if rerr != nil {
		t.Fatal(rerr)
	}
	gotBytes, merr := got.MarshalSSZ()
	if merr != nil {
		t.Fatalf("encode result: %v", merr)
	}
	if bytes.Equal(gotBytes, wantBytes) {
		return
	}
	want := readStateAny(t, c, f, "post")
	t.Fatalf("post state differs: %s", stateDiffAny(got, want))
}

// stateDiffAny names the top-level fields that differ (the first
// differing element for lists of numbers).
func stateDiffAny(got, want *state.BeaconState) string {
	gv, wv := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	var out string
	for i := 0; i < gv.NumField(); i++ {
		field := gv.Type().Field(i)
		if !field.IsExported() {
			continue
		}
		a, b := gv.Field(i).Interface(), wv.Field(i).Interface()
		if reflect.DeepEqual(a, b) {
			continue
		}
		detail := ""
		if x, ok := a.([]uint64); ok {
			y := b.([]uint64)
			for j := range min(len(x), len(y)) {
				if x[j] != y[j] {
					detail = fmt.Sprintf("[%d]: got %d, want %d", j, x[j], y[j])
					break
				}
			}
		}
		out += " " + field.Name + detail
	}
	if out == "" {
		return "encodings differ, fields equal"
	}
	return out
}

// verdictEngine answers every payload with one status.
type verdictEngine struct {
	status transition.PayloadStatus
	calls  int
}

func (e *verdictEngine) NotifyNewPayload(req *transition.NewPayloadRequest) (transition.PayloadStatus, error) {
	e.calls++
	return e.status, nil
}

// The execution engine's verdict decides a bellatrix block with a payload:
// invalid rejects it (a rule), valid accepts it as not optimistic, syncing
// accepts it as optimistic. Uses the first block with a payload of the
// bellatrix sanity/blocks vectors.
func TestExecutionEngineVerdicts(t *testing.T) {
	root, err := STFDir()
	if err != nil || config.PresetName != "minimal" {
		t.Skip("needs the minimal altair..fulu vectors")
	}
	dir := filepath.Join(root, "tests", "minimal", "bellatrix", "sanity", "blocks")
	cases, err := Cases(dir)
	if err != nil {
		t.Skipf("bellatrix vectors absent: %v", err)
	}
	cfg, err := config.LoadConfigFile(filepath.Join(root, "configs", "minimal_bellatrix.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if !c.Exists("post.ssz_snappy") {
			continue
		}
		pre := readStateAny(t, c, forks.Bellatrix, "pre")
		raw, err := c.SSZ("blocks_0")
		if err != nil {
			t.Fatal(err)
		}
		block, err := state.DecodeSignedBlock(forks.Bellatrix, raw)
		if err != nil {
			t.Fatal(err)
		}
		if !hasPayload(t, block) {
			continue
		}
		opts := transition.Options{VerifySignatures: true, ValidateStateRoot: true}
		for _, v := range []struct {
			status     transition.PayloadStatus
			ok         bool
			optimistic bool
		}{{transition.PayloadInvalid, false, false}, {transition.PayloadValid, true, false}, {transition.PayloadOptimistic, true, true}} {
			e := &verdictEngine{status: v.status}
			opts.Engine = e
			res, err := transition.Transition(cfg, pre, block, opts)
			var re *transition.RuleError
			switch {
			case e.calls != 1:
				t.Fatalf("%s: engine asked %d times", c.Name, e.calls)
			case !v.ok && !errors.As(err, &re):
				t.Fatalf("%s: invalid payload: %v, want a rule error", c.Name, err)
			case v.ok && (err != nil || res.Optimistic != v.optimistic):
				t.Fatalf("%s: status %d: err %v, result %+v", c.Name, v.status, err, res)
			}
		}
		return
	}
	t.Skip("no bellatrix block with an execution payload in the vectors")
}

// The compiled altair and bellatrix preset values are those of the
// presets shipped with the altair..fulu vectors.
func TestAltairBellatrixPresetMatchesVectors(t *testing.T) {
	root, err := STFDir()
	if err != nil || config.PresetName != "minimal" {
		t.Skip("needs the minimal altair..fulu vectors")
	}
	file := map[string]uint64{}
	for _, name := range []string{"altair", "bellatrix"} {
		values, err := config.LoadPresetFile(filepath.Join(root, "presets", "minimal", name+".yaml"))
		if err != nil {
			t.Skipf("presets absent: %v", err)
		}
		for k, v := range values {
			file[k] = v
		}
	}
	for k, want := range config.AltairPresetValues() {
		if got, ok := file[k]; !ok || got != want {
			t.Errorf("%s: file %d (present %v), compiled %d", k, got, ok, want)
		}
	}
}
