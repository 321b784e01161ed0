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

	"github.com/porepair/porepair/durable"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/postoffice"
)

// Dir is porepair's own directory (postoffice.OwnDir), where the journal is.
const Dir = postoffice.OwnDir

// Name is the journal's path in the PO root; LockName the lock file's.
const (
	Name     = Dir + "/JOURNAL"
	LockName = Dir + "/LOCK"
)

// RestorePrefix starts the Change of a journal step a restore makes, so
// that a journal tells a rollback under way from the repair it undoes.
const RestorePrefix = "restore-"

// Record is one line of the journal (JSON lines). The first names the
// snapshot; one precedes every file change; the last says the repair (or
// rollback) is over. A journal without its last record is an unfinished
// repair or rollback.
type Record struct {
	Op   Op     `json:"op"`
	Time string `json:"time,omitempty"`
	// Kind is what the journal records: a repair, or the rollback of a
	// completed repair (a rollback of an unfinished one appends its steps
	// to that repair's journal).
	Kind     Kind   `json:"kind,omitempty"`
	Snapshot string `json:"snapshot,omitempty"`
	// SnapshotDir is absolute: a rollback run from another directory must
	// find the snapshot where the repair made it.
	SnapshotDir string `json:"snapshot_dir,omitempty"`
	// PO is the path the journal was written at; POID the postoffice's
	// identity.
	PO        string `json:"po,omitempty"`
	POID      string `json:"po_id,omitempty"`
	Component string `json:"component,omitempty"`
	Step      int    `json:"step,omitempty"`
	Change    string `json:"change,omitempty"`
	File      string `json:"file,omitempty"`
	Temp      string `json:"temp,omitempty"`
	Status    string `json:"status,omitempty"`
}

// Journal is an open journal.
type Journal struct {
	f     *os.File
	Begin Record
	Steps []Record
	Done  *Record
	// Foreign are temp names this process found taken by a file it did
	// not create: never removed.
	Foreign map[string]bool
}

// Create writes the journal with its first record, fsynced, before
// anything else is written (one counted durable write).
func Create(root string, begin Record) (*Journal, error) {
	path := filepath.Join(root, Name)
	b, _ := json.Marshal(begin)
	if err := durable.Create(path, append(b, '\n')); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	f, err := osfs.OpenNoFollow(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return &Journal{f: f, Begin: begin}, nil
}

// Step journals a file change before it is made (one counted write).
func (j *Journal) Step(r Record) error {
	r.Op = OpStep
	b, _ := json.Marshal(r)
	if err := durable.Append(j.f, append(b, '\n')); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	j.Steps = append(j.Steps, r)
	return nil
}

// Complete marks the journal finished; not a counted write, but fsynced.
func (j *Journal) Complete(status string) error {
	b, _ := json.Marshal(Record{Op: OpComplete, Time: time.Now().UTC().Format(time.RFC3339), Status: status})
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return j.f.Sync()
}

// Close closes the journal's file.
func (j *Journal) Close() {
	if j != nil && j.f != nil {
		j.f.Close()
	}
}

// Op is what a journal record says: the begin, one step, or the end.
type Op string

const (
	OpBegin    Op = "begin"
	OpStep     Op = "step"
	OpComplete Op = "complete"
)

func (o Op) String() string { return string(o) }

// Kind is what a journal records: a repair, or the rollback of a
// completed repair (a rollback of an unfinished one appends its steps to
// that repair's journal).
type Kind string

func (k Kind) String() string { return string(k) }

// Journal kinds.
const (
	KindRepair   Kind = "repair"
	KindRollback Kind = "rollback"
)

// maxJournal bounds the journal read: a repair journals a few dozen
// lines; anything near this is damage.
const maxJournal = 16 << 20

// Read reads a PO's journal; nil when there is none. Only a torn last
// line (a crash while appending: the file does not end in a newline) is
// ignored, since its step was not begun; any other line that does not
// read is an error saying which and why, so that a damaged journal is
// never half-obeyed.
func Read(root string) (*Journal, error) {
	path := filepath.Join(root, Name)
	b, err := osfs.ReadRegular(path, maxJournal)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case errors.Is(err, osfs.ErrNotRegular):
		return nil, fmt.Errorf("journal %s is not a regular file", Name)
	case err != nil:
		return nil, fmt.Errorf("journal: %w", err)
	}
	j := &Journal{}
	lines := strings.SplitAfter(string(b), "\n")
	for i, line := range lines {
		if line == "" {
			continue
		}
		torn := i == len(lines)-1 && !strings.HasSuffix(line, "\n")
		if err := j.add(line); err != nil {
			if torn {
				break
			}
			return nil, fmt.Errorf("journal %s line %d: %w", Name, i+1, err)
		}
	}
	if j.Begin.Op == "" {
		return nil, fmt.Errorf("journal %s has no begin record", Name)
	}
	return j, nil
}

// add reads one journal line into j.
func (j *Journal) add(line string) error {
	var r Record
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		return fmt.Errorf("not a journal record: %w", err)
	}
	switch {
	case r.Op == OpBegin && j.Begin.Op == "":
		j.Begin = r
	case r.Op == OpBegin:
		return errors.New("a second begin record")
	case j.Begin.Op == "":
		return fmt.Errorf("a %q record before the begin record", r.Op)
	case r.Op == OpStep:
		j.Steps = append(j.Steps, r)
	case r.Op == OpComplete:
		rc := r
		j.Done = &rc
	default:
		return fmt.Errorf("unknown record %q", r.Op)
	}
	return nil
}

// Unfinished reports whether the PO holds a journal of a repair that did
// not end: crashed, killed or powered off.
func Unfinished(root string) (*Journal, bool) {
	j, err := Read(root)
	if err != nil {
		return nil, true
	}
	return j, j != nil && j.Done == nil
}

// Interrupted says, naming its snapshot, that the PO holds the journal of
// a repair or rollback that did not finish; nil when it holds none.
func Interrupted(root string) error {
	j, err := Read(root)
	switch {
	case err != nil:
		return fmt.Errorf("%v: an earlier repair may not have finished; run `porepair rollback --snapshot ID` with the snapshot of that repair (porepair snapshots list)", err)
	case j == nil || j.Done != nil:
		return nil
	}
	if j.Begin.Kind == KindRollback || j.RollingBack() {
		return fmt.Errorf("an earlier rollback did not finish (snapshot %s): run `porepair rollback` to finish it", j.Begin.Snapshot)
	}
	return fmt.Errorf("an earlier repair did not finish (snapshot %s): run `porepair rollback` first", j.Begin.Snapshot)
}

// RollingBack reports whether a rollback has begun to restore this
// journal's snapshot (its steps are journaled after the repair's).
func (j *Journal) RollingBack() bool {
	for _, s := range j.Steps {
		if strings.HasPrefix(s.Change, RestorePrefix) {
			return true
		}
	}
	return false
}

// Reopen opens a journal read by Read for appending.
func (j *Journal) Reopen(root string) error {
	f, err := osfs.OpenNoFollow(filepath.Join(root, Name), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	j.f = f
	return nil
}

// InProgress reports whether another process holds the postoffice's
// porepair lock right now: a repair or rollback is running.
func InProgress(root string) bool {
	f, err := osfs.OpenNoFollow(filepath.Join(root, LockName), os.O_RDONLY, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	held, err := osfs.Locked(f)
	return err == nil && held
}
