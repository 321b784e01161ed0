package repair

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/postoffice"
)

// ErrBusy means another process holds the postoffice.
var ErrBusy = errors.New("postoffice in use")

// Lock holds porepair's locks: the local lock file, the server lock
// (HOLDER) and FLAG.GLB.
type Lock struct {
	root   string
	files  []*os.File
	holder *journal.Holder
	// poID is POREPAIR/ID as read under the local lock, for the holder
	// and for the repair (ensureID); poIDRead says it could be read.
	poID     string
	poIDRead bool
	// made says this lock made POREPAIR: nothing else is in it yet.
	made bool
}

// Acquire takes the postoffice without waiting (AcquireBreaking with no
// stale lock to break).
func Acquire(p *postoffice.PO) (*Lock, error) { return AcquireBreaking(p, nil) }

// AcquireBreaking takes, without waiting, three locks, each for whom the
// others miss:
//
//   - an exclusive lock on POREPAIR/LOCK, osfs.LockExclusive's: an OFD lock
//     (and a check for a BSD flock) on Linux, a flock on macOS and FreeBSD,
//     a byte-range lock on Windows: every process of this host sees it,
//     and it drops by itself when porepair dies;
//   - the directory POREPAIR/HOLDER, made by mkdir (takeHolder): the lock
//     every client of a share sees, since a FUSE client keeps fcntl locks
//     on its own host; breakStale may let a stale one be replaced;
//   - GLB/FLAG.GLB opened and locked, the file ADMIN, IMPORT and EXTERNAL
//     hold open (Q131670, Q131864), kept open until Release. FLAG.GLB is
//     never written, created or deleted.
//
// Before any of them, FLAG.GLB is opened once and closed: a program
// holding it open with no sharing on another client makes that open fail,
// and the refusal then leaves nothing behind, not even the lock file on a
// postoffice that had none; found only after HOLDER was made, the refusal
// would start smbnetfs's seconds of EIO for every name of the share just
// when HOLDER is to be removed.
//
// Once all three are held, p's listing of the root is made again
// (postoffice.PO.RelistRoot): what porepair's checks under the lock take
// of the postoffice's directories (POREPAIR and GLB, MBG, KEY, XTN not
// links) is then what is there under the lock, at one listing, not a stat
// of each.
func AcquireBreaking(p *postoffice.PO, breakStale func(*journal.Holder) bool) (*Lock, error) {
	flag, exists, err := p.Resolve(postoffice.FlagPath)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	_, own, err := p.Resolve(Dir)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if exists {
		if err := probeHeld(p, flag); err != nil {
			return nil, err
		}
	}
	// A mkdir, not MkdirAll's stat first: POREPAIR is there on every run
	// but the first, and an EEXIST costs no stat (checkOwnDir has
	// refused a POREPAIR that is not a directory, and the lock file's
	// open fails under one that became something else since).
	dir := filepath.Join(p.Root, Dir)
	l := &Lock{root: p.Root}
	err = os.Mkdir(dir, 0o755)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("lock: %w", err)
	}
	l.made = err == nil
	lockFile := func(path string) (*os.File, error) { return osfs.OpenNoFollow(path, os.O_RDWR|os.O_CREATE, 0o644) }
	// The lock file is made with POREPAIR and never removed: it was there
	// before this open as POREPAIR was.
	if err := l.add(filepath.Join(p.Root, filepath.FromSlash(postoffice.LockPath)), lockFile, own && !l.made, ""); err != nil {
		return nil, err
	}
	poID, err := postoffice.ReadIdentity(p.Root)
	l.poID, l.poIDRead = poID, err == nil
	if l.holder, err = takeHolder(p.Root, poID, breakStale); err != nil {
		return nil, l.releasing(err)
	}
	if exists {
		hint := " (porepair needs write access to lock it, as ADMIN does)"
		// No sharing, as ADMIN opens it: on Windows, ADMIN, EXTERNAL and
		// IMPORT then say "FLAG.GLB is locked open" while porepair works.
		flagFile := func(path string) (*os.File, error) { return osfs.OpenNoShare(path, os.O_RDWR) }
		if err := l.add(p.Abs(flag), flagFile, true, hint); err != nil {
			return nil, l.releasing(err)
		}
	}
	if err := p.RelistRoot(); err != nil {
		return nil, l.releasing(fmt.Errorf("lock: %w", err))
	}
	return l, nil
}

// releasing releases l after err stopped its acquisition: err, and what
// the release left behind (a HOLDER every run then finds busy until
// `porepair unlock`).
func (l *Lock) releasing(err error) error {
	if rerr := l.Release(); rerr != nil {
		return errors.Join(err, fmt.Errorf("and the lock could not be released: %w", rerr))
	}
	return err
}

// HeldOpenError is the refusal of a file another program holds open with
// no sharing, on this host or another client of the share.
type HeldOpenError struct {
	File string // relative to the postoffice
	Err  error
}

func (e *HeldOpenError) Error() string {
	if strings.EqualFold(e.File, postoffice.FlagPath) {
		return fmt.Sprintf("%s is held open by ADMIN, EXTERNAL or IMPORT (on this host or another client of the share): postoffice in use; close them and run again; nothing written (%v)", e.File, e.Err)
	}
	return fmt.Sprintf("%s is held open by another program (ADMIN, EXTERNAL or IMPORT, on this host or another client of the share): postoffice in use; close it and run again; nothing written (%v)", e.File, e.Err)
}

func (e *HeldOpenError) Unwrap() []error { return []error{ErrBusy, osfs.ErrHeldOpen, e.Err} }

// probeHeld opens rel (which exists) read-only and closes it: an open the
// server refuses because a program holds the file is ErrBusy.
func probeHeld(p *postoffice.PO, rel string) error {
	path := p.Abs(rel)
	f, err := osfs.OpenNoFollow(path, os.O_RDONLY, 0)
	if err == nil {
		return f.Close()
	}
	// p's listing had it (the caller resolved it there): see add.
	if osfs.RefusedOpen(err, true) {
		return &HeldOpenError{File: filepath.ToSlash(rel), Err: err}
	}
	return fmt.Errorf("lock: %w", err)
}

// add opens a regular file with open (never through a link or into a
// FIFO), locks it and keeps it open; hint is added to an open error. An
// open refused because another program holds the file without sharing it
// is busy (HeldOpenError), not an error. listed says the file was there
// when its directory was last listed in this run: smbnetfs answers EIO
// both for a file another client holds and, for a while after it was
// refused an open, for every name of the share (a stat after the refusal
// would fail too), so only a look before the open tells a holder's EIO
// from a file that is not there (TestShareFlagHeldByAdmin); the listing
// is that look, at no call.
func (l *Lock) add(path string, open func(string) (*os.File, error), listed bool, hint string) error {
	f, err := open(path)
	if err != nil {
		if rel, rerr := filepath.Rel(l.root, path); rerr == nil && osfs.RefusedOpen(err, listed) {
			return &HeldOpenError{File: filepath.ToSlash(rel), Err: err}
		}
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

// identity is the postoffice's identity as the lock read it, under the
// local lock ("" when it has none yet); ok is false when it could not be
// read (ensureID reads it again and says why).
func (l *Lock) identity() (id string, ok bool) {
	if l == nil {
		return "", false
	}
	return l.poID, l.poIDRead
}

// Release drops the locks: FLAG.GLB, then the HOLDER while the local lock
// still keeps this host's other runs out, then the local lock. An error
// is a HOLDER left behind: every run, on every host, is then busy until
// `porepair unlock`, so the caller reports it.
func (l *Lock) Release() error {
	var err error
	for i := len(l.files) - 1; i >= 0; i-- {
		if i == 0 && l.holder != nil {
			if rerr := removeHolder(l.root, l.holder); rerr != nil {
				err = fmt.Errorf("release: %w; run `porepair unlock` once nothing holds it", rerr)
			}
			l.holder = nil
		}
		// Unlocked before it is closed: a copy of the descriptor in a
		// child this process forked and that has not yet exec'd would
		// keep the lock held past the close.
		osfs.Unlock(l.files[i])
		l.files[i].Close()
	}
	l.files = nil
	return err
}

// refusal is the status of a check that failed before anything was
// written: busy when a file was held open by another program, else
// refused.
func refusal(err error) Status {
	if errors.Is(err, osfs.ErrHeldOpen) || errors.Is(err, ErrBusy) {
		return StatusBusy
	}
	return StatusRefused
}
