package repair

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/porepair/porepair/backup"
	"github.com/porepair/porepair/durable"
	"github.com/porepair/porepair/internal/errlist"
	"github.com/porepair/porepair/postoffice"
)

// checkOwnDir refuses a POREPAIR or POREPAIR/SNAPSHOT that is a symbolic
// link or not a directory: the lock, the journal and the snapshots would
// be written outside the postoffice. Missing is fine: the first repair
// makes them.
func checkOwnDir(root string) error {
	for _, rel := range []string{Dir, postoffice.SnapshotDir} {
		if there, err := ownDirAt(root, rel); !there || err != nil {
			return err
		}
	}
	return nil
}

// ownDirAt looks at rel, POREPAIR or its SNAPSHOT, by lstat: there is
// false when it is missing, which is no error.
func ownDirAt(root, rel string) (there bool, err error) {
	fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(rel)))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("%s: %w", rel, err)
	}
	return true, notOwnDir(rel, fi.Mode())
}

// checkOwnDirIn is checkOwnDir for a postoffice opened in this run: its
// POREPAIR as po's listing of the root has it, at no call (on a share a
// stat is a round trip), and its SNAPSHOT by lstat. Under a lock that
// made POREPAIR just now there is nothing to look at: it is empty.
func checkOwnDirIn(po *postoffice.PO, lock *Lock) error {
	if lock != nil && lock.made {
		return nil
	}
	_, exists, err := po.Resolve(Dir)
	switch {
	case errors.Is(err, postoffice.ErrSymlink):
		return notOwnDir(Dir, fs.ModeSymlink)
	case err != nil:
		return fmt.Errorf("%s: %w", Dir, err)
	case !exists:
		return nil
	}
	if e, ok := po.Entry(Dir); ok {
		if err := notOwnDir(Dir, e.Mode); err != nil {
			return err
		}
	}
	_, err = ownDirAt(po.Root, postoffice.SnapshotDir)
	return err
}

// notOwnDir refuses rel of type mode where porepair keeps its own files.
func notOwnDir(rel string, mode fs.FileMode) error {
	switch {
	case mode&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link: porepair keeps its lock, journal and snapshots only inside the postoffice; replace the link with a directory (or use --snapshot-dir)", rel)
	case !mode.IsDir():
		return fmt.Errorf("%s is not a directory: porepair keeps its lock, journal and snapshots there; move it aside", rel)
	}
	return nil
}

// ensureID returns the PO's identity, writing a new random one the first
// time porepair changes the PO (under its lock). The file is written
// whole (temp, fsync, rename, directory fsync) but is not one of the
// counted writes: it belongs to no repair, and one left by a crash is
// simply the PO's id from then on. An identity the lock read is not read
// a second time (an id is never rewritten); a missing one is looked for
// again now that the whole lock is held: another host's first repair may
// have written one between the lock's read and its HOLDER.
func ensureID(root string, lock *Lock) (string, error) {
	if id, ok := lock.identity(); ok && id != "" {
		return id, nil
	}
	id, err := postoffice.ReadIdentity(root)
	if err != nil || id != "" {
		return id, err
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("postoffice identity: %w", err)
	}
	id = hex.EncodeToString(b[:])
	if err := durable.Put(filepath.Join(root, filepath.FromSlash(postoffice.IdentityPath)), []byte(id+"\n")); err != nil {
		return "", fmt.Errorf("postoffice identity: %w", err)
	}
	return id, nil
}

// isTemp reports whether a journal step's temp name is one porepair
// writes: a .PPT file in the directory of the file it replaces. A journal
// edited to name anything else (MASTER.GLB) must never make a rollback
// delete it.
func isTemp(s Record) bool {
	t := s.Temp
	_, err := postoffice.CleanRel(t)
	return err == nil && strings.EqualFold(path.Ext(t), durable.TempExt) &&
		strings.EqualFold(path.Dir(t), path.Dir(s.File))
}

// checkSteps refuses a journal whose steps name a temp file porepair
// would not have written.
func checkSteps(j *Journal) error {
	for _, s := range j.Steps {
		if s.Temp != "" && !isTemp(s) {
			return fmt.Errorf("%s step %d names %q as its temp file, which is not a porepair temp file (*%s beside %s): the journal was edited; nothing written",
				JournalName, s.Step, s.Temp, durable.TempExt, s.File)
		}
	}
	return nil
}

// removeTemps deletes the temp files the journal's steps name, but not
// one this process found taken by someone else's file (j.Foreign). Their
// names were free when the repair began (checkTemps, under the lock), and
// durable creates them exclusively, so what is there is porepair's.
func removeTemps(po *postoffice.PO, j *Journal) error {
	var errs []error
	for _, s := range j.Steps {
		if s.Temp == "" || !isTemp(s) || j.Foreign[s.Temp] {
			continue
		}
		full, err := inside(po, s.Temp)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if fi, err := os.Lstat(full); err == nil && fi.Mode().IsRegular() {
			if err := durable.Remove(full); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errlist.Join(errs...)
}

// cleanOwnDir removes what crashes leave in POREPAIR/: temp files
// (*.PPT) and snapshot directories that never got their manifest. Run
// under the lock, when no repair of this PO can be making one. In a
// shared --snapshot-dir only the journal's own incomplete snapshot is
// removed: another PO's repair may be making one there right now.
func cleanOwnDir(root string, j *Journal) []string {
	var removed []string
	own := filepath.Join(root, Dir)
	rm := func(p string) {
		if os.RemoveAll(p) == nil {
			removed = append(removed, p)
		}
	}
	for _, p := range globTemps(own) {
		rm(p)
	}
	// One listing of each snapshot directory: its temp files, and whether
	// it has a manifest (one without is an incomplete snapshot).
	sw := backup.Sweep(backup.DefaultDir(root))
	for _, p := range sw.Temps {
		rm(p)
	}
	for _, d := range sw.Incomplete {
		rm(d)
	}
	if j != nil && filepath.IsAbs(j.Begin.SnapshotDir) && j.Begin.Snapshot != "" {
		d := filepath.Join(j.Begin.SnapshotDir, j.Begin.Snapshot)
		if filepath.Dir(d) == filepath.Clean(j.Begin.SnapshotDir) && !sw.Complete[d] && backup.Leftover(d) && backup.RemoveDir(d) == nil {
			removed = append(removed, d)
		}
	}
	return removed
}

func globTemps(dir string) []string {
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if e.Type().IsRegular() && strings.EqualFold(filepath.Ext(e.Name()), durable.TempExt) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}
