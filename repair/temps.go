package repair

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/porepair/porepair/backup"
	"github.com/porepair/porepair/durable"
	"github.com/porepair/porepair/internal/errlist"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
)

// checkTemps refuses, before anything is written, a plan whose temp
// names are taken: porepair would otherwise have to overwrite or wait on
// what is there (someone's GLB/NETWORK.PPT, a FIFO), and a rollback could
// not tell it from its own temp file. A name is looked up in the listings
// po made while planning (see nameTaken), before the lock; O_EXCL in
// durable is the backstop for a file created since.
func checkTemps(po *postoffice.PO, changes []plan.Change) error {
	var errs []error
	for _, c := range changes {
		if c.Op != plan.OpPatch && c.Op != plan.OpWrite {
			continue
		}
		rel := durable.TempRel(c.File)
		taken, err := nameTaken(po, rel, true)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", rel, err))
		case taken:
			errs = append(errs, &durable.TempInUseError{Path: rel})
		}
	}
	return errlist.Join(errs...)
}

// nameTaken reports whether something is at rel. Where cached it answers
// from the directory listings po made in this run (the planner lists
// every directory the plan writes in; one it did not is listed once, for
// every name in it), in any case, as a share resolves names: the look
// before the lock, which refuses early and leaves nothing behind. Where
// not, rel is lstat'ed: the look under the lock, which decides.
func nameTaken(po *postoffice.PO, rel string, cached bool) (bool, error) {
	if cached {
		_, exists, err := po.Resolve(rel)
		return exists, err
	}
	_, err := os.Lstat(po.Abs(rel))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	return err == nil, nil
}

// checkRestoreTemps does the same for the files a rollback writes back,
// from a listing of their directories (Snapshot.TempsTaken), which its
// restore takes over. The temp files an unfinished journal names are
// porepair's own (their names were free when that repair began) and are
// removed before the restore writes.
func checkRestoreTemps(snap *backup.Snapshot, root string, j *Journal, unfinished bool) error {
	if snap == nil {
		return nil
	}
	own := map[string]bool{}
	if unfinished && j != nil {
		for _, s := range j.Steps {
			own[s.Temp] = s.Temp != "" && isTemp(s)
		}
	}
	return snap.TempsTaken(root, own)
}

// noteForeign remembers the temp names a write found taken (the O_EXCL
// backstop): the file there is not porepair's, and removeTemps must
// leave it alone although the journal names it.
func noteForeign(j *Journal, root string, err error) {
	if j == nil {
		return
	}
	for _, e := range errlist.Errors(err) {
		var tie *durable.TempInUseError
		if !errors.As(e, &tie) {
			continue
		}
		if rel, rerr := filepath.Rel(root, tie.Path); rerr == nil {
			if j.Foreign == nil {
				j.Foreign = map[string]bool{}
			}
			j.Foreign[filepath.ToSlash(rel)] = true
		}
	}
}
