package diagnose_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

// dated builds a scenario whose queued headers all carry date d.
func dated(t *testing.T, scenario string, d postoffice.Date) *postoffice.PO {
	t.Helper()
	dir := t.TempDir()
	if err := fixture.BuildSpec(dir, fixture.Spec{Scenario: scenario, QueueDate: &d}); err != nil {
		t.Fatal(err)
	}
	p, err := postoffice.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func queueByID(t *testing.T, r *diagnose.Report, id string) diagnose.Queue {
	t.Helper()
	for _, q := range r.Queues {
		if q.ID == id {
			return q
		}
	}
	t.Fatalf("no queue %s in %+v", id, r.Queues)
	return diagnose.Queue{}
}

func findings(r *diagnose.Report, c diagnose.Code) []diagnose.Finding {
	var out []diagnose.Finding
	for _, f := range r.Findings {
		if f.Code == c {
			out = append(out, f)
		}
	}
	return out
}

// Every outbound queue is counted: the gateways' queues and the external
// postoffices' mailbags, with their routes.
func TestQueuesCounted(t *testing.T) {
	t.Parallel()
	r := diagnose.Files(build(t, "stale"), diagnose.Builtin)
	smtp := queueByID(t, r, "0000000A")
	// Q108027's two headers (552 and 554 bytes) and one generated 300-byte
	// header wait; the fourth is deleted in the KEY.
	if smtp.Owner != "gateway SMTP" || smtp.Route != "ACME/HQ/00000004" || smtp.Pending != 3 || smtp.Deleted != 1 ||
		smtp.PendingBytes != 552+554+300 || smtp.Oldest != "1993-10-08T16:25" || smtp.Sender != "Martian" ||
		smtp.Subject != "This is the subject" || smtp.AgeSeconds != nil {
		t.Errorf("SMTP queue = %+v", smtp)
	}
	if q := queueByID(t, r, "0000002E"); q.Route != diagnose.RouteHere || q.Pending != 0 {
		t.Errorf("Connection queue = %+v", q)
	}
	if q := queueByID(t, r, "00000006"); q.Owner != "postoffice ACME/REMOTE" || q.Route != "ACME/HQ/00000030" {
		t.Errorf("REMOTE's mailbag = %+v", q)
	}
	if q := queueByID(t, r, "00000007"); q.Owner != "postoffice PARTNER/PARTPO" || q.Route != "PARTNER/PARTPO/00000007" {
		t.Errorf("PARTPO's mailbag = %+v", q)
	}
	if len(r.Queues) != 6 {
		t.Errorf("%d queues, want 6: %+v", len(r.Queues), r.Queues)
	}
}

// Mail waiting hours: QUEUE_STALLED beside STALE_GATEWAY_ROUTE, about no
// component, naming the queue, route, sender, subject and age.
func TestQueueStalled(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	p := dated(t, "stale", postoffice.DateOf(now.Add(-5*time.Hour)))
	r := diagnose.Run(p, diagnose.Builtin, diagnose.Clock{Now: now, Location: time.UTC, StalledAfter: 2 * time.Hour})
	st := findings(r, diagnose.QueueStalled)
	if len(st) != 1 || !r.Has(diagnose.StaleGatewayRoute) {
		t.Fatalf("QUEUE_STALLED %d times, want 1 beside STALE_GATEWAY_ROUTE: %v", len(st), r.Findings)
	}
	f := st[0]
	for _, want := range []string{"gateway SMTP", "queue 0000000A", "route ACME/HQ/00000004", "from Martian", `"This is the subject"`, "waited 5h00m", "longer than 2h:"} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("message lacks %q: %s", want, f.Message)
		}
	}
	if f.Severity != diagnose.Warning || f.Component != "" || f.Gateway != "" || f.File != "MBG/0000000A.MBG" {
		t.Errorf("finding = %+v", f)
	}
	if q := queueByID(t, r, "0000000A"); q.AgeSeconds == nil || *q.AgeSeconds != 5*3600 {
		t.Errorf("age = %v, want 18000", q.AgeSeconds)
	}
	if q := queueByID(t, r, "00000007"); q.AgeSeconds == nil || *q.AgeSeconds != 0 {
		t.Errorf("empty mailbag's age = %v, want 0", q.AgeSeconds)
	}
}

// Fresh mail, a threshold of 0, or no clock at all: no QUEUE_STALLED.
func TestQueueNotStalled(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	fresh := dated(t, "healthy", postoffice.DateOf(now.Add(-10*time.Minute)))
	r := diagnose.Run(fresh, diagnose.Builtin, diagnose.Clock{Now: now, Location: time.UTC, StalledAfter: 2 * time.Hour})
	if r.Problems() || r.Has(diagnose.QueueStalled) {
		t.Errorf("healthy with fresh mail: %v", r.Findings)
	}
	old := dated(t, "healthy", postoffice.Date{Year: 1993, Month: 10, Day: 9, Hour: 9})
	if r := diagnose.Run(old, diagnose.Builtin, diagnose.Clock{Now: now, StalledAfter: 0}); r.Has(diagnose.QueueStalled) {
		t.Errorf("--stalled-after 0 still reports: %v", r.Findings)
	}
	if r := diagnose.Run(old, diagnose.Builtin, diagnose.Clock{StalledAfter: time.Hour}); r.Has(diagnose.QueueStalled) || queueByID(t, r, "0000000A").AgeSeconds != nil {
		t.Errorf("no clock, yet aged: %v", r.Findings)
	}
	if r := diagnose.Files(old, diagnose.Builtin); r.Has(diagnose.QueueStalled) {
		t.Errorf("Diagnose (planning's) reports QUEUE_STALLED: %v", r.Findings)
	}
}

// MBG dates carry no zone: the same stored 10:00 is 2 hours old in UTC
// and 5 hours old three hours east.
func TestQueueZone(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	p := dated(t, "healthy", postoffice.Date{Year: 2026, Month: 11, Day: 29, Hour: 10})
	for _, c := range []struct {
		loc  *time.Location
		want float64
	}{{time.UTC, 2 * 3600}, {time.FixedZone("EAST", 3*3600), 5 * 3600}} {
		r := diagnose.Run(p, diagnose.Builtin, diagnose.Clock{Now: now, Location: c.loc})
		if q := queueByID(t, r, "0000000A"); q.AgeSeconds == nil || *q.AgeSeconds != c.want {
			t.Errorf("%s: age %v, want %v", c.loc, q.AgeSeconds, c.want)
		}
	}
}

// A date that cannot be a date is shown raw and never ages or stalls.
func TestQueueBadDate(t *testing.T) {
	t.Parallel()
	p := dated(t, "healthy", postoffice.Date{Year: 1995, Month: 13, Day: 1, Hour: 9, Minute: 30})
	r := diagnose.Run(p, diagnose.Builtin, diagnose.Clock{Now: time.Now(), StalledAfter: time.Minute})
	q := queueByID(t, r, "0000000A")
	if q.Oldest != "1995-13-01T09:30" || q.AgeSeconds != nil || r.Has(diagnose.QueueStalled) {
		t.Errorf("queue = %+v, findings %v", q, r.Findings)
	}
}

// An external postoffice's mailbag stalls too: mail for PARTNER/PARTPO
// that EXTERNAL never carried there.
func TestMailbagStalled(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	d := postoffice.DateOf(now.Add(-3 * 24 * time.Hour))
	if err := fixture.BuildSpec(dir, fixture.Spec{Scenario: "healthy", QueueDate: &d}); err != nil {
		t.Fatal(err)
	}
	for _, f := range [][2]string{{"MBG/0000000A.MBG", "MBG/00000007.MBG"}, {"KEY/0000000A.KEY", "KEY/00000007.KEY"}} {
		b, err := os.ReadFile(filepath.Join(dir, f[0]))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f[1]), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := postoffice.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := diagnose.Run(p, diagnose.Builtin, diagnose.Clock{Now: now, Location: time.UTC, StalledAfter: 90 * time.Second})
	var msgs []string
	for _, f := range findings(r, diagnose.QueueStalled) {
		msgs = append(msgs, f.File+": "+f.Message)
	}
	want := "MBG/00000007.MBG: postoffice PARTNER/PARTPO (queue 00000007, route PARTNER/PARTPO/00000007): the oldest of 3 pending messages, from Martian"
	if len(msgs) != 2 || !strings.HasPrefix(msgs[0], want) || !strings.Contains(msgs[0], "waited 3 days") || !strings.Contains(msgs[0], "longer than 1m30s") {
		t.Errorf("QUEUE_STALLED = %q, want the SMTP queue and %q…", msgs, want)
	}
}
