package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func docsCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "docs",
		Usage:     "print the reference generated from the command definitions",
		UsageText: "porepair docs --man > porepair.1\nporepair docs --markdown > docs/reference.md",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "man", Usage: "a man page (roff)"},
			&cli.BoolFlag{Name: "markdown", Usage: "markdown"},
		},
		Action: func(c *cli.Context) error {
			var s string
			var err error
			switch {
			case c.Bool("man") == c.Bool("markdown"):
				return usagef("docs needs exactly one of --man and --markdown")
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
