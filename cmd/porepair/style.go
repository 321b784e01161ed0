package main

import (
	"os"

	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/repair"
)

// style is how text output looks: colour only on a terminal that shows
// ANSI colour (on Windows, a console with virtual-terminal processing),
// never for NO_COLOR (https://no-color.org), a pipe or --json.
type style struct{ color bool }

func (e *env) style(asJSON bool) style {
	return style{color: !asJSON && os.Getenv("NO_COLOR") == "" && isTerminal(e.stdout) && showsANSI(e.stdout)}
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
	ansiPlain  = "\x1b[39m" // the default colour: as long as the others, so table columns stay aligned
	ansiReset  = "\x1b[0m"
)

// paint wraps s in an ANSI colour when colour is on.
func (s style) paint(ansi, text string) string {
	if !s.color || ansi == "" {
		return text
	}
	return ansi + text + ansiReset
}

// statusColor is the colour of each fleet status word.
var statusColor = map[string]string{
	repair.StatusRepaired.String(): ansiGreen,
	repair.StatusRestored.String(): ansiGreen,
	statusHealthy:                  ansiGreen,
	statusProblems:                 ansiYellow,
	repair.StatusRefused.String():  ansiRed,
	repair.StatusBusy.String():     ansiYellow,
	statusError:                    ansiRed,
}

func (s style) status(st string) string {
	c, ok := statusColor[st]
	if !ok {
		c = ansiPlain
	}
	return s.paint(c, st)
}
