package repair

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/postoffice"
)

// HolderError is the refusal of a postoffice another run holds.
type HolderError struct {
	Holder *journal.Holder
	Path   string
}

func (e *HolderError) Error() string {
	if e.Holder.Stale() {
		return fmt.Sprintf("%s: postoffice in use by porepair on %s, which is no longer running: see what it left with `porepair diagnose`, then `porepair rollback` (which breaks the lock of its own run) or `porepair unlock`", e.Path, e.Holder)
	}
	return fmt.Sprintf("%s: postoffice in use by porepair on %s", e.Path, e.Holder)
}

func (e *HolderError) Unwrap() error { return ErrBusy }

// takeHolder makes POREPAIR/HOLDER (writeHolder): the server lets one
// client make it. breakStale, when not nil, may allow removing a stale
// one first (a rollback of that run's own journal).
func takeHolder(root, poID string, breakStale func(*journal.Holder) bool) (*journal.Holder, error) {
	me := &journal.Holder{Host: journal.ThisHost(), PID: os.Getpid(), Since: time.Now().UTC().Truncate(time.Second), POID: poID, Command: command()}
	err := writeHolder(root, me)
	if errors.Is(err, fs.ErrExist) && breakStale != nil {
		if h, rerr := journal.ReadHolder(root); rerr == nil && h != nil && h.Stale() && breakStale(h) {
			if rerr := removeHolder(root, h); rerr != nil {
				return nil, rerr
			}
			err = writeHolder(root, me)
		}
	}
	if errors.Is(err, fs.ErrExist) {
		h, rerr := journal.ReadHolder(root)
		if rerr != nil {
			return nil, rerr
		}
		if h == nil { // released in between: one more try, not a loop
			if err = writeHolder(root, me); err == nil {
				return me, nil
			}
			h = &journal.Holder{Unreadable: true}
		}
		return nil, &HolderError{Holder: h, Path: journal.HolderFile(root)}
	}
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	return me, nil
}

// command is what the HOLDER says the holder runs: porepair and its
// command name.
func command() string {
	if len(os.Args) < 2 {
		return ""
	}
	for _, a := range os.Args[1:] {
		if !strings.HasPrefix(a, "-") && !strings.Contains(a, string(filepath.Separator)) {
			return "porepair " + a
		}
	}
	return ""
}

// writeHolder makes the HOLDER directory, then writes its RUN and fsyncs
// it and both directories. The mkdir is the lock: the server lets one
// client make a directory, where a FUSE client's O_EXCL create is not
// exclusive across clients (docs/shares.md). It cannot go through a temp
// and a rename (a rename replaces); a reader that finds it without its RUN
// (a run killed in between) treats it as held by an unknown run.
func writeHolder(root string, h *journal.Holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := os.Mkdir(journal.HolderFile(root), 0o755); err != nil {
		return err
	}
	err = writeRun(root, append(b, '\n'))
	if err == nil {
		err = osfs.SyncDir(filepath.Join(root, Dir))
	}
	if err != nil {
		clearHolder(root)
		return fmt.Errorf("write %s: %w", journal.HolderRunName, err)
	}
	return nil
}

// writeRun writes the HOLDER's RUN, made exclusively in the directory
// just made, and makes it durable.
func writeRun(root string, b []byte) error {
	f, err := osfs.CreateExclusive(journal.HolderRun(root), 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = osfs.SyncDir(journal.HolderFile(root))
	}
	return err
}

// removeHolder removes the HOLDER if it still names h: one that another
// run wrote after an unlock is that run's, not ours to remove.
func removeHolder(root string, h *journal.Holder) error {
	now, err := readOwnHolder(root, h)
	if err != nil || now == nil {
		return err
	}
	if !h.Unreadable && !now.Same(h) {
		return nil
	}
	if err := clearHolder(root); err != nil {
		return fmt.Errorf("remove %s: %w", journal.HolderName, err)
	}
	return osfs.SyncDir(filepath.Join(root, Dir))
}

// readOwnHolder reads the HOLDER that h's run made: its RUN at once (a
// round trip fewer on a share than ReadHolder's look at what HOLDER is),
// or, when that does not name h, the HOLDER as ReadHolder finds it.
//
// A read refused in the seconds smbnetfs answers EIO for every name of
// the share (after a refused open of FLAG.GLB, say) is tried again
// (osfs.RetryHeld): a HOLDER left behind keeps every host out.
func readOwnHolder(root string, h *journal.Holder) (*journal.Holder, error) {
	var now *journal.Holder
	err := osfs.RetryHeldAdvising(journal.HolderRun(root), func() error {
		var err error
		now, err = readOwnHolderOnce(root, h)
		return err
	}, "close the program holding it; then `porepair unlock` removes the lock left behind")
	return now, err
}

func readOwnHolderOnce(root string, h *journal.Holder) (*journal.Holder, error) {
	if b, err := osfs.ReadRegular(journal.HolderRun(root), journal.HolderMax); err == nil && !h.Unreadable {
		var now journal.Holder
		if json.Unmarshal(b, &now) == nil && now.Same(h) {
			return &now, nil
		}
	}
	return journal.ReadHolder(root)
}

// clearHolder removes the HOLDER: its RUN, then the directory (or the
// HOLDER itself where it is a file, whose RUN is then not there). Another
// client reading the RUN holds it for a moment: both removals wait for it
// (osfs.RemoveHeld). A RUN that would not go keeps the directory, and the
// error says why.
func clearHolder(root string) error {
	runErr := osfs.RemoveHeld(journal.HolderRun(root))
	err := osfs.RemoveHeld(journal.HolderFile(root))
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if runErr != nil && !errors.Is(runErr, fs.ErrNotExist) {
		return errors.Join(err, runErr)
	}
	return err
}

// Unlock removes a HOLDER that h (read by ReadHolder and shown to the
// user) still names; a holder alive on this host is refused: it is
// running, not left behind (busy). When err is not nil, st says what it
// came to.
func Unlock(root string, h *journal.Holder) (st Status, err error) {
	if h.OnThisHost() && !h.Stale() {
		return StatusBusy, fmt.Errorf("porepair on %s is still running on this host: %w", h, ErrBusy)
	}
	if journal.InProgress(root) {
		return StatusBusy, fmt.Errorf("a porepair on this host holds %s: %w", postoffice.LockPath, ErrBusy)
	}
	err = removeHolder(root, h)
	return refusal(err), err
}

// ownJournalRun reports whether a stale holder is a run of the PO's
// journal, so that a rollback of that journal may break its lock: the
// journal is unfinished (the dead run was the repair that began it, or a
// rollback appending to it: nothing else runs while a journal is
// unfinished but prune, which leaves nothing to recover), or it was begun
// after the lock was taken (nothing else could begin one while that
// HOLDER was there).
func ownJournalRun(root string) func(*journal.Holder) bool {
	return func(h *journal.Holder) bool {
		j, err := journal.Read(root)
		if err != nil || j == nil {
			return false
		}
		if j.Done == nil {
			return true
		}
		t, err := time.Parse(time.RFC3339, j.Begin.Time)
		return err == nil && !t.Before(h.Since)
	}
}

// running is the busy refusal when another run holds the postoffice.
func running(root string) error {
	h, ok := journal.Running(root)
	if !ok {
		return nil
	}
	return fmt.Errorf("a repair or rollback is running: %w", &HolderError{Holder: h, Path: journal.HolderFile(root)})
}
