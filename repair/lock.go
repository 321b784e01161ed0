package repair

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/postoffice"
)

// ErrBusy means another process holds the postoffice.
var ErrBusy = errors.New("postoffice in use")

// Lock holds porepair's lock file and FLAG.GLB.
type Lock struct{ files []*os.File }

// Acquire takes, without waiting, an exclusive lock on POREPAIR/LOCK and
// then on GLB/FLAG.GLB, the file ADMIN, IMPORT and EXTERNAL hold open
// (Q131670, Q131864). The lock is osfs.LockExclusive's: an OFD lock (and a
// check for a BSD flock) on Linux, a flock on macOS and FreeBSD, a
// byte-range lock on Windows; each is seen by the locks the mail programs
// take through a share. FLAG.GLB is never written, created or deleted.
func Acquire(p *postoffice.PO) (*Lock, error) {
	dir := filepath.Join(p.Root, Dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	l := &Lock{}
	if err := l.add(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, ""); err != nil {
		return nil, err
	}
	flag, exists, err := p.Resolve(postoffice.FlagPath)
	if err != nil {
		l.Release()
		return nil, fmt.Errorf("lock: %w", err)
	}
	if exists {
		hint := " (porepair needs write access to lock it, as ADMIN does)"
		if err := l.add(p.Abs(flag), os.O_RDWR, hint); err != nil {
			l.Release()
			return nil, err
		}
	}
	return l, nil
}

// add opens a regular file, never through a link or into a FIFO, locks it
// and keeps it open; hint is added to an open error.
func (l *Lock) add(path string, flag int, hint string) error {
	f, err := osfs.OpenNoFollow(path, flag, 0o644)
	if err != nil {
		return fmt.Errorf("lock: %w%s", err, hint)
	}
	if err := osfs.LockExclusive(f); err != nil {
		f.Close()
		if errors.Is(err, osfs.ErrLocked) {
			return fmt.Errorf("%s is locked by another process: %w", path, ErrBusy)
		}
		return fmt.Errorf("lock: %w", err)
	}
	l.files = append(l.files, f)
	return nil
}

// Release drops the locks.
func (l *Lock) Release() {
	for i := len(l.files) - 1; i >= 0; i-- {
		l.files[i].Close()
	}
	l.files = nil
}
