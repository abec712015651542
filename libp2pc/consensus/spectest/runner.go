// Package spectest runs the consensus-spec-tests vectors (the official
// tests/<preset>/<fork>/<runner>/<handler>/<suite>/<case>/ layout) against
// the Go consensus code. The vectors are found through SPEC_TESTS_DIR
// (default <repo>/build/spec-tests); the tests skip when it is absent.
//
// Every case ends up in a Summary, printed per runner/handler at the end of
// `go test`, so a skipped case (an unrecoverable *.lfs-pointer file, a
// handler with no runner yet) is visible by name and never counted as passed.
package spectest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/golang/snappy"
	"gopkg.in/yaml.v3"
)

// Dir returns the vector tree root: $SPEC_TESTS_DIR, or build/spec-tests
// under the repository root (the directory holding go.mod).
func Dir() (string, error) {
	if d := os.Getenv("SPEC_TESTS_DIR"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("spectest: getwd: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "build", "spec-tests"), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("spectest: no go.mod above %s and SPEC_TESTS_DIR unset", wd)
		}
	}
}

// LFSReason marks cases with a file that could not be recovered upstream.
const LFSReason = "unrecoverable lfs-pointer file"

// Outcome of one case.
type Outcome int

const (
	Passed Outcome = iota
	Failed
	Skipped
)

type handlerKey struct{ runner, handler string }

type handlerCounts struct {
	passed, failed int
	skipped        map[string][]string // reason -> case names
}

// DirCounts are the outcomes recorded for the cases of one handler
// directory (Run and SkipAll know the directory; Record alone does not).
type DirCounts struct{ Passed, Failed, Skipped int }

// Summary accumulates outcomes per runner/handler, and per handler
// directory of the tree so that a coverage check can tell which
// directories were handled. Safe for concurrent use.
type Summary struct {
	mu     sync.Mutex
	counts map[handlerKey]*handlerCounts
	dirs   map[string]*DirCounts
}

// NewSummary returns an empty Summary.
func NewSummary() *Summary {
	return &Summary{counts: map[handlerKey]*handlerCounts{}, dirs: map[string]*DirCounts{}}
}

// Dir returns what was recorded for the cases of handlerDir, and whether
// any runner handled (ran or skipped by name) that directory.
func (s *Summary) Dir(handlerDir string) (DirCounts, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.dirs[filepath.Clean(handlerDir)]
	if !ok {
		return DirCounts{}, false
	}
	return *c, true
}

// Record adds the outcome of one case.
func (s *Summary) Record(runner, handler, name string, o Outcome, reason string) {
	s.RecordIn("", runner, handler, name, o, reason)
}

// RecordIn adds the outcome of one case of handlerDir ("" when unknown).
func (s *Summary) RecordIn(handlerDir, runner, handler, name string, o Outcome, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if handlerDir != "" {
		d := s.dirs[filepath.Clean(handlerDir)]
		if d == nil {
			d = &DirCounts{}
			s.dirs[filepath.Clean(handlerDir)] = d
		}
		switch o {
		case Passed:
			d.Passed++
		case Failed:
			d.Failed++
		case Skipped:
			d.Skipped++
		}
	}
	k := handlerKey{runner, handler}
	c := s.counts[k]
	if c == nil {
		c = &handlerCounts{skipped: map[string][]string{}}
		s.counts[k] = c
	}
	switch o {
	case Passed:
		c.passed++
	case Failed:
		c.failed++
	case Skipped:
		c.skipped[reason] = append(c.skipped[reason], name)
	}
}

// Totals returns the number of passed, failed and skipped cases.
func (s *Summary) Totals() (passed, failed, skipped int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.counts {
		passed += c.passed
		failed += c.failed
		for _, names := range c.skipped {
			skipped += len(names)
		}
	}
	return
}

// maxListedSkips bounds the case names printed per skip reason.
const maxListedSkips = 20

// Print writes one line per runner/handler, the skipped cases by name with
// their reason, and a closing total line.
func (s *Summary) Print(w io.Writer) {
	s.mu.Lock()
	keys := make([]handlerKey, 0, len(s.counts))
	for k := range s.counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].runner != keys[j].runner {
			return keys[i].runner < keys[j].runner
		}
		return keys[i].handler < keys[j].handler
	})
	fmt.Fprintln(w, "spec-test summary (runner/handler: passed failed skipped)")
	for _, k := range keys {
		c := s.counts[k]
		nskip := 0
		for _, names := range c.skipped {
			nskip += len(names)
		}
		fmt.Fprintf(w, "  %-45s %5d passed %3d failed %3d skipped\n", k.runner+"/"+k.handler, c.passed, c.failed, nskip)
		reasons := make([]string, 0, len(c.skipped))
		for r := range c.skipped {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		for _, r := range reasons {
			names := c.skipped[r]
			if len(names) > maxListedSkips {
				// A whole handler skipped by a SkipRule: its rule names it.
				fmt.Fprintf(w, "      skipped (%s): %d cases\n", r, len(names))
				continue
			}
			sort.Strings(names)
			fmt.Fprintf(w, "      skipped (%s): %s\n", r, strings.Join(names, ", "))
		}
	}
	s.mu.Unlock()
	p, f, sk := s.Totals()
	fmt.Fprintf(w, "spec-test: %d passed, %d failed, %d skipped\n", p, f, sk)
}

// Case is one vector case directory.
type Case struct {
	Dir  string
	Name string // suite/case
}

// Path returns the path of a file of the case.
func (c Case) Path(name string) string { return filepath.Join(c.Dir, name) }

// Exists reports whether the case has the file.
func (c Case) Exists(name string) bool {
	_, err := os.Stat(c.Path(name))
	return err == nil
}

// SSZ reads and snappy-decodes <name>.ssz_snappy.
func (c Case) SSZ(name string) ([]byte, error) {
	raw, err := os.ReadFile(c.Path(name + ".ssz_snappy"))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	out, err := snappy.Decode(nil, raw)
	if err != nil {
		return nil, fmt.Errorf("snappy-decode %s: %w", name, err)
	}
	return out, nil
}

// YAML decodes <name>.yaml into v.
func (c Case) YAML(name string, v any) error {
	raw, err := os.ReadFile(c.Path(name + ".yaml"))
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	if err := yaml.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("parse %s.yaml: %w", name, err)
	}
	return nil
}

// lfsPointers lists the files of a case that were not recovered upstream.
func lfsPointers(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".lfs-pointer") {
			out = append(out, e.Name())
		}
	}
	return out
}

// Cases lists handlerDir/<suite>/<case> directories, sorted.
func Cases(handlerDir string) ([]Case, error) {
	suites, err := os.ReadDir(handlerDir)
	if err != nil {
		return nil, fmt.Errorf("spectest: list %s: %w", handlerDir, err)
	}
	var out []Case
	for _, s := range suites {
		if !isDir(handlerDir, s) {
			continue
		}
		cases, err := os.ReadDir(filepath.Join(handlerDir, s.Name()))
		if err != nil {
			return nil, fmt.Errorf("spectest: list suite %s: %w", s.Name(), err)
		}
		for _, c := range cases {
			if isDir(filepath.Join(handlerDir, s.Name()), c) {
				out = append(out, Case{Dir: filepath.Join(handlerDir, s.Name(), c.Name()), Name: s.Name() + "/" + c.Name()})
			}
		}
	}
	return out, nil
}

// SkipAll records every case of handlerDir as skipped for reason, by name,
// without running anything (e.g. a fork whose transition is missing).
func (s *Summary) SkipAll(t *testing.T, runner, handler, handlerDir, reason string) {
	t.Helper()
	cases, err := Cases(handlerDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		s.RecordIn(handlerDir, runner, handler, c.Name, Skipped, reason)
	}
}

// Run runs fn as a subtest for every case of handlerDir and records each
// outcome under runner/handler. Cases with *.lfs-pointer files are skipped
// (by name) without running fn. fn reports a failure with t.Error/t.Fatal.
func (s *Summary) Run(t *testing.T, runner, handler, handlerDir string, fn func(t *testing.T, c Case)) {
	t.Helper()
	cases, err := Cases(handlerDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("no cases under %s", handlerDir)
	}
	for _, c := range cases {
		c := c
		if ptrs := lfsPointers(c.Dir); len(ptrs) > 0 {
			s.RecordIn(handlerDir, runner, handler, c.Name, Skipped, LFSReason)
			continue
		}
		var skipReason string
		ok := t.Run(c.Name, func(t *testing.T) {
			defer func() {
				if t.Skipped() {
					skipReason = "skipped by the runner"
				}
			}()
			fn(t, c)
		})
		switch {
		case !ok:
			s.RecordIn(handlerDir, runner, handler, c.Name, Failed, "")
		case skipReason != "":
			s.RecordIn(handlerDir, runner, handler, c.Name, Skipped, skipReason)
		default:
			s.RecordIn(handlerDir, runner, handler, c.Name, Passed, "")
		}
	}
}
