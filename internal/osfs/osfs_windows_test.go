package osfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func content(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// MoveFileEx without REPLACE_EXISTING keeps an existing target.
func TestRenameNoReplace(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "A.MBG"), filepath.Join(dir, "B.MBG")
	write(t, a, "queue")
	write(t, b, "live mailbag")
	if err := RenameNoReplace(a, b); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("rename onto an existing file: err = %v, want fs.ErrExist", err)
	}
	if content(t, b) != "live mailbag" || content(t, a) != "queue" {
		t.Fatal("a refused rename changed a file")
	}
	os.Remove(b)
	if err := RenameNoReplace(a, b); err != nil || content(t, b) != "queue" {
		t.Fatalf("rename to a free name: %v", err)
	}
}

// While porepair holds FLAG.GLB (OpenNoShare), every other open of it is
// a sharing violation, what ADMIN reports as "FLAG.GLB is locked open";
// and porepair's own open fails the same way while ADMIN holds it.
func TestOpenNoShare(t *testing.T) {
	path := filepath.Join(t.TempDir(), "FLAG.GLB")
	write(t, path, "\x00\x00")
	f, err := OpenNoShare(path, os.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	for _, flag := range []int{os.O_RDONLY, os.O_RDWR} {
		if g, err := os.OpenFile(path, flag, 0); !IsSharingViolation(err) {
			if g != nil {
				g.Close()
			}
			t.Errorf("open (flag %#x) while held: err = %v, want a sharing violation", flag, err)
		}
	}
	if _, err := OpenNoShare(path, os.O_RDWR); !IsSharingViolation(err) {
		t.Errorf("a second OpenNoShare: err = %v, want a sharing violation", err)
	}
	if err := LockExclusive(f); err != nil {
		t.Errorf("lock the file opened with no sharing: %v", err)
	}
	f.Close()
	g, err := OpenNoShare(path, os.O_RDONLY)
	if err != nil {
		t.Fatalf("open after the holder closed: %v", err)
	}
	g.Close()
	if _, err := OpenNoShare(filepath.Join(filepath.Dir(path), "NONE.GLB"), os.O_RDWR); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: err = %v, want fs.ErrNotExist (never created)", err)
	}
	if _, err := OpenNoShare(filepath.Dir(path), os.O_RDONLY); err == nil {
		t.Error("a directory was opened")
	}
}

// holdNoDelete opens path as a mail program does, sharing read and write
// but not delete: a rename over it fails while it is open.
func holdNoDelete(t *testing.T, path string) windows.Handle {
	t.Helper()
	p, _ := windows.UTF16PtrFromString(path)
	h, err := windows.CreateFile(p, windows.GENERIC_READ, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil,
		windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// A rename over a file another program holds open waits for it to let
// go, within HeldRetry; HeldOpen sees the holder beforehand.
func TestRenameReplaceWaitsForHolder(t *testing.T) {
	dir := t.TempDir()
	tmp, target := filepath.Join(dir, "NETWORK.PPT"), filepath.Join(dir, "NETWORK.GLB")
	write(t, tmp, "new")
	write(t, target, "old")
	h := holdNoDelete(t, target)
	if held, err := HeldOpen(target); err != nil || !held {
		t.Errorf("HeldOpen while held = %v, %v", held, err)
	}
	time.AfterFunc(300*time.Millisecond, func() { windows.CloseHandle(h) })
	if err := RenameReplace(tmp, target); err != nil {
		t.Fatalf("rename once the holder let go: %v", err)
	}
	if content(t, target) != "new" {
		t.Error("the target was not replaced")
	}
	if held, err := HeldOpen(target); err != nil || held {
		t.Errorf("HeldOpen once let go = %v, %v", held, err)
	}
	if held, err := HeldOpen(filepath.Join(dir, "NONE")); err != nil || held {
		t.Errorf("HeldOpen of a missing file = %v, %v", held, err)
	}
}

// A holder that never lets go: the rename gives up after HeldRetry and
// says which file, leaving both as they were.
func TestRenameReplaceGivesUp(t *testing.T) {
	defer func(d time.Duration) { HeldRetry = d }(HeldRetry)
	HeldRetry = 200 * time.Millisecond
	dir := t.TempDir()
	tmp, target := filepath.Join(dir, "NETWORK.PPT"), filepath.Join(dir, "NETWORK.GLB")
	write(t, tmp, "new")
	write(t, target, "old")
	h := holdNoDelete(t, target)
	defer windows.CloseHandle(h)
	err := RenameReplace(tmp, target)
	if !errors.Is(err, ErrHeldOpen) || !strings.Contains(err.Error(), target) {
		t.Fatalf("err = %v, want ErrHeldOpen naming %s", err, target)
	}
	if content(t, target) != "old" || content(t, tmp) != "new" {
		t.Error("a refused rename changed a file")
	}
}

// The postoffice lock: a second handle is refused, and sees it held.
func TestLockExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "LOCK")
	write(t, path, "")
	open := func() *os.File {
		f, err := OpenNoFollow(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	a, b := open(), open()
	if err := LockExclusive(a); err != nil {
		t.Fatal(err)
	}
	if held, err := Locked(b); err != nil || !held {
		t.Errorf("Locked while another handle holds it = %v, %v", held, err)
	}
	if err := LockExclusive(b); !errors.Is(err, ErrLocked) {
		t.Errorf("second lock: err = %v, want ErrLocked", err)
	}
	a.Close()
	if err := LockExclusive(b); err != nil {
		t.Errorf("lock after the holder closed: %v", err)
	}
}

// Colour escapes go only to a console: a file or a pipe gets none.
func TestEnableANSINotAConsole(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if EnableANSI(f) {
		t.Error("EnableANSI on a file = true")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if EnableANSI(w) {
		t.Error("EnableANSI on a pipe = true")
	}
}

// Windows refuses to replace a read-only file, Wine does not: the native
// replace is made to refuse as Windows does, and RenameReplace clears the
// attribute and replaces the file, without waiting out HeldRetry.
func TestRenameReplaceReadOnlyTarget(t *testing.T) {
	defer func(f func(string, string) error) { replaceNative = f }(replaceNative)
	native := replaceNative
	replaceNative = func(from, to string) error {
		if fi, err := os.Stat(to); err == nil && fi.Mode().Perm()&0o200 == 0 {
			return windows.ERROR_ACCESS_DENIED
		}
		return native(from, to)
	}
	dir := t.TempDir()
	tmp, target := filepath.Join(dir, "NETWORK.PPT"), filepath.Join(dir, "NETWORK.GLB")
	write(t, tmp, "new")
	write(t, target, "old")
	if err := os.Chmod(target, 0o444); err != nil {
		t.Fatal(err)
	}
	begun := time.Now()
	if err := RenameReplace(tmp, target); err != nil {
		t.Fatalf("replace a read-only file: %v", err)
	}
	if content(t, target) != "new" {
		t.Error("the read-only file was not replaced")
	}
	if d := time.Since(begun); d > HeldRetry/2 {
		t.Errorf("took %v: a read-only target was retried as a held one", d)
	}
}
