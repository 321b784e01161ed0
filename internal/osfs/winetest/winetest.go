// Package winetest tells the tests whether they run under Wine, so that a
// test can skip what Wine does not do the way Windows does, and only there:
// on real Windows, and on every other system, Skip does nothing. Wine is
// detected, never assumed: its ntdll.dll exports wine_get_version, which
// no Windows ntdll has. Every limitation skipped for is listed in
// docs/reliability.md ("Windows").
package winetest

import (
	"os"
	"testing"
)

// Skip skips t under Wine, naming the Wine limitation that makes the test
// meaningless there.
func Skip(t testing.TB, limitation string) {
	t.Helper()
	if v, ok := Version(); ok {
		t.Skipf("Wine %s: %s", v, limitation)
	}
}

// Symlink makes a symbolic link for a test that needs one, or skips the
// test where none can be made: under Wine, whose CreateSymbolicLink
// reports success but leaves a link that cannot even be Lstat'ed, and on
// Windows without the privilege to make links (symlinkUnavailable).
func Symlink(t testing.TB, oldname, newname string) {
	t.Helper()
	if why := TrySymlink(t, oldname, newname); why != "" {
		t.Skip(why)
	}
}

// TrySymlink makes a symbolic link and returns "", or returns why none
// can be made here, for a test that goes on without its symbolic-link
// case. Any other failure fails the test.
func TrySymlink(t testing.TB, oldname, newname string) (why string) {
	t.Helper()
	if v, ok := Version(); ok {
		return "Wine " + v + ": CreateSymbolicLink reports success but makes a link Wine cannot open or Lstat"
	}
	err := os.Symlink(oldname, newname)
	if symlinkUnavailable(err) {
		return "symbolic links need SeCreateSymbolicLinkPrivilege (an administrator, or Developer Mode): " + err.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	return ""
}
