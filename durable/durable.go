// Package durable makes the writes porepair does to a postoffice and its
// own files survive a crash: a file is written as a temp file in its own
// directory, fsynced, renamed over the target, and the directory fsynced.
//
// Every durable write is counted in one sequence per process, so that the
// test-only fault hook POREPAIR_FAULT can crash or fail at any of them:
//
//	POREPAIR_FAULT=crash:N       exit 99, no cleanup, right after the N-th write
//	POREPAIR_FAULT=fail:N        the N-th write returns EIO and does nothing
//	POREPAIR_FAULT=fail:N:ENOSPC the same with ENOSPC
//	POREPAIR_FAULT=delay:MS      sleep MS milliseconds before every write, so
//	                             that concurrency tests can meet a repair mid-way
//
// It is a testing aid (SPEC §6); unset, it costs one counter increment.
package durable

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// TempExt is the extension of the temp files porepair writes beside a
// target; a leftover one is removed by rollback.
const TempExt = ".PPT"

// Faults is the fault hook: a counter of durable writes and where to fail.
type Faults struct {
	mu      sync.Mutex
	n       int
	crashAt int
	failAt  int
	failErr error
	delay   time.Duration
}

// hook is the process's fault hook, read from POREPAIR_FAULT.
var hook = Parse(os.Getenv("POREPAIR_FAULT"))

// Parse reads a POREPAIR_FAULT value; anything else disables the hook.
func Parse(v string) *Faults {
	f := &Faults{}
	parts := strings.Split(v, ":")
	if len(parts) < 2 {
		return f
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil || n < 1 {
		return f
	}
	switch parts[0] {
	case "crash":
		f.crashAt = n
	case "delay":
		f.delay = time.Duration(n) * time.Millisecond
	case "fail":
		f.failAt = n
		f.failErr = syscall.EIO
		if len(parts) > 2 && parts[2] == "ENOSPC" {
			f.failErr = syscall.ENOSPC
		}
	}
	return f
}

// SetFaults replaces the process's fault hook (tests).
func SetFaults(f *Faults) { hook = f }

// Count is the number of durable writes made so far.
func Count() int {
	hook.mu.Lock()
	defer hook.mu.Unlock()
	return hook.n
}

// step runs one counted durable write.
func step(what string, do func() error) error {
	hook.mu.Lock()
	hook.n++
	n := hook.n
	fail := n == hook.failAt
	delay := hook.delay
	hook.mu.Unlock()
	time.Sleep(delay)
	if fail {
		return fmt.Errorf("%s: %w (POREPAIR_FAULT at write %d)", what, hook.failErr, n)
	}
	if err := do(); err != nil {
		return err
	}
	if n == hook.crashAt {
		fmt.Fprintf(os.Stderr, "porepair: POREPAIR_FAULT: crash after durable write %d (%s)\n", n, what)
		os.Exit(99)
	}
	return nil
}

// SyncDir fsyncs a directory so that a rename or delete in it is durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// TempPath is the temp file used to write path: same directory, 8.3 base
// name, extension .PPT.
func TempPath(path string) string {
	dir, base := filepath.Split(path)
	return filepath.Join(dir, strings.TrimSuffix(base, filepath.Ext(base))+TempExt)
}

// WriteFile replaces path with data in two counted writes: the temp file
// written and fsynced, then the rename with its directory fsync. path must
// not be a symbolic link.
func WriteFile(path string, data []byte) error {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("write %s: refusing to write through a symbolic link", path)
	}
	tmp := TempPath(path)
	if err := step("write "+tmp, func() error { return writeSynced(tmp, data) }); err != nil {
		return err
	}
	return step("rename "+path, func() error {
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("rename %s: %w", path, err)
		}
		return SyncDir(filepath.Dir(path))
	})
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|unix.O_NOFOLLOW, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}

// Create writes a new file whole (temp, fsync, rename, directory fsync) as
// one counted write: used for the journal's creation and manifests, whose
// reader must see all of them or nothing.
func Create(path string, data []byte) error {
	tmp := TempPath(path)
	return step("create "+path, func() error {
		if err := writeSynced(tmp, data); err != nil {
			return err
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("rename %s: %w", path, err)
		}
		return SyncDir(filepath.Dir(path))
	})
}

// Append adds data to an open file and fsyncs it, as one counted write.
func Append(f *os.File, data []byte) error {
	return step("append "+f.Name(), func() error {
		if _, err := f.Write(data); err != nil {
			return fmt.Errorf("append %s: %w", f.Name(), err)
		}
		return f.Sync()
	})
}

// Remove deletes a file and fsyncs its directory, as one counted write.
func Remove(path string) error {
	return step("remove "+path, func() error {
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("remove %s: %w", path, err)
		}
		return SyncDir(filepath.Dir(path))
	})
}

// Move renames from to to, never replacing an existing file, and fsyncs
// both directories, as one counted write.
func Move(from, to string) error {
	return step("move "+from, func() error {
		err := unix.Renameat2(unix.AT_FDCWD, from, unix.AT_FDCWD, to, unix.RENAME_NOREPLACE)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
			// The file system cannot rename without replacing (some network
			// file systems): check, then rename, under porepair's lock.
			if _, serr := os.Lstat(to); serr == nil {
				return fmt.Errorf("move %s: %s already exists", from, to)
			}
			err = os.Rename(from, to)
		}
		if err != nil {
			return fmt.Errorf("move %s to %s: %w", from, to, err)
		}
		if err := SyncDir(filepath.Dir(to)); err != nil {
			return err
		}
		if filepath.Dir(from) != filepath.Dir(to) {
			return SyncDir(filepath.Dir(from))
		}
		return nil
	})
}

// Copy copies src to dst (fsynced) as one counted write, streaming.
func Copy(src, dst string, copyFn func(src, dst string) error) error {
	return step("copy "+src, func() error {
		if err := copyFn(src, dst); err != nil {
			return fmt.Errorf("copy %s: %w", src, err)
		}
		return SyncDir(filepath.Dir(dst))
	})
}
