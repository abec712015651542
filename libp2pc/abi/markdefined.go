package main

/*
#include <stddef.h>

void libp2pc__mark_defined(const void *p, size_t len);
*/
import "C"

import "unsafe"

// markDefined tells valgrind that C memory the library filled from Go is
// initialised (see libp2pc__mark_defined in cside.c). It lives in a file
// without exports: cgo copies the preamble of files with //export into the
// generated header, and the header check would see the declaration there.
func markDefined(p unsafe.Pointer, n uintptr) { C.libp2pc__mark_defined(p, C.size_t(n)) }
