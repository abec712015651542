package spectest

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
)

// These tests run this package's own test binary as a child on a tree they
// build, the way `make spec-test SPEC_TESTS_DIR=DIR` runs it, and read the
// child's coverage report (SPEC_TESTS_REPORT). The child sees
// childEnv set and skips them, so there is no recursion.

const childEnv = "SPECTEST_TREE_CHILD"

// runChild runs every test of the package against tree and returns the
// exit error (nil for success), the report and the output.
func runChild(t *testing.T, tree string) (error, treeResult, string) {
	t.Helper()
	if os.Getenv(childEnv) != "" {
		t.Skip("inside a child run")
	}
	report := filepath.Join(t.TempDir(), "report.json")
	cmd := exec.Command(os.Args[0], "-test.count=1", "-test.timeout=10m")
	// The child's STF_TESTS_DIR is the same tree, so no other tree joins in.
	cmd.Env = append(os.Environ(), childEnv+"=1", "SPEC_TESTS_DIR="+tree, "STF_TESTS_DIR="+tree,
		"SPEC_TESTS_REPORT="+report)
	start := time.Now()
	out, runErr := cmd.CombinedOutput()
	t.Logf("child on %s: %v after %v", tree, runErr, time.Since(start).Round(time.Millisecond))
	var res treeResult
	if data, err := os.ReadFile(report); err != nil {
		t.Fatalf("the child wrote no report (%v); output:\n%s", err, out)
	} else if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	return runErr, res, string(out)
}

// copyDir copies the regular files of src (recursively) into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// firstCase copies the first case of srcHandler into the same
// runner/handler/suite place under dstFork.
func firstCase(t *testing.T, srcHandler, dstHandler string) {
	t.Helper()
	cases, err := Cases(srcHandler)
	if err != nil || len(cases) == 0 {
		t.Skipf("no cases under %s (%v)", srcHandler, err)
	}
	copyDir(t, cases[0].Dir, filepath.Join(dstHandler, cases[0].Name))
}

// smallTree builds one tree in the official layout holding, for the
// compiled preset, one case of sanity/slots and fork/fork of every fork
// the run's trees have, and the configs those forks need. Skips when the source trees are absent.
func smallTree(t *testing.T) (string, []string) {
	t.Helper()
	dst := t.TempDir()
	var forkNames []string
	for _, root := range vectorRoots() {
		names, err := ForkDirs(root.path, config.PresetName)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			if _, err := forks.Parse(name); err != nil {
				continue
			}
			handlers, err := Handlers(root.path, config.PresetName)
			if err != nil {
				t.Fatal(err)
			}
			copied := false
			for _, h := range handlers {
				// sanity/slots and fork/fork: every fork has one of them,
				// and at mainnet scale they are the cheaper cases.
				if h.Fork != name || h.Runner+"/"+h.Handler != "sanity/slots" && h.Runner != "fork" {
					continue
				}
				firstCase(t, h.Path, filepath.Join(dst, "tests", h.Preset, h.Fork, h.Runner, h.Handler))
				copied = true
			}
			if !copied {
				continue
			}
			cfg, err := ForkConfigPath(root.path, config.PresetName, name)
			if err != nil {
				t.Fatal(err)
			}
			copyDir(t, cfg, filepath.Join(dst, "configs", config.PresetName+"_"+name+".yaml"))
			forkNames = append(forkNames, name)
		}
	}
	if len(forkNames) < 2 {
		t.Skipf("the %s-preset trees of this run hold %v: not enough to build a multi-fork tree", config.PresetName, forkNames)
	}
	return dst, forkNames
}

// A tree holding phase0..fulu cases in one root (the layout of the
// official vectors) runs every fork it holds, and the report says so.
func TestTreeRunsEveryFork(t *testing.T) {
	tree, forkNames := smallTree(t)
	runErr, res, out := runChild(t, tree)
	if runErr != nil || len(res.Failures) > 0 {
		t.Fatalf("child failed: %v %v\n%s", runErr, res.Failures, out)
	}
	if len(res.Trees) != 1 || res.Trees[0].Root != tree {
		t.Fatalf("report covers %d trees, want only %s", len(res.Trees), tree)
	}
	ran := map[string]*ForkCoverage{}
	for _, f := range res.Trees[0].Forks {
		ran[f.Fork] = f
	}
	for _, name := range forkNames {
		f := ran[name]
		if f == nil || f.Passed == 0 || f.Failed != 0 || f.Uncovered != 0 {
			t.Errorf("%s: %+v, want passed cases and nothing failed or left out", name, f)
		}
	}
	t.Logf("forks run: %v; %d cases", forkNames, res.Trees[0].Ran)
}

// A named tree that yields no case fails the run, whether it is empty or
// holds only another preset's vectors.
func TestTreeWithoutCasesFails(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("inside a child run")
	}
	other := "minimal"
	if config.PresetName == "minimal" {
		other = "mainnet"
	}
	for name, layout := range map[string][]string{
		"empty":        {"tests"},
		"other-preset": {"tests/" + other + "/altair/sanity/slots/pyspec_tests/some_case"},
	} {
		t.Run(name, func(t *testing.T) {
			tree := t.TempDir()
			for _, d := range layout {
				if err := os.MkdirAll(filepath.Join(tree, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			runErr, res, out := runChild(t, tree)
			var exit *exec.ExitError
			if !errors.As(runErr, &exit) {
				t.Fatalf("child on a tree without cases: %v, want a failing exit\n%s", runErr, out)
			}
			if len(res.Failures) != 1 || !strings.Contains(res.Failures[0], "yields zero "+config.PresetName+"-preset cases") {
				t.Fatalf("failures %q, want the zero-cases one", res.Failures)
			}
		})
	}
}

// A handler directory no runner knows (a new runner, or a fork this code
// does not have) fails the run by name, even though every test passed.
func TestTreeWithUnknownHandlerFails(t *testing.T) {
	tree, _ := smallTree(t)
	unknown := []string{
		config.PresetName + "/altair/no_such_runner/some_handler",
		config.PresetName + "/no_such_fork/sanity/slots",
	}
	for _, key := range unknown {
		if err := os.MkdirAll(filepath.Join(tree, "tests", key, "pyspec_tests", "case_0"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	runErr, res, out := runChild(t, tree)
	var exit *exec.ExitError
	if !errors.As(runErr, &exit) {
		t.Fatalf("child: %v, want a failing exit\n%s", runErr, out)
	}
	if len(res.Failures) != len(unknown) {
		t.Fatalf("failures %q, want one per unknown directory %v", res.Failures, unknown)
	}
	for i, key := range unknown {
		if !strings.HasPrefix(res.Failures[i], key+": found in") {
			t.Errorf("failure %q does not name %s", res.Failures[i], key)
		}
	}
}

// CheckTree on its own: a directory matched by a rule is recorded as
// skipped with the rule's reason (an lfs-pointer case keeps its own), one
// handled by a runner counts its outcomes, anything else is uncovered.
func TestCheckTreeRules(t *testing.T) {
	root := t.TempDir()
	mk := func(rel string, files ...string) string {
		dir := filepath.Join(root, "tests", rel)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	mk("minimal/phase0/ssz_generic/uints/valid/a")
	mk("minimal/phase0/ssz_generic/uints/valid/b", "x.ssz_snappy.lfs-pointer")
	ran := filepath.Dir(mk("minimal/phase0/sanity/slots/pyspec_tests/c"))
	mk("minimal/phase0/sanity/blocks/pyspec_tests/d")
	s := NewSummary()
	s.RecordIn(filepath.Dir(ran), "sanity", "slots", "pyspec_tests/c", Passed, "")
	rep, err := CheckTree(s, root, []string{"minimal"}, []SkipRule{{"minimal/*/ssz_generic/*", "test reason"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Uncovered) != 1 || rep.Uncovered[0].Key() != "minimal/phase0/sanity/blocks" {
		t.Fatalf("uncovered %+v, want only sanity/blocks", rep.Uncovered)
	}
	if rep.Ran != 1 || len(rep.Forks) != 1 || rep.Forks[0].Skipped != 2 || rep.Forks[0].SkippedByRule != 1 {
		t.Fatalf("report %+v / %+v", rep, rep.Forks[0])
	}
	var b strings.Builder
	s.Print(&b)
	for _, want := range []string{"skipped (test reason): valid/a", "skipped (" + LFSReason + "): valid/b"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}
