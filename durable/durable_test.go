package durable

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/porepair/porepair/internal/osfs/winetest"
)

func TestMoveNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "A.MBG"), filepath.Join(dir, "B.MBG")
	os.WriteFile(a, []byte("queue"), 0o644)
	os.WriteFile(b, []byte("live mailbag"), 0o644)
	if err := Move(a, b); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("a move onto an existing file: err = %v, want one wrapping fs.ErrExist", err)
	}
	if got, _ := os.ReadFile(b); string(got) != "live mailbag" {
		t.Errorf("B = %q", got)
	}
	os.Remove(b)
	if err := Move(a, b); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(b); string(got) != "queue" {
		t.Errorf("B = %q", got)
	}
}

func TestWriteRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(outside, []byte("keep"), 0o644)
	link := filepath.Join(dir, "X.GLB")
	winetest.Symlink(t, outside, link)
	if err := WriteFile(link, []byte("evil")); err == nil {
		t.Error("wrote through a symbolic link")
	}
	if got, _ := os.ReadFile(outside); string(got) != "keep" {
		t.Error("the link's target changed")
	}
}

// A snapshot copy is written like every durable write: nothing at dst
// until the copy is whole, and nothing left behind when it fails.
func TestCopyThroughTempAndRename(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "SRC"), filepath.Join(dir, "000-GLB_NETWORK.GLB")
	if err := os.WriteFile(src, []byte("network bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	sawDst := true
	probe := readerFunc(func(b []byte) (int, error) {
		_, serr := os.Stat(dst)
		sawDst = serr == nil
		return copy(b, "network bytes"), io.EOF
	})
	if err := Copy(probe, dst, 0o640, time.Unix(1e9, 0)); err != nil || sawDst {
		t.Fatalf("copy: %v (dst existed during the copy: %v)", err, sawDst)
	}
	if b, _ := os.ReadFile(dst); string(b) != "network bytes" {
		t.Errorf("dst holds %q", b)
	}
	if fi, err := os.Stat(dst); err != nil || !fi.ModTime().Equal(time.Unix(1e9, 0)) {
		t.Errorf("dst's time: %v %v, want the original's", fi, err)
	}
	failed := filepath.Join(dir, "001-GLB_CONTROL.GLB")
	gone := readerFunc(func([]byte) (int, error) { return 0, errors.New("disk gone") })
	if err := Copy(gone, failed, 0o644, time.Now()); err == nil {
		t.Fatal("a failed copy reported success")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("a failed copy left files behind: %v", ents)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(b []byte) (int, error) { return f(b) }

// A bare name (plan --out p.json) gets its temp beside it, in the working
// directory: not in the system's temp directory, which may be another
// file system (the rename then fails) or, here, not there at all.
func TestPutBareNameTempBesideIt(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("TMPDIR", filepath.Join(dir, "missing"))
	if err := Put("P.JSON", []byte("{}\n")); err != nil {
		t.Fatalf("Put of a bare name: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "P.JSON")); err != nil || string(b) != "{}\n" {
		t.Fatalf("P.JSON = %q, %v", b, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*"+TempExt)); len(left) > 0 {
		t.Fatalf("temp files left: %v", left)
	}
}
