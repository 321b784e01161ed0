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

// takeHolder creates POREPAIR/HOLDER exclusively: the server lets one
// client create it. breakStale, when not nil, may allow removing a stale
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

// writeHolder creates the HOLDER exclusively, writes it and fsyncs it and
// its directory. The file's creation is the lock, so it cannot go through
// a temp file and a rename (a rename replaces); a reader that finds it
// empty (a run killed in between) treats it as held by an unknown run.
func writeHolder(root string, h *journal.Holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	f, err := osfs.CreateExclusive(journal.HolderFile(root), 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = osfs.SyncDir(filepath.Join(root, Dir))
	}
	if err != nil {
		os.Remove(journal.HolderFile(root))
		return fmt.Errorf("write %s: %w", journal.HolderName, err)
	}
	return nil
}

// removeHolder removes the HOLDER if it still names h: one that another
// run wrote after an unlock is that run's, not ours to remove.
func removeHolder(root string, h *journal.Holder) error {
	now, err := journal.ReadHolder(root)
	if err != nil || now == nil {
		return err
	}
	if !h.Unreadable && !now.Same(h) {
		return nil
	}
	if err := os.Remove(journal.HolderFile(root)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", journal.HolderName, err)
	}
	return osfs.SyncDir(filepath.Join(root, Dir))
}

// Unlock removes a HOLDER that h (read by ReadHolder and shown to the
// user) still names; a holder alive on this host is refused: it is
// running, not left behind.
func Unlock(root string, h *journal.Holder) error {
	if h.OnThisHost() && !h.Stale() {
		return fmt.Errorf("porepair on %s is still running on this host: %w", h, ErrBusy)
	}
	if journal.InProgress(root) {
		return fmt.Errorf("a porepair on this host holds %s: %w", postoffice.LockPath, ErrBusy)
	}
	return removeHolder(root, h)
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
