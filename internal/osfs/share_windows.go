package osfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

// IsSharingViolation reports whether err is an open refused because
// another process holds the file open without sharing it (ADMIN, EXTERNAL
// and IMPORT so hold FLAG.GLB, Q131670) or holds a byte-range lock on it.
func IsSharingViolation(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_LOCK_VIOLATION)
}

// IsHeldOpen reports whether a rename or an open failed because another
// process holds the file open: a sharing violation, or ERROR_ACCESS_DENIED,
// what MoveFileEx says when the file it replaces is open without
// FILE_SHARE_DELETE. Both clear when the holder closes it, so they are
// worth retrying for a while; a real lack of rights fails every retry.
func IsHeldOpen(err error) bool {
	return IsSharingViolation(err) || errors.Is(err, windows.ERROR_ACCESS_DENIED)
}

// OpenNoShare opens an existing regular file with no sharing (share mode
// 0), as ADMIN opens FLAG.GLB: while it is open, every other open of the
// file, by any program, fails with a sharing violation, which the mail
// programs report as "FLAG.GLB is locked open". FILE_FLAG_OPEN_REPARSE_POINT
// opens a link itself, never its target, and the check after the open
// refuses it. flag says read, write or both; the file is never created.
func OpenNoShare(path string, flag int) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var access uint32 = windows.GENERIC_READ
	switch flag & (os.O_RDONLY | os.O_WRONLY | os.O_RDWR) {
	case os.O_WRONLY:
		access = windows.GENERIC_WRITE
	case os.O_RDWR:
		access |= windows.GENERIC_WRITE
	}
	h, err := windows.CreateFile(p, access, 0, nil, windows.OPEN_EXISTING,
		windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open with no sharing", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(h), path)
	if _, err := statRegular(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// HeldOpen reports whether another process holds path open in a way that
// would make a rename over it fail (without FILE_SHARE_DELETE): it opens
// the file for DELETE, sharing everything, and closes it at once. A file
// that does not exist is not held.
func HeldOpen(path string) (bool, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return false, fmt.Errorf("check %s: %w", path, err)
	}
	h, err := windows.CreateFile(p, windows.DELETE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_OPEN_REPARSE_POINT|windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	switch {
	case err == nil:
		windows.CloseHandle(h)
		return false, nil
	case errors.Is(err, windows.ERROR_FILE_NOT_FOUND), errors.Is(err, windows.ERROR_PATH_NOT_FOUND):
		return false, nil
	case IsSharingViolation(err):
		return true, nil
	}
	return false, fmt.Errorf("check %s: %w", path, err)
}

// retryHeld runs op until it succeeds, fails otherwise than IsHeldOpen, or
// HeldRetry has passed; the pause between tries grows from 20 ms to 500 ms.
func retryHeld(op func() error) error {
	deadline := time.Now().Add(HeldRetry)
	pause := 20 * time.Millisecond
	for {
		err := op()
		if err == nil || !IsHeldOpen(err) {
			return err
		}
		if time.Now().Add(pause).After(deadline) {
			return fmt.Errorf("%w (%w; retried for %v)", err, ErrHeldOpen, HeldRetry)
		}
		time.Sleep(pause)
		pause = min(2*pause, 500*time.Millisecond)
	}
}

// OpenUnheld opens a regular file for reading after HeldOpen found it
// free (held true, no file and no error, when it is not): on Windows the
// check is an open for DELETE, which cannot read, so this is two opens.
func OpenUnheld(path string) (f *os.File, fi fs.FileInfo, held bool, err error) {
	if held, err = HeldOpen(path); held || err != nil {
		return nil, nil, held, err
	}
	f, fi, err = openNoFollow(path, os.O_RDONLY, 0)
	return f, fi, false, err
}

// notEmpty reports whether a directory's removal failed for a name still
// in it: a file another process holds open is deleted only when that
// process closes it.
func notEmpty(err error) bool { return errors.Is(err, windows.ERROR_DIR_NOT_EMPTY) }
