package backup_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/porepair/porepair/backup"
)

// Every snapshot state has one word, its own, and a meaning for the docs;
// its JSON is the word. Only the states a snapshot is whole in are
// complete, and only whole ones can undo a repair.
func TestStateTable(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range backup.States() {
		w := s.String()
		if strings.HasPrefix(w, "state(") || seen[w] || s.Meaning() == "" || strings.Contains(w, " ") {
			t.Errorf("state %d: word %q (seen before: %v), meaning %q", uint8(s), w, seen[w], s.Meaning())
		}
		seen[w] = true
		if b, _ := json.Marshal(s); string(b) != `"`+w+`"` {
			t.Errorf("%s marshals as %s", w, b)
		}
		if s.Undoes() && !s.Whole() {
			t.Errorf("%s undoes a repair but is not whole", w)
		}
	}
	if len(seen) != 5 || !seen[backup.StateDamaged.String()] {
		t.Errorf("States() = %v: misses some", seen)
	}
}
