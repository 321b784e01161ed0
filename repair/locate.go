package repair

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/porepair/porepair/backup"
	"github.com/porepair/porepair/durable"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/postoffice"
)

// place is where a PO's snapshots may be: the journal's recorded
// snapshot directory, a --snapshot-dir, and the PO's own POREPAIR/SNAPSHOT.
// Snapshots name the PO by its identity, so that they are found after the
// PO moved or is reached through another mount point.
type place struct {
	root string // resolved path
	id   string // identity, "" before the first repair
	dirs []string
	j    *Journal // the PO's journal, nil if none or unreadable
	// jerr is why the journal cannot be read: the snapshot directory it
	// names (--snapshot-dir of its repair) is then not searched.
	jerr error
	// probed caches sameDirProbe's answer for each other path.
	probed map[string]bool
	// uncounted says, by snapshot id, why a snapshot that names this
	// PO's identity is not counted its own: the postoffice at the path
	// it was made at has an identity that cannot be read.
	uncounted map[string]error
}

func newPlace(root, extraDir string) (*place, error) { return newPlaceLocked(root, extraDir, nil) }

// newPlaceLocked is newPlace under lock (nil: none), taking the identity
// the lock read under it rather than reading it again (see ensureID: an
// id is never rewritten, and a missing one is read again).
func newPlaceLocked(root, extraDir string, lock *Lock) (*place, error) {
	id, ok := lock.identity()
	if !ok || id == "" {
		var err error
		if id, err = postoffice.ReadIdentity(root); err != nil {
			return nil, err
		}
	}
	pl := &place{root: root, id: id}
	pl.j, pl.jerr = journal.Read(root)
	var dirs []string
	if pl.j != nil && filepath.IsAbs(pl.j.Begin.SnapshotDir) {
		dirs = append(dirs, pl.j.Begin.SnapshotDir)
	}
	if extraDir != "" {
		abs, err := osfs.AbsPath(extraDir)
		if err != nil {
			return nil, fmt.Errorf("--snapshot-dir: %w", err)
		}
		dirs = append(dirs, abs)
	}
	dirs = append(dirs, backup.DefaultDir(root))
	seen := map[string]bool{}
	for _, d := range dirs {
		if d = filepath.Clean(d); !seen[d] {
			seen[d] = true
			pl.dirs = append(pl.dirs, d)
		}
	}
	return pl, nil
}

// belongs reports whether a snapshot is of this PO: the same identity,
// or for a snapshot made before the PO had one, the same path. A copy of
// a PO carries its identity; a snapshot made at a path where that other
// copy still is belongs to the copy, not to this one. Another mount of
// the same share (a second client, the server's own directory) is the
// same directory under another path, which os.SameFile cannot see across
// clients: sameDirProbe tells it from a copy.
func (pl *place) belongs(s *backup.Snapshot) bool {
	if s.POID == "" || pl.id == "" {
		return s.PO == pl.root
	}
	if s.POID != pl.id {
		return false
	}
	if s.PO == pl.root {
		return true
	}
	other, err := filepath.EvalSymlinks(s.PO)
	if err != nil {
		return true // moved away: the identity is what is left
	}
	if sameDir(other, pl.root) {
		return true // the same PO through a bind mount
	}
	oid, err := postoffice.ReadIdentity(other)
	if err != nil {
		// Whether other is this PO or a copy of it cannot be told: not
		// offered for undo, and the messages about this PO's snapshots
		// say why.
		if pl.uncounted == nil {
			pl.uncounted = map[string]error{}
		}
		pl.uncounted[s.ID] = fmt.Errorf("snapshot %s, made at %s, is not counted this postoffice's: whether that is this postoffice or a copy of it cannot be told: %w", s.ID, s.PO, err)
		return false
	}
	return oid != pl.id || pl.sameDirProbe(other)
}

func sameDir(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// list is every snapshot of the PO in every place, oldest first, with
// incomplete ones of the PO's own directory, and the unfinished
// journal's snapshot marked interrupted.
func (pl *place) list() ([]backup.Info, error) {
	var out []backup.Info
	seen := map[string]bool{}
	own := backup.DefaultDir(pl.root)
	for _, d := range pl.dirs {
		infos, err := backup.List(d, pl.belongs, d == own)
		if err != nil {
			return nil, err
		}
		for _, in := range infos {
			if !seen[in.ID] {
				seen[in.ID] = true
				out = append(out, in)
			}
		}
	}
	if pl.j != nil && pl.j.Done == nil {
		for i := range out {
			if out[i].ID == pl.j.Begin.Snapshot && out[i].State == backup.StateComplete {
				out[i].SetState(backup.StateInterrupted)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Time != out[j].Time {
			return out[i].Time < out[j].Time
		}
		return out[i].ID < out[j].ID
	})
	for i := len(out) - 1; i >= 0; i-- {
		if out[i].State == backup.StateComplete {
			out[i].InEffect = true
			break
		}
	}
	return out, nil
}

// where names the places, for messages.
func (pl *place) where() string {
	w := strings.Join(pl.dirs, ", ")
	if pl.jerr != nil {
		w += fmt.Sprintf(" (not where the journal points, as it cannot be read: %v)", pl.jerr)
	}
	for _, id := range slices.Sorted(maps.Keys(pl.uncounted)) {
		w += fmt.Sprintf(" (%v)", pl.uncounted[id])
	}
	return w
}

// find opens the snapshot id names: latest, a whole id, or a prefix of
// exactly one.
// opened is the listed snapshot as the listing read it, or read now.
func opened(in backup.Info) (*backup.Snapshot, error) {
	if s := in.Opened(); s != nil {
		return s, nil
	}
	return backup.Open(filepath.Dir(in.Dir), in.ID)
}

func (pl *place) find(id string) (*backup.Snapshot, error) {
	list, err := pl.list()
	if err != nil {
		return nil, err
	}
	var usable []backup.Info
	for _, in := range list {
		if in.State != backup.StateIncomplete && in.State != backup.StateDamaged {
			usable = append(usable, in)
		}
	}
	if id == "" || id == Latest {
		if len(usable) == 0 {
			if d := damaged(list); d != "" || len(pl.uncounted) > 0 {
				return nil, fmt.Errorf("no usable snapshot of %s in %s%s", pl.root, pl.where(), d)
			}
			return nil, &noSnapshotError{fmt.Sprintf("no snapshot of %s in %s: nothing to roll back", pl.root, pl.where())}
		}
		return opened(usable[len(usable)-1])
	}
	var match []backup.Info
	for _, in := range list {
		if in.ID == id {
			match = []backup.Info{in}
			break
		}
		if strings.HasPrefix(in.ID, id) {
			match = append(match, in)
		}
	}
	switch {
	case len(match) == 1:
		return opened(match[0])
	case len(match) > 1:
		ids := make([]string, len(match))
		for i, m := range match {
			ids[i] = m.ID
		}
		return nil, fmt.Errorf("snapshot id %q is ambiguous: it starts %s; give more of it", id, strings.Join(ids, ", "))
	}
	return nil, pl.unknown(id)
}

// noSnapshotError says a postoffice has no snapshot at all: it was never
// repaired, so there is nothing to roll back, which is not a failure.
type noSnapshotError struct{ msg string }

func (e *noSnapshotError) Error() string { return e.msg }

// damaged names the snapshots whose manifest cannot be read (a FIFO or
// a link as MANIFEST.JSON, torn JSON): "nothing to roll back" alone would
// hide them.
func damaged(list []backup.Info) string {
	var ids []string
	for _, in := range list {
		if in.State == backup.StateDamaged {
			ids = append(ids, in.ID)
		}
	}
	if len(ids) == 0 {
		return ""
	}
	return fmt.Sprintf(" (damaged, its manifest not a regular file or unreadable: %s; porepair snapshots list)", strings.Join(ids, ", "))
}

// unknown explains why id names no snapshot of this PO.
func (pl *place) unknown(id string) error {
	for uid, err := range pl.uncounted {
		if strings.HasPrefix(uid, id) {
			return err
		}
	}
	for _, d := range pl.dirs {
		if s, err := backup.Open(d, id); err == nil {
			if s.POID != "" && s.POID == pl.id {
				return fmt.Errorf("snapshot %s is of the postoffice at %s, which carries the same identity as %s: one is a copy of the other, and a snapshot belongs to the one at the path it was made at", id, s.PO, pl.root)
			}
			return fmt.Errorf("snapshot %s is of the postoffice at %s, not of %s", id, s.PO, pl.root)
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return fmt.Errorf("no snapshot %q of %s (looked in %s); `porepair snapshots list` shows them", id, pl.root, pl.where())
}

// Snapshots lists the snapshots of the PO at root, oldest first, from
// every place they may be (see FindSnapshot), with the places looked in.
func Snapshots(root, snapshotDir string) ([]backup.Info, []string, error) {
	if err := checkOwnDir(root); err != nil {
		return nil, nil, err
	}
	pl, err := newPlace(root, snapshotDir)
	if err != nil {
		return nil, nil, err
	}
	list, err := pl.list()
	return list, pl.dirs, err
}

// FindSnapshot opens a snapshot of the PO at root by id, unique id
// prefix, or latest; it looks where the journal says, in snapshotDir and
// in the PO's POREPAIR/SNAPSHOT.
func FindSnapshot(root, snapshotDir, id string) (*backup.Snapshot, error) {
	if err := checkOwnDir(root); err != nil {
		return nil, err
	}
	pl, err := newPlace(root, snapshotDir)
	if err != nil {
		return nil, err
	}
	return pl.find(id)
}

// sameDirProbe reports whether other is this PO's directory reached
// through another mount: a file created in this PO's POREPAIR/ appears in
// other's. The probe has a temp name (PROBE-*.PPT, removed at once, and
// by cleanOwnDir if a crash left it); where it cannot be created (a
// read-only mount) the two are told apart by path, as for a copy. Each
// path is probed once per place.
func (pl *place) sameDirProbe(other string) bool {
	if same, ok := pl.probed[other]; ok {
		return same
	}
	if pl.probed == nil {
		pl.probed = map[string]bool{}
	}
	same := false
	f, err := os.CreateTemp(filepath.Join(pl.root, Dir), "PROBE-*"+durable.TempExt)
	if err == nil {
		name := filepath.Base(f.Name())
		f.Close()
		_, err = os.Lstat(filepath.Join(other, Dir, name))
		same = err == nil
		os.Remove(f.Name())
	}
	pl.probed[other] = same
	return same
}

// commandFor is the porepair command line that runs verb ("rollback
// --snapshot", "snapshots show") on the snapshot in of the PO at root,
// for a message to copy: with --po, and --snapshot-dir where the snapshot
// is not in the PO's own directory, so that it runs as printed from any
// directory and without POREPAIR_PO.
func commandFor(root string, in backup.Info, verb string) string {
	cmd := "porepair --po " + textfmt.ShellQuote(root)
	if dir := filepath.Dir(in.Dir); dir != backup.DefaultDir(root) {
		cmd += " --snapshot-dir " + textfmt.ShellQuote(dir)
	}
	return cmd + " " + verb + " " + in.ID
}
