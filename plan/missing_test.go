package plan_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
)

// cutNetwork keeps the first n records of a built postoffice's NETWORK.GLB:
// a cut at a record boundary passes the size check.
func cutNetwork(t *testing.T, p *postoffice.PO, n int) {
	t.Helper()
	file := p.Abs(postoffice.NetworkPath)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b[:n*postoffice.NetRecordSize], 0o644); err != nil {
		t.Fatal(err)
	}
}

// A NETWORK.GLB cut before the SMTP record (record 3) or emptied: the SMTP
// files are still installed and its queue still holds 3 messages. The
// record's loss is a warning naming the component and its files, and the
// queue is still counted and aged, as an unclaimed mailbag.
func TestDiagnoseRecordMissing(t *testing.T) {
	t.Parallel()
	for name, keep := range map[string]int{"cut": 3, "empty": 0} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := build(t, "healthy")
			cutNetwork(t, p, keep)
			now := time.Date(1993, 10, 8, 18, 25, 0, 0, time.UTC)
			r := plan.DiagnoseWith(p, plan.Builtin, plan.Clock{Now: now, Location: time.UTC, StalledAfter: time.Hour})
			f := find(t, r, plan.ComponentRecordMissing)
			if f.Severity != plan.Warning || f.Component != "smtp" || f.File != postoffice.NetworkPath || !r.Problems() ||
				!slices.Contains(f.KB, "Q86933") {
				t.Errorf("finding = %+v", *f)
			}
			for _, want := range []string{"smtp access component", "TPL/SMTP.TPL", "GLB/SMTP.GLB", "NME/SMTP.NME",
				"no active SMTP record", "0000000A (3 messages waiting, the oldest from 1993-10-08T16:25)", "INSTALL -R, then INSTALL"} {
				if !strings.Contains(f.Message, want) {
					t.Errorf("message lacks %q: %s", want, f.Message)
				}
			}
			q := queueByID(t, r, "0000000A")
			if q.Owner != plan.UnclaimedOwner || q.Route != plan.RouteUnknown || q.Pending != 3 ||
				q.AgeSeconds == nil || *q.AgeSeconds != 2*3600 {
				t.Errorf("queue = %+v", q)
			}
			// Empty mailbags (the users' here) and the external
			// postoffices' (named by XTN files, whatever names those) are
			// not listed.
			for _, q := range r.Queues {
				if q.Owner == plan.UnclaimedOwner && q.ID != "0000000A" {
					t.Errorf("unclaimed queue %+v", q)
				}
			}
			if !r.Has(plan.QueueStalled) {
				t.Errorf("no QUEUE_STALLED for the 2-hour-old mail: %v", r.Findings)
			}
		})
	}
}

// A component whose files are gone as well is not installed: nothing to
// report (the not-installed scenario stays healthy, TestDiagnoseScenarios).
// One whose name is taken by a record of another type is
// COMPONENT_TYPE_MISMATCH only.
func TestDiagnoseRecordMissingNotTwice(t *testing.T) {
	t.Parallel()
	r := plan.Diagnose(build(t, "type-mismatch"), plan.Builtin)
	if r.Has(plan.ComponentRecordMissing) {
		t.Errorf("findings = %v", r.Findings)
	}
}

// The plan for a component whose record is gone but whose files are there
// is refused because of that finding, and the refusal carries its code.
func TestPlanRecordMissingRefusal(t *testing.T) {
	t.Parallel()
	p := build(t, "healthy")
	cutNetwork(t, p, 3)
	_, err := plan.Build(p, plan.Options{Component: smtp(t)})
	if codes := plan.RefusalCodes(err); !slices.Equal(codes, []plan.Code{plan.ComponentRecordMissing}) ||
		!strings.Contains(err.Error(), "--gateway NET/PO and --media DIR") {
		t.Errorf("refusal %v has codes %v", err, codes)
	}
}
