package osfs_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/porepair/porepair/internal/osfs"
)

// DirStat tells what os.Lstat tells of each name (size, type), without
// following a final link, and a missing name is fs.ErrNotExist.
func TestDirStatAgreesWithLstat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "A.MBG"), make([]byte, 1234), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "SUB"), 0o755); err != nil {
		t.Fatal(err)
	}
	names := []string{"A.MBG", "SUB"}
	if runtime.GOOS != "windows" {
		if err := os.Symlink("A.MBG", filepath.Join(dir, "LINK")); err != nil {
			t.Fatal(err)
		}
		names = append(names, "LINK")
	}
	ds, err := osfs.OpenDirStat(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	for _, n := range names {
		fi, err := os.Lstat(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		st, err := ds.Lstat(n)
		if err != nil || st.Type != fi.Mode().Type() || (st.Type == 0 && st.Size != fi.Size()) {
			t.Errorf("%s: DirStat %+v, %v; Lstat size %d type %v", n, st, err, fi.Size(), fi.Mode().Type())
		}
	}
	if _, err := ds.Lstat("GONE"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing name: %v, want fs.ErrNotExist", err)
	}
	if _, err := osfs.OpenDirStat(filepath.Join(dir, "A.MBG")); err == nil {
		t.Error("OpenDirStat of a file succeeded")
	}
}
