//go:build unix

package durable

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A temp name taken by someone else's file, a FIFO or a link: WriteFile
// refuses with a *TempInUseError, without waiting, and leaves both the
// target and what was at the temp name as they were. (The O_TRUNC open
// it replaces destroyed a regular file there.)
func TestWriteFileNeverTakesATempName(t *testing.T) {
	for _, kind := range []string{"file", "fifo", "link"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			target, tmp := filepath.Join(dir, "NETWORK.GLB"), filepath.Join(dir, "NETWORK.PPT")
			os.WriteFile(target, []byte("old"), 0o644)
			victim := filepath.Join(dir, "victim")
			os.WriteFile(victim, []byte("keep"), 0o644)
			switch kind {
			case "file":
				os.WriteFile(tmp, []byte("someone's notes"), 0o644)
			case "fifo":
				if err := syscall.Mkfifo(tmp, 0o644); err != nil {
					t.Fatal(err)
				}
			case "link":
				os.Symlink(victim, tmp)
			}
			done := make(chan error, 1)
			go func() { done <- WriteFile(target, []byte("new")) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("WriteFile hangs on a temp name in use")
			}
			var tie *TempInUseError
			if !errors.As(err, &tie) || !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), "move it away") {
				t.Fatalf("err = %v, want a TempInUseError", err)
			}
			if b, _ := os.ReadFile(target); string(b) != "old" {
				t.Errorf("target = %q", b)
			}
			if b, _ := os.ReadFile(victim); string(b) != "keep" {
				t.Errorf("link target = %q", b)
			}
			if kind == "file" {
				if b, _ := os.ReadFile(tmp); string(b) != "someone's notes" {
					t.Errorf("the file at the temp name = %q", b)
				}
			}
		})
	}
}

// Create never opens what is at a fixed temp name: a FIFO left as
// JOURNAL.PPT neither blocks it nor is touched.
func TestCreateIgnoresFixedTempName(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "JOURNAL.PPT"), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- Create(filepath.Join(dir, "JOURNAL"), []byte("begin\n")) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Create hangs on a FIFO at JOURNAL.PPT")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "JOURNAL")); string(b) != "begin\n" {
		t.Errorf("JOURNAL = %q", b)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "JOURNAL-*.PPT"))
	if len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}
}
