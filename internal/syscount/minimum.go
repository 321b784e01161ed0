package syscount

import (
	"path"
	"strings"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/plan"
)

// shape is what a plan makes a command touch, counted once.
type shape struct {
	read     map[string]bool // the plan's reads, upper case
	reads    int             // files the plan reads and fingerprints (plan.Reads)
	readDirs int             // distinct directories of those files, the root's included
	// diagnosed are the plan's reads but the component's installation
	// media (diagnose.Media), which only a reinstall reads: what a
	// diagnosis reads of them. Upper case.
	diagnosed []string
	readFiles []string // the plan's reads, upper case
	written   int      // patched or rewritten files: a temp each, renamed over
	moves     int      // files renamed (the queue's mailbag and KEY)
	deletes   int      // files removed
	copies    int      // snapshot copies: each changed file that is not moved and exists
	unread    int      // copies of files the plan does not read: opened to be copied
	created   int      // files the plan makes new (rollback removes them)
	steps     int      // journal records: begin, one per change, end
	dirs      int      // directories whose entries change, fsynced once each
}

func shapeOf(p *plan.Plan) shape {
	var s shape
	s.reads = len(p.Reads)
	media := map[string]bool{}
	for _, f := range p.Manifest.Files {
		if f.Kind == diagnose.Media {
			media[strings.ToUpper(f.Path)] = true
		}
	}
	read := map[string]bool{}
	var files []string
	for _, r := range p.Reads {
		u := strings.ToUpper(r.File)
		read[u] = true
		files = append(files, u)
		if !media[u] {
			s.diagnosed = append(s.diagnosed, u)
		}
	}
	s.read, s.readFiles = read, files
	s.readDirs = dirsOf(files)
	cd := map[string]bool{}
	for _, c := range p.Changes {
		cd[strings.ToUpper(path.Dir(c.File))] = true
		switch c.Op {
		case plan.OpPatch, plan.OpWrite:
			s.written++
		case plan.OpMove:
			s.moves++
			cd[strings.ToUpper(path.Dir(c.To))] = true
		case plan.OpDelete:
			s.deletes++
		}
		if c.Before == nil {
			s.created++
		} else if c.Op != plan.OpMove {
			s.copies++
			if !read[strings.ToUpper(c.File)] {
				s.unread++
			}
		}
	}
	s.steps = len(p.Changes) + 2
	// The changed files' directories, POREPAIR (the journal's), the
	// snapshot's own and the one it is made in.
	s.dirs = len(cd) + 3
	return s
}

// dirsOf counts the distinct directories of files (relative, upper
// case) and the root: each is listed to resolve its names in any case,
// the root to find the directories.
func dirsOf(files []string) int {
	d := map[string]bool{".": true}
	for _, f := range files {
		d[path.Dir(f)] = true
	}
	return len(d)
}

// reading is what reading files (each opened, its handle stat'ed, read
// and read to its end) in dirs directories (each opened and listed, its
// entries and its end) costs.
func reading(files, dirs int) Counts {
	var c Counts
	c[Opens] = files + dirs
	c[Stats] = files
	c[DirReads] = 2 * dirs
	c[ReadsWrites] = 2 * files
	return c
}

// unreadOf counts the files of files (any case) the plan does not read.
func (s shape) unreadOf(files []string) int {
	n := 0
	for _, f := range files {
		if !s.read[strings.ToUpper(f)] {
			n++
		}
	}
	return n
}

// Minimum is the fewest calls of each kind cmd ("diagnose", "plan",
// "repair", "rollback") needs to do what p says, keeping porepair's
// promises (docs/reliability.md), on a file system that resolves names
// case-insensitively only by listing (porepair must find
// MBG/0000000a.mbg as MBG/0000000A.MBG). It leaves out the process's own
// start, which Measure adds as GoStart measures it: what any Go program
// costs. swept is the files diagnose's size sweep sizes on the
// postoffice (diagnose.Swept), which only diagnose's minimum counts.
// Every term says why it cannot be less.
func Minimum(cmd string, p *plan.Plan, swept []string) Counts {
	s := shapeOf(p)
	// Reading what the plan reads: one open per file; one directory
	// listing per directory to resolve its names (an open, a getdents64
	// for the entries and one that returns the end); a read for the
	// bytes and one that returns end-of-file. One stat per file opened to
	// read, on the open handle: issue 20's "read each file once and stat
	// it once (fstat on the open handle)", which is also how a FIFO or
	// device put in a file's place is refused before it is read or
	// waited on (the size in a fingerprint is the count of bytes read, so
	// the stat is for that check, not the size).
	c := reading(s.reads, s.readDirs)
	switch cmd {
	case "diagnose":
		// A diagnosis reads what the plan reads but the component's
		// installation media (it looks for them in their directories'
		// listings), and lists every directory its size sweep looks in. MAILINT's File Integrity Check, which the spec asks
		// of diagnose for every file with a size rule (BAD_FILE_SIZE), is
		// diagnose's own job, not the plan's: a file it reads is sized by
		// its fstat; every other one it sizes costs a stat, since a Linux
		// directory listing gives no sizes (an lstat; an open to fstat it
		// would cost more). On the big postoffice that is the users'
		// 13,000 mailbags, KEYs and USRs.
		var sweptUp []string
		for _, f := range swept {
			sweptUp = append(sweptUp, strings.ToUpper(f))
		}
		c = reading(len(s.diagnosed), dirsOf(append(sweptUp, s.readFiles...)))
		c[Stats] += s.unreadOf(swept)
		fallthrough
	case "plan":
		// Whether a repair is running (REPAIR_RUNNING, and plan's
		// refusal): a look at POREPAIR/LOCK and POREPAIR/HOLDER, the
		// share's lock. Absent on a fresh postoffice: two opens.
		c[Opens] += 2
		return c
	case "repair":
		return repairMinimum(c, s)
	case "rollback":
		return rollbackMinimum(s)
	}
	panic("syscount.Minimum: unknown command " + cmd)
}

// repairMinimum is repair --yes: it plans (c, the reads), then carries the
// plan out and verifies it by reading everything again.
func repairMinimum(c Counts, s shape) Counts {
	// Verifying reads every file the plan read, or its renamed or
	// rewritten successor, and lists the directories again: the point is
	// to see what is on disk now, not what was read before.
	c[Opens] *= 2
	c[Stats] *= 2
	c[DirReads] *= 2
	c[ReadsWrites] *= 2
	// Before the first change: the journal (one file, a record written
	// and fsynced per step), the snapshot (a copy created, written and
	// fsynced per changed file that is not moved, and its manifest,
	// renamed into place last so that a half-made snapshot is never
	// taken for one). Each change: a temp file created, written,
	// fsynced and renamed over the file; a move is one rename; a delete
	// one unlink. Each directory whose entries changed is opened and
	// fsynced once, at the end of its changes.
	c[Opens] += 1 + s.copies + 1 + s.written + s.dirs
	// A copy of a file the plan did not read is read for the copy: an
	// open, its stat and two reads. The owner, group and mode of a file
	// replaced or removed, which the snapshot and the new file keep, are
	// in the stat of the handle it was read through; a rename keeps them
	// by itself.
	c[Opens] += s.unread
	c[Stats] += s.unread
	c[ReadsWrites] += 2 * s.unread
	c[ReadsWrites] += s.steps + s.copies + 1 + s.written
	c[Fsyncs] = s.steps + s.copies + 1 + s.written + s.dirs
	c[Renames] = 1 + s.written + s.moves
	c[Unlinks] = s.deletes
	return c.Plus(lockMinimum)
}

// rollbackMinimum is rollback --yes of the repair of the same plan: the
// snapshot names every file, so nothing is listed.
func rollbackMinimum(s shape) Counts {
	var c Counts
	changes := s.steps - 2
	// The journal and the manifest are read; each changed file is read
	// to check it still holds what the repair wrote (a file changed
	// since is not overwritten); each copy is read and written to a
	// temp, fsynced and renamed back; the moves are renamed back and the
	// files the repair made are unlinked. The journal gets a record per
	// step, fsynced; each changed directory is opened and fsynced, but
	// not the snapshot's two (dirs - 2), which the rollback leaves. The
	// manifest gives every size: one read of a changed file or a copy
	// suffices; the journal and manifest take a second for end-of-file.
	dirs := s.dirs - 2
	c[Opens] = 2 + changes + 2*s.copies + dirs
	// Every file opened to read is checked on its handle (see Minimum):
	// the journal, the manifest, the changed files and the copies.
	c[Stats] = 2 + changes + s.copies
	c[ReadsWrites] = 2*2 + changes + 2*s.copies + s.steps
	c[Fsyncs] = s.copies + s.steps + dirs
	c[Renames] = s.copies + s.moves
	c[Unlinks] = s.created
	return c.Plus(lockMinimum)
}

// lockMinimum is the postoffice's lock, which repair and rollback take
// before they write (docs/reliability.md: nothing happens while ADMIN,
// EXTERNAL or another porepair holds it, on this host or another client
// of a share): POREPAIR/LOCK and GLB/FLAG.GLB opened and locked, and
// POREPAIR/HOLDER, the share's lock: the directory made (a mkdir, in no
// kind), its RUN created with the holder written and fsynced, the
// directory fsynced (an open), and both removed at the release
// (POREPAIR's fsync is among dirs).
var lockMinimum = Counts{Opens: 4, ReadsWrites: 1, Fsyncs: 2, Unlinks: 2}
