package status

import (
	"errors"
	"io"
	"io/fs"
	"testing"
)

// A classified error keeps its cause: errors.Is / errors.As see through it,
// CodeOf finds the outermost code, and the message is fmt's.
func TestErrorfKeepsTheCause(t *testing.T) {
	inner := Errorf(NotFound, "lookup: %w", fs.ErrNotExist)
	err := Errorf(InvalidArgument, "open %q: %w", "x", inner)
	if err.Msg != `open "x": lookup: file does not exist` {
		t.Fatalf("message %q", err.Msg)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("errors.Is does not reach the cause")
	}
	var classified *Error
	if !errors.As(error(err), &classified) || classified != err || CodeOf(err) != InvalidArgument {
		t.Fatalf("outer classification lost: %v", CodeOf(err))
	}
	two := Errorf(Internal, "both: %w, %w", io.EOF, fs.ErrPermission)
	if !errors.Is(two, io.EOF) || !errors.Is(two, fs.ErrPermission) {
		t.Fatal("several %w operands: a cause is lost")
	}
	// %v formats without wrapping, and a literal Error wraps nothing.
	if plain := Errorf(Internal, "x: %v", io.EOF); errors.Is(plain, io.EOF) || plain.Unwrap() != nil {
		t.Fatal("a plain operand (verb v) must not be wrapped")
	}
	if (&Error{Code: Internal, Msg: "m"}).Unwrap() != nil {
		t.Fatal("a literal Error wraps nothing")
	}
}
