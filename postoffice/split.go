package postoffice

import (
	"fmt"
	"unsafe"
)

// split views b as whole records of type R (a byte array) without copying:
// a full queue is read once, not twice. The records alias b, so
// writing to one writes to b; callers that patch work on a copy. A ragged
// tail is not parsed; its length is returned so that it can be reported.
func split[R any](b []byte) (recs []R, tail int) {
	size := int(unsafe.Sizeof(*new(R)))
	n := len(b) / size
	if n == 0 {
		return []R{}, len(b)
	}
	return unsafe.Slice((*R)(unsafe.Pointer(&b[0])), n), len(b) - n*size
}

// whole reads a fixed-size file (CONTROL.GLB, MASTER.GLB, a KEY, FLAG.GLB):
// b must be exactly one T; the result is a copy.
func whole[T any](name string, b []byte) (T, error) {
	var t T
	recs, tail := split[T](b)
	if len(recs) != 1 || tail != 0 {
		return t, fmt.Errorf("%s is %d bytes, want %d", name, len(b), unsafe.Sizeof(t))
	}
	return recs[0], nil
}
