package journal

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
	"github.com/porepair/porepair/postoffice"
)

// The holder is the other half of porepair's lock, beside the journal:
// what a diagnosis reads to tell a run in progress, what a repair writes
// to keep other hosts out.

// HolderName is the server lock: the directory POREPAIR/HOLDER, made by
// the run that takes the postoffice and removed when it releases it. An
// OFD lock (POREPAIR/LOCK) is kept by the client host that took it, so a
// second administration host mounting the same share never sees it; a
// mkdir is decided by the server, for every client alike. (An O_EXCL
// create is not: a FUSE client such as smbnetfs creates a file that
// another client has just created, and both believe they made it.) Its
// RUN file names the holder, for the message another client gives.
const HolderName = postoffice.HolderPath // relative to the PO root

// HolderRunName is the holder's own file inside HolderName.
const HolderRunName = postoffice.HolderRunPath

// HolderMax caps the read of a HOLDER's RUN: it is a line of JSON.
const HolderMax = 4096

// Holder is what POREPAIR/HOLDER says about the run holding the
// postoffice.
type Holder struct {
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Since   time.Time `json:"since"`
	POID    string    `json:"po_id,omitempty"`
	Command string    `json:"command,omitempty"`
	// Unreadable is set when the lock is there but what it says is not
	// (a run that was killed between its mkdir and its write).
	Unreadable bool `json:"-"`
}

func (h *Holder) String() string {
	if h.Unreadable {
		return "an unknown run (" + HolderName + " names no run, or not readably)"
	}
	s := fmt.Sprintf("host %s, pid %d, since %s", h.Host, h.PID, textfmt.Time(h.Since))
	if h.Command != "" {
		s += " (" + h.Command + ")"
	}
	return s
}

// ThisHost is the host name a HOLDER records and Stale compares.
func ThisHost() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}

// OnThisHost reports whether the holder ran on this host.
func (h *Holder) OnThisHost() bool { return !h.Unreadable && strings.EqualFold(h.Host, ThisHost()) }

// Stale reports whether the holder is known to be dead: it ran on this
// host and its pid no longer runs. A holder on another host cannot be
// asked, so it is never stale here.
func (h *Holder) Stale() bool { return h.OnThisHost() && !osfs.ProcessAlive(h.PID) }

// HolderFile is the HOLDER of the postoffice at root.
func HolderFile(root string) string { return filepath.Join(root, filepath.FromSlash(HolderName)) }

// HolderRun is the file in the HOLDER that names its run.
func HolderRun(root string) string { return filepath.Join(root, filepath.FromSlash(HolderRunName)) }

// ReadHolder reads the HOLDER: nil when there is none. A HOLDER that is a
// file holding the JSON itself (as a hand, or a porepair before the lock
// was a directory, wrote it) is read the same way.
func ReadHolder(root string) (*Holder, error) {
	b, err := osfs.ReadRegular(HolderFile(root), HolderMax)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		// The lock as a directory: its open as a file fails, in a way
		// that differs by system (not regular, or access denied).
		if fi, serr := os.Lstat(HolderFile(root)); serr == nil && fi.IsDir() {
			b, err = osfs.ReadRegular(HolderRun(root), HolderMax)
		}
	}
	if err != nil && !errors.Is(err, osfs.ErrNotRegular) && !errors.Is(err, fs.ErrNotExist) {
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
	if InProgress(root) {
		h, _ := ReadHolder(root)
		if h == nil {
			h = &Holder{Host: ThisHost(), Unreadable: true}
		}
		return h, true
	}
	h, err := ReadHolder(root)
	if err != nil || h == nil {
		return nil, false
	}
	return h, !h.Stale()
}

// Same reports whether o names the same run as h.
func (h *Holder) Same(o *Holder) bool {
	return h.Host == o.Host && h.PID == o.PID && h.Since.Equal(o.Since)
}
