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
	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/postoffice"
)

// HolderName is the server lock: POREPAIR/HOLDER, created O_EXCL by the
// run that takes the postoffice and removed when it releases it. An OFD
// lock (POREPAIR/LOCK) is kept by the client host that took it, so a
// second administration host mounting the same share never sees it; a
// file's existence is decided by the server, for every client alike. Its
// content names the holder, for the message another client gives.
const HolderName = postoffice.HolderPath // relative to the PO root

// holderMax caps the read of a HOLDER: it is a line of JSON.
const holderMax = 4096

// Holder is what POREPAIR/HOLDER says about the run holding the
// postoffice.
type Holder struct {
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Since   time.Time `json:"since"`
	POID    string    `json:"po_id,omitempty"`
	Command string    `json:"command,omitempty"`
	// Unreadable is set when the file is there but its content is not
	// (a run that was killed between its create and its write).
	Unreadable bool `json:"-"`
}

func (h *Holder) String() string {
	if h.Unreadable {
		return "an unknown run (" + HolderName + " is empty or unreadable)"
	}
	s := fmt.Sprintf("host %s, pid %d, since %s", h.Host, h.PID, textfmt.Time(h.Since))
	if h.Command != "" {
		s += " (" + h.Command + ")"
	}
	return s
}

// thisHost is the host name a HOLDER records and Stale compares.
func thisHost() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}

// OnThisHost reports whether the holder ran on this host.
func (h *Holder) OnThisHost() bool { return !h.Unreadable && strings.EqualFold(h.Host, thisHost()) }

// Stale reports whether the holder is known to be dead: it ran on this
// host and its pid no longer runs. A holder on another host cannot be
// asked, so it is never stale here.
func (h *Holder) Stale() bool { return h.OnThisHost() && !osfs.ProcessAlive(h.PID) }

func holderPath(root string) string { return filepath.Join(root, filepath.FromSlash(HolderName)) }

// ReadHolder reads POREPAIR/HOLDER: nil when there is none.
func ReadHolder(root string) (*Holder, error) {
	b, err := osfs.ReadRegular(holderPath(root), holderMax)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil && !errors.Is(err, osfs.ErrNotRegular):
		return nil, fmt.Errorf("%s: %w", HolderName, err)
	}
	h := &Holder{}
	if err != nil || json.Unmarshal(b, h) != nil || h.Host == "" {
		return &Holder{Unreadable: true}, nil
	}
	return h, nil
}

// Running reports the run holding the postoffice, if one is running: the
// local lock held by a process of this host, or a HOLDER that is not
// stale. A stale HOLDER (its run died on this host) is not running: the
// journal it left says what happened.
func Running(root string) (*Holder, bool) {
	if journal.InProgress(root) {
		h, _ := ReadHolder(root)
		if h == nil {
			h = &Holder{Host: thisHost(), Unreadable: true}
		}
		return h, true
	}
	h, err := ReadHolder(root)
	if err != nil || h == nil {
		return nil, false
	}
	return h, !h.Stale()
}

// HolderError is the refusal of a postoffice another run holds.
type HolderError struct {
	Holder *Holder
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
func takeHolder(root, poID string, breakStale func(*Holder) bool) (*Holder, error) {
	me := &Holder{Host: thisHost(), PID: os.Getpid(), Since: time.Now().UTC().Truncate(time.Second), POID: poID, Command: command()}
	err := writeHolder(root, me)
	if errors.Is(err, fs.ErrExist) && breakStale != nil {
		if h, rerr := ReadHolder(root); rerr == nil && h != nil && h.Stale() && breakStale(h) {
			if rerr := removeHolder(root, h); rerr != nil {
				return nil, rerr
			}
			err = writeHolder(root, me)
		}
	}
	if errors.Is(err, fs.ErrExist) {
		h, rerr := ReadHolder(root)
		if rerr != nil {
			return nil, rerr
		}
		if h == nil { // released in between: one more try, not a loop
			if err = writeHolder(root, me); err == nil {
				return me, nil
			}
			h = &Holder{Unreadable: true}
		}
		return nil, &HolderError{Holder: h, Path: holderPath(root)}
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
func writeHolder(root string, h *Holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	f, err := osfs.CreateExclusive(holderPath(root), 0o644)
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
		os.Remove(holderPath(root))
		return fmt.Errorf("write %s: %w", HolderName, err)
	}
	return nil
}

// removeHolder removes the HOLDER if it still names h: one that another
// run wrote after an unlock is that run's, not ours to remove.
func removeHolder(root string, h *Holder) error {
	now, err := ReadHolder(root)
	if err != nil || now == nil {
		return err
	}
	if !h.Unreadable && !now.same(h) {
		return nil
	}
	if err := os.Remove(holderPath(root)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", HolderName, err)
	}
	return osfs.SyncDir(filepath.Join(root, Dir))
}

func (h *Holder) same(o *Holder) bool {
	return h.Host == o.Host && h.PID == o.PID && h.Since.Equal(o.Since)
}

// Unlock removes a HOLDER that h (read by ReadHolder and shown to the
// user) still names; a holder alive on this host is refused: it is
// running, not left behind.
func Unlock(root string, h *Holder) error {
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
func ownJournalRun(root string) func(*Holder) bool {
	return func(h *Holder) bool {
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
	h, ok := Running(root)
	if !ok {
		return nil
	}
	return fmt.Errorf("a repair or rollback is running: %w", &HolderError{Holder: h, Path: holderPath(root)})
}
