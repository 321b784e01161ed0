package sharetest

import (
	"strings"
	"testing"
)

// TestProgram proves Program runs the cleanups, last first, whether f
// returns, fails or skips, and hands back the failure or the skip.
func TestProgram(t *testing.T) {
	for _, c := range []struct {
		name, skip, err string
		f               func(tb testing.TB)
	}{
		{"ok", "", "", func(testing.TB) {}},
		{"fatal", "", "no smbd", func(tb testing.TB) { tb.Fatalf("no %s", "smbd") }},
		{"skip", "not root", "", func(tb testing.TB) { tb.Skipf("not %s", "root") }},
		{"errorf", "", "late", func(tb testing.TB) { tb.Errorf("late") }},
	} {
		var order []int
		skipped, err := Program(func(tb testing.TB) {
			tb.Cleanup(func() { order = append(order, 1) })
			tb.Cleanup(func() { order = append(order, 2) })
			c.f(tb)
		})
		if skipped != c.skip || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: skipped %q, err %v; want %q, %q", c.name, skipped, err, c.skip, c.err)
		}
		if len(order) != 2 || order[0] != 2 {
			t.Errorf("%s: cleanups ran in the order %v, want [2 1]", c.name, order)
		}
	}
}
