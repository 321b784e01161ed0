package main

import (
	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/repair"
)

func rollbackCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "rollback",
		Usage: "restore a snapshot: the unfinished repair's, else the latest for this postoffice",
		UsageText: `porepair --po DIR rollback --yes
porepair --po DIR rollback --snapshot latest --yes
porepair --po DIR rollback --snapshot 20261128T020000Z-1a2b3c-4d5e6f --yes`,
		Description: `After a crash (INTERRUPTED_REPAIR) it restores the journal's snapshot and
removes leftover temp files. Undoing a completed repair first checks that the
files it changed still hold the repaired bytes; if new mail arrived since, it
refuses (exit 2) unless --force.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "snapshot", Usage: "snapshot `ID` or latest"},
			&cli.BoolFlag{Name: "force", Usage: "roll back even if files changed since the repair"},
			yesFlag(), jsonFlag(), parallelFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("rollback takes no arguments")
			}
			if err := e.needYes(c); err != nil {
				return err
			}
			if !c.Bool("yes") && !e.confirm("Restore the snapshot?") {
				return usagef("not confirmed: nothing written")
			}
			ctx, stop := signalContext()
			defer stop()
			return e.perPO(c, func(dir string) result {
				res := repair.Rollback(ctx, dir, c.String("snapshot"), c.Bool("force"),
					repair.Options{SnapshotDir: snapshotDir(c), Log: e.log})
				return repairResult(dir, res)
			})
		},
	}
}
