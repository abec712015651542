package node

import (
	"syscall"
	"unsafe"
)

// A minimal poll(2) for tests, to wait on the readiness fd as a host would.
type unixPollFd struct {
	fd      int32
	events  int16
	revents int16
}

const pollIn = 0x1

func poll(fds []unixPollFd, timeoutMs int) (int, error) {
	n, _, errno := syscall.Syscall(syscall.SYS_POLL, uintptr(unsafe.Pointer(&fds[0])), uintptr(len(fds)), uintptr(timeoutMs))
	if errno != 0 {
		return int(n), errno
	}
	return int(n), nil
}
