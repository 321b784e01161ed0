package repair

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/porepair/porepair/backup"
	"github.com/porepair/porepair/internal/errlist"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/postoffice"
)

// Latest names the latest snapshot of a PO in Rollback.
const Latest = "latest"

// RollbackPlan is what a rollback will do, worked out without writing:
// shown for confirmation, then carried out.
type RollbackPlan struct {
	PO   string `json:"po"`
	POID string `json:"po_id,omitempty"`
	// Snapshot is nil when an interrupted repair stopped before its
	// snapshot was complete: then nothing of the postoffice was written.
	Snapshot *backup.Snapshot `json:"-"`
	ID       string           `json:"snapshot"`
	Time     string           `json:"time,omitempty"`
	MadeAt   string           `json:"made_at,omitempty"` // the path the snapshot was made at
	// Unfinished is set when the rollback finishes an interrupted repair
	// or rollback: its journal's snapshot, no check for later changes.
	Unfinished bool     `json:"unfinished"`
	Changes    []string `json:"changes"`
	// Nothing, when set, says why there is nothing to roll back.
	Nothing string `json:"nothing,omitempty"`

	journal *Journal
	place   *place
	force   bool
	// light leaves the reads of the postoffice's files and the snapshot's
	// copies to the pass under the lock (see Rollback): what is worked
	// out is only which snapshot, and whether there is anything to do.
	light bool
	// seen is what the check for later changes read of the files the
	// repair left (backup.Snapshot.ChangedSeen): the restore, under the
	// same lock, takes it instead of reading them again.
	seen map[string]backup.Seen
	// prev is the snapshot as the prepare before the lock read it.
	prev *backup.Snapshot
}

// failure is an error with the status and exit code it earns.
type failure struct {
	status Status
	err    error
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

func refused(format string, args ...any) error {
	return &failure{StatusRefused, fmt.Errorf(format, args...)}
}

// PrepareRollback works out, reading only, what Rollback(root, id, force)
// would do: which snapshot, made when and where, and what will change.
func PrepareRollback(root, id string, force bool, opt Options) (*RollbackPlan, error) {
	po, err := postoffice.Open(root)
	if err != nil {
		return nil, refused("%w", err)
	}
	if err := checkOwnDirIn(po, nil); err != nil {
		return nil, refused("%w", err)
	}
	return prepare(po, id, force, opt, nil, nil, false)
}

// prepare works the rollback out, under lock (nil: before any), whose
// reads it takes; prev is the one worked out before the lock (nil:
// none), whose verified snapshot copies are taken when the snapshot is
// the same (backup.Snapshot.Reuse). light stops short of reading the
// postoffice's files and the snapshot's copies (RollbackPlan.light).
func prepare(po *postoffice.PO, id string, force bool, opt Options, lock *Lock, prev *RollbackPlan, light bool) (*RollbackPlan, error) {
	pl, err := newPlaceLocked(po.Root, opt.SnapshotDir, lock)
	if err != nil {
		return nil, refused("%w", err)
	}
	// The journal as newPlace just read it (journal.Unfinished's answer,
	// without a second read).
	j, unfinished, jerr := pl.j, pl.j != nil && pl.j.Done == nil, pl.jerr
	if jerr != nil {
		j, unfinished = nil, true
	}
	if unfinished && j == nil && (id == "" || id == Latest) {
		return nil, refused("%w; name the snapshot with --snapshot ID (porepair snapshots list)", jerr)
	}
	rp := &RollbackPlan{PO: po.Root, POID: pl.id, journal: j, place: pl, force: force, Changes: []string{}, light: light}
	if prev != nil {
		rp.prev = prev.Snapshot
	}
	if unfinished && j != nil {
		if id != "" && id != Latest && !strings.HasPrefix(j.Begin.Snapshot, id) {
			return nil, refused("an unfinished repair (snapshot %s) must be rolled back first: run `porepair rollback` without --snapshot", j.Begin.Snapshot)
		}
		return rp, rp.fromJournal(po)
	}
	snap, err := pl.find(id)
	var none *noSnapshotError
	if errors.As(err, &none) {
		// Never repaired, or every repair undone: the same answer as
		// for a snapshot already rolled back.
		rp.Nothing = none.msg
		return rp, nil
	}
	if err != nil {
		return nil, refused("%w", err)
	}
	return rp, rp.fromSnapshot(po, snap)
}

// fromJournal prepares the rollback of an unfinished repair or rollback:
// its journal's snapshot, wherever it is now.
func (rp *RollbackPlan) fromJournal(po *postoffice.PO) error {
	j := rp.journal
	rp.Unfinished, rp.ID = true, j.Begin.Snapshot
	if err := checkSteps(j); err != nil {
		return refused("%w", err)
	}
	var snap *backup.Snapshot
	for _, d := range rp.place.dirs {
		s, err := backup.Open(d, j.Begin.Snapshot)
		if err == nil {
			snap = s
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return refused("snapshot %s in %s: %w; nothing written", j.Begin.Snapshot, d, err)
		}
	}
	if snap == nil {
		if len(j.Steps) > 0 || j.Begin.Kind == KindRollback {
			// Files were changed (by the repair, or by a rollback that
			// began restoring): restoring nothing and saying "restored"
			// would leave them changed with no one told.
			return &failure{StatusRestoreFailed, fmt.Errorf(
				"the snapshot %s of the unfinished repair is not at %s, where its journal says it is (looked in %s): nothing was restored and the journal stays unfinished; make the snapshot reachable there (mount it, or copy it back) or give --snapshot-dir DIR where it is, and run rollback again",
				j.Begin.Snapshot, filepath.Join(j.Begin.SnapshotDir, j.Begin.Snapshot), rp.place.where())}
		}
		rp.Changes = append(rp.Changes, "the repair stopped before it changed the postoffice: close its journal and remove what it left in "+Dir+"/")
		return nil
	}
	if rp.light {
		rp.use(snap)
		return nil
	}
	snap.Reuse(rp.prev)
	if err := snap.Check(po.Root); err != nil {
		return refused("snapshot %s is damaged, nothing written: %w", snap.ID, err)
	}
	if err := queueThere(po, snap, nil); err != nil {
		return err
	}
	if changed, err := snap.MovedChanged(po.Root); err != nil {
		return refused("%w", err)
	} else if len(changed) > 0 && !rp.force {
		return refused("the queue changed after the repair stopped (%s): rolling back would split the queue pair or lose that mail; nothing written; --force moves the pair back together as it is now",
			strings.Join(changed, ", "))
	}
	rp.use(snap)
	return rp.describe(po, nil)
}

// fromSnapshot prepares the rollback of a completed repair.
func (rp *RollbackPlan) fromSnapshot(po *postoffice.PO, snap *backup.Snapshot) error {
	rp.use(snap)
	t, ok, err := snap.RolledBack()
	if err != nil {
		return refused("%w: nothing written", err)
	}
	if ok && !rp.force {
		rp.Nothing = fmt.Sprintf("snapshot %s was rolled back at %s: nothing to roll back%s", snap.ID, t, rp.inEffect(snap.ID))
		return nil
	}
	if rp.light {
		return nil
	}
	snap.Reuse(rp.prev)
	// ChangedSeen opens every name, so Check need look at the directories
	// only, and those the lock's listing of the root has are known.
	snap.TrustDirs(po.Root, po.ListedDirs())
	if err := snap.CheckDirs(po.Root); err != nil {
		return refused("snapshot %s is damaged, nothing written: %w", snap.ID, err)
	}
	changed, seen, err := snap.ChangedSeen(po.Root)
	if err != nil {
		return refused("%w", err)
	}
	if err := queueThere(po, snap, seen); err != nil {
		return err
	}
	if len(changed) > 0 && !rp.force {
		return refused("changed since the repair: %s; rolling back would destroy that (new mail, a new mailbag); --force does it anyway",
			strings.Join(changed, ", "))
	}
	rp.seen = seen
	return rp.describe(po, seen)
}

// inEffect names the latest repair still in effect, other than the
// snapshot id (rolled back, or restored by its own failed repair), and
// the command that undoes it; "" when there is none, and why not when the
// snapshots cannot be listed.
func (rp *RollbackPlan) inEffect(id string) string {
	list, err := rp.place.list()
	if err != nil {
		return fmt.Sprintf("; which repair is in effect cannot be told: %v", err)
	}
	for _, in := range list {
		if in.InEffect && in.ID != id {
			return fmt.Sprintf("; the repair in effect is snapshot %s (made %s): `%s` undoes it", in.ID, textfmt.Stamp(in.Time), commandFor(rp.place.root, in, "rollback --snapshot"))
		}
	}
	return ""
}

// queueThere refuses a rollback whose queue pair is at neither of its
// names: the restore could not finish, --force or not. seen is what a
// check under this lock read of the names (nil: nothing).
func queueThere(po *postoffice.PO, snap *backup.Snapshot, seen map[string]backup.Seen) error {
	missing, err := snap.MovedMissingSeen(po.Root, seen)
	if err != nil {
		return refused("%w", err)
	}
	if len(missing) > 0 {
		return refused("the queue this snapshot moved is no longer at %s (a later repair moved it again, or it was removed): rolling back would leave the postoffice half-restored; nothing written. Roll back the later repair first (porepair snapshots list)",
			strings.Join(missing, ", "))
	}
	return queueRouted(po, snap)
}

func (rp *RollbackPlan) use(snap *backup.Snapshot) {
	rp.Snapshot, rp.ID, rp.Time, rp.MadeAt = snap, snap.ID, snap.Time, snap.PO
}

// describe lists, file by file, what the restore will change. seen holds
// what the check just before read of some files (Snapshot.ChangedSeen):
// those are not read again.
func (rp *RollbackPlan) describe(po *postoffice.PO, seen map[string]backup.Seen) error {
	if err := checkRestoreTemps(rp.Snapshot, po.Root, rp.journal, rp.Unfinished); err != nil {
		return refused("%w; nothing written", err)
	}
	for _, e := range rp.Snapshot.Entries {
		switch size, sum, err := hashSeen(po, e.File, seen); {
		case e.MovedTo != "":
			if err != nil || sum != e.SHA256 {
				rp.Changes = append(rp.Changes, fmt.Sprintf("move %s back to %s", e.MovedTo, e.File))
			}
		case !e.Existed:
			if err == nil {
				rp.Changes = append(rp.Changes, fmt.Sprintf("delete %s (%d bytes), which the repair created", e.File, size))
			}
		case err != nil || sum != e.SHA256:
			rp.Changes = append(rp.Changes, fmt.Sprintf("restore %s (%d bytes, as of %s)", e.File, e.Size, textfmt.Stamp(rp.Time)))
		}
	}
	if len(rp.Changes) == 0 {
		rp.Changes = append(rp.Changes, "every file already holds the snapshot's bytes: mark the snapshot rolled back")
	}
	return nil
}

// hashSeen fingerprints a file of the postoffice, taking what seen holds
// of it; a file that does not exist is an error wrapping fs.ErrNotExist.
func hashSeen(po *postoffice.PO, rel string, seen map[string]backup.Seen) (int64, string, error) {
	if s, ok := seen[rel]; ok {
		if !s.Exists {
			return 0, "", fmt.Errorf("%s: %w", rel, fs.ErrNotExist)
		}
		return s.Size, s.SHA256, nil
	}
	return backup.HashFile(po.Abs(rel))
}

// Rollback restores a snapshot of the PO at root. With id "" it finishes
// the unfinished repair or rollback, else takes the latest snapshot for
// this PO. A completed repair is undone only if the files it changed
// still hold the repaired bytes, unless force: undoing a repair must
// never destroy later mail. Everything is checked before the first write;
// the rollback journals its steps, so that a rollback killed half-way is
// an unfinished journal that the next rollback finishes.
// ctx (SIGINT, SIGTERM) stops a rollback that has not yet taken the
// lock, with nothing written; once begun, a rollback runs to the end: an
// undo stopped half-way would leave the postoffice in between.
func Rollback(ctx context.Context, root, id string, force bool, opt Options) Result {
	res := Result{PO: root, Errors: []string{}}
	po, err := postoffice.OpenDir(root)
	if err != nil {
		res.fail(StatusError, err)
		return res
	}
	res.PO = po.Root
	defer osfs.KeepDirs(po.Root)() // released after the lock (see Repair)
	opt.defaults(po.Root)
	opt.Log = opt.Log.With("po", osfs.Abs(root))
	if err := checkOwnDirIn(po, nil); err != nil {
		res.fail(StatusRefused, err)
		return res
	}
	// A postoffice with POREPAIR was repaired here: there is a lock file
	// already, and the rollback is worked out once, under the lock, where
	// the decision to write is made (a refusal or nothing to do then
	// leaves the postoffice as it was, the lock file included). On a
	// share each read is a round trip, and a look before the lock could
	// decide nothing the one under it does not decide again. One without
	// is looked at first, reading only, so that nothing to roll back
	// leaves no lock file.
	var first *RollbackPlan
	if _, own, _ := po.Resolve(Dir); !own {
		var stop bool
		if first, stop = res.prepareUnlocked(po, id, force, opt); stop {
			return res
		}
	}
	// ctx is looked at once, before the lock: a rollback that has begun
	// is the recovery itself and goes to its end (a signal then waits for
	// it), but one cancelled before it writes anything (the rest of a
	// fleet after SIGINT) does not start.
	if err := ctx.Err(); err != nil {
		res.fail(StatusRefused, fmt.Errorf("interrupted before anything was written: %w", context.Cause(ctx)))
		return res
	}
	// A stale server lock of the run whose journal this rollback undoes
	// is broken: that run died on this host, and this is its recovery.
	lock, ok := res.lockBreaking(po, ownJournalRun(po.Root))
	if !ok {
		if first == nil && (errors.Is(res.Err, syscall.EROFS) || errors.Is(res.Err, fs.ErrPermission)) {
			// No lock at all here (a read-only mount, no write access):
			// a look reading only still tells whether there is anything
			// to roll back, as it did before the lock came first.
			look := Result{PO: res.PO, Errors: []string{}}
			if _, stop := look.prepareUnlocked(po, id, force, opt); stop && look.Status == StatusNothingToRollBack {
				return look
			}
		}
		return res
	}
	rollbackLocked(po, id, force, opt, lock, first, &res)
	res.released(lock)
	return res
}

// prepareUnlocked works the rollback out before the lock, reading only
// (light: which snapshot, and whether there is anything to do); stop
// says res has the answer: refused, busy, or nothing to roll back.
func (r *Result) prepareUnlocked(po *postoffice.PO, id string, force bool, opt Options) (first *RollbackPlan, stop bool) {
	// A run on another client holds it: what prepare would read is
	// half-made (its journal unfinished, its snapshot incomplete).
	if err := running(po.Root); err != nil {
		r.fail(StatusBusy, err)
		return nil, true
	}
	first, err := prepare(po, id, force, opt, nil, nil, true)
	if err != nil || first.Nothing != "" {
		if rerr := running(po.Root); rerr != nil {
			r.fail(StatusBusy, rerr) // taken meanwhile: what prepare read was half-made
			return nil, true
		}
		r.prepared(first, err)
		return nil, true
	}
	return first, false
}

// rollbackLocked is the rollback under the lock: prepared (again, where
// first was: a repair may have ended or begun since that look), then
// carried out.
func rollbackLocked(po *postoffice.PO, id string, force bool, opt Options, lock *Lock, first *RollbackPlan, res *Result) {
	// POREPAIR and its SNAPSHOT as the lock's listing finds them: the
	// journal and the snapshot are read, and written, there.
	if err := checkOwnDirIn(po, lock); err != nil {
		res.fail(StatusRefused, err)
		return
	}
	rp, err := prepare(po, id, force, opt, lock, first, false)
	if err != nil || rp.Nothing != "" {
		res.prepared(rp, err)
		return
	}
	res.Snapshot = rp.ID
	log := opt.Log.With("snapshot", rp.ID)
	log.Info("rollback start", "unfinished", rp.Unfinished, "changes", len(rp.Changes))
	if err := rp.run(po, opt, res); err != nil {
		log.Error("rollback failed", "error", err)
		res.fail(StatusRestoreFailed, err)
		return
	}
	log.Info(StatusRestored.String())
	res.done(StatusRestored)
}

// prepared records a refusal, or that there is nothing to roll back.
func (r *Result) prepared(rp *RollbackPlan, err error) {
	var f *failure
	switch {
	case errors.As(err, &f):
		r.fail(f.status, f.err)
	case err != nil:
		r.fail(StatusRefused, err)
	default:
		r.Snapshot = rp.ID
		r.done(StatusNothingToRollBack)
		r.Note = rp.Nothing
	}
}

// run carries a prepared rollback out under the lock: journal, restore
// (each step journaled), remove temp files and leftovers, mark the
// snapshot rolled back, close the journal.
func (rp *RollbackPlan) run(po *postoffice.PO, opt Options, res *Result) error {
	j := rp.journal
	if rp.Unfinished {
		if err := j.Reopen(po.Root); err != nil {
			return err
		}
	} else {
		nj, err := journal.Create(po.Root, Record{Op: journal.OpBegin, Kind: KindRollback, Time: textfmt.Time(opt.Now()),
			Snapshot: rp.ID, SnapshotDir: filepath.Dir(rp.Snapshot.Dir), PO: po.Root, POID: rp.POID, Component: rp.Snapshot.Component})
		if err != nil {
			return err
		}
		j = nj
	}
	defer j.Close()
	if err := restore(po, j, rp.Snapshot, rp.force, rp.seen, res); err != nil {
		return err
	}
	if rp.Snapshot != nil {
		if err := rp.Snapshot.MarkRolledBack(opt.Now()); err != nil {
			return fmt.Errorf("snapshot %s restored, but not marked rolled back: %w", rp.ID, err)
		}
	}
	for _, p := range cleanOwnDir(po.Root, j) {
		opt.Log.Info("removed leftover", "path", p)
	}
	if err := j.Complete(StatusRestored.String()); err != nil {
		return fmt.Errorf("restored, but the journal could not be closed (run rollback again): %w", err)
	}
	return nil
}

// restore brings a PO back to its snapshot, journaling each step, and
// removes the temp files the journal's steps name. With moveChanged the
// queue pair is moved back even though it changed (--force). seen is
// what the check under this lock read of the files the repair left (nil:
// nothing, every file is read).
func restore(po *postoffice.PO, j *Journal, snap *backup.Snapshot, moveChanged bool, seen map[string]backup.Seen, res *Result) error {
	// The temp files of the steps journaled so far go first: a restore
	// creates its own temp files exclusively, under the same names.
	if err := removeTemps(po, j); err != nil {
		return err
	}
	var errs []error
	if err := dropReserve(po, false); err != nil {
		errs = append(errs, err)
	}
	if snap != nil {
		n := len(j.Steps)
		err := snap.RestoreWith(po.Root, backup.RestoreOptions{MoveChanged: moveChanged, Before: func(s backup.Step) error {
			n++
			return j.Step(Record{Step: n, Change: journal.RestorePrefix + s.Change, File: s.File, Temp: s.Temp})
		}, Unrestored: res.unrestored, Seen: seen})
		if err != nil {
			noteForeign(j, po.Root, err)
			errs = append(errs, err)
		}
	}
	// A write that succeeded renamed its temp file away, and one that
	// failed removed it (durable.WriteFile): only a restore that failed
	// can have left one of this run's behind (a removal that failed too).
	if len(errs) == 0 {
		return nil
	}
	if err := removeTemps(po, j); err != nil {
		errs = append(errs, err)
	}
	return errlist.Join(errs...)
}
