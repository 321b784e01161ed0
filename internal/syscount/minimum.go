package syscount

import (
	"path"
	"strings"

	"github.com/porepair/porepair/plan"
)

// shape is what a plan makes a command touch, counted once.
type shape struct {
	reads    int // files the plan reads and fingerprints (plan.Reads)
	readDirs int // distinct directories of those files
	written  int // patched or rewritten files: a temp each, renamed over
	moves    int // files renamed (the queue's mailbag and KEY)
	deletes  int // files removed
	copies   int // snapshot copies: each changed file that is not moved and exists
	created  int // files the plan makes new (rollback removes them)
	steps    int // journal records: begin, one per change, end
	dirs     int // directories whose entries change, fsynced once each
}

func shapeOf(p *plan.Plan) shape {
	var s shape
	s.reads = len(p.Reads)
	rd := map[string]bool{}
	for _, r := range p.Reads {
		rd[strings.ToUpper(path.Dir(r.File))] = true
	}
	s.readDirs = len(rd)
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
		}
	}
	s.steps = len(p.Changes) + 2
	// The changed files' directories, POREPAIR (the journal's), the
	// snapshot's own and the one it is made in.
	s.dirs = len(cd) + 3
	return s
}

// Minimum is the fewest calls of each kind cmd ("diagnose", "plan",
// "repair", "rollback") needs to do what p says, on a file system that
// resolves names case-insensitively only by listing (porepair must find
// MBG/0000000a.mbg as MBG/0000000A.MBG). It leaves out the process's own
// start (the dynamic loader and the Go runtime open and read a few files
// in /proc, /sys and /lib). Every term says why it cannot be less.
func Minimum(cmd string, p *plan.Plan) Counts {
	s := shapeOf(p)
	// Reading what the plan reads: one open per file; one directory
	// listing per directory to resolve its names, which takes a
	// getdents64 for the entries and one that returns the end; a read
	// for the bytes and one that returns end-of-file. No stat is needed:
	// the size in a fingerprint is the count of bytes read.
	var c Counts
	c[Opens] = s.reads
	c[DirReads] = 2 * s.readDirs
	c[ReadsWrites] = 2 * s.reads
	switch cmd {
	case "diagnose", "plan":
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
	// The owner, group and mode of each file replaced or removed are
	// kept (in the snapshot and on the new file): one stat each. A rename
	// keeps them by itself.
	c[Stats] = s.copies
	c[ReadsWrites] += s.steps + s.copies + 1 + s.written
	c[Fsyncs] = s.steps + s.copies + 1 + s.written + s.dirs
	c[Renames] = 1 + s.written + s.moves
	c[Unlinks] = s.deletes
	return c
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
	c[ReadsWrites] = 2*2 + changes + 2*s.copies + s.steps
	c[Fsyncs] = s.copies + s.steps + dirs
	c[Renames] = s.copies + s.moves
	c[Unlinks] = s.created
	return c
}
