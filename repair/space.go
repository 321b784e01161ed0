package repair

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/porepair/porepair/durable"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
)

// ReserveName is the file a repair fills with zeros before its first
// change to the postoffice and deletes before it restores one: a repair
// that meets a full disk half-way (someone else's files grew, or the
// share's quota was met) must still have room for the temp files of its
// restore. A .PPT name, so that one a crash left is cleaned away with the
// other temp files.
const ReserveName = Dir + "/RESERVE" + durable.TempExt

// Space is what a repair needs on a file system, by what it is for.
type Space struct {
	Snapshot, Journal, Temps, Reserve, Margin uint64
}

// Total is the whole need.
func (s Space) Total() uint64 { return s.Snapshot + s.Journal + s.Temps + s.Reserve + s.Margin }

// cluster is the unit files are counted in: a small file takes a whole
// cluster of a FAT or NTFS volume (2 KiB to 4 KiB on the sizes that hold
// postoffices).
const cluster = 4 << 10

// margin covers directory entries, the snapshot's manifest and mark, and
// the file system's own bookkeeping.
const margin = 64 << 10

func clusters(n int64) uint64 { return uint64((n + cluster - 1) / cluster * cluster) }

// spaceFor works out what the plan needs: copies of every file it
// changes or deletes (the queue pair is renamed, not copied), the
// journal, the largest temp file at a time (the old file is freed only by
// the rename), and the reserve for a restore's temp files.
func spaceFor(p *plan.Plan) (onPO, onSnapshot Space) {
	var largestBefore, largestAfter int64
	for _, c := range p.Changes {
		if c.Before != nil && c.Op != plan.OpMove {
			onSnapshot.Snapshot += clusters(c.Before.Size)
			largestBefore = max(largestBefore, c.Before.Size)
		}
		if c.Op == plan.OpPatch || c.Op == plan.OpWrite {
			largestAfter = max(largestAfter, c.AfterSize)
		}
	}
	onSnapshot.Margin = margin
	onPO.Journal = clusters(journal.Prealloc)
	onPO.Temps = clusters(largestAfter)
	onPO.Reserve = reserveSize(largestBefore)
	onPO.Margin = margin
	return onPO, onSnapshot
}

// reserveSize holds the largest file a restore writes back, and a
// cluster for the snapshot's mark.
func reserveSize(largest int64) uint64 { return clusters(largest) + cluster }

// checkSpace refuses, before the journal is created, a repair the file
// systems of the postoffice and of the snapshot directory have no room
// for. A file system that does not report its free space (smbnetfs) is
// not checked, and the log says so.
func (x *executor) checkSpace() error {
	onPO, onSnap := spaceFor(x.p)
	inPO := strings.HasPrefix(x.opt.SnapshotDir+string(filepath.Separator), x.po.Root+string(filepath.Separator))
	if inPO {
		onPO.Snapshot, onPO.Margin = onSnap.Snapshot, onPO.Margin+onSnap.Margin
	} else if err := x.enough(existingDir(x.opt.SnapshotDir), onSnap); err != nil {
		return err
	}
	return x.enough(x.po.Root, onPO)
}

// existingDir is dir or its nearest parent that exists: the snapshot
// directory may not have been made yet.
func existingDir(dir string) string {
	for {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return dir
		}
		dir = parent
	}
}

func (x *executor) enough(dir string, need Space) error {
	free, known, err := freeSpace(dir)
	if err != nil {
		return err
	}
	if !known {
		x.log.Info("free space not checked: the file system does not report it", "dir", dir, "needed", need.Total())
		return nil
	}
	if free >= need.Total() {
		return nil
	}
	return fmt.Errorf("not enough free space on the file system of %s: the repair needs %s (snapshot %s, journal %s, temp files %s, reserve for a restore %s, margin %s), %s is free; nothing written. Free some space, or give --snapshot-dir on another disk",
		dir, kib(need.Total()), kib(need.Snapshot), kib(need.Journal), kib(need.Temps), kib(need.Reserve), kib(need.Margin), kib(free))
}

func kib(n uint64) string { return fmt.Sprintf("%d KiB", (n+1023)/1024) }

// makeReserve writes the reserve (one counted write), after the journal
// that lets a rollback remove it.
func (x *executor) makeReserve() error {
	onPO, _ := spaceFor(x.p)
	if err := durable.Create(x.po.Abs(ReserveName), make([]byte, onPO.Reserve)); err != nil {
		return fmt.Errorf("reserve space for a restore: %w", err)
	}
	return nil
}

// dropReserve deletes the reserve, if there is one, so that a restore has
// its room (one counted write when there was one). made says this run
// made it: it is there, and needs no look first.
func dropReserve(po *postoffice.PO, made bool) error {
	full := po.Abs(ReserveName)
	if !made {
		if _, err := os.Lstat(full); errors.Is(err, fs.ErrNotExist) {
			return nil
		}
	}
	return durable.Remove(full)
}

// freeSpace is a variable so that a test can give a repair a full disk.
var freeSpace, defaultFreeSpace = osfs.FreeSpace, osfs.FreeSpace
