package main

import (
	"strings"
	"testing"

	"github.com/porepair/porepair/repair"
)

// NO_COLOR with any value, even "0", and TERM=dumb turn colour off; an
// empty NO_COLOR does not (no-color.org; README.md says so).
func TestColorAllowed(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{"TERM": "xterm-256color"}, true},
		{map[string]string{}, true}, // a Windows console sets no TERM
		{map[string]string{"TERM": "xterm", "NO_COLOR": "1"}, false},
		{map[string]string{"TERM": "xterm", "NO_COLOR": "0"}, false},
		{map[string]string{"TERM": "xterm", "NO_COLOR": ""}, true},
		{map[string]string{"TERM": "dumb"}, false},
	} {
		if got := colorAllowed(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: colour %v, want %v", c.env, got, c.want)
		}
	}
}

// A coloured cell takes the columns its text shows, not its bytes.
func TestWriteTableVisibleWidth(t *testing.T) {
	t.Parallel()
	st := style{color: true}
	var b strings.Builder
	writeTable(&b, [][]string{
		{"POSTOFFICE", "STATUS", "EXIT"},
		{"/srv/a", st.status(repair.StatusHealthy), "0"},
		{"/srv/bé", st.status(repair.StatusError), "2"},
	})
	lines := strings.Split(strings.TrimSuffix(ansiEscape.ReplaceAllString(b.String(), ""), "\n"), "\n")
	want := []string{
		"POSTOFFICE  STATUS   EXIT",
		"/srv/a      healthy  0",
		"/srv/bé     error    2",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("table:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(b.String(), ansiGreen+"healthy"+ansiReset) {
		t.Errorf("no colour in %q", b.String())
	}
	if got := (style{}).status(repair.StatusError); got != repair.StatusError.String() {
		t.Errorf("colour off painted %q", got)
	}
}
