package repair_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/exitcode"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/repair"
)

// PlanFor answers every precondition of planning itself: the status (and
// through the status table the exit code) and the finding codes behind a
// refusal come out of the call, so that a command renders them and never
// reads them back from an error.
func TestPlanForStatus(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, scenario string
		prepare        func(t *testing.T, dir string)
		status         repair.Status
		code           int
		codes          []diagnose.Code
		why            string // in the error, when there is no plan
	}{
		{"workgroup", "workgroup", nil, repair.StatusRefused, exitcode.Usage,
			[]diagnose.Code{diagnose.WorkgroupPostoffice}, "workgroup postoffice"},
		{"unfinished journal", "stale", unfinishedJournal, repair.StatusRefused, exitcode.Usage,
			[]diagnose.Code{diagnose.InterruptedRepair}, "did not finish"},
		{"holder of another host", "stale", otherHostHolder, repair.StatusBusy, exitcode.Busy, nil, "otherhost"},
		{"refused by the planner", "gateway-gone", nil, repair.StatusRefused, exitcode.Usage,
			[]diagnose.Code{diagnose.GatewayPOMissing}, "gateway route"},
		{"healthy", "healthy", nil, repair.StatusNothingToDo, exitcode.OK, nil, ""},
		{"stale", "stale", nil, repair.StatusPlanned, exitcode.OK, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, _ := setup(t, tc.scenario, false)
			if tc.prepare != nil {
				tc.prepare(t, dir)
			}
			pg := repair.PlanFor(dir, repair.Fresh(smtp()))
			if pg.Status != tc.status || pg.Code() != tc.code || !slices.Equal(pg.Codes, tc.codes) {
				t.Fatalf("status %s, exit %d, codes %v; want %s, %d, %v (%v)", pg.Status, pg.Code(), pg.Codes, tc.status, tc.code, tc.codes, pg.Err)
			}
			if pg.PO == nil {
				t.Fatal("no postoffice: it opens")
			}
			planned := tc.status == repair.StatusPlanned || tc.status == repair.StatusNothingToDo
			if planned != (pg.Plan != nil) || planned != (pg.Err == nil) {
				t.Fatalf("plan %v, error %v for %s", pg.Plan != nil, pg.Err, pg.Status)
			}
			if planned && pg.Plan.NothingToDo != (tc.status == repair.StatusNothingToDo) {
				t.Fatalf("%s, but the plan's nothing_to_do is %v", pg.Status, pg.Plan.NothingToDo)
			}
			if !planned && !strings.Contains(pg.Err.Error(), tc.why) {
				t.Fatalf("%s: %v, want it to say %q", pg.Status, pg.Err, tc.why)
			}
		})
	}
}

// A directory that is not a postoffice is an error, not a refusal, and
// PlanFor says it did not open it (the command words why).
func TestPlanForNotAPostoffice(t *testing.T) {
	t.Parallel()
	pg := repair.PlanFor(t.TempDir(), repair.Fresh(smtp()))
	if pg.Status != repair.StatusError || pg.Code() != exitcode.Usage || pg.PO != nil || pg.Plan != nil || pg.Err == nil || pg.Codes != nil {
		t.Fatalf("status %s, exit %d, po %v, err %v, codes %v", pg.Status, pg.Code(), pg.PO, pg.Err, pg.Codes)
	}
}

func smtp() plan.Options {
	c, _ := diagnose.Find(diagnose.Builtin, "smtp")
	return plan.Options{Component: c}
}

// unfinishedJournal leaves the journal of a repair that began and never
// ended, as a crash does.
func unfinishedJournal(t *testing.T, dir string) {
	if err := os.MkdirAll(filepath.Join(dir, repair.Dir), 0o755); err != nil {
		t.Fatal(err)
	}
	j, err := journal.Create(dir, journal.Record{Op: journal.OpBegin, Kind: journal.KindRepair, Snapshot: "S1"})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
}

// otherHostHolder leaves the server lock of a run on another host: it
// cannot be asked from here, so it runs.
func otherHostHolder(t *testing.T, dir string) {
	if err := os.MkdirAll(journal.HolderFile(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	run := `{"host":"otherhost","pid":4242,"since":"2026-12-01T03:04:05Z","command":"porepair repair"}`
	if err := os.WriteFile(journal.HolderRun(dir), []byte(run), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A repair refused carries the finding codes that caused the refusal in
// its Result, for the log, as a plan refused does in its Planning.
func TestRepairRefusalCodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		scenario string
		prepare  func(t *testing.T, dir string)
		codes    []diagnose.Code
	}{
		{"stale", unfinishedJournal, []diagnose.Code{diagnose.InterruptedRepair}},
		{"gateway-gone", nil, []diagnose.Code{diagnose.GatewayPOMissing}},
		{"workgroup", nil, []diagnose.Code{diagnose.WorkgroupPostoffice}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			dir, _ := setup(t, tc.scenario, false)
			if tc.prepare != nil {
				tc.prepare(t, dir)
			}
			res := repair.Repair(context.Background(), dir, repair.Fresh(smtp()), repair.Options{})
			if res.Status != repair.StatusRefused || !slices.Equal(res.Codes, tc.codes) {
				t.Fatalf("status %s, codes %v; want refused, %v (%v)", res.Status, res.Codes, tc.codes, res.Errors)
			}
		})
	}
}

// A file the planner must read that another program holds open is busy
// (exit 4), as the repair is when it meets it: nothing is damaged, and
// the answer is to run again when ADMIN lets go, not an error.
func TestPlanForHeldFileIsBusy(t *testing.T) {
	t.Parallel()
	dir, _ := setup(t, "stale", false)
	held := func(*postoffice.PO) (*plan.Plan, error) {
		return nil, fmt.Errorf("GLB/NETWORK.GLB cannot be read now: %w", osfs.ErrHeldOpen)
	}
	pg := repair.PlanFor(dir, held)
	if pg.Status != repair.StatusBusy || pg.Code() != exitcode.Busy || pg.Codes != nil || !errors.Is(pg.Err, osfs.ErrHeldOpen) {
		t.Fatalf("status %s, exit %d, codes %v, err %v; want busy, 4", pg.Status, pg.Code(), pg.Codes, pg.Err)
	}
}
