package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/porepair/porepair/durable"
	"github.com/porepair/porepair/internal/errlist"
	"github.com/porepair/porepair/postoffice"
)

// Changed reports the entries whose files no longer hold what the repair
// left there: a rollback of a completed repair would destroy later work.
func (s *Snapshot) Changed(root string) ([]string, error) {
	changed, _, err := s.ChangedSeen(root)
	return changed, err
}

// Seen is what a pass read of a file: its size and SHA-256, or that it
// does not exist (Exists false).
type Seen struct {
	Exists bool
	Size   int64
	SHA256 string
	// Info is the stat of the handle the file was hashed through (nil
	// when it was not read): its owner, mode and time as seen under the
	// lock, so that a restore that leaves the file's bytes as they are,
	// or renames it, need not stat it again to tell what differs.
	Info fs.FileInfo
}

// ChangedSeen is Changed that also returns what it read of each file,
// by its manifest path, so that a caller describing the same files a
// moment later need not read them again: each file the repair left, and
// for a moved file also its name before the move, which the description
// and the move back look at.
func (s *Snapshot) ChangedSeen(root string) ([]string, map[string]Seen, error) {
	var out []string
	seen := map[string]Seen{}
	for _, e := range s.Entries {
		target := e.File
		if e.MovedTo != "" {
			target = e.MovedTo
			v, err := s.see(root, e.File)
			if err != nil {
				return nil, nil, err
			}
			seen[e.File] = v
		}
		v, err := s.see(root, target)
		if err != nil {
			return nil, nil, err
		}
		seen[target] = v
		if v.Exists != e.AfterExists || v.Exists && (v.Size != e.AfterSize || v.SHA256 != e.AfterSHA256) {
			out = append(out, target)
		}
	}
	return out, seen, nil
}

// see fingerprints the file at manifest path rel.
func (s *Snapshot) see(root, rel string) (Seen, error) {
	ps := s.pathsIn(root)
	full, there, err := ps.parent(rel)
	if err != nil || !there {
		return Seen{}, err
	}
	// The open refuses a link (explained by an lstat only then).
	size, sum, fi, err := hashFileInfo(full)
	if errors.Is(err, fs.ErrNotExist) {
		return Seen{}, nil
	}
	if err != nil {
		return Seen{}, ps.explain(rel, err)
	}
	return Seen{Exists: true, Size: size, SHA256: sum, Info: fi}, nil
}

// MovedChanged lists the moved files (the queue pair) that hold neither
// at their old name nor at their new one the bytes the repair moved: new
// mail came in after the repair stopped. Restore moves the pair back
// together or not at all, so that the queue is never split.
func (s *Snapshot) MovedChanged(root string) ([]string, error) { return s.movedChanged(root, nil) }

func (s *Snapshot) movedChanged(root string, seen map[string]Seen) ([]string, error) {
	var out []string
	for _, e := range s.Entries {
		if e.MovedTo == "" {
			continue
		}
		back, err := s.holds(root, e.File, e, seen)
		if err != nil {
			return nil, err
		}
		away, err := s.holds(root, e.MovedTo, e, seen)
		if err != nil {
			return nil, err
		}
		if !back && !away {
			out = append(out, e.MovedTo)
		}
	}
	return out, nil
}

// MovedMissing lists the moved files (the queue pair) that exist neither
// at their old name nor at their new one: a later repair moved the queue
// again, or it was removed. No restore can put those back, so a rollback
// must refuse before it writes anything, --force or not.
func (s *Snapshot) MovedMissing(root string) ([]string, error) { return s.MovedMissingSeen(root, nil) }

// MovedMissingSeen is MovedMissing taking what seen (ChangedSeen's, under
// the same lock) holds of a name instead of looking at it again.
func (s *Snapshot) MovedMissingSeen(root string, seen map[string]Seen) ([]string, error) {
	var out []string
	ps := s.pathsIn(root)
	for _, e := range s.Entries {
		if e.MovedTo == "" {
			continue
		}
		found := false
		for _, rel := range []string{e.File, e.MovedTo} {
			if v, ok := seen[rel]; ok {
				found = found || v.Exists
				continue
			}
			_, fi, err := ps.stat(rel)
			if err != nil {
				return nil, err
			}
			found = found || fi != nil
		}
		if !found {
			out = append(out, e.MovedTo)
		}
	}
	return out, nil
}

// holds reports whether rel holds e's original bytes.
func (s *Snapshot) holds(root, rel string, e Entry, seen map[string]Seen) (bool, error) {
	ps := s.pathsIn(root)
	full, there, err := ps.parent(rel)
	if err != nil || !there {
		return false, err
	}
	size, sum, err := hashSeen(full, rel, seen)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, ps.explain(rel, err)
	}
	return size == e.Size && sum == e.SHA256, nil
}

// hashSeen fingerprints full (manifest path rel), taking what seen holds
// of it; a file that does not exist is an error wrapping fs.ErrNotExist.
func hashSeen(full, rel string, seen map[string]Seen) (int64, string, error) {
	if v, ok := seen[rel]; ok {
		if !v.Exists {
			return 0, "", fmt.Errorf("%s: %w", rel, fs.ErrNotExist)
		}
		return v.Size, v.SHA256, nil
	}
	return HashFile(full)
}

// Step is one write of a restore, named before it is made so that a
// caller can journal it.
type Step struct {
	Change string // write, remove, move
	File   string // relative to the PO root
	Temp   string // the temp file a write uses, relative to the PO root
}

// RestoreOptions tune a restore.
type RestoreOptions struct {
	// Before is called before every write; an error stops the restore.
	Before func(Step) error
	// MoveChanged moves the queue pair back even though it changed since
	// the repair (later mail stays with it); otherwise such a pair is not
	// moved and the restore fails before any write.
	MoveChanged bool
	// Unrestored is told of each piece of metadata the file system would
	// not take (see Unrestored); nil ignores them.
	Unrestored func(Unrestored)
	// Seen is what a check under the same lock read a moment ago of the
	// files the repair left (ChangedSeen), by manifest path: a file not
	// yet written by this restore is taken as seen, not read again.
	Seen map[string]Seen
	// listed are the directories listed for variants in this restore:
	// each is listed once (the entries are distinct files, so what one
	// entry's restore changes is no other's variant).
	listed map[string][]fs.DirEntry
}

// Restore puts every entry back (see RestoreWith).
func (s *Snapshot) Restore(root string) error { return s.RestoreWith(root, RestoreOptions{}) }

// RestoreWith puts every entry back: copies under their recorded names
// (removing a variant that differs only in case) with their owner, group,
// mode and modification time, moved files moved back, created files
// deleted. Every copy's SHA-256 is checked before it is written back, and
// every moved file's before it is moved (unless MoveChanged). It can be interrupted and run again:
// an entry already restored is left alone.
func (s *Snapshot) RestoreWith(root string, o RestoreOptions) error {
	if o.Before == nil {
		o.Before = func(Step) error { return nil }
	}
	if o.Unrestored == nil {
		o.Unrestored = func(Unrestored) {}
	}
	if !o.MoveChanged {
		changed, err := s.movedChanged(root, o.Seen)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		if len(changed) > 0 {
			return fmt.Errorf("restore: the queue changed since the repair (%s): nothing was restored, so that the queue pair stays together", strings.Join(changed, ", "))
		}
	}
	o.listed, s.listed = s.listed, nil
	if o.listed == nil {
		o.listed = map[string][]fs.DirEntry{}
	}
	if s.ps != nil {
		s.ps.stopFinals()
	}
	var errs []error
	for i := len(s.Entries) - 1; i >= 0; i-- {
		e := s.Entries[i]
		if err := s.restore(root, e, o); err != nil {
			var jerr *stepError
			if errors.As(err, &jerr) {
				return errlist.Join(append(errs, jerr.err)...)
			}
			errs = append(errs, fmt.Errorf("restore %s: %w", e.File, err))
		}
	}
	return errlist.Join(errs...)
}

// stepError is a failure of RestoreOptions.Before: the restore stops.
type stepError struct{ err error }

func (e *stepError) Error() string { return e.err.Error() }

func before(o RestoreOptions, st Step) error {
	if err := o.Before(st); err != nil {
		return &stepError{err}
	}
	return nil
}

func (s *Snapshot) restore(root string, e Entry, o RestoreOptions) error {
	// Its directories only: what the final name is, each step finds out
	// itself (variants lists it, the hash opens it without following a
	// link, the write renames over it).
	full, _, err := s.pathsIn(root).parent(e.File)
	if err != nil {
		return err
	}
	if e.MovedTo != "" {
		return s.moveBack(root, full, e, o)
	}
	vs, err := variants(full, o.listed)
	if err != nil {
		return err
	}
	if !e.Existed {
		for _, v := range vs {
			if err := removeStep(root, v, o); err != nil {
				return err
			}
		}
		return nil
	}
	if e.Copy == "" || validID(e.Copy) != nil {
		return fmt.Errorf("snapshot entry has no valid copy")
	}
	for _, v := range vs {
		if v == full {
			continue
		}
		if err := removeStep(root, v, o); err != nil {
			return err
		}
	}
	if size, sum, err := hashSeen(full, e.File, o.Seen); err == nil && size == e.Size && sum == e.SHA256 {
		return s.putMeta(full, e, o, o.Seen[e.File].Info)
	}
	return s.writeBack(full, e, o)
}

// writeBack writes a copy back over its file.
func (s *Snapshot) writeBack(full string, e Entry, o RestoreOptions) error {
	data, err := s.CopyBytes(e, copyMax)
	if err != nil {
		return err
	}
	if postoffice.SumHex(data) != e.SHA256 {
		return fmt.Errorf("snapshot copy %s is damaged (SHA-256 differs)", e.Copy)
	}
	if err := before(o, Step{Change: "write", File: e.File, Temp: durable.TempRel(e.File)}); err != nil {
		return err
	}
	// data's SHA-256 is the manifest's (above), and the write is the
	// durable one (created exclusively, written, fsynced, closed and
	// renamed, each checked): reading the file back would read the same
	// bytes from the cache. A name the check under this lock opened
	// without following a link, or found empty, needs no lstat for one.
	write := durable.WriteFile
	if _, ok := o.Seen[e.File]; ok {
		write = durable.WriteFileOver
	}
	if err := write(full, data); err != nil {
		return err
	}
	skipped, err := applyFresh(full, e.Meta)
	return s.tell(e, o, skipped, err)
}

// putMeta gives a restored file its recorded metadata, telling o of what
// the file system would not take. fi is the file's stat as a check under
// this lock took it (nil: none; putMeta looks).
func (s *Snapshot) putMeta(full string, e Entry, o RestoreOptions, fi fs.FileInfo) error {
	skipped, err := applyMeta(full, e.Meta, fi)
	return s.tell(e, o, skipped, err)
}

// tell tells o of the metadata a file system would not take.
func (s *Snapshot) tell(e Entry, o RestoreOptions, skipped []Unrestored, err error) error {
	for _, u := range skipped {
		u.File = e.File
		o.Unrestored(u)
	}
	return err
}

// moveBack renames a moved file (the queue) back, checking its hash
// unless o.MoveChanged.
func (s *Snapshot) moveBack(root, full string, e Entry, o RestoreOptions) error {
	moved, _, err := s.pathsIn(root).parent(e.MovedTo)
	if err != nil {
		return err
	}
	if back, err := s.holds(root, e.File, e, o.Seen); err != nil || back {
		if err == nil {
			// Already back; its metadata may not be yet (a crash
			// right after the move).
			return s.putMeta(full, e, o, o.Seen[e.File].Info)
		}
		return err
	}
	if o.MoveChanged && exists(full) {
		return nil // moved back by an earlier, forced run
	}
	if !o.MoveChanged {
		away, err := s.holds(root, e.MovedTo, e, o.Seen)
		if err != nil {
			return fmt.Errorf("moved file %s: %w", e.MovedTo, err)
		}
		if !away {
			return fmt.Errorf("moved file %s no longer holds the original bytes", e.MovedTo)
		}
	}
	if err := before(o, Step{Change: "move", File: e.MovedTo}); err != nil {
		return err
	}
	if err := durable.Move(moved, full); err != nil {
		return err
	}
	// The pair moves back with the mode and time it had: a rename keeps
	// them, but a later delivery into the moved pair changed its time.
	// What the moved file has is what the check under this lock saw of
	// it, the rename keeping it.
	return s.putMeta(full, e, o, o.Seen[e.MovedTo].Info)
}

func removeStep(root, full string, o RestoreOptions) error {
	rel, err := filepath.Rel(root, full)
	if err != nil {
		return err
	}
	if err := before(o, Step{Change: "remove", File: filepath.ToSlash(rel)}); err != nil {
		return err
	}
	return durable.Remove(full)
}

// variants lists the names in full's directory that equal its base name
// without regard to case, listing the directory unless listed has it.
func variants(full string, listed map[string][]fs.DirEntry) ([]string, error) {
	dir, base := filepath.Split(full)
	ents, ok := listed[dir]
	if !ok {
		var err error
		ents, err = os.ReadDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		listed[dir] = ents
	}
	var out []string
	for _, e := range ents {
		if strings.EqualFold(e.Name(), base) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out, nil
}

// TempsTaken refuses the temp names (durable.TempRel) a restore writes
// its copies back through when something occupies one, in any case, as a
// share resolves names, unless own says it is porepair's: a
// *durable.TempInUseError each. It looks in one listing of each
// directory, made under the caller's lock, which the restore then takes
// for its look for case variants (the same directories): on a share a
// stat of each name would be a round trip more. Call it after
// CheckDirs, which checked the directories on the way.
func (s *Snapshot) TempsTaken(root string, own map[string]bool) error {
	s.listed = map[string][]fs.DirEntry{}
	var errs []error
	for _, e := range s.Entries {
		if !e.Existed || e.MovedTo != "" {
			continue
		}
		rel := durable.TempRel(e.File)
		if own[rel] {
			continue
		}
		full, _, err := s.pathsIn(root).parent(e.File)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		taken, err := variants(durable.TempPath(full), s.listed)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", rel, err))
		case len(taken) > 0:
			errs = append(errs, &durable.TempInUseError{Path: rel})
		}
	}
	return errlist.Join(errs...)
}

// exists reports whether full is there (a link counts: it is not followed).
func exists(full string) bool {
	_, err := os.Lstat(full)
	return err == nil
}
