package main

import (
	"fmt"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// exampleSnapshotID is the snapshot id the help's examples show, in the
// shape backup.NewID gives one (time, PO hash, random bits); a test keeps
// the two alike.
const exampleSnapshotID = "20261128T020000Z-1a2b3c-4d5e6f"

// The flag package's words for an unknown flag and a value it could not
// parse: usageError turns them into one line that says what to type.
var (
	unknownFlag = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	badValue    = regexp.MustCompile(`^invalid value "(.*)" for flag -+([^:]+): `)
)

// usageError is the usage-error handler of the app and of every command:
// exit 2, a misspelt flag with the nearest one the command has, a bad
// duration with the form it takes.
func usageError(c *cli.Context, err error, _ bool) error {
	flags := c.App.Flags
	if c.Command != nil && len(c.Command.Flags) > 0 {
		flags = c.Command.Flags
	}
	msg := err.Error()
	if m := unknownFlag.FindStringSubmatch(msg); m != nil {
		return unknownFlagError(c, flags, m[1])
	}
	if m := badValue.FindStringSubmatch(msg); m != nil {
		for _, f := range flags {
			if _, ok := f.(*cli.DurationFlag); ok && f.Names()[0] == m[2] {
				return usagef("--%s %q: not a duration; give a number and a unit, such as 30m, 2h or 1h30m (0 for none)", m[2], m[1])
			}
		}
	}
	return exit(exitUsage, err)
}

// unknownFlagError says what to type instead of an unknown flag. A
// fleet's flag given to a command that works on one postoffice, or to one
// of its subcommands, is refused as oneOnly refuses it before the
// command: the flag exists, the command does not take it.
func unknownFlagError(c *cli.Context, flags []cli.Flag, name string) error {
	if top := topCommand(c); top != nil && slices.Contains(onePOCommands, top.Name) && slices.Contains(fleetFlags, name) {
		return notOnePO(top.Name, name)
	}
	if s := nearestFlag(flags, name); s != "" {
		return usagef("unknown flag --%s. Did you mean --%s?", name, s)
	}
	return usagef("unknown flag --%s", name)
}

// topCommand is the app's command that c runs, or runs a subcommand of;
// nil before any command.
func topCommand(c *cli.Context) *cli.Command {
	for _, cc := range c.Lineage() {
		if cc.Command != nil && findCommand(c.App.Commands, cc.Command.Name) == cc.Command {
			return cc.Command
		}
	}
	return nil
}

// nearestFlag is the long name of the visible flag nearest to a misspelt
// one, "" when none is near. Near is a few edits (a swap of two letters
// counting as one), at most a third of the letters typed and fewer than
// all of them: --yse is --yes, but --x is not --yes by way of -y, and a
// word that is no flag's (--yse to diagnose) gets no guess.
func nearestFlag(flags []cli.Flag, typed string) string {
	best, bestD := "", min(max(1, len(typed)/3), len(typed)-1)+1
	for _, f := range flags {
		if v, ok := f.(cli.VisibleFlag); ok && !v.IsVisible() {
			continue // --generate-bash-completion
		}
		long, d := "", bestD
		for _, n := range f.Names() {
			if len(n) > len(long) {
				long = n
			}
			d = min(d, editDistance(typed, n))
		}
		if d < bestD {
			best, bestD = long, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance of a and b:
// insertions, deletions, substitutions and swaps of neighbours, each one
// edit (a swap is the commonest typo; Levenshtein counts it as two).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// version is the module's version and the VCS revision porepair was built
// from, as the Go toolchain recorded them in the binary.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown (no build information)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var vcs []string
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision":
			vcs = append([]string{"revision " + s.Value}, vcs...)
		case s.Key == "vcs.time":
			vcs = append(vcs, s.Value)
		case s.Key == "vcs.modified" && s.Value == "true":
			vcs = append(vcs, "modified")
		}
	}
	if len(vcs) > 0 {
		v += " (" + strings.Join(vcs, ", ") + ")"
	}
	return fmt.Sprintf("%s, %s", v, bi.GoVersion)
}

// helpCommand is `porepair [PARENT] help [COMMAND...]`, which shows what
// --help shows. Each app makes its own: urfave/cli's help command is one
// value every app shares, and running it changes it (docs --man run in
// the same process after it never returned).
func helpCommand(e *env, parent ...string) *cli.Command {
	example := strings.Join(append([]string{"porepair"}, parent...), " ") + " help"
	return &cli.Command{
		Name:         "help",
		Usage:        "show the commands, or a command's help (as --help does)",
		ArgsUsage:    "[COMMAND]",
		UsageText:    example + "\n" + example + " " + map[bool]string{true: "diagnose", false: "prune"}[len(parent) == 0],
		BashComplete: completeWith(helpWords, nil),
		Action: func(c *cli.Context) error {
			args := append(append([]string{"porepair"}, parent...), c.Args().Slice()...)
			if code := run(append(args, "--help"), e.stdin, e.stdout, e.stderr); code != exitOK {
				return exit(code, nil)
			}
			return nil
		},
	}
}

// compiled is when the commit porepair was built from was made (the build
// information's vcs.time), else the Unix epoch: never the zero time, for
// which urfave/cli stats os.Args[0] to take its modification time, a
// round trip when the binary sits on a share, for a date no output shows.
func compiled() time.Time {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key != "vcs.time" {
				continue
			}
			if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
				return t
			}
		}
	}
	return time.Unix(0, 0).UTC()
}
