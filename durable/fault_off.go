//go:build !faultinject

package durable

// step runs one durable write. Without the faultinject build tag there is
// no fault hook: POREPAIR_FAULT is not even read.
func step(_ string, do func() error) error { return do() }
