package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// intersperse moves the flags a command gets after its arguments in front
// of them: urfave/cli v2 stops reading flags at the first argument, and an
// administrator types `inspect xtn 00000001 --json` as readily as
// `inspect --json xtn 00000001`. "--" ends the flags as usual.
func intersperse(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	rest := args[1:]
	flags, cmds := app.Flags, app.Commands
	for {
		i := 0
		for i < len(rest) && arity(rest[i], flags) > 0 {
			i += arity(rest[i], flags)
		}
		i = min(i, len(rest))
		out, rest = append(out, rest[:i]...), rest[i:]
		if len(rest) == 0 {
			return out
		}
		cmd := findCommand(cmds, rest[0])
		if cmd == nil || cmd.SkipFlagParsing {
			return append(out, rest...)
		}
		out, rest = append(out, rest[0]), rest[1:]
		if len(cmd.Subcommands) > 0 {
			flags, cmds = cmd.Flags, cmd.Subcommands
			continue
		}
		var fl, pos []string
		for j := 0; j < len(rest); j++ {
			if rest[j] == "--" {
				pos = append(pos, rest[j:]...)
				break
			}
			n := arity(rest[j], cmd.Flags)
			if n == 0 {
				pos = append(pos, rest[j])
				continue
			}
			fl = append(fl, rest[j:min(j+n, len(rest))]...)
			j += n - 1
		}
		return append(append(out, fl...), pos...)
	}
}

// arity is how many words a flag takes on the command line (the flag and
// its value); 0 for an argument. An unknown flag counts as one word, so
// that urfave/cli reports it.
func arity(word string, flags []cli.Flag) int {
	if word == "-" || word == "--" || !strings.HasPrefix(word, "-") {
		return 0
	}
	name := strings.TrimLeft(word, "-")
	if strings.Contains(name, "=") {
		return 1
	}
	for _, f := range flags {
		for _, n := range f.Names() {
			if n != name {
				continue
			}
			if _, ok := f.(*cli.BoolFlag); ok {
				return 1
			}
			return 2
		}
	}
	return 1
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
