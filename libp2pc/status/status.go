// Package status defines the error codes that cross the C ABI and the Go
// error type that carries one. Every package below the ABI returns *Error (or
// wraps one) for failures the host must be able to tell apart; the ABI layer
// turns it into the int return value plus the thread's last-error message.
//
// The numeric values are part of the ABI: they are mirrored one-to-one by the
// LIBP2PC_ERR_* macros in include/libp2pc.h and must never be renumbered.
package status

import (
	"errors"
	"fmt"
)

// Code is a libp2pc result code: 0 is success, failures are negative.
type Code int32

const (
	OK              Code = 0
	InvalidArgument Code = -1  // a NULL or malformed argument
	BadHandle       Code = -2  // unknown or already destroyed node handle
	BadState        Code = -3  // call not allowed in the node's current state
	QueueFull       Code = -4  // no room to guarantee this call's completion event
	NotFound        Code = -5  // peer or topic not known
	Network         Code = -6  // dial, listen or stream failure
	Timeout         Code = -7  // the operation's deadline passed
	IO              Code = -8  // file system error (identity key)
	ABIMismatch     Code = -9  // host built against an incompatible ABI
	NotInitialized  Code = -10 // libp2pc_init was not called (or failed)
	InCallback      Code = -11 // call not allowed from inside the node's own callback
	Internal        Code = -12 // a bug: a recovered Go panic or broken invariant
	Stopped         Code = -13 // the node stopped before the operation completed
	TooLarge        Code = -14 // payload above the configured limit
	Unsupported     Code = -15 // the call does not apply to this node's mode
)

var names = map[Code]string{
	OK:              "ok",
	InvalidArgument: "invalid argument",
	BadHandle:       "unknown or destroyed handle",
	BadState:        "not allowed in the node's current state",
	QueueFull:       "event queue full",
	NotFound:        "not found",
	Network:         "network error",
	Timeout:         "timed out",
	IO:              "i/o error",
	ABIMismatch:     "ABI version mismatch",
	NotInitialized:  "library not initialized",
	InCallback:      "not allowed inside the node's own callback",
	Internal:        "internal error",
	Stopped:         "node stopped",
	TooLarge:        "payload too large",
	Unsupported:     "unsupported for this node",
}

// String returns the fixed, human-readable name of the code.
func (c Code) String() string {
	if s, ok := names[c]; ok {
		return s
	}
	return fmt.Sprintf("unknown error %d", int32(c))
}

// Codes lists every defined code; the ABI tests check that the header
// declares exactly these.
func Codes() []Code {
	out := make([]Code, 0, len(names))
	for c := range names {
		out = append(out, c)
	}
	return out
}

// Error is an error with a libp2pc code and a message for people. Built by
// Errorf with %w verbs, it keeps the errors it wraps: errors.Is and
// errors.As see through the classification to the cause.
type Error struct {
	Code Code
	Msg  string
	// formatted is what fmt.Errorf made of Errorf's arguments; its Unwrap
	// gives the %w operands (nil when built without Errorf).
	formatted error
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the errors wrapped with %w (none without).
func (e *Error) Unwrap() []error {
	switch w := e.formatted.(type) {
	case interface{ Unwrap() []error }:
		return w.Unwrap()
	case interface{ Unwrap() error }:
		if inner := w.Unwrap(); inner != nil {
			return []error{inner}
		}
	}
	return nil
}

// Errorf builds an *Error with a formatted message; like fmt.Errorf, a %w
// operand is wrapped (and formatted as %v would).
func Errorf(code Code, format string, args ...any) *Error {
	formatted := fmt.Errorf(format, args...)
	return &Error{Code: code, Msg: formatted.Error(), formatted: formatted}
}

// CodeOf returns the code carried by err: OK for nil, the wrapped *Error's
// code when there is one, and Internal otherwise (an error that was never
// classified is a bug to fix where it is produced).
func CodeOf(err error) Code {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}
