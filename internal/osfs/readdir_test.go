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
