package spectest

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
)

// summary collects every case of this test binary; TestMain prints it.
var summary = NewSummary()

// covered records which runner/handler directories a test ran, so that
// TestZZUncovered can list the handlers of the tree nobody runs.
var (
	coveredMu sync.Mutex
	covered   = map[string]bool{}
)

func TestMain(m *testing.M) {
	code := m.Run()
	if p, f, s := summary.Totals(); p+f+s > 0 {
		summary.Print(os.Stdout)
		if dir, err := Dir(); err == nil {
			presetDir := filepath.Join(dir, "tests", config.PresetName, "phase0")
			if _, err := os.Stat(presetDir); err != nil {
				fmt.Printf("note: %s is absent: no %s-preset phase0 vectors were run\n", presetDir, config.PresetName)
			}
		}
	}
	os.Exit(code)
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
// for general runners) and marks it covered.
func handlerDir(t *testing.T, preset, runner, handler string) string {
	t.Helper()
	d := filepath.Join(vectors(t), "tests", preset, "phase0", runner, handler)
	if _, err := os.Stat(d); err != nil {
		t.Skipf("%s: absent from this vector tree", d)
	}
	coveredMu.Lock()
	covered[preset+"/"+runner+"/"+handler] = true
	coveredMu.Unlock()
	return d
}

// loadConfig loads configs/<preset>.yaml of the tree: the runtime config the
// vectors were generated with.
func loadConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.LoadConfigFile(filepath.Join(vectors(t), "configs", config.PresetName+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestPresetMatchesVectors checks that the compiled preset is the one the
// vectors were generated with.
func TestPresetMatchesVectors(t *testing.T) {
	root := vectors(t)
	values, err := config.LoadPresetFile(filepath.Join(root, "presets", config.PresetName, "phase0.yaml"))
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
		t.Fatalf("configs/%s.yaml has PRESET_BASE %q", config.PresetName, cfg.PresetBase)
	}
}

// testUncovered (run last, from zz_uncovered_test.go) records every handler
// of the tree that no runner handles, so the summary shows it as skipped.
func testUncovered(t *testing.T) {
	root := vectors(t)
	for _, preset := range []string{config.PresetName, "general"} {
		runners, _ := os.ReadDir(filepath.Join(root, "tests", preset, "phase0"))
		for _, r := range runners {
			handlers, _ := os.ReadDir(filepath.Join(root, "tests", preset, "phase0", r.Name()))
			for _, h := range handlers {
				key := preset + "/" + r.Name() + "/" + h.Name()
				coveredMu.Lock()
				done := covered[key]
				coveredMu.Unlock()
				if done {
					continue
				}
				cases, err := Cases(filepath.Join(root, "tests", preset, "phase0", r.Name(), h.Name()))
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range cases {
					reason := NoRunnerReason
					if len(lfsPointers(c.Dir)) > 0 {
						reason = LFSReason
					}
					summary.Record(r.Name(), h.Name(), c.Name, Skipped, reason)
				}
			}
		}
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
