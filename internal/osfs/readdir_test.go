package osfs_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/porepair/porepair/internal/osfs"
)

// ReadDir lists what os.ReadDir lists, with the same types, also for a
// directory larger than one getdents64 takes (names of 200 bytes fill
// its buffer in about 1,200), and a missing directory is fs.ErrNotExist.
func TestReadDirAgreesWithOS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := range 1500 {
		name := filepath.Join(dir, strings.Repeat("N", 190)+strconv.Itoa(i))
		if err := os.WriteFile(name, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "SUB"), 0o755); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if err := os.Symlink("SUB", filepath.Join(dir, "LINK")); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := osfs.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]fs.FileMode{}
	for _, e := range got {
		if _, dup := types[e.Name]; dup {
			t.Fatalf("%s listed twice", e.Name)
		}
		types[e.Name] = e.Type
	}
	if len(got) != len(want) {
		t.Fatalf("ReadDir listed %d entries, os.ReadDir %d", len(got), len(want))
	}
	for _, e := range want {
		if tp, ok := types[e.Name()]; !ok || tp != e.Type() {
			t.Errorf("%s: type %v (listed %v), os.ReadDir says %v", e.Name(), tp, ok, e.Type())
		}
	}
	if _, err := osfs.ReadDir(filepath.Join(dir, "MISSING")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadDir of a missing directory: %v, want fs.ErrNotExist", err)
	}
}

// ListResolved names a directory reached through links (a linked parent,
// a linked directory, a path with "..") as filepath.EvalSymlinks does, and
// lists it; a file or a missing path is an error, as listing it is.
func TestListResolvedAgreesWithEvalSymlinks(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("SKIPPED: symbolic links need privileges on Windows")
	}
	base := t.TempDir()
	real := filepath.Join(base, "real", "PO")
	if err := os.MkdirAll(filepath.Join(real, "GLB"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(base, "real"), filepath.Join(base, "parent")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real/PO", filepath.Join(base, "po")); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{real, filepath.Join(base, "parent", "PO"), filepath.Join(base, "po"), filepath.Join(base, "po", "GLB", "..")} {
		want, err := filepath.EvalSymlinks(dir)
		if err != nil {
			t.Fatal(err)
		}
		ents, got, err := osfs.ListResolved(dir)
		if err != nil || got != want {
			t.Errorf("ListResolved(%s) = %q, %v; want %q", dir, got, err, want)
		}
		if len(ents) != 1 || ents[0].Name != "GLB" || !ents[0].Type.IsDir() {
			t.Errorf("ListResolved(%s) lists %v, want GLB", dir, ents)
		}
	}
	if err := os.WriteFile(filepath.Join(base, "FILE"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{filepath.Join(base, "FILE"), filepath.Join(base, "missing")} {
		if _, _, err := osfs.ListResolved(bad); err == nil {
			t.Errorf("ListResolved(%s): no error", bad)
		}
	}
}

// AbsPath makes a relative path absolute against the working directory,
// cleaned, and leaves an absolute one as it is, cleaned.
func TestAbsPath(t *testing.T) {
	t.Parallel()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(wd)
	if err != nil {
		t.Fatal(err)
	}
	got, err := osfs.AbsPath("a/../b")
	if err != nil || (got != filepath.Join(wd, "b") && got != filepath.Join(real, "b")) {
		t.Errorf(`AbsPath("a/../b") = %q, %v; want %q`, got, err, filepath.Join(wd, "b"))
	}
	abs := filepath.Join(wd, "x", "..", "y")
	if got, err := osfs.AbsPath(abs); err != nil || got != filepath.Join(wd, "y") {
		t.Errorf("AbsPath(%q) = %q, %v", abs, got, err)
	}
}
