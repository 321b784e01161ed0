package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/repair"
)

// style is how text output looks. This file is the one place that writes
// ANSI escapes: colour only on a terminal that shows ANSI colour (on
// Windows, a console with virtual-terminal processing), never for
// NO_COLOR set to anything but the empty string (https://no-color.org),
// TERM=dumb, a pipe, a file or --json.
type style struct{ color bool }

func (e *env) style(asJSON bool) style {
	return style{color: !asJSON && colorAllowed(os.Getenv) && isTerminal(e.stdout) && showsANSI(e.stdout)}
}

// colorAllowed is what the environment says: NO_COLOR with any value but
// the empty string (an empty one is as good as unset, no-color.org), or a
// terminal that says it is dumb, turns colour off.
func colorAllowed(getenv func(string) string) bool {
	return getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

// showsANSI asks osfs whether w, a terminal, shows colour escapes.
func showsANSI(w any) bool {
	f, ok := w.(*os.File)
	return ok && osfs.EnableANSI(f)
}

const (
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiGreen  = "\x1b[32m"
	ansiReset  = "\x1b[0m"
)

// wordColor is the one colour table: the colour of each status (a
// fleet's table) and each severity (a diagnose report) on a terminal.
// A word not in it is printed plain.
var wordColor = map[string]string{
	repair.StatusRepaired.String(): ansiGreen,
	repair.StatusRestored.String(): ansiGreen,
	repair.StatusHealthy.String():  ansiGreen,
	repair.StatusProblems.String(): ansiYellow,
	repair.StatusRefused.String():  ansiRed,
	repair.StatusBusy.String():     ansiYellow,
	repair.StatusError.String():    ansiRed, // a status and a severity alike
	diagnose.Warning.String():      ansiYellow,
}

// paint shows text, which stands for word, in word's colour when colour
// is on; it is a plan.Paint.
func (s style) paint(word, text string) string {
	c, ok := wordColor[word]
	if !s.color || !ok {
		return text
	}
	return c + text + ansiReset
}

// status is a status word in its colour.
func (s style) status(st repair.Status) string { return s.paint(st.String(), st.String()) }

// ansiEscape matches the escapes paint writes (and any other CSI).
var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

// visibleWidth is how many columns s takes on a terminal: its runes
// without the colour escapes, which take none.
func visibleWidth(s string) int {
	return utf8.RuneCountInString(ansiEscape.ReplaceAllString(s, ""))
}

// writeTable prints rows as columns two spaces apart, each cell padded to
// its column's widest by visible width, so that a coloured cell lines up
// with the plain header above it (text/tabwriter counts the escapes).
// The last cell of a row is not padded.
func writeTable(w io.Writer, rows [][]string) {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], visibleWidth(cell))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-visibleWidth(cell)+2))
			}
		}
		fmt.Fprintln(w, b.String())
	}
}
