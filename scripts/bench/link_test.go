package main

import "testing"

// TestReplaceSection proves -link-only replaces the slow-link section
// alone, wherever it is, or appends it.
func TestReplaceSection(t *testing.T) {
	sec := linkHeading + "\n\nnew\n"
	for _, c := range []struct{ doc, want string }{
		{"# B\n\nx\n", "# B\n\nx\n\n" + sec},
		{"# B\n\n" + linkHeading + "\n\nold\n", "# B\n\n" + sec},
		{"# B\n\n" + linkHeading + "\n\nold\n\n## Next\n\ny\n", "# B\n\n" + sec + "\n## Next\n\ny\n"},
	} {
		if got := replaceSection(c.doc, sec); got != c.want {
			t.Errorf("replaceSection(%q) = %q, want %q", c.doc, got, c.want)
		}
	}
}
