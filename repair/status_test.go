package repair_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/porepair/porepair/repair"
)

// Every status has one word, its own, and a meaning for the docs; its
// JSON is the word.
func TestStatusTable(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range repair.Statuses() {
		w := s.String()
		if strings.HasPrefix(w, "status(") || seen[w] || s.Meaning() == "" {
			t.Errorf("status %d: word %q (seen before: %v), meaning %q", uint8(s), w, seen[w], s.Meaning())
		}
		seen[w] = true
		if b, _ := json.Marshal(s); string(b) != `"`+w+`"` {
			t.Errorf("%s marshals as %s", w, b)
		}
	}
	if len(seen) < 12 || !seen[repair.StatusError.String()] || !seen[repair.StatusHealthy.String()] {
		t.Errorf("Statuses() = %v: misses some", seen)
	}
}
