package plan_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

// build writes a scenario into a temp dir and opens it.
func build(t testing.TB, scenario string) *postoffice.PO {
	t.Helper()
	dir := t.TempDir()
	if err := fixture.BuildSpec(dir, fixture.Spec{Scenario: scenario, Lower: scenario == "lower"}); err != nil {
		t.Fatal(err)
	}
	p, err := postoffice.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func codes(r *plan.Report, min plan.Severity) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Severity >= min && !slices.Contains(out, f.Code.String()) {
			out = append(out, f.Code.String())
		}
	}
	slices.Sort(out)
	return out
}

func TestDiagnoseScenarios(t *testing.T) {
	want := map[string][]string{
		"healthy":          nil,
		"not-installed":    nil,
		"stale":            {"HUB_COUNT_MISMATCH", "STALE_GATEWAY_ROUTE"},
		"lower":            {"HUB_COUNT_MISMATCH", "STALE_GATEWAY_ROUTE"},
		"damaged":          {"BAD_FILE_SIZE", "HUB_COUNT_MISMATCH", "STALE_GATEWAY_ROUTE"},
		"gateway-gone":     {"GATEWAY_PO_MISSING"},
		"gateway-indirect": {"GATEWAY_PO_INDIRECT"},
		"hub-wrong":        {"HUB_COUNT_MISMATCH"},
		"counter-behind":   {"COUNTER_BEHIND"},
		"xtn-missing":      {"XTN_MISSING"},
		"key-without-mbg":  {"KEY_MBG_UNPAIRED"},
		"queue-missing":    {"KEY_MBG_UNPAIRED", "QUEUE_MISSING"},
		"files-missing":    {"COMPONENT_FILES_MISSING"},
	}
	for _, sc := range fixture.Scenarios {
		t.Run(sc, func(t *testing.T) {
			w, ok := want[sc]
			if !ok {
				t.Fatalf("no expectation for scenario %s", sc)
			}
			r := plan.Diagnose(build(t, sc), plan.Builtin)
			if got := codes(r, plan.Warning); !slices.Equal(got, w) {
				t.Errorf("codes = %v, want %v\n%v", got, w, r.Findings)
			}
		})
	}
}

func TestDiagnoseStaleDetails(t *testing.T) {
	r := plan.Diagnose(build(t, "stale"), plan.Builtin)
	var stale, hub, pending *plan.Finding
	for i, f := range r.Findings {
		switch f.Code {
		case plan.StaleGatewayRoute:
			stale = &r.Findings[i]
		case plan.HubCountMismatch:
			hub = &r.Findings[i]
		case plan.QueuePending:
			pending = &r.Findings[i]
		}
	}
	if stale == nil || hub == nil || pending == nil {
		t.Fatalf("missing findings: %v", r.Findings)
	}
	if stale.Severity != plan.Error || stale.File != "GLB/NETWORK.GLB" || stale.Component != "smtp" ||
		!slices.Contains(stale.KB, "Q135031") || !strings.Contains(stale.Message, "00000030") {
		t.Errorf("stale finding = %+v", *stale)
	}
	if hub.PO != "ACME/HQ" || hub.Severity != plan.Warning || !strings.Contains(hub.Message, "hub counter is 1, but 2 routes") {
		t.Errorf("hub finding = %+v", *hub)
	}
	// The queue begins with Q108027's headers: 1993-10-08 16:25 is the oldest.
	if pending.Severity != plan.Info || !strings.Contains(pending.Message, "3 headers") ||
		!strings.Contains(pending.Message, "1993-10-08T16:25") {
		t.Errorf("pending finding = %+v", *pending)
	}
	// Sorted by file, then code.
	for i := 1; i < len(r.Findings); i++ {
		a, b := r.Findings[i-1], r.Findings[i]
		if a.File > b.File || a.File == b.File && a.Code.String() > b.Code.String() {
			t.Errorf("findings out of order: %v before %v", a, b)
		}
	}
}
