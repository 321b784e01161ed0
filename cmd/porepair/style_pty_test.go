//go:build unix

package main

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// colourEscape is a foreground colour, what style writes.
var colourEscape = regexp.MustCompile("\x1b\\[3[0-9]m")

// On a terminal the fleet table is in colour and its columns still line
// up: each status starts under STATUS, each exit code under EXIT, as on
// a pipe. NO_COLOR (any value) and TERM=dumb turn the colour off.
func TestFleetTableColourAligned(t *testing.T) {
	t.Parallel()
	healthy, _ := scenarioPO(t, "healthy")
	gone, _ := scenarioPO(t, "gateway-gone")
	for _, c := range []struct {
		name   string
		env    []string
		colour bool
	}{
		{"terminal", []string{"TERM=xterm"}, true},
		{"NO_COLOR", []string{"TERM=xterm", "NO_COLOR=0"}, false},
		{"dumb", []string{"TERM=dumb"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(binary(t), "--po", healthy, "--po", gone, "diagnose")
			cmd.Env = append(withoutEnv(os.Environ(), "NO_COLOR", "TERM"), c.env...)
			_, out := onTTY(t, cmd, nil)
			if got := colourEscape.MatchString(out); got != c.colour {
				t.Fatalf("colour %v, want %v:\n%q", got, c.colour, out)
			}
			checkAligned(t, ansiEscape.ReplaceAllString(out, ""), healthy, gone)
		})
	}
}

// checkAligned finds the fleet table in out and checks that each row's
// status and exit code start in the header's columns.
func checkAligned(t *testing.T, out string, pos ...string) {
	t.Helper()
	lines := strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n")
	var header string
	rows := map[string]string{}
	for _, l := range lines {
		l = l[strings.LastIndexByte(l, '\r')+1:] // after a progress bar's redraws
		if strings.HasPrefix(l, "POSTOFFICE") {
			header = l
		}
		for _, po := range pos {
			if strings.HasPrefix(l, po+" ") {
				rows[po] = l
			}
		}
	}
	if header == "" || len(rows) != len(pos) {
		t.Fatalf("no fleet table in:\n%s", out)
	}
	for _, col := range []string{"STATUS", "EXIT"} {
		at := strings.Index(header, col)
		for po, row := range rows {
			if at > len(row) || row[at-1] != ' ' || row[at] == ' ' {
				t.Errorf("%s of %s does not start at column %d:\n%s\n%s", col, po, at, header, row)
			}
		}
	}
}

// withoutEnv is environ without the named variables.
func withoutEnv(environ []string, names ...string) []string {
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, name) {
			out = append(out, kv)
		}
	}
	return out
}
