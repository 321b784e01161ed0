package main

import (
	"bytes"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/repair"
)

func diagnoseCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:    "diagnose",
		Aliases: []string{"check"},
		Usage:   "read-only health report, with KB references (exit 3 on errors or warnings)",
		UsageText: `porepair --po /mnt/mail/MAILDATA diagnose
porepair --po-list /etc/porepair/fleet.txt --parallel 4 diagnose --json`,
		Description: "Reads the postoffice and reports every finding porepair knows (docs/format.md lists them), with the KB articles behind it. It never writes a byte.",
		Flags:       []cli.Flag{jsonFlag(), parallelFlag(), manifestFlag()},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("diagnose takes no arguments")
			}
			ms, _, err := manifests(c)
			if err != nil {
				return err
			}
			return e.perPO(c, func(dir string) result {
				p, err := openPO(dir)
				if err != nil {
					r := failed(dir, statusError, err)
					r.doc = map[string]any{"po": dir, "findings": []any{}, "status": statusError, "errors": []string{r.reason}}
					return r
				}
				r := repair.Diagnose(p, ms)
				var b bytes.Buffer
				r.WriteStyled(&b, e.style(jsonOut(c)).color)
				code, status := exitOK, statusHealthy
				if r.Problems() {
					code, status = exitProblems, statusProblems
				}
				return result{po: dir, code: code, status: status, reason: r.Counts(), doc: r, text: b.String()}
			})
		},
	}
}
