package main

import (
	"bytes"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/durable"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/repair"
)

func planCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "plan",
		Usage: "dry run: the actions of INSTALL -R then INSTALL of an access component, byte-exact",
		UsageText: `porepair --po DIR plan
porepair --po DIR plan --gateway ACME/WAREHSE
porepair --po DIR plan --json --out /var/tmp/po1.plan`,
		Description: `Reads the postoffice and prints what a repair would do, grouped by phase and
file, with the KB step each action stands for. It writes nothing (but --out's
file); the same postoffice gives the same plan, byte for byte. A saved plan
records the size and SHA-256 of every file it read: repair --plan refuses a
postoffice that changed since.`,
		Flags: append(planFlags(), &cli.StringFlag{Name: "out", Usage: "save the plan (JSON) to `FILE` for repair --plan", TakesFile: true},
			&cli.BoolFlag{Name: "detailed-exitcode", Usage: fmt.Sprintf("exit %d when there is nothing to do, %d when there are changes to carry out (%d refused, %d in use)",
				exitOK, exitPlanned, exitUsage, exitBusy)}),
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("plan takes no arguments")
			}
			opt, err := planOptions(c)
			if err != nil {
				return err
			}
			out := c.String("out")
			if out != "" {
				if f, err := poFleet(c); err == nil && len(f.pos) > 1 {
					return usagef("--out saves the plan of one postoffice")
				}
			}
			return e.perPO(c, func(dir string) result {
				pg := repair.PlanFor(dir, repair.Fresh(opt))
				pl := pg.Plan
				if pl == nil {
					return notPlanned(dir, pg)
				}
				var b bytes.Buffer
				writePlan(&b, pl)
				if out != "" {
					if err := savePlan(out, pl); err != nil {
						return failed(dir, repair.StatusError, nil, err)
					}
					writeSaved(&b, osfs.Abs(out))
				}
				code := pg.Code()
				if c.Bool("detailed-exitcode") && pg.Status == repair.StatusPlanned {
					code = exitPlanned
				}
				return result{po: dir, root: pg.PO.Root, code: code, status: pg.Status, doc: pl, text: b.String()}
			})
		},
	}
}

// savePlan writes the plan to file whole or not at all (a temp file,
// fsynced, renamed): a job that runs repair --plan after a crash of the
// plan must never read half a plan.
func savePlan(file string, pl *plan.Plan) error {
	var b bytes.Buffer
	if err := pl.Encode(&b); err != nil {
		return exit(exitUsage, fmt.Errorf("--out: %w", err))
	}
	if err := durable.Create(file, b.Bytes()); err != nil {
		return usagef("--out %s: %s", file, osfs.Reason(err))
	}
	return nil
}
