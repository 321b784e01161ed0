package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func docsCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "docs",
		Usage:     "print the reference generated from the command definitions",
		UsageText: "porepair docs --man > porepair.1\nporepair docs --markdown > docs/reference.md\nsource <(porepair docs --bash-completion)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "man", Usage: "a man page (roff)"},
			&cli.BoolFlag{Name: "markdown", Usage: "markdown"},
			&cli.BoolFlag{Name: "bash-completion", Usage: "a bash completion script"},
		},
		Action: func(c *cli.Context) error {
			var s string
			var err error
			n := 0
			for _, f := range []string{"man", "markdown", "bash-completion"} {
				if c.Bool(f) {
					n++
				}
			}
			switch {
			case n != 1:
				return usagef("docs needs exactly one of --man, --markdown and --bash-completion")
			case c.Bool("bash-completion"):
				s = bashCompletion
			case c.Bool("man"):
				s, err = c.App.ToMan()
			default:
				s, err = c.App.ToMarkdown()
			}
			if err != nil {
				return err
			}
			fmt.Fprint(e.stdout, s)
			return nil
		},
	}
}

// bashCompletion asks porepair itself for the words that fit (urfave/cli's
// --generate-bash-completion).
const bashCompletion = `_porepair_complete() {
  local cur words
  cur="${COMP_WORDS[COMP_CWORD]}"
  if [[ "$cur" == "-"* ]]; then
    words=$("${COMP_WORDS[@]:0:$COMP_CWORD}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    words=$("${COMP_WORDS[@]:0:$COMP_CWORD}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
  return 0
}
complete -o bashdefault -o default -F _porepair_complete porepair
`
