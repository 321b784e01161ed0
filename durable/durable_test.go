package durable

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
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
	os.Symlink(outside, link)
	if err := WriteFile(link, []byte("evil")); err == nil {
		t.Error("wrote through a symbolic link")
	}
	if got, _ := os.ReadFile(outside); string(got) != "keep" {
		t.Error("the link's target changed")
	}
}
