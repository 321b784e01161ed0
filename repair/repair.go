package repair

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/porepair/porepair/backup"
	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/durable"
	"github.com/porepair/porepair/internal/errlist"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
)

// Result is what a repair or rollback did.
type Result struct {
	PO       string   `json:"po"`
	Status   Status   `json:"status"`
	Snapshot string   `json:"snapshot"`
	Errors   []string `json:"errors"`
	// Err is every error met, as one go-multierror value that errors.Is
	// and errors.As see through; Errors spells them for JSON.
	Err error `json:"-"`
	// Note says why nothing was done when that is not an error (a
	// snapshot already rolled back).
	Note string `json:"note,omitempty"`
	// Plan is what a repair carried out (or refused), for the caller's report.
	Plan *plan.Plan `json:"-"`
	// Codes are the finding codes that caused a refusal, and only them:
	// the log names them, so that a search for a code finds its refusals.
	Codes []diagnose.Code `json:"-"`
	// Unrestored lists the metadata a restore could not put back because
	// the file system does not hold it (FAT: owner and mode), one
	// "FILE: KIND (why)" each; the bytes were restored.
	Unrestored []string `json:"metadata_not_restored,omitempty"`
}

// unrestored records metadata a restore could not put back.
func (r *Result) unrestored(u backup.Unrestored) { r.Unrestored = append(r.Unrestored, u.String()) }

// Code is the exit code of the outcome.
func (r Result) Code() int { return r.Status.Code() }

// done records an outcome that is not a failure.
func (r *Result) done(status Status) { r.Status = status }

// fail records the outcome and every error met: the value, and one string
// each, the errors of a multierror listed one by one.
func (r *Result) fail(status Status, err error) {
	r.done(status)
	if status == StatusRefused {
		r.Codes = append(r.Codes, plan.RefusalCodes(err)...)
	}
	r.Err = errlist.Join(r.Err, err)
	for _, e := range errlist.Errors(err) {
		r.Errors = append(r.Errors, e.Error())
	}
}

// released releases the lock, recording a HOLDER left behind among the
// errors without changing the outcome: the work was done (or undone), and
// the administrator must still hear that the postoffice stays held.
func (r *Result) released(l *Lock) {
	if err := l.Release(); err != nil {
		r.Err = errlist.Join(r.Err, err)
		r.Errors = append(r.Errors, err.Error())
	}
}

// lock takes the postoffice's locks, or records why it could not:
// busy (exit 4) when another process holds them, refused otherwise.
func (r *Result) lock(po *postoffice.PO) (*Lock, bool) { return r.lockBreaking(po, nil) }

// lockBreaking is lock, letting breakStale decide on a stale server lock.
func (r *Result) lockBreaking(po *postoffice.PO, breakStale func(*journal.Holder) bool) (*Lock, bool) {
	lock, err := AcquireBreaking(po, breakStale)
	switch {
	case errors.Is(err, ErrBusy):
		r.fail(StatusBusy, err)
	case err != nil:
		r.fail(StatusRefused, err)
	}
	return lock, err == nil
}

// Options tune an executor run.
type Options struct {
	SnapshotDir string // parent of snapshot directories; default POREPAIR/SNAPSHOT
	// Log gets each step at info, what went wrong but was worked round
	// at warn, and at error only failures the Result carries too: a
	// caller that prints the Result may leave error records out of what
	// a person reads. Never nil after defaults.
	Log *slog.Logger
	Now func() time.Time
}

func (o *Options) defaults(root string) {
	if o.SnapshotDir == "" {
		o.SnapshotDir = backup.DefaultDir(root)
	}
	// Recorded absolute in the journal: a rollback run from another
	// working directory must find the snapshot where it was made.
	if abs, err := osfs.AbsPath(o.SnapshotDir); err == nil {
		o.SnapshotDir = abs
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Planner makes the plan once the postoffice is locked, so that nothing
// can change between planning and doing.
type Planner func(po *postoffice.PO) (*plan.Plan, error)

// Saved carries out a plan made earlier (plan --out, or shown for
// confirmation); Repair refuses it if the fingerprints it recorded no
// longer match.
func Saved(p *plan.Plan) Planner {
	return func(po *postoffice.PO) (*plan.Plan, error) {
		if err := p.CheckVersion(); err != nil {
			return nil, err
		}
		return p, samePO(p, po)
	}
}

// samePO refuses a saved plan made for another postoffice: one with an
// identity names it by that (the PO may have moved since); one made before
// the PO had an identity, by its path.
func samePO(p *plan.Plan, po *postoffice.PO) error {
	id, err := postoffice.ReadIdentity(po.Root)
	if err != nil {
		return err
	}
	if p.POID != "" {
		if p.POID != id {
			return fmt.Errorf("the plan is for the postoffice with id %s (planned at %s), not this one (%s)", p.POID, p.PO, po.Root)
		}
		return nil
	}
	if p.PO != po.Root {
		return fmt.Errorf("the plan is for %s, not %s", p.PO, po.Root)
	}
	return nil
}

// Repair plans with planner and, if there is anything to do, locks the
// postoffice at dir and carries the plan out. A refusal or a plan with
// nothing to do is found reading only, so that it leaves nothing in the
// postoffice (not even a lock file); under the lock the plan's
// fingerprints are checked again, so nothing can change in between. ctx
// is cancelled by SIGINT or SIGTERM: the repair then rolls back before
// returning.
func Repair(ctx context.Context, dir string, planner Planner, opt Options) Result {
	res := Result{PO: dir, Errors: []string{}}
	po, err := postoffice.OpenDir(dir)
	if err != nil {
		res.fail(StatusError, err)
		return res
	}
	res.PO = po.Root
	// Declared first, released last: after the lock's release, whose
	// removal of HOLDER fsyncs POREPAIR too.
	defer osfs.KeepDirs(po.Root)()
	opt.defaults(po.Root)
	opt.Log = opt.Log.With("po", osfs.Abs(dir))
	if err := running(po.Root); err != nil {
		res.fail(StatusBusy, err)
		return res
	}
	p, applied, err := readOnlyChecks(po, planner, opt.SnapshotDir)
	res.Plan, res.Snapshot = p, applied
	if err != nil {
		// A run on another host may have taken the postoffice since the
		// check above: its half-made journal is no refusal.
		if rerr := running(po.Root); rerr != nil {
			err = rerr
		}
		res.fail(refusal(err), err)
		return res
	}
	if p.NothingToDo {
		res.done(StatusNothingToDo)
		return res
	}
	// Before the lock too, so that a held file leaves no lock file
	// behind; again under it, where nothing can open one in between.
	if err := checkHeld(po, p.Changes); err != nil {
		res.fail(StatusBusy, err)
		return res
	}
	lock, ok := res.lock(po)
	if !ok {
		return res
	}
	repairLocked(ctx, po, p, opt, lock, &res)
	res.released(lock)
	return res
}

// repairLocked is the repair under the lock: the checks that read each
// file the plan replaces, then the executor.
func repairLocked(ctx context.Context, po *postoffice.PO, p *plan.Plan, opt Options, lock *Lock, res *Result) {
	// Under the lock the checks read each file the plan replaces through
	// an open that also finds another program holding it (busy).
	checked, err := lockedChecks(po, p, lock)
	if err != nil {
		res.fail(refusal(err), err)
		return
	}
	poID, err := ensureID(po.Root, lock)
	if err != nil {
		res.fail(StatusRefused, err)
		return
	}
	x := &executor{po: po, poID: poID, p: p, opt: opt, res: res, log: opt.Log, checked: checked, wrote: map[string]bool{}}
	if err := x.checkSpace(); err != nil {
		res.fail(StatusRefused, err)
		return
	}
	x.execute(ctx, res)
}

// readOnlyChecks plans and checks the plan against the disk, writing
// nothing; applied is the snapshot of the repair that carried a saved
// plan out already, when that is why it no longer fits.
func readOnlyChecks(po *postoffice.PO, planner Planner, snapshotDir string) (p *plan.Plan, applied string, err error) {
	if err := checkOwnDirIn(po, nil); err != nil {
		return nil, "", err
	}
	if err := plan.Workgroup(po); err != nil {
		return nil, "", err
	}
	if err := interrupted(po.Root); err != nil {
		return nil, "", err
	}
	p, err = planner(po)
	if err != nil || p.NothingToDo {
		return p, "", err
	}
	// The planner's own reads stand for the disk here (cached): the
	// check under the lock reads the disk again.
	if _, err := checkPlan(po, p, true); err != nil {
		in, aerr := appliedAs(po, p, snapshotDir)
		switch {
		case in != nil:
			return p, in.ID, fmt.Errorf("already applied: snapshot %s carried this plan out; nothing written (`%s`; plan again for what is to do now)", in.ID, commandFor(po.Root, *in, "snapshots show"))
		case aerr != nil:
			return p, "", fmt.Errorf("%w; whether a snapshot carried this plan out already cannot be told: %w", err, aerr)
		}
		return p, "", err
	}
	return p, "", nil
}

// appliedAs is the snapshot of a repair, still in effect or complete,
// that carried out the plan p; nil when none did, or when the snapshots
// cannot be listed (the error says why). A saved plan replayed after it
// was applied no longer matches the postoffice, and saying so is the
// answer, not the fingerprints that differ.
func appliedAs(po *postoffice.PO, p *plan.Plan, snapshotDir string) (*backup.Info, error) {
	pl, err := newPlace(po.Root, snapshotDir)
	if err != nil {
		return nil, err
	}
	list, err := pl.list()
	if err != nil {
		return nil, err
	}
	digest := p.Digest()
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].State != backup.StateComplete {
			continue
		}
		s, err := opened(list[i])
		if err != nil {
			return nil, err
		}
		if s.PlanDigest == digest {
			return &list[i], nil
		}
	}
	return nil, nil
}

// lockedChecks repeats, under the lock, what another process could have
// changed since readOnlyChecks; the reader holds what it read.
func lockedChecks(po *postoffice.PO, p *plan.Plan, lock *Lock) (*reader, error) {
	if err := checkOwnDirIn(po, lock); err != nil {
		return nil, err
	}
	if err := interrupted(po.Root); err != nil {
		return nil, err
	}
	return checkPlan(po, p, false)
}

// interrupted refuses a repair while an earlier one is unfinished, as
// plan does: a refusal that INTERRUPTED_REPAIR caused, which the log
// names.
func interrupted(root string) error {
	if err := journal.Interrupted(root); err != nil {
		return plan.RefusalOf(diagnose.InterruptedRepair, err)
	}
	return nil
}

// checkPlan compares the plan's picture of the postoffice with the disk:
// the fingerprints of the files it read (a saved plan may be old) and
// every change's "before" (an edited plan saying a file does not exist
// must not make porepair overwrite or delete it unsnapshotted). Where
// cached, a file po read whole in this run is checked as po read it (see
// reader), at no call; the rest are read from the disk, each once.
func checkPlan(po *postoffice.PO, p *plan.Plan, cached bool) (*reader, error) {
	rd := newReader(po, cached, p)
	err := checkReads(rd, p.Reads)
	if err != nil {
		err = fmt.Errorf("the postoffice changed since the plan was made: %w; plan again", err)
	} else if err = checkBefore(rd, p); err != nil {
		err = fmt.Errorf("the plan does not describe the postoffice on disk: %w; plan again", err)
	}
	// A file another program holds is busy, whatever else was found: it
	// could not be read as the rename over it would find it.
	if rd.held != nil {
		return nil, rd.held
	}
	if err != nil {
		return nil, err
	}
	if !cached {
		// The temp names and the moves' new names were found free before
		// the lock, in this run's listings; under it they are not looked
		// at again (a stat each, a round trip on a share). A name taken
		// in between fails its O_EXCL create or its rename, which
		// refuses to replace, and the repair rolls back.
		return rd, nil
	}
	return rd, checkTemps(po, p.Changes)
}

// checkPatch checks that the patches of a patch change make of the file
// what the plan promises.
func checkPatch(rd *reader, c plan.Change) error {
	data, err := rd.whole(c.File)
	if err != nil {
		return fmt.Errorf("%s: %w", c.File, err)
	}
	_, err = c.Patched(data)
	return err
}

// checkBefore compares each change's recorded before-state with the disk,
// then what the plan shows of each field with what its bytes hold.
func checkBefore(rd *reader, p *plan.Plan) error {
	var errs []error
	for _, c := range p.Changes {
		exists, err := rd.exists(c.File)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch {
		case c.Before == nil && exists:
			errs = append(errs, fmt.Errorf("%s exists, but the plan says it does not", c.File))
		case c.Before != nil && !exists:
			errs = append(errs, fmt.Errorf("%s does not exist, but the plan says it does", c.File))
		case c.Op == plan.OpPatch:
			errs = append(errs, checkPatch(rd, c))
		case c.Before != nil:
			if err := checkFile(rd, *c.Before); err != nil {
				errs = append(errs, err)
			}
		}
		if c.Op == plan.OpMove {
			errs = append(errs, checkMoveTo(rd, c))
		}
	}
	if err := errlist.Join(errs...); err != nil {
		return err
	}
	return checkFields(rd, p)
}

// checkFields checks the plan's field actions against the bytes of the
// files they set, today's and what the plan's patch makes of them
// (plan.CheckFields): the plan shown is the plan carried out.
func checkFields(rd *reader, p *plan.Plan) error {
	var errs []error
	for _, file := range p.FieldFiles() {
		orig, err := rd.whole(file)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", file, err))
			continue
		}
		final := orig
		for _, c := range p.Changes {
			if c.Op == plan.OpPatch && strings.EqualFold(c.File, file) {
				final, err = c.Patched(orig)
			}
		}
		if err == nil {
			err = p.CheckFields(file, orig, final)
		}
		errs = append(errs, err)
	}
	return errlist.Join(errs...)
}

// checkMoveTo refuses a move of a file the plan does not describe, or
// onto a name that is taken (looked up as rd looks: see nameTaken).
func checkMoveTo(rd *reader, c plan.Change) error {
	var errs []error
	if c.Before == nil {
		errs = append(errs, fmt.Errorf("%s: a move of a file the plan does not describe", c.File))
	}
	_, err := inside(rd.po, c.To)
	if err == nil && rd.cached { // under the lock: see checkPlan
		if taken, terr := nameTaken(rd.po, c.To, true); terr != nil {
			err = fmt.Errorf("%s: %w", c.To, terr)
		} else if taken {
			err = fmt.Errorf("%s already exists", c.To)
		}
	}
	return errlist.Join(append(errs, err)...)
}

// execute journals, snapshots, applies and verifies the plan, and on any
// error restores the snapshot; res gets the outcome.
func (x *executor) execute(ctx context.Context, res *Result) {
	res.Snapshot = backup.NewID(x.po.Root, x.opt.Now())
	log := x.opt.Log.With("snapshot", res.Snapshot)
	x.log = log
	p := x.p
	log.Info("repair start", "component", p.Component, "gateway", p.Gateway, "changes", len(p.Changes))
	err := x.run(ctx, res.Snapshot)
	if err == nil {
		err = x.verify()
	}
	if err == nil {
		if derr := dropReserve(x.po, true); derr != nil { // run made it
			log.Warn("reserve not removed", "error", derr)
		}
		if cerr := x.j.Complete(StatusRepaired.String()); cerr != nil {
			log.Warn("journal not marked complete", "error", cerr)
		}
		x.j.Close()
		log.Info(StatusRepaired.String())
		res.done(StatusRepaired)
		return
	}
	log.Error("repair failed; restoring the snapshot", "error", err)
	all := errlist.Join(err)
	if rerr := x.undo(); rerr != nil {
		all = errlist.Join(all, rerr)
		log.Error("restore failed", "error", rerr)
		res.fail(StatusRestoreFailed, all)
		res.Errors = append(res.Errors, fmt.Sprintf("restore the snapshot by hand: porepair rollback --snapshot %s (in %s)", res.Snapshot, x.opt.SnapshotDir))
		x.j.Close()
		return
	}
	if cerr := x.closeRestored(); cerr != nil {
		res.fail(StatusRestoreFailed, errlist.Join(all, cerr))
		return
	}
	res.fail(StatusRolledBack, all)
}

// closeRestored ends a repair whose postoffice was restored: the snapshot
// is marked rolled back (so that nobody is offered its undo again) and
// the journal completed; a journal that cannot be completed is removed,
// since the postoffice is whole. Only when neither works does the repair
// not end rolled back: the journal then stays unfinished, and a plain
// rollback clears it.
func (x *executor) closeRestored() error {
	if x.j == nil {
		return nil // no journal was made: nothing was written
	}
	defer x.j.Close()
	if x.snap != nil {
		if err := x.snap.MarkRolledBack(x.opt.Now()); err != nil {
			x.log.Warn("snapshot not marked rolled back", "error", err)
		}
	}
	cerr := x.j.Complete(StatusRolledBack.String())
	if cerr == nil {
		return nil
	}
	x.log.Warn("journal not marked complete; removing it", "error", cerr)
	if rerr := x.j.Remove(); rerr != nil {
		return fmt.Errorf("the postoffice is restored, but its journal could not be closed (%v) nor removed (%w): run `porepair rollback` to clear it", cerr, rerr)
	}
	return nil
}

// checkReads compares the files a plan read with their fingerprints.
func checkReads(rd *reader, reads []plan.Fingerprint) error {
	var errs []error
	for _, r := range reads {
		if err := checkFile(rd, r); err != nil {
			errs = append(errs, err)
		}
	}
	return errlist.Join(errs...)
}

func checkFile(rd *reader, r plan.Fingerprint) error {
	size, sum, err := rd.hash(r.File)
	if err != nil {
		return fmt.Errorf("%s: %w", r.File, err)
	}
	if size != r.Size || sum != r.SHA256 {
		return fmt.Errorf("%s changed (size %d, was %d)", r.File, size, r.Size)
	}
	return nil
}

// reader reads the plan's files for one pass of checks, each file once:
// a file hashed for the reads is not hashed again for a change's before,
// and one a patch rewrites is read whole once, for both. Where cached,
// the bytes po itself read of a file in this run stand for the file: what
// it held a moment ago, read through the same checked open (before the
// lock, of a fresh plan; in verify, by its own diagnosis). Where not (the
// pass under the lock), a file the plan replaces, moves or removes is
// opened as checkHeld checks it (osfs.OpenUnheld): the read is the check,
// with no second open of each file.
type reader struct {
	po       *postoffice.PO
	cached   bool
	patched  map[string]bool // upper-case plan paths read whole: a patch rewrites them, or the plan sets their fields
	replaced map[string]bool // upper-case plan paths of existing files a change replaces
	hashed   map[string]fileSum
	data     map[string][]byte
	info     map[string]fs.FileInfo // the open handle's fstat of each file read from the disk
	held     error                  // the first replaced file found held open
}

type fileSum struct {
	size int64
	sum  string
}

func newReader(po *postoffice.PO, cached bool, p *plan.Plan) *reader {
	rd := &reader{po: po, cached: cached, patched: map[string]bool{}, replaced: map[string]bool{},
		hashed: map[string]fileSum{}, data: map[string][]byte{}, info: map[string]fs.FileInfo{}}
	if p == nil {
		return rd
	}
	// A file whose fields the plan sets is read whole (checkFields),
	// once, for its fingerprint too.
	for _, f := range p.FieldFiles() {
		rd.patched[strings.ToUpper(f)] = true
	}
	for _, c := range p.Changes {
		if c.Op == plan.OpPatch {
			rd.patched[strings.ToUpper(c.File)] = true
		}
		if c.Before != nil && !cached {
			rd.replaced[strings.ToUpper(c.File)] = true
		}
	}
	return rd
}

// open opens a file of the plan for reading: one the plan replaces, in
// the pass under the lock, through the check for a holder (heldError).
func (rd *reader) open(rel, full string) (*os.File, error) {
	key := strings.ToUpper(rel)
	if !rd.replaced[key] {
		f, fi, err := osfs.OpenNoFollowInfo(full, os.O_RDONLY, 0)
		if err == nil {
			rd.info[key] = fi
		}
		return f, err
	}
	f, fi, held, err := osfs.OpenUnheld(full)
	if held {
		err = heldError(rel)
		if rd.held == nil {
			rd.held = err
		}
	}
	if err == nil {
		rd.info[key] = fi
	}
	return f, err
}

// known is what this pass read of a file from the disk, for the snapshot
// (backup.CreateKnown): its handle's fstat, size, hash, and its bytes
// when it was read whole. A nil reader knows nothing.
func (rd *reader) known(rel string) (backup.Known, bool) {
	if rd == nil {
		return backup.Known{}, false
	}
	key := strings.ToUpper(rel)
	fi, ok := rd.info[key]
	h, hashed := rd.hashed[key]
	if !ok || !hashed {
		return backup.Known{}, false
	}
	return backup.Known{Info: fi, Size: h.size, SHA256: h.sum, Data: rd.data[key]}, true
}

// bytesOf is what this pass read whole of a file (upper-case key); a nil
// reader read nothing.
func (rd *reader) bytesOf(key string) ([]byte, bool) {
	if rd == nil {
		return nil, false
	}
	b, ok := rd.data[key]
	return b, ok
}

// readMax reads all of f, whose stat said size bytes, at most max bytes:
// more is an error, not a truncated read (as osfs.ReadRegular).
func readMax(f *os.File, size, max int64) ([]byte, error) {
	b, err := osfs.ReadSized(io.LimitReader(f, max+1), min(size, max))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Name(), err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is too large (more than %d bytes)", filepath.Base(f.Name()), max)
	}
	return b, nil
}

// whole returns a file's bytes (at most postoffice.MaxReadSize).
func (rd *reader) whole(rel string) ([]byte, error) {
	key := strings.ToUpper(rel)
	if b, ok := rd.data[key]; ok {
		return b, nil
	}
	if rd.cached {
		if b, ok := rd.po.Cached(rel); ok {
			return b, nil
		}
	}
	full, err := inside(rd.po, rel)
	if err != nil {
		return nil, err
	}
	f, err := rd.open(rel, full)
	if err != nil {
		return nil, err
	}
	var size int64
	if fi := rd.info[key]; fi != nil {
		size = fi.Size()
	}
	b, err := readMax(f, size, postoffice.MaxReadSize)
	f.Close()
	if err != nil {
		return nil, err
	}
	rd.data[key] = b
	rd.hashed[key] = fileSum{int64(len(b)), postoffice.SumHex(b)}
	return b, nil
}

// hash fingerprints a file of the plan.
func (rd *reader) hash(rel string) (int64, string, error) {
	key := strings.ToUpper(rel)
	if h, ok := rd.hashed[key]; ok {
		return h.size, h.sum, nil
	}
	full, err := inside(rd.po, rel)
	if err != nil {
		return 0, "", err
	}
	if rd.cached {
		if size, sum, ok := rd.po.Hashed(rel); ok {
			return size, sum, nil
		}
	}
	if rd.patched[key] {
		b, err := rd.whole(rel)
		return int64(len(b)), rd.hashed[key].sum, err
	}
	f, err := rd.open(rel, full)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	size, sum, err := postoffice.Hash(f)
	if err != nil {
		return 0, "", fmt.Errorf("%s: %w", full, err)
	}
	rd.hashed[key] = fileSum{size, sum}
	return size, sum, nil
}

// exists reports whether a file of the plan exists: one read in this
// pass does (or, where cached, one po read); others are looked up as
// nameTaken does.
func (rd *reader) exists(rel string) (bool, error) {
	if _, err := inside(rd.po, rel); err != nil {
		return false, err
	}
	if _, ok := rd.hashed[strings.ToUpper(rel)]; ok {
		return true, nil
	}
	if rd.cached {
		if _, ok := rd.po.Cached(rel); ok {
			return true, nil
		}
	}
	there, err := nameTaken(rd.po, rel, rd.cached)
	if err != nil {
		return false, fmt.Errorf("%s: %w", rel, err)
	}
	return there, nil
}

// inside turns a plan path into an absolute path in the PO, refusing one
// that leaves it or passes through a symbolic link. The path is spelled
// as po's listings have it, which is what they found no link on: a plan
// spelling a directory in another case names the same one on a share,
// but on a file system that tells case apart could name another (a link
// named glb beside a real GLB).
func inside(po *postoffice.PO, rel string) (string, error) {
	if _, err := postoffice.CleanRel(rel); err != nil {
		return "", err
	}
	actual, _, err := po.Resolve(rel)
	if err != nil {
		return "", err
	}
	if actual != rel && !strings.EqualFold(actual, rel) {
		return "", fmt.Errorf("path %q leaves the postoffice", rel)
	}
	return po.Abs(actual), nil
}

type executor struct {
	po   *postoffice.PO
	poID string
	p    *plan.Plan
	opt  Options
	log  *slog.Logger
	j    *Journal
	snap *backup.Snapshot
	res  *Result
	// checked is what the checks under the lock read; wrote the
	// upper-case paths this run's steps have written so far.
	checked *reader
	wrote   map[string]bool
}

// run journals, snapshots and applies the plan's changes.
func (x *executor) run(ctx context.Context, id string) error {
	root := x.po.Root
	j, err := journal.Create(root, Record{Op: journal.OpBegin, Kind: KindRepair, Time: textfmt.Time(x.opt.Now()), Snapshot: id,
		SnapshotDir: x.opt.SnapshotDir, PO: root, POID: x.poID, Component: string(x.p.Component)})
	if err != nil {
		return err
	}
	x.j = j
	if err := x.makeReserve(); err != nil {
		return err
	}
	m := backup.Manifest{ID: id, Time: x.opt.Now().UTC().Format("2006-01-02T15:04:05.000000000Z"), PO: root, POID: x.poID,
		Component: string(x.p.Component), PlanDigest: x.p.Digest()}
	// The journal is porepair's own file on the postoffice's file system.
	if m.Metadata, err = backup.ProbeMeta(filepath.Join(root, journal.Name), j.Info()); err != nil {
		return err
	}
	for _, c := range x.p.Changes {
		// Whether the file exists is what the snapshot finds on disk.
		e := backup.Entry{File: c.File}
		switch c.Op {
		case plan.OpMove:
			e.MovedTo = c.To
		case plan.OpDelete:
		default:
			e.AfterExists, e.AfterSize, e.AfterSHA256 = true, c.AfterSize, c.AfterSHA256
		}
		if c.Op == plan.OpMove {
			// The queue is renamed, not copied: the entry records the
			// rename and the hash of the bytes that travel with it.
			e.AfterExists, e.AfterSize, e.AfterSHA256 = true, c.AfterSize, c.AfterSHA256
		}
		m.Entries = append(m.Entries, e)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted before the snapshot: %w", context.Cause(ctx))
	}
	snap, err := backup.CreateKnown(root, x.opt.SnapshotDir, m, x.checked.known, x.po.ListedDirs())
	if err != nil {
		return err
	}
	x.snap = snap
	x.log.Info("snapshot made", "dir", snap.Dir, "files", len(snap.Entries))
	for i, c := range x.p.Changes {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted at step %d: %w", i+1, context.Cause(ctx))
		}
		if err := x.apply(i+1, c); err != nil {
			noteForeign(x.j, root, err)
			return fmt.Errorf("step %d (%s %s): %w", i+1, c.Op, c.File, err)
		}
	}
	return nil
}

func (x *executor) apply(n int, c plan.Change) error {
	defer func() { x.wrote[strings.ToUpper(c.File)], x.wrote[strings.ToUpper(c.To)] = true, true }()
	full, err := inside(x.po, c.File)
	if err != nil {
		return err
	}
	rec := Record{Step: n, Change: c.Op.String(), File: c.File}
	if c.Op == plan.OpPatch || c.Op == plan.OpWrite {
		rec.Temp = durable.TempRel(c.File)
	}
	if err := x.j.Step(rec); err != nil {
		return err
	}
	x.log.Info("action", "step", n, "change", c.Op, "file", c.File, "to", c.To)
	switch c.Op {
	case plan.OpPatch:
		data, err := x.before(c.File, full)
		if err != nil {
			return err
		}
		if data, err = c.Patched(data); err != nil {
			return err
		}
		return writeKeeping(full, data, x.snapMeta(c.File))
	case plan.OpWrite:
		return writeKeeping(full, c.Data, x.snapMeta(c.File))
	case plan.OpDelete:
		return durable.Remove(full)
	case plan.OpMove:
		to, err := inside(x.po, c.To)
		if err != nil {
			return err
		}
		return durable.Move(full, to)
	}
	return fmt.Errorf("unknown change %q", c.Op)
}

// before is the bytes a patch applies to. The check under the lock read
// them a moment ago and the snapshot has just recorded the file: when the
// snapshot's hash is that of those bytes, they are what the file holds,
// and it is not read a third time. A file a step of this run wrote, or
// one whose snapshot differs, is read from the disk.
func (x *executor) before(rel, full string) ([]byte, error) {
	key := strings.ToUpper(rel)
	if b, ok := x.checked.bytesOf(key); ok && !x.wrote[key] && x.snap != nil {
		for _, e := range x.snap.Entries {
			if strings.EqualFold(e.File, rel) && e.Existed && e.SHA256 == postoffice.SumHex(b) {
				return b, nil
			}
		}
	}
	return osfs.ReadRegular(full, postoffice.MaxReadSize)
}

// snapMeta is the metadata the snapshot recorded of a file it copied
// (from the handle it was read through, under this lock), so that the
// write keeping it need not lstat the file again; nil when it has none.
func (x *executor) snapMeta(rel string) *backup.Meta {
	if x.snap == nil || x.wrote[strings.ToUpper(rel)] {
		return nil
	}
	for _, e := range x.snap.Entries {
		if strings.EqualFold(e.File, rel) && e.Existed {
			return e.Meta
		}
	}
	return nil
}

// writeKeeping replaces full with data, keeping the owner, group and mode
// of the file it replaces (the mail programs' service account must still
// write it); a new file takes the owner and group of its directory and
// the directory's permissions without the search bits. They are set
// after the rename: a crash in between leaves an unfinished journal, and
// the rollback puts the old file back with its metadata anyway.
func writeKeeping(full string, data []byte, meta *backup.Meta) error {
	if meta != nil {
		return writeMeta(full, data, meta)
	}
	// No snapshot metadata (a file this run wrote already, or a new
	// one): looked up here, and a link refused as durable.WriteFile would.
	if fi, err := os.Lstat(full); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("write %s: refusing to write through a symbolic link", full)
	}
	meta, err := backup.MetaOf(full)
	if errors.Is(err, fs.ErrNotExist) {
		meta, err = backup.MetaOf(filepath.Dir(full))
		if meta != nil {
			meta.Mode &^= 0o111
		}
	}
	if err != nil {
		return err
	}
	return writeMeta(full, data, meta)
}

// writeMeta replaces full with data and gives it meta's owner, group and
// mode. full was opened without following a link under this lock (the
// checks' reader, whose handle the snapshot's metadata comes from), or
// lstat'ed by writeKeeping: durable.WriteFile's own lstat would repeat
// that look. The metadata is set after the rename, not on the temp file:
// Samba (through smbnetfs) shows a file renamed after a chmod with the
// owner's execute bit (TestShares/smb/metadata).
func writeMeta(full string, data []byte, meta *backup.Meta) error {
	if err := durable.WriteFileOver(full, data); err != nil {
		return err
	}
	// What the file system cannot hold (FAT has no owner, no mode) it
	// gives every file alike: nothing to keep. Set without a look at
	// what the new file got: a stat would be a round trip on a share.
	return backup.SetOwnerMode(full, meta)
}

// verify diagnoses the postoffice again: the component's errors and
// warnings must be gone, the new queue must hold the carried bytes, and no
// file the plan read but did not change may differ. The diagnosis sweeps
// sizes only where the plan wrote (diagnose.Changed): a size finding
// elsewhere is about no component. po is opened after
// the last write, so a file its diagnosis read is checked as it read it
// (reader, cached); the others are read again.
func (x *executor) verify() error {
	po, err := x.po.Reopen()
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	var errs []error
	rd := newReader(po, true, nil)
	var files []string
	for _, c := range x.p.Changes {
		files = append(files, c.File, c.To)
	}
	r := diagnose.Changed(po, diagnose.Manifests(x.p.Manifest), files, x.p.GatewayKey())
	for _, f := range r.About(x.p.Component, x.p.GatewayKey()) {
		errs = append(errs, fmt.Errorf("verify: %s remains: %s", f.Code, f.Message))
	}
	changed := map[string]bool{}
	for _, c := range x.p.Changes {
		changed[c.File] = true
		if c.Op == plan.OpMove {
			// The new queue must hold exactly the carried bytes.
			if err := checkFile(rd, plan.Fingerprint{File: c.To, Size: c.Before.Size, SHA256: c.Before.SHA256}); err != nil {
				errs = append(errs, fmt.Errorf("verify: queue not carried: %w", err))
			}
			continue
		}
		if c.Op != plan.OpDelete {
			if err := checkFile(rd, plan.Fingerprint{File: c.File, Size: c.AfterSize, SHA256: c.AfterSHA256}); err != nil {
				errs = append(errs, fmt.Errorf("verify: %w", err))
			}
		}
	}
	for _, read := range x.p.Reads {
		if !changed[read.File] {
			if err := checkFile(rd, read); err != nil {
				errs = append(errs, fmt.Errorf("verify: a file the plan did not change differs: %w", err))
			}
		}
	}
	return errlist.Join(errs...)
}

// undo restores the snapshot (nothing to do when it was never completed:
// then nothing of the postoffice was written) and removes temp files.
func (x *executor) undo() error {
	if x.j == nil {
		return nil
	}
	return restore(x.po, x.j, x.snap, false, nil, x.res)
}
