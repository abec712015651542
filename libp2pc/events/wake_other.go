//go:build !linux

package events

import "time"

// threadWaker without futexes (non-Linux builds; the library ships for
// Linux): a one-token channel. The consumer parks in the Go scheduler.
type threadWaker struct {
	token chan struct{}
}

func (w *threadWaker) init() { w.token = make(chan struct{}, 1) }

func (w *threadWaker) ticket() uint32 { return 0 }

func (w *threadWaker) sleep(uint32) {
	select {
	case <-w.token:
	case <-time.After(time.Second): // callers re-check their condition
	}
}

func (w *threadWaker) arm() {}

func (w *threadWaker) wake() {
	select {
	case w.token <- struct{}{}:
	default:
	}
}
