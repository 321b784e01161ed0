package osfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrLocked means another process (or another open file of this one) holds
// a lock that conflicts with the one asked for.
var ErrLocked = errors.New("locked by another process")

// ErrNotRegular means a path names a FIFO, device, directory, socket,
// symbolic link or reparse point where porepair expects a regular file.
var ErrNotRegular = errors.New("not a regular file")

// errNoNative is what renameExclusive returns on an OS that has no rename
// refusing to replace, so that RenameNoReplace takes the checked fallback.
var errNoNative = errors.New("no exclusive rename on this system")

// renameNative is a variable so that a test on Linux can make it fail the
// way a file system without the call does (CIFS, NFS) and prove the
// fallback keeps the promise.
var renameNative = renameExclusive

// RenameNoReplace renames from to to, failing with an error that wraps
// fs.ErrExist when to exists. Where the OS or the file system has no such
// rename, it checks, then renames: that is safe only while nothing else
// creates to, which porepair's postoffice lock ensures for the names it
// moves to.
func RenameNoReplace(from, to string) error {
	err := renameNative(from, to)
	if errors.Is(err, errNoNative) || unsupported(err) {
		err = renameChecked(from, to)
	}
	if err != nil {
		return fmt.Errorf("rename %s to %s: %w", from, to, err)
	}
	return nil
}

func renameChecked(from, to string) error {
	_, err := os.Lstat(to)
	if err == nil {
		return fmt.Errorf("%s: %w", to, fs.ErrExist)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("check %s: %w", to, err)
	}
	if err := os.Rename(from, to); err != nil {
		return fmt.Errorf("checked rename: %w", err)
	}
	return nil
}

// checkRegular looks at what was actually opened: a path checked before
// the open could have been swapped in between.
func checkRegular(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", f.Name(), err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("open %s: %w", f.Name(), ErrNotRegular)
	}
	return nil
}
