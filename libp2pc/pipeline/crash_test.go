package pipeline

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/store"
)

const crashEnv = "LIBP2PC_PIPELINE_CRASH_DIR"

var (
	crashOnce sync.Once
	crashBd   *builder
)

// crashChain: two forks of 24 blocks each from genesis (deterministic, so
// the parent test process and the child build the same blocks).
func crashChain(t testing.TB) *builder {
	crashOnce.Do(func() {
		bd := newBuilder(t)
		bd.chain(bd.gRoot, 1, 24, 0)
		bd.chain(bd.gRoot, 2, 25, 0)
		crashBd = bd
	})
	return crashBd
}

// TestCrashChild is the child process of TestCrashSafety: it imports the
// blocks (two forks concurrently) into the data dir and prints every
// block_imported event, until it is killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("child process of TestCrashSafety")
	}
	bd := crashChain(t)
	out := os.Stdout
	ev := EventFunc(func(e Event) {
		if e.Kind == EventBlockImported {
			fmt.Fprintf(out, "imported %s\n", hex.EncodeToString(e.Root[:]))
		}
	})
	p := newTestPipeline(t, bd, dir, newMemFetcher(bd), ev, nil)
	fmt.Fprintln(out, "ready")
	// A steady stream of blocks of both forks, so that imports are in
	// flight whenever the kill lands.
	for i := range bd.blocks {
		p.Submit(bd.blocks[i].ssz, "peer")
		time.Sleep(5 * time.Millisecond)
	}
	idle(t, p)
	fmt.Fprintln(out, "done")
	time.Sleep(time.Hour) // wait to be killed
}

// TestCrashSafety runs TestCrashChild in a child process, SIGKILLs it in
// the middle of the imports, reopens the data dir, and checks that every
// block reported imported is on disk with its state and that the store is
// consistent; then a new pipeline on the same dir imports the rest.
func TestCrashSafety(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip()
	}
	bd := crashChain(t)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reported := map[Root]bool{}
	sc := bufio.NewScanner(stdout)
	killAfter := 12
	for sc.Scan() {
		line := sc.Text()
		if r, ok := strings.CutPrefix(line, "imported "); ok {
			b, err := hex.DecodeString(r)
			if err != nil || len(b) != 32 {
				t.Fatalf("bad line %q", line)
			}
			reported[Root(b)] = true
			if len(reported) == killAfter {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
		if line == "done" {
			t.Fatal("child finished before it was killed")
		}
	}
	// Drain whatever the child printed before dying: those were reported too.
	for sc.Scan() {
		if r, ok := strings.CutPrefix(sc.Text(), "imported "); ok {
			if b, err := hex.DecodeString(r); err == nil && len(b) == 32 {
				reported[Root(b)] = true
			}
		}
	}
	_ = cmd.Wait()
	if len(reported) < killAfter {
		t.Fatalf("child reported %d imports before dying; stderr:\n%s", len(reported), stderr.String())
	}

	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	tr := Phase0{Cfg: bd.cfg}
	imported := 0
	for r := range reported {
		info, ok := st.Info(r)
		if !ok || !info.Imported || !info.HasState {
			t.Errorf("block %x reported imported but not on disk (%+v)", r[:4], info)
			continue
		}
		ssz, _, err := st.State(r)
		if err != nil {
			t.Errorf("block %x: state: %v", r[:4], err)
			continue
		}
		s, err := tr.DecodeState(ssz)
		if err != nil {
			t.Errorf("block %x: state undecodable: %v", r[:4], err)
			continue
		}
		sr, _ := s.(*p0State).s.HashTreeRoot()
		if sr != bd.byRoot[r].ssz2StateRoot(t) {
			t.Errorf("block %x: stored state has the wrong root", r[:4])
		}
		imported++
	}
	for _, b := range st.Blocks() {
		if b.Imported {
			continue
		}
		t.Logf("stored, not imported at the kill: %x slot %d", b.Root[:4], b.Slot)
	}
	st.Close()
	t.Logf("killed after %d reported imports; all on disk with their states", imported)

	// Restart: the rest imports on the same data dir.
	rec := newRecorder()
	p := newTestPipeline(t, bd, dir, newMemFetcher(bd), rec, nil)
	defer p.st.Close()
	defer p.Close()
	idle(t, p) // resumed stored-but-unimported blocks
	for _, b := range bd.blocks {
		p.Submit(b.ssz, "peer")
	}
	idle(t, p)
	for _, b := range bd.blocks {
		if !p.st.IsImported(b.root) {
			t.Errorf("block %x slot %d not imported after restart (%v %s)", b.root[:4], b.slot, rec.final[b.root], rec.rules[b.root])
		}
	}
	if err := p.st.Check(); err != nil {
		t.Error(err)
	}
}

func (b tblock) ssz2StateRoot(t testing.TB) Root {
	blk, err := Phase0{}.DecodeBlock(b.ssz)
	if err != nil {
		t.Fatal(err)
	}
	return blk.StateRoot()
}
