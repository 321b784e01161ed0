//go:build faultinject

package repair_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/porepair/porepair/durable"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/repair"
)

// Every durable write of a repair fails once in turn: the repair rolls
// back and the tree is byte-identical. The number of writes is found, not
// written down: the loop ends when the fault comes after the last write.
func TestRepairFailAtEveryWrite(t *testing.T) {
	defer durable.SetFaults(durable.Parse(""))
	for _, enospc := range []bool{false, true} {
		n := 1
		for ; ; n++ {
			dir, before := setup(t, "stale", false)
			pl := makePlan(t, dir, plan.Options{})
			spec := fmt.Sprintf("fail:%d", n)
			if enospc {
				spec += ":ENOSPC"
			}
			durable.SetFaults(durable.Parse(spec))
			res := repair.Repair(context.Background(), dir, repair.Saved(pl), repair.Options{})
			if res.Status == repair.StatusRepaired {
				break
			}
			if res.Status != repair.StatusRolledBack || res.Code() != 1 {
				t.Fatalf("%s: result = %+v", spec, res)
			}
			want, wantErr := "input/output error", syscall.EIO
			if enospc {
				want, wantErr = "no space left on device", syscall.ENOSPC
			}
			if !strings.Contains(strings.Join(res.Errors, "\n"), want) {
				t.Errorf("%s: errors do not report the fault: %v", spec, res.Errors)
			}
			// The result keeps the error value, not only its text.
			if !errors.Is(res.Err, wantErr) {
				t.Errorf("%s: errors.Is(%v, %v) is false", spec, res.Err, wantErr)
			}
			sameTree(t, dir, before)
			if _, unfinished, _ := journal.Unfinished(dir); unfinished {
				t.Errorf("%s: journal unfinished after an automatic rollback", spec)
			}
		}
		if n < 12 {
			t.Errorf("only %d write points: the repair makes more durable writes than that", n-1)
		}
	}
}

// A repair that fails, then a restore that fails too: restore-failed,
// exit 5, the snapshot named; a later rollback restores every byte.
func TestRestoreFailed(t *testing.T) {
	defer durable.SetFaults(durable.Parse(""))
	found := false
	for m := 1; m < 60 && !found; m++ {
		dir, before := setup(t, "stale", false)
		pl := makePlan(t, dir, plan.Options{})
		// The m-th write fails the repair, and the next one, the
		// restore's first, fails the restore.
		durable.SetFaults(durable.Parse(fmt.Sprintf("fail:%d", m)).FailAlso(m + 1))
		res := repair.Repair(context.Background(), dir, repair.Saved(pl), repair.Options{})
		durable.SetFaults(durable.Parse(""))
		if res.Status != repair.StatusRestoreFailed {
			continue
		}
		found = true
		if res.Code() != 5 || !strings.Contains(strings.Join(res.Errors, " "), res.Snapshot) {
			t.Fatalf("result = %+v", res)
		}
		if _, unfinished, _ := journal.Unfinished(dir); !unfinished {
			t.Error("a failed restore left the journal marked complete")
		}
		rb := repair.Rollback(context.Background(), dir, "", false, repair.Options{})
		if rb.Status != repair.StatusRestored {
			t.Fatalf("rollback = %+v", rb)
		}
		sameTree(t, dir, before)
	}
	if !found {
		t.Fatal("no fault made the restore fail")
	}
}

// A rollback that failed half-way, whose snapshot then disappears: the
// next rollback does not close the journal as if nothing had been
// written; it fails (exit 5) and names where the snapshot should be.
func TestUnfinishedRollbackWithoutSnapshot(t *testing.T) {
	defer durable.SetFaults(durable.Parse(""))
	dir, _ := setup(t, "stale", false)
	res := repair.Repair(context.Background(), dir, repair.Saved(makePlan(t, dir, plan.Options{})), repair.Options{})
	if res.Code() != 0 {
		t.Fatal(res)
	}
	durable.SetFaults(durable.Parse("fail:4")) // after the journal, a step record and a write
	if rb := repair.Rollback(context.Background(), dir, "", false, repair.Options{}); rb.Code() != 5 {
		t.Fatalf("failing rollback = %+v", rb)
	}
	durable.SetFaults(durable.Parse(""))
	if err := journal.Interrupted(dir); err == nil || !strings.Contains(err.Error(), "rollback did not finish") {
		t.Fatalf("interrupted = %v", err)
	}
	os.RemoveAll(filepath.Join(dir, "POREPAIR/SNAPSHOT", res.Snapshot))
	rb := repair.Rollback(context.Background(), dir, "", false, repair.Options{})
	if rb.Code() != 5 || !strings.Contains(strings.Join(rb.Errors, " "), filepath.Join("POREPAIR/SNAPSHOT", res.Snapshot)) {
		t.Fatalf("rollback without the snapshot = %+v", rb)
	}
	if _, unfinished, _ := journal.Unfinished(dir); !unfinished {
		t.Error("the journal was closed although nothing was restored")
	}
}

// Someone's GLB/NETWORK.PPT appears after the checks, just before the
// repair writes its temp file there (a program that ignores the lock):
// the exclusive create refuses it, the repair rolls back, and neither the
// write nor the rollback's clean-up of journaled temp files touches it.
func TestForeignTempAppearingMidRepair(t *testing.T) {
	defer durable.SetFaults(durable.Parse(""))
	dir, before := setup(t, "stale", false)
	ppt := filepath.Join(dir, "GLB", "NETWORK.PPT")
	planted := false
	durable.SetFaults(durable.Parse("").Before(func(what string) {
		if what == "write "+ppt && !planted {
			planted = true
			os.WriteFile(ppt, []byte("someone's notes"), 0o600)
		}
	}))
	res := repair.Repair(context.Background(), dir, repair.Saved(makePlan(t, dir, plan.Options{})), repair.Options{})
	if !planted || res.Status != repair.StatusRolledBack || !strings.Contains(strings.Join(res.Errors, " "), "NETWORK.PPT exists") {
		t.Fatalf("planted %v, result = %+v", planted, res)
	}
	if b, err := os.ReadFile(ppt); err != nil || string(b) != "someone's notes" {
		t.Fatalf("the file at the temp name: %q, %v", b, err)
	}
	os.Remove(ppt)
	sameTree(t, dir, before)
}
