//go:build linux || darwin || freebsd

package osfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// openNoFollow opens a regular file: a final symbolic link fails the open
// (O_NOFOLLOW), a FIFO cannot block it (O_NONBLOCK), and anything but a
// regular file is refused after the open, by an fstat of the handle. The
// descriptor is then put back in blocking mode, so that reads and writes
// behave as on any file.
func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, flag|unix.O_NOFOLLOW|unix.O_NONBLOCK, perm)
	if err != nil {
		return nil, nil, fmt.Errorf("open without following links: %w", err)
	}
	fi, err := statRegular(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if err := control(f, func(fd int) error { return unix.SetNonblock(fd, false) }); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("open %s: clear O_NONBLOCK: %w", path, err)
	}
	return f, fi, nil
}

// createExclusive is CreateExclusive: an open with O_CREAT|O_EXCL that
// succeeds has made a new regular file (it fails on any name that exists,
// a link or a FIFO included, and never follows one), so it needs neither
// O_NONBLOCK nor openNoFollow's fstat of what was opened.
func createExclusive(path string, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, perm)
	if err != nil {
		return nil, fmt.Errorf("open without following links: %w", err)
	}
	return f, nil
}

// control runs fn on f's descriptor without f.Fd, which would change the
// descriptor's mode behind the os package's back.
func control(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name(), err)
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return fmt.Errorf("%s: %w", f.Name(), err)
	}
	return ferr
}

// RenameReplace renames from over to; the caller fsyncs the directory. A
// local rename replaces an open file, but a share's server refuses to
// replace a file another client holds open: that is retried for
// HeldRetry before it is reported.
func RenameReplace(from, to string) error {
	return retryHeldTarget(to, func() error { return renameFile(from, to) })
}

// renameFile is rename(2) itself. os.Rename lstats to first, to refuse
// replacing a directory, which rename(2) refuses anyway for a file (EISDIR):
// porepair renames only its own temp files, and that lstat was one more
// stat of every file it writes.
func renameFile(from, to string) error {
	for {
		err := unix.Rename(from, to)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
		}
		return nil
	}
}

// ProcessAlive reports whether a process with this pid runs on this host:
// signal 0 is delivered to it, or refused for lack of rights (EPERM).
func ProcessAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// SyncDir fsyncs a directory so that a rename, create or delete in it
// survives a power loss. A file system that cannot fsync a directory
// (some network ones) says so with EINVAL or ENOTSUP; its server orders
// metadata itself, so that is not an error.
func SyncDir(dir string) error {
	d, keep, err := keptDir(dir, func() (d *os.File, err error) {
		err = RetryHeld(dir, func() (err error) { d, err = os.Open(dir); return err })
		return d, err
	})
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	if !keep {
		defer d.Close()
	}
	if err := d.Sync(); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOTSUP) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// unsupported reports the errors a kernel or file system gives for a call
// it does not implement: the cue to take the checked fallback.
func unsupported(err error) bool {
	for _, e := range []error{unix.EINVAL, unix.ENOSYS, unix.ENOTSUP, unix.EOPNOTSUPP} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// flockExclusive takes a BSD flock without waiting; one held by another
// open file is ErrLocked.
func flockExclusive(f *os.File) error {
	err := control(f, func(fd int) error { return unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB) })
	if errors.Is(err, unix.EWOULDBLOCK) {
		return fmt.Errorf("%s: %w (a BSD flock)", f.Name(), ErrLocked)
	}
	if err != nil {
		return fmt.Errorf("flock %s: %w", f.Name(), err)
	}
	return nil
}

// heldElsewhere asks the kernel, with F_GETLK-style cmd, whether a write
// lock on the whole file would conflict, without taking one.
func heldElsewhere(f *os.File, cmd int) (bool, error) {
	lk := unix.Flock_t{Type: unix.F_WRLCK}
	if err := control(f, func(fd int) error { return unix.FcntlFlock(uintptr(fd), cmd, &lk) }); err != nil {
		return false, fmt.Errorf("query lock on %s: %w", f.Name(), err)
	}
	return lk.Type != unix.F_UNLCK, nil
}

// keptDir opens dir through open, or returns the handle KeepDirs keeps
// of it; keep says whether the caller must leave it open.
func keptDir(dir string, open func() (*os.File, error)) (d *os.File, keep bool, err error) {
	dir = filepath.Clean(dir)
	kept.Lock()
	defer kept.Unlock()
	if d := kept.dirs[dir]; d != nil {
		return d, true, nil
	}
	if d, err = open(); err != nil || !keeping(dir) {
		return d, false, err
	}
	kept.dirs[dir] = d
	return d, true, nil
}

// keeping reports whether a KeepDirs holds a root above dir (kept locked).
func keeping(dir string) bool {
	for root := range kept.roots {
		if below(dir, root) {
			return true
		}
	}
	return false
}
