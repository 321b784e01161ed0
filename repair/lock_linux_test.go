package repair_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/repair"
	"github.com/porepair/porepair/testdata/fixture"
)

// flockFlag holds the postoffice's FLAG.GLB with a BSD flock through an
// open file of its own, as another program would, until the test ends
// (or the caller unlocks it).
func flockFlag(t *testing.T, dir string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "GLB/FLAG.GLB"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	return f
}

// On Linux a BSD flock and an fcntl lock never conflict, so a program that
// holds FLAG.GLB with flock alone would go unseen by an fcntl lock. A
// flock belongs to its open file description: one taken through a
// separate os.Open here conflicts as another process's would.
func TestFlockOnFlagIsBusy(t *testing.T) {
	dir, before := setup(t, "stale", false)
	f := flockFlag(t, dir)
	p, err := postoffice.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if l, err := repair.Acquire(p); !errors.Is(err, repair.ErrBusy) {
		if l != nil {
			l.Release()
		}
		t.Fatalf("Acquire with FLAG.GLB flocked elsewhere: err = %v, want ErrBusy", err)
	}
	sameTree(t, dir, before)
	// The flock was the only obstacle: once dropped, the lock is taken.
	if err := unix.Flock(int(f.Fd()), unix.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	l, err := repair.Acquire(p)
	if err != nil {
		t.Fatalf("Acquire after the flock was dropped: %v", err)
	}
	l.Release()
}

// Release drops the lock, not only its descriptor: a copy of the lock
// file's descriptor (what a child this process forked holds until its
// exec; a dup here) must not keep the postoffice looking busy.
func TestReleaseUnlocksEveryCopy(t *testing.T) {
	dir, _ := setup(t, "stale", false)
	p, err := postoffice.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := repair.Acquire(p)
	if err != nil {
		t.Fatal(err)
	}
	lockFile := filepath.Join(p.Root, filepath.FromSlash(postoffice.LockPath))
	fds, _ := os.ReadDir("/proc/self/fd")
	copied := -1
	for _, e := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && target == lockFile {
			var fd int
			if _, err := fmt.Sscan(e.Name(), &fd); err == nil {
				if copied, err = unix.Dup(fd); err != nil {
					t.Fatal(err)
				}
			}
			break
		}
	}
	if copied < 0 {
		t.Fatalf("no descriptor of %s open while the lock is held", lockFile)
	}
	defer unix.Close(copied)
	l.Release()
	if journal.InProgress(p.Root) {
		t.Error("a copy of the lock file's descriptor keeps the postoffice locked after Release")
	}
}

// On a postoffice porepair has repaired, a rollback works everything out
// under the lock: with FLAG.GLB held by another program, even one with
// nothing to roll back says busy, and writes nothing; once FLAG.GLB is
// free, it says there is nothing to roll back.
func TestRollbackDecidesUnderTheLock(t *testing.T) {
	dir, _ := setup(t, "stale", false)
	if res := repair.Repair(context.Background(), dir, repair.Saved(makePlan(t, dir, plan.Options{})), repair.Options{}); res.Status != repair.StatusRepaired {
		t.Fatalf("repair: %v %v", res.Status, res.Errors)
	}
	if res := repair.Rollback(context.Background(), dir, repair.Latest, false, repair.Options{}); res.Status != repair.StatusRestored {
		t.Fatalf("rollback: %v %v", res.Status, res.Errors)
	}
	rolled, err := fixture.Tree(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := flockFlag(t, dir)
	if res := repair.Rollback(context.Background(), dir, repair.Latest, false, repair.Options{}); res.Status != repair.StatusBusy {
		t.Errorf("rollback with FLAG.GLB held: %v %v, want busy", res.Status, res.Errors)
	}
	sameTree(t, dir, rolled)
	if err := unix.Flock(int(f.Fd()), unix.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if res := repair.Rollback(context.Background(), dir, repair.Latest, false, repair.Options{}); res.Status != repair.StatusNothingToRollBack {
		t.Errorf("rollback once FLAG.GLB is free: %v %v, want nothing to roll back", res.Status, res.Errors)
	}
	sameTree(t, dir, rolled)
}

// A directory of the postoffice (GLB, MBG, KEY, or porepair's own
// POREPAIR) replaced by a link to a copy elsewhere after the postoffice
// was opened, while planning, before the lock: the checks under the lock
// see the link and refuse before the first change; nothing in the copy
// is changed but, for POREPAIR, the lock file made through the link.
func TestDirSwappedForLinkBeforeTheLock(t *testing.T) {
	for _, d := range []string{"GLB", "MBG", "KEY", repair.Dir} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			dir, _ := setup(t, "stale", false)
			p := makePlan(t, dir, plan.Options{})
			outside := filepath.Join(t.TempDir(), d)
			if err := os.Mkdir(filepath.Join(dir, repair.Dir), 0o755); err != nil {
				t.Fatal(err)
			}
			var copied map[string]string
			planner := func(po *postoffice.PO) (*plan.Plan, error) {
				copied = moveForLink(t, filepath.Join(dir, d), outside)
				return repair.Saved(p)(po)
			}
			res := repair.Repair(context.Background(), dir, planner, repair.Options{})
			if res.Status != repair.StatusRefused {
				t.Errorf("status %v %v, want refused", res.Status, res.Errors)
			}
			got, err := fixture.Tree(outside)
			if err != nil {
				t.Fatal(err)
			}
			delete(got, "LOCK")
			if diff := fixture.DiffTrees(copied, got); len(diff) > 0 {
				t.Errorf("written through the link: %v", diff)
			}
		})
	}
}

// moveForLink moves the directory at path to outside and puts a link to
// it at path: what another program might do while porepair works. It
// returns the tree at outside, to compare with what is there afterwards.
func moveForLink(t *testing.T, path, outside string) map[string]string {
	t.Helper()
	if err := os.Rename(path, outside); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, path); err != nil {
		t.Fatal(err)
	}
	tree, err := fixture.Tree(outside)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// swapCtx is a context whose first look (the rollback's, just before its
// lock) runs swap: what another program might do at that moment.
type swapCtx struct {
	context.Context
	swap func()
}

func (c *swapCtx) Err() error {
	if c.swap != nil {
		c.swap()
		c.swap = nil
	}
	return c.Context.Err()
}

// POREPAIR replaced by a link to a copy of it just before a rollback's
// lock: the rollback refuses under the lock, and neither the copy's
// journal nor its snapshot is written or taken.
func TestRollbackOwnDirSwappedBeforeTheLock(t *testing.T) {
	dir, _ := setup(t, "stale", false)
	if res := repair.Repair(context.Background(), dir, repair.Saved(makePlan(t, dir, plan.Options{})), repair.Options{}); res.Status != repair.StatusRepaired {
		t.Fatalf("repair: %v %v", res.Status, res.Errors)
	}
	repaired, err := fixture.Tree(dir)
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), repair.Dir)
	var copied map[string]string
	ctx := &swapCtx{Context: context.Background(), swap: func() {
		copied = moveForLink(t, filepath.Join(dir, repair.Dir), outside)
	}}
	if res := repair.Rollback(ctx, dir, repair.Latest, false, repair.Options{}); res.Status != repair.StatusRefused {
		t.Errorf("rollback: %v %v, want refused", res.Status, res.Errors)
	}
	got, err := fixture.Tree(outside)
	if err != nil {
		t.Fatal(err)
	}
	if diff := fixture.DiffTrees(copied, got); len(diff) > 0 {
		t.Errorf("written through the link: %v", diff)
	}
	if err := os.Remove(filepath.Join(dir, repair.Dir)); err != nil {
		t.Fatal(err)
	}
	now, err := fixture.Tree(dir)
	if err != nil {
		t.Fatal(err)
	}
	for rel := range repaired {
		if strings.HasPrefix(rel, repair.Dir+"/") {
			delete(repaired, rel)
		}
	}
	if diff := fixture.DiffTrees(repaired, now); len(diff) > 0 {
		t.Errorf("the postoffice changed: %v", diff)
	}
}

// On a postoffice spelled in lower case (glb, mbg), a link named glb put
// beside a real GLB while a repair plans: nothing is written through glb,
// and the repair does not go through.
func TestCaseTwinLinkBeforeTheLock(t *testing.T) {
	dir, _ := setup(t, "stale", true)
	p := makePlan(t, dir, plan.Options{})
	outside := filepath.Join(t.TempDir(), "glb")
	var copied map[string]string
	planner := func(po *postoffice.PO) (*plan.Plan, error) {
		if out, err := exec.Command("cp", "-a", filepath.Join(dir, "glb"), filepath.Join(dir, "GLB")).CombinedOutput(); err != nil {
			t.Fatalf("%v %s", err, out)
		}
		copied = moveForLink(t, filepath.Join(dir, "glb"), outside)
		return repair.Saved(p)(po)
	}
	res := repair.Repair(context.Background(), dir, planner, repair.Options{})
	got, err := fixture.Tree(outside)
	if err != nil {
		t.Fatal(err)
	}
	if diff := fixture.DiffTrees(copied, got); len(diff) > 0 {
		t.Errorf("status %v: written through the link glb: %v", res.Status, diff)
	}
	// The plan names glb/…: its snapshot refuses the link before the
	// first change.
	if res.Status != repair.StatusRefused && res.Status != repair.StatusRolledBack {
		t.Errorf("status %v %v, want refused or rolled back", res.Status, res.Errors)
	}
}
