//go:build linux

package events

import (
	"sync/atomic"
	"syscall"
	"unsafe"
)

// threadWaker lets the queue's one consumer sleep in the kernel, on its own
// OS thread, instead of parking its goroutine in the Go scheduler.
//
// Why: the consumer is the node's delivery goroutine, locked to its OS
// thread (the host's callback always runs on one thread). Parking a locked
// goroutine and readying it again costs two scheduler hand-offs
// (stoplockedm, then startlockedm: the P moves between threads, with a
// futex wake and sleep on both sides each time). With one small event per
// wake-up (a publish's RequestDone, a validation request) those hand-offs
// were half of all CPU in the small-message gossip benchmark. Sleeping in
// FUTEX_WAIT instead is an ordinary blocking system call: the thread keeps
// its goroutine, the runtime takes its P back for other goroutines when the
// wait is long (sysmon, as for any blocking call), and a producer's wake is
// one FUTEX_WAKE system call.
type threadWaker struct {
	word atomic.Uint32 // bumped by every wake; the sleeper waits while it is unchanged
}

const (
	futexWaitPrivate = 0 | 128 // FUTEX_WAIT | FUTEX_PRIVATE_FLAG
	futexWakePrivate = 1 | 128 // FUTEX_WAKE | FUTEX_PRIVATE_FLAG
)

func (w *threadWaker) init() {}

// ticket is read (under the queue's lock) before the sleeper releases the
// lock; sleep returns at once if a wake came in between.
func (w *threadWaker) ticket() uint32 { return w.word.Load() }

// sleep waits until the word moves past ticket (or spuriously: callers
// re-check their condition). A blocking system call (entersyscall), so the
// runtime can hand this thread's P to other goroutines meanwhile.
func (w *threadWaker) sleep(ticket uint32) {
	_, _, _ = syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&w.word)), futexWaitPrivate,
		uintptr(ticket), 0, 0, 0)
}

// arm moves the word on (under the queue's lock, so a sleeper that read its
// ticket before cannot miss it); wake then rouses the sleeper, best after
// the lock is released so that it does not wake into a held lock.
func (w *threadWaker) arm() { w.word.Add(1) }

func (w *threadWaker) wake() {
	// FUTEX_WAKE never blocks: no need to tell the scheduler.
	_, _, _ = syscall.RawSyscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&w.word)), futexWakePrivate,
		1, 0, 0, 0)
}
