//go:build devnet

package devnet

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Event is one JSON line of libp2pc-node's stdout, with the time it was read.
type Event struct {
	At     time.Time
	Name   string
	Fields map[string]any
}

// Str is a string field ("" when absent or not a string).
func (e Event) Str(k string) string {
	s, _ := e.Fields[k].(string)
	return s
}

// Uint is a numeric field (0 when absent).
func (e Event) Uint(k string) uint64 {
	f, _ := e.Fields[k].(float64)
	return uint64(f)
}

// NodeProc is a libp2pc-node process: in its own process group, its
// stdout parsed line by line into events and copied with its stderr to a
// log file.
type NodeProc struct {
	Name    string
	LogPath string
	cmd     *exec.Cmd
	done    chan struct{}
	err     error

	mu     sync.Mutex
	cond   *sync.Cond
	events []Event
	eof    bool
}

// startNode starts libp2pc-node with args; it is stopped (SIGTERM, then
// SIGKILL to its group) when the test ends.
func startNode(t testing.TB, name, bin, logPath string, args ...string) *NodeProc {
	t.Helper()
	p := &NodeProc{Name: name, LogPath: logPath, done: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(logf, "# %s %s\n", bin, strings.Join(args, " "))
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	p.cmd = cmd
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) != nil {
				continue
			}
			ev := Event{At: time.Now(), Fields: m}
			ev.Name, _ = m["event"].(string)
			p.mu.Lock()
			p.events = append(p.events, ev)
			p.cond.Broadcast()
			p.mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, stdout)
		p.err = cmd.Wait()
		logf.Close()
		p.mu.Lock()
		p.eof = true
		p.cond.Broadcast()
		p.mu.Unlock()
		close(p.done)
	}()
	t.Cleanup(func() { p.Stop(10 * time.Second) })
	return p
}

// Events returns the events read so far.
func (p *NodeProc) Events() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Event(nil), p.events...)
}

var (
	errTimeout = errors.New("timed out")
	errExited  = errors.New("process exited")
)

// WaitEvent waits up to d for an event matching pred (events seen before the
// call count) and returns it.
func (p *NodeProc) WaitEvent(d time.Duration, pred func(Event) bool) (Event, error) {
	deadline := time.Now().Add(d)
	timer := time.AfterFunc(d, func() { p.mu.Lock(); p.cond.Broadcast(); p.mu.Unlock() })
	defer timer.Stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := 0; ; {
		for ; i < len(p.events); i++ {
			if pred(p.events[i]) {
				return p.events[i], nil
			}
		}
		if p.eof {
			return Event{}, errExited
		}
		if time.Now().After(deadline) {
			return Event{}, errTimeout
		}
		p.cond.Wait()
	}
}

// Stop sends SIGTERM to the process group, waits up to grace for the
// process to end, then SIGKILLs the group. Safe to call more than once.
func (p *NodeProc) Stop(grace time.Duration) {
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

// Exited reports whether the process has ended, and how.
func (p *NodeProc) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
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
