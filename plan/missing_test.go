package plan_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/testdata/fixture"
)

// The plan for a component whose record is gone but whose files are there
// is refused because of that finding, and the refusal carries its code.
func TestPlanRecordMissingRefusal(t *testing.T) {
	t.Parallel()
	p := build(t, "healthy")
	fixture.CutNetwork(t, p.Root, 3)
	_, err := plan.Build(p, plan.Options{Component: smtp(t)})
	if codes := plan.RefusalCodes(err); !slices.Equal(codes, []diagnose.Code{diagnose.ComponentRecordMissing}) ||
		!strings.Contains(err.Error(), "--gateway NET/PO and --media DIR") {
		t.Errorf("refusal %v has codes %v", err, codes)
	}
}
