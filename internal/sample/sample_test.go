package sample

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// The sample is written as a postoffice's files are: every embedded file,
// byte for byte, each writable by its owner (embed.FS reads as 0444: a
// repair of a read-only copy would be refused for the wrong reason).
func TestWriteIsWritable(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := fs.WalkDir(tree, Scenario, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(Scenario, p)
		want, _ := tree.ReadFile(p)
		got, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: %d bytes, %v; want the embedded %d", rel, len(got), err, len(want))
		}
		if fi, err := os.Stat(filepath.Join(dir, rel)); err != nil || fi.Mode().Perm()&0o200 == 0 {
			t.Errorf("%s: mode %v, want the owner's write bit", rel, fi.Mode())
		}
		n++
		return nil
	})
	if err != nil || n < 20 {
		t.Fatalf("walked %d embedded files: %v", n, err)
	}
}
