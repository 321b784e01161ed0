package repair

import (
	"errors"
	"fmt"

	"github.com/porepair/porepair/backup"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/postoffice"
)

// Prune keeps the newest keep snapshots of the PO at root that can still
// undo a repair and removes the others: older undos, every rolled-back
// snapshot, and the incomplete snapshot directories a crash left in its
// POREPAIR/ (never a damaged one, which a person should look at). It
// returns what it removed (with dryRun: what it would remove). It runs
// under the PO's lock, so that it never deletes a snapshot a rollback is
// restoring, and never removes the snapshot of an unfinished repair or
// rollback. When err is not nil, st says what it came to: busy while
// a repair or rollback holds the postoffice, refused, or an error (not a
// postoffice).
func Prune(root, snapshotDir string, keep int, dryRun bool) (_ []backup.Info, st Status, err error) {
	if keep < 0 {
		return nil, StatusRefused, fmt.Errorf("keep must be 0 or more")
	}
	po, err := postoffice.OpenDir(root)
	if err != nil {
		return nil, StatusError, err
	}
	if err := checkOwnDirIn(po, nil); err != nil {
		return nil, refusal(err), err
	}
	if err := running(po.Root); err != nil {
		return nil, StatusBusy, err
	}
	victims, err := pruneVictims(po.Root, snapshotDir, keep)
	if err != nil || dryRun || len(victims) == 0 {
		return victims, refusal(err), err
	}
	lock, err := Acquire(po)
	if err != nil {
		return nil, refusal(err), err
	}
	// POREPAIR and its SNAPSHOT as the lock's listing finds them: what
	// is removed is removed there.
	if err := checkOwnDirIn(po, lock); err != nil {
		err = errors.Join(err, lock.Release())
		return nil, refusal(err), err
	}
	removed, err := pruneLocked(po.Root, snapshotDir, keep)
	err = errors.Join(err, lock.Release())
	return removed, refusal(err), err
}

// pruneLocked is the prune under the lock: the victims listed again (a
// repair may have ended or begun since), then removed.
func pruneLocked(root, snapshotDir string, keep int) ([]backup.Info, error) {
	victims, err := pruneVictims(root, snapshotDir, keep)
	if err != nil {
		return nil, err
	}
	var removed []backup.Info
	for _, v := range victims {
		if err := backup.RemoveDir(v.Dir); err != nil {
			return removed, fmt.Errorf("prune %s: %w", v.ID, err)
		}
		removed = append(removed, v)
	}
	return removed, nil
}

// pruneVictims lists the snapshots Prune removes.
func pruneVictims(root, snapshotDir string, keep int) ([]backup.Info, error) {
	j, unfinished, err := journal.Unfinished(root)
	if unfinished && j == nil {
		return nil, fmt.Errorf("%w, so the snapshot of the repair it records cannot be told: nothing pruned", err)
	}
	pl, err := newPlace(root, snapshotDir)
	if err != nil {
		return nil, err
	}
	list, err := pl.list()
	if err != nil {
		return nil, err
	}
	pinned := ""
	if unfinished {
		pinned = j.Begin.Snapshot
	}
	// Only snapshots that can still undo a repair count among the kept:
	// a rolled-back one (its repair failed and was restored, or was
	// rolled back) kept instead would leave the undo in effect removed.
	var undos, victims []backup.Info
	for _, in := range list {
		switch {
		case in.ID == pinned || in.State == backup.StateDamaged:
		case in.State.Undoes():
			undos = append(undos, in)
		default:
			victims = append(victims, in)
		}
	}
	if len(undos) > keep {
		victims = append(victims, undos[:len(undos)-keep]...)
	}
	return victims, nil
}
