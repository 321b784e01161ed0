package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/exitcode"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/repair"
)

// manSection is the man page's section: porepair is a command a user (the
// mail administrator) runs, installed as porepair.1 (make install,
// README.md).
const manSection = 1

// manPage is the reference as a man page: urfave/cli's synopsis, commands
// and options, then what it leaves out: EXIT STATUS, STATUS, ENVIRONMENT,
// FILES.
func manPage(app *cli.App) (string, error) {
	s, err := app.ToManWithSection(manSection)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(s)
	b.WriteString("\n.SH EXIT STATUS\n")
	for _, m := range exitcode.Meanings {
		fmt.Fprintf(&b, ".TP\n.B %d\n%s\n", m.Code, roff(m.Meaning))
	}
	b.WriteString(".PP\n" + fleetExit() + "\n")
	b.WriteString("\n.SH STATUS\nEach postoffice's result has one status word, the same in the text, in --json's status, in the log's status and in a fleet's table.\n")
	for _, s := range repair.Statuses() {
		fmt.Fprintf(&b, ".TP\n.B %s\n%s (exit %d)\n", s, roff(s.Meaning()), s.Code())
	}
	b.WriteString("\n.SH ENVIRONMENT\n")
	for _, v := range manEnvironment {
		fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", v[0], roff(v[1]))
	}
	b.WriteString("\n.SH FILES\n")
	for _, f := range manFiles() {
		fmt.Fprintf(&b, ".TP\n.I %s\n%s\n", f[0], roff(f[1]))
	}
	return b.String(), nil
}

// fleetExit says which code a fleet exits with, in package exitcode's
// order (README.md says it in the same words; a test keeps it so).
func fleetExit() string {
	codes := make([]string, 0, len(exitcode.Order()))
	for _, c := range exitcode.Order() {
		codes = append(codes, strconv.Itoa(c))
	}
	return "A fleet exits with the worst code, in the order " + strings.Join(codes, ", ") + "."
}

// manEnvironment is every variable porepair reads (TestManPage finds
// those its code reads).
var manEnvironment = [][2]string{
	{"POREPAIR_PO", "the postoffice when neither --po nor --po-list is given"},
	{"NO_COLOR", "set to anything but the empty string: no colour even on a terminal"},
	{"TERM", "dumb: no colour even on a terminal"},
	{"TZ", "the zone MBG dates (which carry none) are read in, unless --tz is given"},
	{heldRetryEnv, "how long a restore's rename, or the release of POREPAIR/HOLDER, waits for a file another client holds open: a duration such as 30s; default " + heldRetryDefault.String()},
	{"POREPAIR_FAULT", "the test builds' fault hook (-tags faultinject); a release build does not read it"},
}

// manFiles are the files porepair keeps in, and locks in, a postoffice.
func manFiles() [][2]string {
	return [][2]string{
		{"MAILDATA/" + postoffice.IdentityPath, "the postoffice's identity, given by its first repair: snapshots, journals and saved plans name the postoffice by it"},
		{"MAILDATA/" + journal.Name, "the journal of the last repair or rollback; an unfinished one is " + diagnose.InterruptedRepair.String()},
		{"MAILDATA/" + postoffice.SnapshotDir + "/", "the snapshots, one directory each, unless --snapshot-dir DIR"},
		{"MAILDATA/" + postoffice.LockPath, "porepair's lock, held with GLB/FLAG.GLB's while it writes"},
		{"MAILDATA/" + postoffice.HolderPath + "/", "the lock every client of a share sees, a directory made while porepair writes; its file RUN (" + postoffice.HolderRunPath + ") names the run (host, pid, since, command). One a run that died left behind is removed by porepair unlock"},
	}
}

// roff escapes text for a man page: a backslash, and a line that would
// start with a control character.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "`", "")
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
