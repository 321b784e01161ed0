package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

// --tz says in which zone MBG dates were written: mail queued an hour ago
// on a machine in Tokyo is an hour old read in Tokyo's zone, and not yet
// queued at all read in Honolulu's (19 hours behind), whatever the host's
// zone is.
func TestDiagnoseTZ(t *testing.T) {
	t.Parallel()
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "po")
	d := postoffice.DateOf(time.Now().In(tokyo).Add(-time.Hour))
	if err := fixture.BuildSpec(dir, fixture.Spec{Scenario: "healthy", QueueDate: &d}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		zone     string
		min, max float64
		code     int
	}{
		{"Asia/Tokyo", 3600, 3720, exitOK},
		{"Pacific/Honolulu", 0, 0, exitOK},
	} {
		code, out, errs := runHere("--po", dir, "diagnose", "--json", "--stalled-after", "2h", "--tz", c.zone)
		var doc struct {
			Queues []struct {
				ID  string   `json:"id"`
				Age *float64 `json:"oldest_age_seconds"`
			} `json:"queues"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || code != c.code {
			t.Fatalf("--tz %s: exit %d, %v\n%s%s", c.zone, code, err, out, errs)
		}
		found := false
		for _, q := range doc.Queues {
			if q.ID != "0000000A" {
				continue
			}
			found = true
			if q.Age == nil || *q.Age < c.min || *q.Age > c.max {
				t.Errorf("--tz %s: age %v, want %v..%v", c.zone, q.Age, c.min, c.max)
			}
		}
		if !found {
			t.Errorf("--tz %s: no SMTP queue in %s", c.zone, out)
		}
	}
}
