package osfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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

// checkRenameNoReplace proves the promise whichever way the rename goes:
// an existing target is kept and the source stays; then, the target gone,
// the rename happens.
func checkRenameNoReplace(t *testing.T) {
	t.Helper()
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
	if err := os.Remove(b); err != nil {
		t.Fatal(err)
	}
	if err := RenameNoReplace(a, b); err != nil {
		t.Fatal(err)
	}
	if content(t, b) != "queue" {
		t.Errorf("B = %q after the rename", content(t, b))
	}
	if _, err := os.Lstat(a); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("A still there after the rename: %v", err)
	}
}

func TestRenameNoReplace(t *testing.T) { checkRenameNoReplace(t) }

// A file system without RENAME_NOREPLACE (CIFS, NFS) answers with one of
// these: the checked fallback must keep the same promise.
func TestRenameFallback(t *testing.T) {
	defer func() { renameNative = renameExclusive }()
	for _, errno := range []syscall.Errno{unix.EINVAL, unix.ENOSYS, unix.EOPNOTSUPP} {
		t.Run(errno.Error(), func(t *testing.T) {
			calls := 0
			renameNative = func(string, string) error { calls++; return errno }
			checkRenameNoReplace(t)
			if calls != 2 {
				t.Errorf("native rename called %d times, want 2: the fault was not injected", calls)
			}
		})
	}
}

// Any other failure of the native call is reported, not papered over by
// the fallback.
func TestRenameOtherErrorNoFallback(t *testing.T) {
	defer func() { renameNative = renameExclusive }()
	renameNative = func(string, string) error { return unix.EACCES }
	dir := t.TempDir()
	a, b := filepath.Join(dir, "A"), filepath.Join(dir, "B")
	write(t, a, "x")
	if err := RenameNoReplace(a, b); !errors.Is(err, unix.EACCES) {
		t.Fatalf("err = %v, want EACCES", err)
	}
	if _, err := os.Lstat(b); err == nil {
		t.Error("the fallback renamed after a real error")
	}
}

func TestOpenNoFollow(t *testing.T) {
	dir := t.TempDir()
	reg, link, fifo := filepath.Join(dir, "REG"), filepath.Join(dir, "LINK"), filepath.Join(dir, "FIFO")
	write(t, reg, "bytes")
	if err := os.Symlink(reg, link); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := OpenNoFollow(reg, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fl, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
	f.Close()
	if err != nil || fl&unix.O_NONBLOCK != 0 {
		t.Errorf("regular file left non-blocking (flags %#x, %v)", fl, err)
	}
	if _, err := OpenNoFollow(link, os.O_RDONLY, 0); !errors.Is(err, unix.ELOOP) {
		t.Errorf("symbolic link: err = %v, want ELOOP", err)
	}
	if _, err := OpenNoFollow(link, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644); err == nil || content(t, reg) != "bytes" {
		t.Errorf("wrote through a symbolic link: err = %v", err)
	}
	if _, err := OpenNoFollow(dir, os.O_RDONLY, 0); !errors.Is(err, ErrNotRegular) {
		t.Errorf("directory: err = %v, want ErrNotRegular", err)
	}
	done := make(chan error, 2)
	go func() { _, err := OpenNoFollow(fifo, os.O_RDONLY, 0); done <- err }()
	go func() { _, err := OpenNoFollow(fifo, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644); done <- err }()
	for range 2 {
		select {
		case err := <-done:
			if err == nil {
				t.Error("a FIFO was opened")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("opening a FIFO blocked")
		}
	}
}

func TestLockExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "FLAG.GLB")
	write(t, path, "\x00\x00")
	open := func() *os.File {
		f, err := OpenNoFollow(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	a, b := open(), open()
	if held, err := Locked(b); err != nil || held {
		t.Fatalf("Locked before any lock = %v, %v", held, err)
	}
	if err := LockExclusive(a); err != nil {
		t.Fatal(err)
	}
	if held, err := Locked(b); err != nil || !held {
		t.Errorf("Locked while another open file holds the lock = %v, %v", held, err)
	}
	if err := LockExclusive(b); !errors.Is(err, ErrLocked) {
		t.Errorf("second lock: err = %v, want ErrLocked", err)
	}
	a.Close()
	if err := LockExclusive(b); err != nil {
		t.Errorf("lock after the holder closed: %v", err)
	}
}

// A flock held elsewhere is found although Linux keeps flocks apart from
// fcntl locks, and nothing else stood in the way: once it is dropped the
// lock is taken.
func TestLockSeesFlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "FLAG.GLB")
	write(t, path, "\x00\x00")
	holder, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if err := unix.Flock(int(holder.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	f, err := OpenNoFollow(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := LockExclusive(f); !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	if err := unix.Flock(int(holder.Fd()), unix.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if err := LockExclusive(f); err != nil {
		t.Fatalf("lock after the flock was dropped: %v", err)
	}
}

func TestSyncDir(t *testing.T) {
	dir := t.TempDir()
	if err := SyncDir(dir); err != nil {
		t.Fatal(err)
	}
	if err := SyncDir(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing directory: err = %v", err)
	}
}

// CreateExclusive and ReadRegular, the opens of porepair's temp files and
// of its own directory: a FIFO, a link or someone's file is refused at
// once (never waited on, followed or truncated), and ReadRegular caps
// what it reads.
func TestExclusiveAndRegular(t *testing.T) {
	dir := t.TempDir()
	fifo, file, link := filepath.Join(dir, "F"), filepath.Join(dir, "X.PPT"), filepath.Join(dir, "L")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(file, []byte("keep"), 0o644)
	os.Symlink(file, link)
	for _, p := range []string{fifo, file, link} {
		if f, err := CreateExclusive(p, 0o644); !errors.Is(err, fs.ErrExist) {
			f.Close()
			t.Errorf("CreateExclusive(%s) = %v, want fs.ErrExist", filepath.Base(p), err)
		}
	}
	if b, _ := os.ReadFile(file); string(b) != "keep" {
		t.Errorf("X.PPT = %q", b)
	}
	if _, err := ReadRegular(fifo, 10); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadRegular(FIFO) = %v, want ErrNotRegular", err)
	}
	if _, err := ReadRegular(link, 10); err == nil {
		t.Error("ReadRegular followed a link")
	}
	if _, err := ReadRegular(file, 3); err == nil {
		t.Error("ReadRegular read past its cap")
	}
	if b, err := ReadRegular(file, 4); err != nil || string(b) != "keep" {
		t.Errorf("ReadRegular = %q, %v", b, err)
	}
}

// KeepDirs keeps a directory below its root open for SyncDir, one handle
// however many fsyncs, and closes it at the release; a directory outside
// every kept root is opened and closed each time.
func TestKeepDirs(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "GLB")
	other := t.TempDir()
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	release := KeepDirs(root)
	for range 3 {
		if err := SyncDir(sub); err != nil {
			t.Fatal(err)
		}
		if err := SyncDir(other); err != nil {
			t.Fatal(err)
		}
	}
	kept.Lock()
	d, held, n := kept.dirs[sub], kept.dirs[other], len(kept.dirs)
	kept.Unlock()
	if d == nil || held != nil || n != 1 {
		t.Fatalf("kept %d dirs (GLB %v, outside the root %v): want GLB alone", n, d != nil, held != nil)
	}
	release()
	release() // a second call is a no-op
	kept.Lock()
	n = len(kept.dirs)
	kept.Unlock()
	if n != 0 {
		t.Fatalf("%d directory handles left open after the release", n)
	}
	if err := d.Sync(); err == nil {
		t.Error("the kept handle still works after the release: not closed")
	}
}
