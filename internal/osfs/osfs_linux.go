package osfs

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

func renameExclusive(from, to string) error {
	return unix.Renameat2(unix.AT_FDCWD, from, unix.AT_FDCWD, to, unix.RENAME_NOREPLACE)
}

// LockExclusive locks the whole of f without waiting, as long as f stays
// open. The lock held is an open-file-description (OFD) lock: it
// conflicts with the classic fcntl locks other programs take (Samba passes
// a Windows client's byte-range locks on as those), it is passed on to
// CIFS and NFS servers, and unlike a classic one it is not dropped when
// another descriptor of the file in this process closes.
//
// On Linux a BSD flock is independent of fcntl locks, so a program holding
// only a flock would go unseen: LockExclusive first takes and drops a
// flock to find one. It does not keep the flock, because on CIFS both
// kinds become byte-range locks on the same server handle, where two
// exclusive locks of one client conflict with each other. A file system
// without flock leaves the OFD lock as the only check.
func LockExclusive(f *os.File) error {
	if err := probeFlock(f); err != nil {
		return err
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK} // start 0, length 0: the whole file
	err := control(f, func(fd int) error { return unix.FcntlFlock(uintptr(fd), unix.F_OFD_SETLK, &lk) })
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
		return fmt.Errorf("%s: %w (an fcntl lock)", f.Name(), ErrLocked)
	}
	if err != nil {
		return fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return nil
}

func probeFlock(f *os.File) error {
	err := flockExclusive(f)
	if errors.Is(err, ErrLocked) {
		return err
	}
	if err != nil {
		if unsupported(err) || errors.Is(err, unix.ENOLCK) {
			return nil
		}
		return err
	}
	if err := control(f, func(fd int) error { return unix.Flock(fd, unix.LOCK_UN) }); err != nil {
		return fmt.Errorf("unlock flock probe on %s: %w", f.Name(), err)
	}
	return nil
}

// Locked reports whether another open file holds an fcntl (OFD or classic)
// lock on f that LockExclusive would conflict with. It takes nothing, so a
// concurrent LockExclusive never fails because of it; a flock is not seen.
func Locked(f *os.File) (bool, error) { return heldElsewhere(f, unix.F_OFD_GETLK) }

// Unlock drops the lock LockExclusive took on f, for the open file
// description itself: a copy of the descriptor that a fork made (a child
// between its fork and its exec, in a program that starts others) would
// otherwise keep the lock held after f is closed.
func Unlock(f *os.File) error {
	lk := unix.Flock_t{Type: unix.F_UNLCK}
	err := control(f, func(fd int) error { return unix.FcntlFlock(uintptr(fd), unix.F_OFD_SETLK, &lk) })
	if err != nil {
		return fmt.Errorf("unlock %s: %w", f.Name(), err)
	}
	return nil
}
