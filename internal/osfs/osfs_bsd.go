//go:build darwin || freebsd

package osfs

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// LockExclusive takes an exclusive BSD flock on f without waiting, held as
// long as f stays open. On BSD-derived kernels (macOS, FreeBSD) flock and
// fcntl locks share one lock table: a flock is seen by programs using
// fcntl or lockf and theirs by it, and both are passed to the file
// system's advisory-lock call (smbfs, NFS). A flock belongs to the open
// file, so closing another descriptor of the same file does not drop it,
// as it would a classic fcntl lock, and these systems have no OFD locks.
// Only one interface is used: on these kernels a process's own flock and
// fcntl lock on one file conflict with each other.
func LockExclusive(f *os.File) error { return flockExclusive(f) }

// Locked reports whether another process or open file holds a lock on f
// that LockExclusive would conflict with: F_GETLK sees flocks too here.
func Locked(f *os.File) (bool, error) { return heldElsewhere(f, unix.F_GETLK) }

// Unlock drops the flock LockExclusive took on f, for the open file
// description itself: a copy of the descriptor that a fork made would
// otherwise keep it held after f is closed.
func Unlock(f *os.File) error {
	if err := control(f, func(fd int) error { return unix.Flock(fd, unix.LOCK_UN) }); err != nil {
		return fmt.Errorf("unlock %s: %w", f.Name(), err)
	}
	return nil
}
