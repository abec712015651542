package node

import (
	"sync"
	"syscall"

	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// readinessPipe is the poll-mode wakeup: a non-blocking pipe whose read end
// the host waits on. The queue writes one byte when it becomes non-empty and
// empties the pipe when a drain leaves it empty (both under the queue's
// lock), so the fd is readable exactly while events wait. A pipe rather than
// an eventfd keeps it portable to every Unix.
type readinessPipe struct {
	mu     sync.Mutex
	r, w   int
	closed bool
}

func newReadinessPipe() (*readinessPipe, error) {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		return nil, status.Errorf(status.IO, "readiness pipe: %w", err)
	}
	return &readinessPipe{r: fds[0], w: fds[1]}, nil
}

func (p *readinessPipe) readFD() int { return p.r }

func (p *readinessPipe) signal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		syscall.Write(p.w, []byte{1})
	}
}

func (p *readinessPipe) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	var buf [64]byte
	for !p.closed {
		if n, err := syscall.Read(p.r, buf[:]); n <= 0 || err != nil {
			return
		}
	}
}

func (p *readinessPipe) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		syscall.Close(p.r)
		syscall.Close(p.w)
	}
}
