//go:build linux || darwin || freebsd

package osfs

import (
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// IsSharingViolation is in sharing_unix.go.

// IsHeldOpen reports whether a rename or an open failed because another
// program holds the file open; on Unix that is only a share's sharing
// violation: a local rename never fails for an open file.
func IsHeldOpen(err error) bool { return IsSharingViolation(err) }

// OpenNoShare is OpenNoFollow: Unix has no share modes, and the lock
// LockExclusive takes is what other programs see.
func OpenNoShare(path string, flag int) (*os.File, error) { return OpenNoFollow(path, flag, 0) }

// HeldOpen reports whether another program holds path open so that a
// share's server would refuse to replace it: it opens the file for
// reading and writing (nothing is written) and closes it again. A local
// file system never refuses, and a rename there replaces an open file; on
// a share, the server refuses the open while a client (ADMIN, EXTERNAL)
// holds the file with no write sharing, which RefusedOpen recognises as
// each client reports it. A file that does not exist is not held. The
// lstat that tells a missing file (not held) from a refused open (an EIO
// is a holder's only when the file is there) is made only when the open
// fails: a file that opens costs one call. Nothing is read or written
// through the handle, so it needs no fstat to refuse what is not a
// regular file (openNoFollow's): O_NOFOLLOW and O_NONBLOCK keep the open
// itself from following a link or waiting on a FIFO, and the caller reads
// every file it replaces through a checked open of its own.
func HeldOpen(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err == nil {
		return false, f.Close()
	}
	if _, serr := os.Lstat(path); serr != nil {
		return false, nil
	}
	return RefusedOpen(err, true), nil
}

// OpenUnheld opens a regular file for reading as HeldOpen checks it, in
// one open: read-write (nothing is written), so that a file another
// program holds is refused as HeldOpen would find it, and the check under
// the lock reads the bytes through the handle that proved the file free.
// held is true, with no file and no error, for a file so refused; a file
// that does not exist is the open's error.
func OpenUnheld(path string) (f *os.File, fi fs.FileInfo, held bool, err error) {
	f, fi, err = openNoFollow(path, os.O_RDWR, 0)
	if err == nil {
		return f, fi, false, nil
	}
	if _, serr := os.Lstat(path); serr != nil {
		return nil, nil, false, err
	}
	if RefusedOpen(err, true) {
		return nil, nil, true, nil
	}
	return nil, nil, false, err
}
