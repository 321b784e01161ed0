package osfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// RenameReplace renames from over to with MOVEFILE_WRITE_THROUGH, so that
// it returns once the replacement is on disk (os.Rename does not ask for
// that, and Windows has no directory fsync to follow it with). A target
// another process holds open (EXTERNAL reading a mailbag, a virus scanner)
// refuses the rename, as on an SMB share: it is retried for HeldRetry, then
// reported with both names.
//
// Windows refuses to replace a read-only file (ERROR_ACCESS_DENIED; Wine
// does not): its read-only attribute is cleared and the move tried again.
// The file that replaces it carries the mode the caller gave it, and a
// restore puts the recorded one back.
func RenameReplace(from, to string) error {
	err := retryHeld(func() error {
		err := replaceNative(from, to)
		if errors.Is(err, windows.ERROR_ACCESS_DENIED) && clearReadOnly(to) {
			err = replaceNative(from, to)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("rename %s to %s: %w", from, to, err)
	}
	return nil
}

// replaceNative is a variable so that a test can make it refuse a
// read-only target as Windows does, which Wine does not.
var replaceNative = func(from, to string) error {
	return moveFileEx(from, to, windows.MOVEFILE_REPLACE_EXISTING|windows.MOVEFILE_WRITE_THROUGH)
}

// clearReadOnly clears path's read-only attribute and reports whether it
// was set: only then is a refused replace worth another try.
func clearReadOnly(path string) bool {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return false
	}
	attrs, err := windows.GetFileAttributes(p)
	if err != nil || attrs&windows.FILE_ATTRIBUTE_READONLY == 0 {
		return false
	}
	return windows.SetFileAttributes(p, attrs&^windows.FILE_ATTRIBUTE_READONLY) == nil
}

// renameExclusive is MoveFileEx without MOVEFILE_REPLACE_EXISTING, so an
// existing target fails it, and with MOVEFILE_WRITE_THROUGH, so it returns
// once the move is on disk: Windows' counterpart of the directory fsync.
// A source held open by another process is retried, as in RenameReplace.
func renameExclusive(from, to string) error {
	return retryHeld(func() error { return moveFileEx(from, to, windows.MOVEFILE_WRITE_THROUGH) })
}

// moveFileEx returns MoveFileEx's own error, unwrapped, so that callers
// can tell a target that exists from a file system without the call.
func moveFileEx(from, to string, flags uint32) error {
	f, err := windows.UTF16PtrFromString(from)
	if err != nil {
		return fmt.Errorf("rename %s: %w", from, err)
	}
	t, err := windows.UTF16PtrFromString(to)
	if err != nil {
		return fmt.Errorf("rename to %s: %w", to, err)
	}
	return windows.MoveFileEx(f, t, flags)
}

func unsupported(err error) bool {
	return errors.Is(err, windows.ERROR_NOT_SUPPORTED) || errors.Is(err, windows.ERROR_INVALID_FUNCTION) ||
		errors.Is(err, windows.ERROR_CALL_NOT_IMPLEMENTED)
}

// openNoFollow refuses a path that is a symbolic link, junction or other
// reparse point (os.Lstat reports those as not regular), then opens it and
// refuses anything but a regular file. Between the Lstat and the open a
// process could swap in a link: Windows has no O_NOFOLLOW for os.OpenFile,
// and porepair holds the postoffice lock while it writes, which narrows
// that window to programs that ignore the lock.
func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, fs.FileInfo, error) {
	fi, err := os.Lstat(path)
	if err == nil && !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("open %s: %w (a link, reparse point or special file)", path, ErrNotRegular)
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	f, err := os.OpenFile(path, flag, perm)
	if err != nil {
		return nil, nil, fmt.Errorf("open without following links: %w", err)
	}
	if fi, err = statRegular(f); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// SyncDir does nothing on Windows: NTFS journals its metadata, a rename is
// made durable by MOVEFILE_WRITE_THROUGH, and a directory cannot be opened
// for FlushFileBuffers without backup semantics (administrator rights).
func SyncDir(dir string) error { return nil }

// whole is the largest byte range LockFileEx takes: the whole file and
// beyond, so that a lock any program holds on any byte of it conflicts,
// like a zero-length fcntl lock.
const whole = ^uint32(0)

// LockExclusive takes, without waiting, an exclusive byte-range lock over
// the whole of f with LockFileEx: the lock DOS and Windows mail programs
// (and a Samba server, for Unix clients' fcntl locks) hold on FLAG.GLB on
// a share. It is held while f stays open. Windows byte-range locks are
// mandatory: other handles cannot read or write the file meanwhile.
func LockExclusive(f *os.File) error {
	flags := uint32(windows.LOCKFILE_EXCLUSIVE_LOCK | windows.LOCKFILE_FAIL_IMMEDIATELY)
	err := windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, whole, whole, new(windows.Overlapped))
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return fmt.Errorf("%s: %w (a byte-range lock)", f.Name(), ErrLocked)
	}
	if err != nil {
		return fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return nil
}

// Locked reports whether another handle holds an exclusive lock on f.
// Windows cannot ask without locking: it takes a shared lock and drops it
// at once, so an exclusive LockExclusive racing with it may fail, as if
// the file were in use, for that instant.
func Locked(f *os.File) (bool, error) {
	h := windows.Handle(f.Fd())
	err := windows.LockFileEx(h, windows.LOCKFILE_FAIL_IMMEDIATELY, 0, whole, whole, new(windows.Overlapped))
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("query lock on %s: %w", f.Name(), err)
	}
	if err := windows.UnlockFileEx(h, 0, whole, whole, new(windows.Overlapped)); err != nil {
		return false, fmt.Errorf("unlock query on %s: %w", f.Name(), err)
	}
	return false, nil
}

// ProcessAlive reports whether a process with this pid runs on this host:
// it can be opened and has not exited (STILL_ACTIVE). A process porepair
// may not open (another user's) counts as alive.
func ProcessAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return errors.Is(err, windows.ERROR_ACCESS_DENIED)
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return true
	}
	const stillActive = 259 // STILL_ACTIVE
	return code == stillActive
}

// Unlock drops the lock LockExclusive took on f.
func Unlock(f *os.File) error {
	if err := windows.UnlockFileEx(windows.Handle(f.Fd()), 0, whole, whole, new(windows.Overlapped)); err != nil {
		return fmt.Errorf("unlock %s: %w", f.Name(), err)
	}
	return nil
}

// createExclusive is CreateExclusive: OpenNoFollow's create, as before.
func createExclusive(path string, perm os.FileMode) (*os.File, error) {
	return OpenNoFollow(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
}
