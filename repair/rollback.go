package repair

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/porepair/porepair/backup"
	"github.com/porepair/porepair/postoffice"
)

// Latest names the latest snapshot of a PO in Rollback.
const Latest = "latest"

// Rollback restores a snapshot of the PO at root. With id "", it takes the
// unfinished journal's snapshot, else the latest for this PO. A completed
// repair is undone only if the files it changed still hold the repaired
// bytes, unless force: undoing a repair must never destroy later mail.
// ctx is accepted for symmetry; a rollback, once begun, runs to the end.
func Rollback(_ context.Context, root, id string, force bool, opt Options) Result {
	res := Result{PO: root, Errors: []string{}}
	po, err := postoffice.Open(root)
	if err != nil {
		res.fail(StatusRefused, exitRefused, err)
		return res
	}
	res.PO = po.Root
	opt.defaults(po.Root)
	lock, ok := res.lock(po)
	if !ok {
		return res
	}
	defer lock.Release()
	j, unfinished := Unfinished(po.Root)
	if unfinished && j == nil && id == "" {
		res.fail(StatusRefused, exitRefused, fmt.Errorf("%s cannot be read; name the snapshot with --snapshot ID", JournalName))
		return res
	}
	dir := opt.SnapshotDir
	fromJournal := unfinished && j != nil && (id == "" || id == j.Begin.Snapshot)
	if fromJournal {
		id, dir = j.Begin.Snapshot, j.Begin.SnapshotDir
	}
	if id == "" || id == Latest {
		list, err := backup.List(dir, po.Root)
		if err != nil {
			res.fail(StatusRefused, exitRefused, err)
			return res
		}
		if len(list) == 0 {
			res.fail(StatusRefused, exitRefused, fmt.Errorf("no snapshot of %s in %s", po.Root, dir))
			return res
		}
		id = list[len(list)-1].ID
	}
	res.Snapshot = id
	log := opt.Log.With("po", po.Root, "snapshot", id)
	snap, err := backup.Open(dir, id)
	if err != nil {
		if fromJournal && errors.Is(err, fs.ErrNotExist) {
			// The crash came while the snapshot was being made: nothing of
			// the postoffice itself was written yet.
			snap = nil
		} else {
			res.fail(StatusRefused, exitRefused, err)
			return res
		}
	}
	if snap != nil && snap.PO != po.Root {
		res.fail(StatusRefused, exitRefused, fmt.Errorf("snapshot %s belongs to %s, not %s", id, snap.PO, po.Root))
		return res
	}
	if snap != nil && !fromJournal {
		changed, err := snap.Changed(po.Root)
		if err != nil {
			res.fail(StatusRefused, exitRefused, err)
			return res
		}
		if len(changed) > 0 && !force {
			res.fail(StatusRefused, exitRefused, fmt.Errorf("changed since the repair: %s; rolling back would destroy that (new mail, a new mailbag); --force does it anyway",
				strings.Join(changed, ", ")))
			return res
		}
	}
	if snap != nil {
		if err := snap.Verify(); err != nil {
			res.fail(StatusRestoreFailed, exitRestoreFailed, fmt.Errorf("snapshot %s is damaged: %w", id, err))
			return res
		}
	}
	log.Info("rollback start", "from_journal", fromJournal)
	jr := j
	if !fromJournal {
		jr = &Journal{}
	}
	if err := restore(po.Root, jr, snap); err != nil {
		log.Error("rollback failed", "error", err)
		res.fail(StatusRestoreFailed, exitRestoreFailed, err)
		return res
	}
	if fromJournal {
		if err := markComplete(po.Root, StatusRestored); err != nil {
			log.Warn("journal not marked complete", "error", err)
		}
	}
	log.Info("restored")
	res.Status, res.Code = StatusRestored, exitOK
	return res
}
