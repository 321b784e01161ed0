package postoffice

import "unsafe"

// split views b as whole records of type R (a byte array) without copying:
// a 50,000-header queue is read once, not twice. The records alias b, so
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
