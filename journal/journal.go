package journal

import (
	"bytes"
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
	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/postoffice"
)

// Dir is porepair's own directory (postoffice.OwnDir), where the journal is.
const Dir = postoffice.OwnDir

// Name is the journal's path in the PO root; LockName the lock file's.
const (
	Name     = postoffice.JournalPath
	LockName = postoffice.LockPath
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
	f    *os.File
	info fs.FileInfo
	// off is where the next record goes: the end of the last whole
	// record. dirty is the end of what the file holds that is not
	// padding (a torn record past off, overwritten by the next one), and
	// size the file's size, preallocated.
	off, dirty, size int64
	path             string
	Begin            Record
	Steps            []Record
	Done             *Record
	// Foreign are temp names this process found taken by a file it did
	// not create: never removed.
	Foreign map[string]bool
}

// maxRecord bounds a record: porepair's are a few hundred bytes, so bytes
// further than this past the last whole record are not a torn one.
const maxRecord = 4 << 10

// Prealloc is the size of a new journal. Records are written into it at
// explicit offsets, never appended: FAT clients refuse a write that
// extends an existing file and SMB clients refuse O_APPEND. A repair and
// the rollback of it journal a few dozen records of about 200 bytes; a
// journal that fills up is rewritten twice as large by rename.
const Prealloc = 16 << 10

// Create writes the journal with its first record, fsynced, before
// anything else is written (one counted durable write).
func Create(root string, begin Record) (*Journal, error) {
	line := encode(begin)
	j := &Journal{path: filepath.Join(root, Name), Begin: begin}
	if err := j.replace(line, Prealloc); err != nil {
		return nil, err
	}
	return j, nil
}

func encode(r Record) []byte {
	b, _ := json.Marshal(r)
	return append(b, '\n')
}

// Step journals a file change before it is made (one counted write).
func (j *Journal) Step(r Record) error {
	r.Op = OpStep
	if err := j.write(encode(r)); err != nil {
		return err
	}
	j.Steps = append(j.Steps, r)
	return nil
}

// Complete marks the journal finished (one counted write, like every
// other: the fault hook can fail or crash it, and --delay holds it). Where the record cannot be written in place (an SMB client that
// answers EIO for a while after a refused open) the journal is rewritten
// whole with it, by rename: a journal left unfinished would make a
// postoffice that is whole look interrupted.
func (j *Journal) Complete(status string) error {
	r := Record{Op: OpComplete, Time: textfmt.Time(time.Now()), Status: status}
	line := encode(r)
	err := j.write(line)
	if err != nil && j.f != nil {
		old := make([]byte, j.off)
		if _, rerr := j.f.ReadAt(old, 0); rerr == nil {
			if rerr = j.replace(append(old, line...), j.size); rerr == nil {
				err = nil
			} else {
				err = errors.Join(err, rerr)
			}
		}
	}
	if err != nil {
		return err
	}
	j.Done = &r
	return nil
}

// Remove deletes the journal (one counted write): what a repair does when
// it restored the postoffice but cannot mark its journal complete, since
// an unfinished journal of a postoffice that is whole would stop every
// later repair for nothing.
func (j *Journal) Remove() error {
	j.Close()
	return durable.Remove(j.path)
}

// write puts a record at the journal's end, in place, and fsyncs it: one
// counted durable write. Past a torn record it pads with
// NULs, so that nothing of the torn one is left behind the new one.
func (j *Journal) write(line []byte) error {
	if j.f == nil {
		return fmt.Errorf("journal %s is not open", Name)
	}
	if j.off+int64(len(line)) > j.size {
		return j.grow(line)
	}
	data := line
	if pad := j.dirty - j.off - int64(len(line)); pad > 0 {
		data = append(append([]byte{}, line...), make([]byte, pad)...)
	}
	if err := durable.WriteAt(j.f, j.off, data); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	j.off += int64(len(line))
	j.dirty = max(j.dirty, j.off)
	return nil
}

// grow rewrites a full journal twice as large with line added (one
// counted write: a new file, fsynced, renamed over the old one).
func (j *Journal) grow(line []byte) error {
	old := make([]byte, j.off)
	if _, err := j.f.ReadAt(old, 0); err != nil {
		return fmt.Errorf("journal: read %s to enlarge it: %w", Name, err)
	}
	return j.replace(append(old, line...), 2*max(j.size, Prealloc))
}

// replace writes text padded with NULs to size as the whole journal (one
// counted write) and opens it for the records that follow.
func (j *Journal) replace(text []byte, size int64) error {
	size = max(size, int64(len(text)))
	data := append(append([]byte{}, text...), make([]byte, size-int64(len(text)))...)
	// An SMB server and Windows refuse a rename over a file held open.
	j.Close()
	err := durable.Create(j.path, data)
	f, fi, oerr := osfs.OpenNoFollowInfo(j.path, os.O_RDWR, 0)
	if err != nil || oerr != nil {
		if f != nil {
			// The old journal, still whole: a restore writes on in it.
			j.f = f
		}
		return fmt.Errorf("journal: %w", errors.Join(err, oerr))
	}
	j.f, j.info, j.off, j.dirty, j.size = f, fi, int64(len(text)), int64(len(text)), size
	return nil
}

// Info is the journal file as the stat of its handle found it when it
// was last written whole (nil for a journal read from the disk): porepair's
// own file on the postoffice's file system, whose metadata a snapshot
// probes without another stat.
func (j *Journal) Info() fs.FileInfo { return j.info }

// Close closes the journal's file.
func (j *Journal) Close() {
	if j != nil && j.f != nil {
		j.f.Close()
		j.f = nil
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
// record (a crash while writing it: it does not end in a newline, or its
// first bytes are still padding) is ignored, since its step was not begun;
// any other line that does not read is an error saying which and why, so
// that a damaged journal is never half-obeyed.
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
	j := &Journal{path: path, size: int64(len(b))}
	if err := j.parse(b); err != nil {
		return nil, err
	}
	if j.Begin.Op == "" {
		return nil, fmt.Errorf("journal %s has no begin record", Name)
	}
	return j, nil
}

// parse reads the whole records of b: the lines before the first NUL of
// the padding. What follows them up to the last byte that is not a NUL is
// a torn record, tolerated when it holds no record boundary (a newline)
// but at its very end.
func (j *Journal) parse(b []byte) error {
	dirty := len(bytes.TrimRight(b, "\x00"))
	text := b[:dirty]
	if nul := bytes.IndexByte(text, 0); nul >= 0 {
		text = text[:nul]
	}
	whole := bytes.LastIndexByte(text, '\n') + 1
	lines := strings.SplitAfter(string(text[:whole]), "\n")
	for i, line := range lines {
		if line == "" {
			continue
		}
		if err := j.add(line); err != nil {
			return fmt.Errorf("journal %s line %d: %w", Name, i+1, err)
		}
	}
	torn := b[whole:dirty]
	if nl := bytes.IndexByte(torn, '\n'); (nl >= 0 && nl < len(torn)-1) || len(torn) > maxRecord {
		return fmt.Errorf("journal %s line %d: damaged (bytes after the padding that are no torn record)", Name, len(lines))
	}
	j.off, j.dirty = int64(whole), int64(dirty)
	return nil
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
// not end: crashed, killed or powered off. A journal that is there but
// cannot be read counts as unfinished (nil, true), and err says why.
func Unfinished(root string) (j *Journal, unfinished bool, err error) {
	j, err = Read(root)
	if err != nil {
		return nil, true, err
	}
	return j, j != nil && j.Done == nil, nil
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

// Reopen opens a journal read by Read for the records that follow.
func (j *Journal) Reopen(root string) error {
	f, err := osfs.OpenNoFollow(filepath.Join(root, Name), os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	j.f, j.path = f, filepath.Join(root, Name)
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
