package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The command layer renders through its views only: JSON in view_json.go,
// colour (ANSI escapes) in style.go. A file of its own that imports
// encoding/json or writes an escape would be a second place for either.
func TestViewsOwnJSONAndColour(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if f != "view_json.go" && strings.Contains(s, `"encoding/json"`) {
			t.Errorf("%s handles JSON outside the JSON view (view_json.go)", f)
		}
		if f != "style.go" && (strings.Contains(s, `\x1b`) || strings.Contains(s, `\033`) || strings.Contains(s, `\u001b`)) {
			t.Errorf("%s writes an ANSI escape outside the style (style.go)", f)
		}
	}
	// The domain packages return typed values: a report or a plan laid
	// out for a person (tables, colour) is a view, the command's.
	for _, pkg := range []string{"../../diagnose", "../../plan", "../../repair", "../../backup", "../../postoffice", "../../journal"} {
		fs, _ := filepath.Glob(filepath.Join(pkg, "*.go"))
		for _, f := range fs {
			b, _ := os.ReadFile(f)
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			if strings.Contains(string(b), `\x1b[`) {
				t.Errorf("%s writes an ANSI escape: colour belongs to the command's style", f)
			}
			if strings.Contains(string(b), `"text/tabwriter"`) || strings.Contains(string(b), ") WriteText(") {
				t.Errorf("%s lays out text for a person: that is the command's text view (view_text.go)", f)
			}
		}
	}
}
