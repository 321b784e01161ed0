package diagnose_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

// A NETWORK.GLB cut before the SMTP record (record 3) or emptied: the SMTP
// files are still installed and its queue still holds 3 messages. The
// record's loss is a warning naming the component and its files, and the
// queue is still counted and aged, as an unclaimed mailbag.
func TestDiagnoseRecordMissing(t *testing.T) {
	t.Parallel()
	for name, keep := range map[string]int{"cut": 3, "empty": 0} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := dated(t, "healthy", postoffice.Date{Year: 1993, Month: 10, Day: 8, Hour: 16, Minute: 25})
			fixture.CutNetwork(t, p.Root, keep)
			now := time.Date(1993, 10, 8, 18, 25, 0, 0, time.UTC)
			r := diagnose.Run(p, diagnose.Builtin, diagnose.Clock{Now: now, Location: time.UTC, StalledAfter: time.Hour})
			f := find(t, r, diagnose.ComponentRecordMissing)
			if f.Severity != diagnose.Warning || f.Component != "smtp" || f.File != postoffice.NetworkPath || !r.Problems() ||
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
			if q.Owner != diagnose.UnclaimedOwner || q.Route != diagnose.RouteUnknown || q.Pending != 3 ||
				q.AgeSeconds == nil || *q.AgeSeconds != 2*3600 {
				t.Errorf("queue = %+v", q)
			}
			// Empty mailbags (the users' here) and the external
			// postoffices' (named by XTN files, whatever names those) are
			// not listed.
			for _, q := range r.Queues {
				if q.Owner == diagnose.UnclaimedOwner && q.ID != "0000000A" {
					t.Errorf("unclaimed queue %+v", q)
				}
			}
			if !r.Has(diagnose.QueueStalled) {
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
	r := diagnose.Files(build(t, "type-mismatch"), diagnose.Builtin)
	if r.Has(diagnose.ComponentRecordMissing) {
		t.Errorf("findings = %v", r.Findings)
	}
}
