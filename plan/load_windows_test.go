package plan_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/porepair/porepair/plan"
)

// A plan saved for a postoffice on a share names it by its UNC path, which
// loads back as an absolute path; one rooted without a drive or a server
// (\MAILDATA: the current drive's) is refused.
func TestLoadUNCPlan(t *testing.T) {
	pl := mustPlan(t, build(t, "stale"), plan.Options{})
	var buf bytes.Buffer
	if err := pl.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	was, _ := json.Marshal(pl.PO)
	for po, ok := range map[string]bool{`\\server\share\MAILDATA`: true, `\\?\UNC\server\share\MAILDATA`: true, `\MAILDATA`: false} {
		q, _ := json.Marshal(po)
		saved := strings.Replace(buf.String(), `"po": `+string(was), `"po": `+string(q), 1)
		got, err := plan.Load(strings.NewReader(saved))
		if ok && (err != nil || got.PO != po) {
			t.Errorf("%s: load = %v, %v", po, got, err)
		}
		if !ok && err == nil {
			t.Errorf("%s: loaded, a path without a drive or server", po)
		}
	}
}
