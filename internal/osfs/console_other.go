//go:build !windows

package osfs

import "os"

// EnableANSI reports whether ANSI colour escapes written to f show as
// colour: every Unix terminal porepair runs on understands them (whether
// f is a terminal at all is the caller's check).
func EnableANSI(f *os.File) bool { return true }
