package main

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// intersperse moves the flags a command gets after its arguments in front
// of them: urfave/cli v2 stops reading flags at the first argument, and an
// administrator types `inspect xtn 00000001 --json` as readily as
// `inspect --json xtn 00000001`. "--" ends the flags as usual. A request
// for completions keeps completionFlag last, where urfave/cli looks for it.
func intersperse(app *cli.App, args []string) []string {
	if completing(args) {
		return append(intersperse(app, args[:len(args)-1]), completionFlag)
	}
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
	if f := flagNamed(flags, word); f != nil && takesValue(f) {
		return 2
	}
	return 1
}

// flagNamed is the flag that word (-name or --name, with no =value) is,
// nil if it is none of flags.
func flagNamed(flags []cli.Flag, word string) cli.Flag {
	name := strings.TrimLeft(word, "-")
	if name == word || name == "" || strings.Contains(name, "=") {
		return nil
	}
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return f
		}
	}
	return nil
}

// takesValue is whether a flag is followed by its value (all but the
// booleans).
func takesValue(f cli.Flag) bool {
	d, ok := f.(cli.DocGenerationFlag)
	return ok && d.TakesValue()
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
