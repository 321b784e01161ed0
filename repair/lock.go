// Package repair carries out a plan: it locks the postoffice, journals and
// snapshots before the first change, writes each file durably, verifies,
// and restores the snapshot on any failure, signal or crash. It knows
// order, durability and undo; what should change is package plan's.
package repair

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/porepair/porepair/postoffice"
)

// Dir is porepair's own directory in a PO root: an 8.3 name MS Mail ignores.
const Dir = "POREPAIR"

// ErrBusy means another process holds the postoffice.
var ErrBusy = errors.New("postoffice in use")

// Lock holds porepair's lock file and FLAG.GLB.
type Lock struct{ files []*os.File }

// Acquire takes, without waiting, an exclusive open-file-description lock
// on POREPAIR/LOCK and then on GLB/FLAG.GLB, the file ADMIN, IMPORT and
// EXTERNAL hold open (Q131670, Q131864). OFD locks conflict with the
// classic fcntl locks other programs take and pass to CIFS and NFS
// servers, and are not dropped when another handle on the file closes.
// FLAG.GLB is never written, created or deleted.
func Acquire(p *postoffice.PO) (*Lock, error) {
	dir := filepath.Join(p.Root, Dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	l := &Lock{}
	lf, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if err := lockFile(lf); err != nil {
		lf.Close()
		return nil, err
	}
	l.files = append(l.files, lf)
	flag, exists, err := p.Resolve(postoffice.FlagPath)
	if err != nil {
		l.Release()
		return nil, fmt.Errorf("lock: %w", err)
	}
	if exists {
		ff, err := os.OpenFile(p.Abs(flag), os.O_RDWR|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
		if err != nil {
			l.Release()
			return nil, fmt.Errorf("lock %s: %w (porepair needs write access to lock it, as ADMIN does)", flag, err)
		}
		if fi, err := ff.Stat(); err != nil || !fi.Mode().IsRegular() {
			ff.Close()
			l.Release()
			return nil, fmt.Errorf("lock %s: not a regular file", flag)
		}
		if err := lockFile(ff); err != nil {
			ff.Close()
			l.Release()
			return nil, fmt.Errorf("%s: %w", flag, err)
		}
		l.files = append(l.files, ff)
	}
	return l, nil
}

func lockFile(f *os.File) error {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk)
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
		return fmt.Errorf("%s is locked by another process: %w", f.Name(), ErrBusy)
	}
	if err != nil {
		return fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return nil
}

// Release drops the locks.
func (l *Lock) Release() {
	for i := len(l.files) - 1; i >= 0; i-- {
		l.files[i].Close()
	}
	l.files = nil
}

// InProgress reports whether another process holds the postoffice's
// porepair lock right now: a repair or rollback is running.
func InProgress(root string) bool {
	f, err := os.OpenFile(filepath.Join(root, Dir, "LOCK"), os.O_RDONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK}
	if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_GETLK, &lk); err != nil {
		return false
	}
	return lk.Type != unix.F_UNLCK
}
