package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/repair"
)

// completionFlag ends the line the completion scripts give porepair
// (urfave/cli's): porepair prints the words that may come next.
const completionFlag = "--generate-bash-completion"

// Printed alone, these ask the completion script to complete directory
// or file names itself: the shell knows how to list and quote them.
const (
	completeDirs  = ":dirs"
	completeFiles = ":files"
)

// completeWith is a command's shell completion, and the app's before any
// command: the value of the flag before the word being completed, a flag
// name after a "-", else the words the command takes. values completes
// the values of the command's own flags by name; a path flag's are
// completed as paths without it.
func completeWith(words func(c *cli.Context) []string, values map[string]func(c *cli.Context) []string) cli.BashCompleteFunc {
	return func(c *cli.Context) {
		flags := c.App.Flags
		if c.Command != nil {
			flags = c.Command.Flags
		}
		prev := ""
		if n := len(os.Args); n >= 2 {
			prev = os.Args[n-2]
		}
		var out []string
		switch f := flagNamed(flags, prev); {
		case f != nil && takesValue(f):
			out = flagValues(c, f, values)
		case f == nil && strings.HasPrefix(prev, "-"):
			// The scripts give a word being completed that starts with
			// "-" before completionFlag: it is part of a flag's name.
			cli.DefaultCompleteWithFlags(c.Command)(c)
			return
		default:
			out = words(c)
		}
		for _, w := range out {
			fmt.Fprintln(c.App.Writer, w)
		}
	}
}

// flagValues completes the value of flag f: directory names for a path
// flag whose placeholder is DIR, file names for another path flag, what
// values has for it, or nothing (a duration, a number, a zone).
func flagValues(c *cli.Context, f cli.Flag, values map[string]func(c *cli.Context) []string) []string {
	switch {
	case takesFile(f) && placeholder(f) == "DIR":
		return []string{completeDirs}
	case takesFile(f):
		return []string{completeFiles}
	case values[f.Names()[0]] != nil:
		return values[f.Names()[0]](c)
	}
	return nil
}

// takesFile is a flag's TakesFile, which urfave/cli keeps in a field of
// each flag type, not behind an interface.
func takesFile(f cli.Flag) bool {
	switch f := f.(type) {
	case *cli.StringFlag:
		return f.TakesFile
	case *cli.StringSliceFlag:
		return f.TakesFile
	case onePOFlag:
		return f.TakesFile
	}
	return false
}

// placeholder is the name of a flag's value the help shows: the
// back-quoted word of its usage ("postoffice directory `DIR`").
func placeholder(f cli.Flag) string {
	d, ok := f.(cli.DocGenerationFlag)
	if !ok {
		return ""
	}
	_, rest, ok := strings.Cut(d.GetUsage(), "`")
	name, _, closed := strings.Cut(rest, "`")
	if !ok || !closed {
		return ""
	}
	return name
}

// subcommandWords completes a command that has subcommands (or the app):
// their names.
func subcommandWords(c *cli.Context) []string {
	var out []string
	for _, s := range c.Command.Subcommands {
		if !s.Hidden {
			out = append(out, s.Names()...)
		}
	}
	return out
}

// noWords completes a command that takes no arguments. urfave/cli's own
// completion would offer the help subcommand it adds to every command,
// which a command without subcommands is not meant to have.
func noWords(*cli.Context) []string { return nil }

// helpWords completes `porepair [PARENT] help [COMMAND...]`: the commands
// that the words so far leave to choose from, help itself left out.
func helpWords(c *cli.Context) []string {
	lin := c.Lineage()
	if len(lin) < 2 || lin[1].Command == nil {
		return nil
	}
	cmds := lin[1].Command.Subcommands
	for _, a := range c.Args().Slice() {
		cmd := findCommand(cmds, a)
		if cmd == nil {
			return nil
		}
		cmds = cmd.Subcommands
	}
	var out []string
	for _, cmd := range cmds {
		if !cmd.Hidden && cmd.Name != "help" {
			out = append(out, cmd.Names()...)
		}
	}
	return out
}

// snapshotIDs completes a snapshot argument (snapshots show and verify
// take one).
func snapshotIDs(c *cli.Context) []string {
	if c.NArg() > 0 {
		return nil
	}
	return snapshotChoices(c)
}

// snapshotChoices are latest and the snapshot ids of the postoffice given
// on the line; latest alone when not one is given, or it cannot be read.
func snapshotChoices(c *cli.Context) []string {
	ids := []string{"latest"}
	pos, err := poPaths(c)
	if err != nil || len(pos) != 1 {
		return ids
	}
	p, err := openPO(pos[0])
	if err != nil {
		return ids
	}
	list, _, err := repair.Snapshots(p.Root, snapshotDir(c))
	if err != nil {
		return ids
	}
	for _, s := range list {
		ids = append(ids, s.ID)
	}
	return ids
}

// inspectViewWords completes inspect's first argument.
func inspectViewWords(c *cli.Context) []string {
	if c.NArg() > 0 {
		return nil
	}
	return inspectViews
}

// completing reports whether args ask for completions (completionFlag
// last).
func completing(args []string) bool {
	return len(args) > 0 && args[len(args)-1] == completionFlag
}
