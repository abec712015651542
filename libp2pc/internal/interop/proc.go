//go:build interop

package interop

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Proc is an external process started for a test: in its own process group
// (so it and its children are stopped together), bounded by `timeout`, and
// stopped by PID at the end of the test.
type Proc struct {
	Name    string
	LogPath string
	cmd     *exec.Cmd
	done    chan struct{}
	err     error // set before done closes

	mu    sync.Mutex
	cond  *sync.Cond
	lines []string // stdout lines, when captured
	eof   bool
}

// LogDir makes a directory for one test's logs. It is removed when the test
// passes and kept (and named in the output) when it fails, or always with
// LIBP2PC_INTEROP_KEEP_LOGS=1.
func LogDir(t testing.TB) string {
	t.Helper()
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	dir, err := os.MkdirTemp("", "libp2pc-interop-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("LIBP2PC_INTEROP_KEEP_LOGS") == "1" {
			t.Logf("logs kept in %s", dir)
			return
		}
		os.RemoveAll(dir)
	})
	return dir
}

// FreePorts returns n distinct free TCP ports on 127.0.0.1.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("free port: %v", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// boundedTimeout is the `timeout` a process gets: want, shortened to end
// before the test binary's deadline.
func boundedTimeout(t testing.TB, want time.Duration) time.Duration {
	if tt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := tt.Deadline(); ok {
			if left := time.Until(dl) - 15*time.Second; left < want {
				want = max(left, 10*time.Second)
			}
		}
	}
	return want
}

// cleanEnv is the test's environment without variables that would change
// how the peers run (Lodestar reads every LODESTAR_* as an option).
func cleanEnv(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "LODESTAR_") || strings.HasPrefix(kv, "INTEROP_") || strings.HasPrefix(kv, "NODE_OPTIONS=") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, extra...)
}

// startProc starts argv in dir. With captureStdout the process's stdout is
// read line by line (Lines, WaitLine) and copied with its stderr to
// logPath; otherwise the process writes logPath itself.
func startProc(t testing.TB, name, dir, logPath string, env []string, captureStdout bool, argv ...string) *Proc {
	t.Helper()
	p := &Proc{Name: name, LogPath: logPath, done: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var logf *os.File
	var stdout io.ReadCloser
	if captureStdout {
		var err error
		if logf, err = os.Create(logPath); err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = logf
		if stdout, err = cmd.StdoutPipe(); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Start(); err != nil {
		if logf != nil {
			logf.Close()
		}
		t.Fatalf("start %s: %v", name, err)
	}
	p.cmd = cmd
	go func() {
		if stdout != nil {
			sc := bufio.NewScanner(stdout)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				line := sc.Text()
				fmt.Fprintln(logf, line)
				p.mu.Lock()
				p.lines = append(p.lines, line)
				p.cond.Broadcast()
				p.mu.Unlock()
			}
		}
		p.err = cmd.Wait()
		if logf != nil {
			logf.Close()
		}
		p.mu.Lock()
		p.eof = true
		p.cond.Broadcast()
		p.mu.Unlock()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop(10 * time.Second)
		if t.Failed() {
			t.Logf("---- %s log (%s), last lines ----\n%s", name, logPath, tail(logPath, 150))
		}
	})
	return p
}

// PID is the process id (and process group id).
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended, and how.
func (p *Proc) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Stop sends SIGTERM to the process group, waits up to grace, then
// SIGKILLs the group. It is safe to call more than once.
func (p *Proc) Stop(grace time.Duration) {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(grace):
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

// Lines returns the stdout lines read so far.
func (p *Proc) Lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// errTimeout and errExited are what WaitLine returns when it gives up.
var (
	errTimeout = errors.New("timed out")
	errExited  = errors.New("process exited")
)

// WaitLine waits up to d for a stdout line matching pred (lines seen
// before the call count) and returns it.
func (p *Proc) WaitLine(d time.Duration, pred func(string) bool) (string, error) {
	deadline := time.Now().Add(d)
	timer := time.AfterFunc(d, func() { p.mu.Lock(); p.cond.Broadcast(); p.mu.Unlock() })
	defer timer.Stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := 0; ; {
		for ; i < len(p.lines); i++ {
			if pred(p.lines[i]) {
				return p.lines[i], nil
			}
		}
		if p.eof {
			return "", errExited
		}
		if time.Now().After(deadline) {
			return "", errTimeout
		}
		p.cond.Wait()
	}
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", filepath.Base(path), err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// lockFile takes an exclusive flock on path, waiting up to d; the lock is
// released when the test ends. It serialises Lodestar chains across test
// processes of this checkout (Lodestar is heavy; the machine is shared).
func lockFile(t testing.TB, path string, d time.Duration) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatalf("lock %s: %v", path, err)
	}
	deadline := time.Now().Add(d)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			t.Fatalf("lock %s (another Lodestar run holds it?): %v", path, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Cleanup(func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
}
