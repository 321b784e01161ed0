package diagnose_test

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/repair"
)

// An unfinished journal is INTERRUPTED_REPAIR, beside the files'
// findings; Files, which planning reads, does not look at it.
func TestRunInterruptedRepair(t *testing.T) {
	t.Parallel()
	p := build(t, "stale")
	if err := os.MkdirAll(p.Abs(journal.Dir), 0o755); err != nil {
		t.Fatal(err)
	}
	j, err := journal.Create(p.Root, journal.Record{Op: journal.OpBegin, Kind: journal.KindRepair, Snapshot: "S1"})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	r := diagnose.Run(p, diagnose.Builtin, diagnose.Clock{})
	if f := r.First(diagnose.InterruptedRepair, ""); f == nil || f.File != journal.Name || !r.Has(diagnose.StaleGatewayRoute) {
		t.Errorf("Run = %v, want INTERRUPTED_REPAIR on %s and the stale route", r.Findings, journal.Name)
	}
	if diagnose.Files(p, diagnose.Builtin).Has(diagnose.InterruptedRepair) {
		t.Error("Files reports the journal")
	}
}

// While a run holds the postoffice, Run reports REPAIR_RUNNING alone and
// no queues: what it read may be half-way through the run's renames.
func TestRunRepairRunning(t *testing.T) {
	t.Parallel()
	p := build(t, "stale")
	l, err := repair.Acquire(p)
	if err != nil {
		t.Fatal(err)
	}
	r := diagnose.Run(p, diagnose.Builtin, diagnose.Clock{Now: time.Now(), StalledAfter: time.Hour})
	if len(r.Findings) != 1 || r.Findings[0].Code != diagnose.RepairRunning || len(r.Queues) != 0 {
		t.Errorf("Run under a lock = %v, queues %v; want REPAIR_RUNNING alone", r.Findings, r.Queues)
	}
	l.Release()
	if r := diagnose.Run(p, diagnose.Builtin, diagnose.Clock{}); r.Has(diagnose.RepairRunning) || len(r.Queues) == 0 {
		t.Errorf("Run after the release = %v, queues %v", r.Findings, r.Queues)
	}
}

// About answers which findings a reinstall of a component through a
// gateway postoffice is for: the stale route's (about SMTP) and the hub
// counter's (about the gateway postoffice), nothing about another
// component, and no info finding.
func TestReportAbout(t *testing.T) {
	t.Parallel()
	r := diagnose.Files(build(t, "stale"), diagnose.Builtin)
	codes := func(fs []diagnose.Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Code.String())
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	if got := codes(r.About("smtp", "")); !slices.Contains(got, diagnose.StaleGatewayRoute.String()) || slices.Contains(got, diagnose.HubCountMismatch.String()) {
		t.Errorf("About(smtp) = %v", got)
	}
	gw := diagnose.GatewayOf("acme", "hq")
	if got := codes(r.About("", gw)); !slices.Equal(got, []string{diagnose.HubCountMismatch.String()}) {
		t.Errorf("About(%s) = %v, want the hub counter's", gw, got)
	}
	if got := r.About("x400", ""); len(got) != 0 {
		t.Errorf("About(x400) = %v, want none", got)
	}
	for _, f := range r.About("smtp", gw) {
		if f.Severity < diagnose.Warning {
			t.Errorf("About returned %s, an info finding", f.Code)
		}
	}
}
