package spectest

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
)

// summary collects every case of this test binary; TestMain prints it.
var summary = NewSummary()

// skipRules name the handler directories of the shipped trees that no
// runner handles yet, with the reason. Any other directory a tree holds
// that no test ran fails the run (see CheckTree).
var skipRules = []SkipRule{
	{"general/phase0/ssz_generic/*", "no ssz_generic runner: its containers are test-only types, not consensus types"},
	{"*/phase0/fork_choice/get_head", "no fork_choice runner yet (every shipped case is an lfs pointer)"},
	{"*/phase0/genesis/initialization", "no initialize_beacon_state_from_eth1 runner yet (every shipped case is an lfs pointer)"},
}

// TestMain runs the tests, then checks every vector tree of the run (see
// reportTrees); a tree that yields nothing, or holds a directory no runner
// handled, fails the run even when every test passed.
func TestMain(m *testing.M) {
	code := m.Run()
	if treeCode := reportTrees(os.Stdout); code == 0 {
		code = treeCode
	}
	os.Exit(code)
}

// vectorRoot is one vector tree of the run.
type vectorRoot struct {
	path string
	// named: the tree was given explicitly (SPEC_TESTS_DIR); it must exist
	// and yield cases of the compiled preset.
	named bool
}

// vectorRoots returns the trees of this run: SPEC_TESTS_DIR (or its
// default location when present) and STF_TESTS_DIR (or its default) when
// present and another directory.
func vectorRoots() []vectorRoot {
	var out []vectorRoot
	seen := map[string]bool{}
	add := func(dir string, named bool) {
		abs, err := filepath.Abs(dir)
		if err != nil || seen[abs] {
			return
		}
		if _, err := os.Stat(filepath.Join(abs, "tests")); err != nil && !named {
			return
		}
		seen[abs] = true
		out = append(out, vectorRoot{path: abs, named: named})
	}
	if dir, err := Dir(); err == nil {
		add(dir, os.Getenv("SPEC_TESTS_DIR") != "")
	}
	if dir, err := STFDir(); err == nil {
		add(dir, false)
	}
	return out
}

// unfilteredRun reports whether every test of the package ran (no -run,
// -skip or -list): only then can a tree's coverage be judged.
func unfilteredRun() bool {
	for _, name := range []string{"test.run", "test.skip", "test.list"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return false
		}
	}
	return true
}

// treeResult is what SPEC_TESTS_REPORT receives (JSON): the coverage of
// each tree and the reasons the run failed, for tests that run this
// package's binary on a tree of their own.
type treeResult struct {
	Trees    []*TreeReport
	Failures []string
}

// reportTrees prints the summary and, for an unfiltered run, the coverage
// of every tree, and returns 1 when a tree fails the check: a named tree
// that is absent or yields no case of the compiled preset, or a handler
// directory that no runner handled and no skip rule names.
func reportTrees(w io.Writer) int {
	var res treeResult
	if unfilteredRun() {
		for _, root := range vectorRoots() {
			if _, err := os.Stat(filepath.Join(root.path, "tests")); err != nil {
				res.Failures = append(res.Failures, fmt.Sprintf("no vector tree at %s (expected %s/tests/<preset>/<fork>/...)", root.path, root.path))
				continue
			}
			rep, err := CheckTree(summary, root.path, []string{config.PresetName, "general"}, skipRules)
			if err != nil {
				res.Failures = append(res.Failures, err.Error())
				continue
			}
			if len(rep.Forks) == 0 && !root.named {
				continue // e.g. the minimal altair..fulu tree in a mainnet run
			}
			res.Trees = append(res.Trees, rep)
			for _, h := range rep.Uncovered {
				res.Failures = append(res.Failures, fmt.Sprintf("%s: found in %s and not run", h.Key(), root.path))
			}
			if root.named && rep.Ran == 0 {
				others, _ := subdirs(filepath.Join(root.path, "tests"))
				res.Failures = append(res.Failures, fmt.Sprintf("%s yields zero %s-preset cases (tests/ holds %v; build with PRESET matching the tree)",
					root.path, config.PresetName, others))
			}
		}
	}
	if p, f, s := summary.Totals(); p+f+s > 0 || len(res.Trees) > 0 {
		summary.Print(w)
	}
	for _, rep := range res.Trees {
		rep.Print(w)
	}
	for _, msg := range res.Failures {
		fmt.Fprintf(w, "spec-test: FAIL: %s\n", msg)
	}
	if out := os.Getenv("SPEC_TESTS_REPORT"); out != "" {
		if data, err := json.Marshal(res); err != nil || os.WriteFile(out, data, 0o644) != nil {
			fmt.Fprintf(w, "spec-test: FAIL: cannot write SPEC_TESTS_REPORT %s\n", out)
			return 1
		}
	}
	if len(res.Failures) > 0 {
		return 1
	}
	return 0
}

// vectors returns the root of the tree, or skips the test with a clear
// message when it is absent.
func vectors(t *testing.T) string {
	t.Helper()
	dir, err := Dir()
	if err != nil {
		t.Skipf("spec vectors not located: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "tests")); err != nil {
		t.Skipf("spec vectors absent at %s (set SPEC_TESTS_DIR, or run `make spec-test` to unpack them)", dir)
	}
	return dir
}

// handlerDir returns tests/<preset>/phase0/<runner>/<handler> (or general
// for general runners) of the tree, or skips the test when it is absent.
func handlerDir(t *testing.T, preset, runner, handler string) string {
	t.Helper()
	d := filepath.Join(vectors(t), "tests", preset, "phase0", runner, handler)
	if _, err := os.Stat(d); err != nil {
		t.Skipf("%s: absent from this vector tree", d)
	}
	return d
}

// loadConfig loads the phase0 runtime config of the tree, the one its
// phase0 vectors were generated with (see ForkConfigPath).
func loadConfig(t *testing.T) *config.Config {
	t.Helper()
	root := vectors(t)
	if _, err := os.Stat(filepath.Join(root, "tests", config.PresetName, "phase0")); err != nil {
		t.Skipf("no %s-preset phase0 vectors in %s", config.PresetName, root)
	}
	path, err := ForkConfigPath(root, config.PresetName, "phase0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestPresetMatchesVectors checks that the compiled preset is the one the
// vectors were generated with.
func TestPresetMatchesVectors(t *testing.T) {
	root := vectors(t)
	presetPath := filepath.Join(root, "presets", config.PresetName, "phase0.yaml")
	if _, err := os.Stat(presetPath); err != nil {
		t.Skipf("the tree ships no %s", presetPath)
	}
	values, err := config.LoadPresetFile(presetPath)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := config.CheckPreset(values)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Logf("presets/%s/phase0.yaml lacks %v (compiled values used)", config.PresetName, missing)
	}
	cfg := loadConfig(t)
	if cfg.PresetBase != config.PresetName {
		t.Fatalf("the phase0 config has PRESET_BASE %q, compiled preset %q", cfg.PresetBase, config.PresetName)
	}
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
