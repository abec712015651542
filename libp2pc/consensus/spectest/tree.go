package spectest

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
)

// The coverage check of a vector tree: after every test of the package ran,
// each tests/<preset>/<fork>/<runner>/<handler> directory of the tree must
// have been handled by a runner (its cases recorded in the Summary, passed,
// failed or skipped by name), or match a SkipRule that says why it is not
// run. Anything else (a runner, handler or fork we do not know) is reported
// and fails the run, so a tree can never pass by being ignored.

// HandlerDir is one tests/<preset>/<fork>/<runner>/<handler> directory.
type HandlerDir struct {
	Preset, Fork, Runner, Handler string
	Path                          string
}

// Key is preset/fork/runner/handler, the name SkipRule patterns match.
func (h HandlerDir) Key() string {
	return h.Preset + "/" + h.Fork + "/" + h.Runner + "/" + h.Handler
}

// subdirs lists the directory names under dir (symbolic links to
// directories included), sorted; an absent dir has none.
func subdirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("spectest: list %s: %w", dir, err)
	}
	var out []string
	for _, e := range entries {
		if isDir(dir, e) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// isDir reports whether entry e of dir is a directory or a link to one.
func isDir(dir string, e os.DirEntry) bool {
	if e.IsDir() {
		return true
	}
	if e.Type()&os.ModeSymlink == 0 {
		return false
	}
	fi, err := os.Stat(filepath.Join(dir, e.Name()))
	return err == nil && fi.IsDir()
}

// Handlers lists every handler directory of root/tests/<preset> for the
// given presets.
func Handlers(root string, presets ...string) ([]HandlerDir, error) {
	var out []HandlerDir
	for _, preset := range presets {
		base := filepath.Join(root, "tests", preset)
		forkNames, err := subdirs(base)
		if err != nil {
			return nil, err
		}
		for _, fork := range forkNames {
			runners, err := subdirs(filepath.Join(base, fork))
			if err != nil {
				return nil, err
			}
			for _, runner := range runners {
				handlers, err := subdirs(filepath.Join(base, fork, runner))
				if err != nil {
					return nil, err
				}
				for _, handler := range handlers {
					out = append(out, HandlerDir{Preset: preset, Fork: fork, Runner: runner, Handler: handler,
						Path: filepath.Join(base, fork, runner, handler)})
				}
			}
		}
	}
	return out, nil
}

// ForkDirs lists the fork directories of root/tests/<preset>.
func ForkDirs(root, preset string) ([]string, error) {
	return subdirs(filepath.Join(root, "tests", preset))
}

// ForkConfigPath returns the runtime config the vectors of fork were
// generated with: configs/<preset>_<fork>.yaml for trees that ship one per
// fork (the altair..fulu and mainnet-scale archives), else
// configs/<preset>.yaml (the official layout, one config per preset).
func ForkConfigPath(root, preset, fork string) (string, error) {
	candidates := []string{
		filepath.Join(root, "configs", preset+"_"+fork+".yaml"),
		filepath.Join(root, "configs", preset+".yaml"),
	}
	for _, p := range candidates {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("spectest: no config for %s/%s in %s (looked for %s and %s)", preset, fork, root,
		candidates[0], candidates[1])
}

// SkipRule names handler directories that are known and deliberately not
// run, with the reason printed next to their cases. Pattern is matched
// (path.Match) against HandlerDir.Key.
type SkipRule struct {
	Pattern string
	Reason  string
}

// ForkCoverage counts, for one preset/fork of a tree, its handler
// directories and the outcomes recorded for their cases.
type ForkCoverage struct {
	Preset, Fork             string
	Handlers                 int
	Passed, Failed, Skipped  int
	SkippedByRule, Uncovered int // handler directories
}

// TreeReport is the coverage of one vector tree after all tests ran.
type TreeReport struct {
	Root      string
	Forks     []*ForkCoverage
	Uncovered []HandlerDir // handled by no runner and by no SkipRule
	Ran       int          // cases passed or failed (not skipped)
}

// CheckTree builds the coverage report of root for the given presets from
// what s recorded. Handler directories matching a rule are recorded in s as
// skipped by name (an unrecoverable lfs-pointer case keeps that reason).
func CheckTree(s *Summary, root string, presets []string, rules []SkipRule) (*TreeReport, error) {
	handlers, err := Handlers(root, presets...)
	if err != nil {
		return nil, err
	}
	rep := &TreeReport{Root: root}
	byFork := map[string]*ForkCoverage{}
	for _, h := range handlers {
		fc := byFork[h.Preset+"/"+h.Fork]
		if fc == nil {
			fc = &ForkCoverage{Preset: h.Preset, Fork: h.Fork}
			byFork[h.Preset+"/"+h.Fork] = fc
			rep.Forks = append(rep.Forks, fc)
		}
		fc.Handlers++
		counts, handled := s.Dir(h.Path)
		if !handled {
			reason, matched := matchRule(rules, h.Key())
			if !matched {
				fc.Uncovered++
				rep.Uncovered = append(rep.Uncovered, h)
				continue
			}
			cases, err := Cases(h.Path)
			if err != nil {
				return nil, err
			}
			for _, c := range cases {
				r := reason
				if len(lfsPointers(c.Dir)) > 0 {
					r = LFSReason
				}
				s.RecordIn(h.Path, h.Runner, h.Handler, c.Name, Skipped, r)
			}
			fc.SkippedByRule++
			counts, _ = s.Dir(h.Path)
		}
		fc.Passed += counts.Passed
		fc.Failed += counts.Failed
		fc.Skipped += counts.Skipped
		rep.Ran += counts.Passed + counts.Failed
	}
	return rep, nil
}

func matchRule(rules []SkipRule, key string) (string, bool) {
	for _, r := range rules {
		if ok, _ := path.Match(r.Pattern, key); ok {
			return r.Reason, true
		}
	}
	return "", false
}

// Print writes one line per preset/fork and the uncovered directories.
func (r *TreeReport) Print(w io.Writer) {
	fmt.Fprintf(w, "spec-test coverage of %s (preset/fork: handler dirs; case outcomes)\n", r.Root)
	if len(r.Forks) == 0 {
		fmt.Fprintf(w, "  (no tests/<preset>/<fork>/<runner>/<handler> directories for this preset)\n")
	}
	for _, f := range r.Forks {
		fmt.Fprintf(w, "  %-20s %3d dirs (%d skipped by rule, %d not run); %5d passed %3d failed %4d skipped\n",
			f.Preset+"/"+f.Fork, f.Handlers, f.SkippedByRule, f.Uncovered, f.Passed, f.Failed, f.Skipped)
	}
	for _, h := range r.Uncovered {
		fmt.Fprintf(w, "  NOT RUN: %s (%s): no runner handles it and no skip rule names it\n", h.Key(), h.Path)
	}
}
