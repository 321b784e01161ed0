package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

// A NETWORK.GLB cut at a record boundary before the SMTP record, or
// emptied, leaves the SMTP files installed and its queue holding mail
// that has waited 5 hours: diagnose warns (exit 3) with
// COMPONENT_RECORD_MISSING, and the queue's age is still in --json and in
// the --metrics file. Before the finding existed, the empty file diagnosed
// healthy (exit 0) and the queue vanished from both.
func TestDiagnoseRecordMissing(t *testing.T) {
	t.Parallel()
	for name, keep := range map[string]int{"cut": 3, "empty": 0} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			po := filepath.Join(dir, "po")
			d := postoffice.DateOf(time.Now().Add(-5 * time.Hour))
			if err := fixture.BuildSpec(po, fixture.Spec{Scenario: "healthy", QueueDate: &d}); err != nil {
				t.Fatal(err)
			}
			fixture.CutNetwork(t, po, keep)
			prom := filepath.Join(dir, "porepair.prom")
			code, out, errs := runHere("--po", po, "diagnose", "--json", "--metrics", prom)
			if code != exitProblems {
				t.Fatalf("exit %d, want %d\n%s%s", code, exitProblems, out, errs)
			}
			checkRecordMissingJSON(t, out)
			checkRecordMissingMetrics(t, prom)
		})
	}
}

func checkRecordMissingJSON(t *testing.T, out string) {
	t.Helper()
	var r struct {
		Findings []struct{ Code, Severity, Message string }
		Queues   []struct {
			ID    string
			Owner string
			Age   *float64 `json:"oldest_age_seconds"`
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	found := false
	for _, f := range r.Findings {
		if f.Code == "COMPONENT_RECORD_MISSING" {
			found = f.Severity == "warning" && strings.Contains(f.Message, "smtp access component") &&
				strings.Contains(f.Message, "NME/SMTP.NME") && strings.Contains(f.Message, "0000000A")
		}
	}
	if !found {
		t.Errorf("no COMPONENT_RECORD_MISSING warning naming smtp, its files and its queue:\n%s", out)
	}
	for _, q := range r.Queues {
		if q.ID == "0000000A" {
			if q.Age == nil || *q.Age < 5*3600 || *q.Age > 5*3600+300 {
				t.Errorf("queue 0000000A (%s) age = %v, want about 18000 s", q.Owner, q.Age)
			}
			return
		}
	}
	t.Errorf("queue 0000000A not reported:\n%s", out)
}

func checkRecordMissingMetrics(t *testing.T, prom string) {
	t.Helper()
	b, err := os.ReadFile(prom)
	if err != nil {
		t.Fatal(err)
	}
	var age, findings string
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "porepair_queue_oldest_age_seconds{") && strings.Contains(line, `queue="0000000A"`):
			age = line[strings.LastIndex(line, " ")+1:]
		case strings.HasPrefix(line, "porepair_findings{") && strings.Contains(line, `code="COMPONENT_RECORD_MISSING"`) &&
			strings.Contains(line, `severity="warning"`):
			findings = line[strings.LastIndex(line, " ")+1:]
		}
	}
	if v, err := strconv.ParseFloat(age, 64); err != nil || v < 5*3600 || v > 5*3600+300 {
		t.Errorf("porepair_queue_oldest_age_seconds for 0000000A = %q, want about 18000\n%s", age, b)
	}
	if findings != "1" {
		t.Errorf("porepair_findings COMPONENT_RECORD_MISSING = %q, want 1\n%s", findings, b)
	}
}
