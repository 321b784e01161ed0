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
	lockFile := func(path string) (*os.File, error) { return osfs.OpenNoFollow(path, os.O_RDWR|os.O_CREATE, 0o644) }
	if err := l.add(filepath.Join(dir, "LOCK"), lockFile, ""); err != nil {
		return nil, err
	}
	flag, exists, err := p.Resolve(postoffice.FlagPath)
	if err != nil {
		l.Release()
		return nil, fmt.Errorf("lock: %w", err)
	}
	if exists {
		hint := " (porepair needs write access to lock it, as ADMIN does)"
		// No sharing, as ADMIN opens it: on Windows, ADMIN, EXTERNAL and
		// IMPORT then say "FLAG.GLB is locked open" while porepair works.
		flagFile := func(path string) (*os.File, error) { return osfs.OpenNoShare(path, os.O_RDWR) }
		if err := l.add(p.Abs(flag), flagFile, hint); err != nil {
			l.Release()
			return nil, err
		}
	}
	return l, nil
}

// add opens a regular file with open (never through a link or into a
// FIFO), locks it and keeps it open; hint is added to an open error. An
// open refused because another program holds the file without sharing it
// (ADMIN holding FLAG.GLB on Windows) is busy, not an error.
func (l *Lock) add(path string, open func(string) (*os.File, error), hint string) error {
	f, err := open(path)
	if osfs.IsSharingViolation(err) {
		return fmt.Errorf("%s is held open by another program: %w", path, ErrBusy)
	}
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
