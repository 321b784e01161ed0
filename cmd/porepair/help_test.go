//go:build unix

package main

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/backup"
)

// `porepair help` and `porepair help COMMAND` show the help, as --help
// does, and a subcommand's help names its own examples.
func TestHelpCommand(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"help"}, "COMMANDS:"},
		{[]string{"help", "diagnose"}, "porepair --po /mnt/mail/MAILDATA diagnose --stalled-after 30m"},
		{[]string{"snapshots", "help", "prune"}, "snapshots prune --keep 5 --dry-run"},
		{[]string{"help", "snapshots", "verify"}, "snapshots verify latest"},
		// urfave/cli's own help command, shared by every app and changed
		// by each run, left docs --man in the same process never returning.
		{[]string{"docs", "--man"}, ".SH EXIT STATUS"},
	} {
		code, out, errs := runHere(c.args...)
		if code != exitOK || !strings.Contains(out, c.want) {
			t.Errorf("porepair %v: exit %d, want 0 and %q\n%s%s", c.args, code, c.want, out, errs)
		}
	}
}

// A misspelt flag is one line with the flag meant, by its long name, and
// none when no flag is near; a fleet's flag given to a command that works
// on one postoffice is refused as such before or after the command; a bad
// duration says the form one takes.
func TestUsageErrorsSayWhatToType(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"diagnose", "--stalled-afte", "2h"}, "porepair: unknown flag --stalled-afte. Did you mean --stalled-after?\n"},
		{[]string{"--jsn", "diagnose"}, "porepair: unknown flag --jsn. Did you mean --json?\n"},
		{[]string{"diagnose", "--stalled-after", "30"}, "porepair: --stalled-after \"30\": not a duration; give a number and a unit, such as 30m, 2h or 1h30m (0 for none)\n"},
		{[]string{"--po-list", "x", "inspect"}, "porepair: inspect works on one postoffice: give it --po DIR, not --po-list\n"},
		{[]string{"--parallel", "2", "snapshots", "list"}, "porepair: snapshots works on one postoffice: give it --po DIR, not --parallel\n"},
		{[]string{"snapshots", "--parallel", "2", "list"}, "porepair: snapshots works on one postoffice: give it --po DIR, not --parallel\n"},
		{[]string{"snapshots", "list", "--po-list", "x"}, "porepair: snapshots works on one postoffice: give it --po DIR, not --po-list\n"},
		{[]string{"inspect", "--parallel", "2"}, "porepair: inspect works on one postoffice: give it --po DIR, not --parallel\n"},
		{[]string{"repair", "--yse"}, "porepair: unknown flag --yse. Did you mean --yes?\n"},
		{[]string{"snapshots", "prune", "--kep", "3"}, "porepair: unknown flag --kep. Did you mean --keep?\n"},
		{[]string{"diagnose", "--yse"}, "porepair: unknown flag --yse\n"},
		{[]string{"--yse", "diagnose"}, "porepair: unknown flag --yse\n"},
		{[]string{"--verbose", "diagnose"}, "porepair: unknown flag --verbose\n"},
		{[]string{"repair", "--x"}, "porepair: unknown flag --x\n"},
	} {
		code, out, errs := runHere(c.args...)
		if code != exitUsage || errs != c.want || out != "" {
			t.Errorf("porepair %v: exit %d, stderr %q, stdout %q; want 2 and %q", c.args, code, errs, out, c.want)
		}
	}
}

// Every command and subcommand shows examples; inspect and snapshots, which
// work on one postoffice, offer none of the fleet's flags.
func TestEveryCommandHasExamples(t *testing.T) {
	t.Parallel()
	var walk func(path string, cmds []*cli.Command)
	walk = func(path string, cmds []*cli.Command) {
		for _, c := range cmds {
			name := strings.TrimSpace(path + " " + c.Name)
			if !strings.Contains(c.UsageText, "porepair ") {
				t.Errorf("%s: no examples (UsageText %q)", name, c.UsageText)
			}
			top := strings.Fields(name)[0]
			for _, f := range c.Flags {
				if (top == "inspect" || top == "snapshots") && (f.Names()[0] == "parallel" || f.Names()[0] == "po-list") {
					t.Errorf("%s offers --%s, a fleet's flag it refuses", name, f.Names()[0])
				}
				if top == "inspect" || top == "snapshots" {
					if u, ok := f.(cli.DocGenerationFlag); ok && strings.Contains(u.GetUsage(), "fleet") {
						t.Errorf("%s: --%s says %q", name, f.Names()[0], u.GetUsage())
					}
				}
			}
			walk(name, c.Subcommands)
		}
	}
	walk("", newApp(&env{}).Commands)
}

// inspect and snapshots take --po once, and their help shows it once; a
// fleet's command shows that it may be repeated.
func TestOnePOHelpShowsPoOnce(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"inspect", "--help"}, {"snapshots", "list", "--help"}, {"diagnose", "--help"}} {
		code, out, _ := runHere(args...)
		repeated := strings.Contains(out, "--po DIR [ --po DIR ]")
		if code != exitOK || !strings.Contains(out, "--po DIR") || repeated != (args[0] == "diagnose") {
			t.Errorf("porepair %v: exit %d, --po shown repeatable: %v\n%s", args, code, repeated, out)
		}
	}
}

// The help's example snapshot id has the shape of the ids porepair makes.
func TestExampleSnapshotIDShape(t *testing.T) {
	t.Parallel()
	shape := regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}-[0-9a-f]{6}$`)
	if id := backup.NewID("/mnt/mail", time.Now()); !shape.MatchString(id) {
		t.Fatalf("backup.NewID made %q: the shape this test knows is out of date", id)
	}
	if !shape.MatchString(exampleSnapshotID) {
		t.Errorf("exampleSnapshotID %q is not shaped like a snapshot id", exampleSnapshotID)
	}
}

// --version prints the module version and VCS revision that the Go
// toolchain recorded in the binary (go version -m shows the same).
func TestVersionFromBuildInfo(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	info, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{}
	for _, line := range strings.Split(string(info), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[0] == "mod":
			want = append(want, f[2])
		case len(f) >= 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.revision="):
			want = append(want, "revision "+strings.TrimPrefix(f[1], "vcs.revision="))
		}
	}
	if len(want) == 0 {
		t.Fatalf("go version -m %s shows no module version:\n%s", bin, info)
	}
	code, out, _ := porepair(t, nil, "--version")
	for _, w := range want {
		if code != 0 || !strings.Contains(out, w) {
			t.Errorf("--version: exit %d, %q; want %q in it", code, out, w)
		}
	}
}
