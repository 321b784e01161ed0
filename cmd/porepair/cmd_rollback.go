package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/repair"
)

func rollbackCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "rollback",
		Usage: "restore a snapshot: the unfinished repair's, else the latest for this postoffice",
		UsageText: `porepair --po DIR rollback --yes
porepair --po DIR rollback --snapshot latest --yes
porepair --po DIR rollback --snapshot ` + exampleSnapshotID + ` --yes`,
		Description: fmt.Sprintf(`After a crash (%s) it restores the journal's snapshot and
removes leftover temp files; a rollback that was itself interrupted is
finished the same way. Undoing a completed repair first checks that the
files it changed still hold the repaired bytes; if new mail arrived since, it
refuses (exit %d) unless --force. A snapshot already rolled back is not
rolled back again. The snapshot is found by the postoffice's identity, also
after the postoffice moved; a damaged snapshot is refused (exit %d) before
anything is written. On a terminal it shows the snapshot, its time, the
postoffice and what will change, and asks.`, diagnose.InterruptedRepair, exitUsage, exitUsage),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "snapshot", Usage: "snapshot `ID` (or a unique prefix), or latest"},
			&cli.BoolFlag{Name: "force", Usage: "roll back even if files changed since the repair"},
			yesFlag(), jsonFlag(), parallelFlag(),
		},
		BashComplete: completeWith(noWords, map[string]func(*cli.Context) []string{"snapshot": snapshotChoices}),
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("rollback takes no arguments")
			}
			if err := e.needYes(c); err != nil {
				return err
			}
			ids := map[string]string{}
			if !c.Bool("yes") {
				var err error
				if ids, err = e.confirmRollback(c); err != nil {
					return err
				}
			}
			ctx, stop := signalContext()
			defer stop()
			return e.perPO(c, func(dir string) result {
				id := c.String("snapshot")
				if shown, ok := ids[dir]; ok {
					id = shown // what was confirmed is what is restored
				}
				res := repair.Rollback(ctx, dir, id, c.Bool("force"),
					repair.Options{SnapshotDir: snapshotDir(c), Log: e.log})
				return repairResult(dir, res)
			})
		},
	}
}

// confirmRollback shows, for each postoffice, the snapshot, when and where
// it was made, and what the rollback will change, then asks once. It
// returns the snapshot shown for each postoffice.
func (e *env) confirmRollback(c *cli.Context) (map[string]string, error) {
	pos, err := poPaths(c)
	if err != nil {
		return nil, err
	}
	ids := map[string]string{}
	var shown []rollbackPreview
	for _, dir := range pos {
		rp, err := repair.PrepareRollback(dir, c.String("snapshot"), c.Bool("force"), repair.Options{SnapshotDir: snapshotDir(c)})
		shown = append(shown, rollbackPreview{dir: dir, plan: rp, err: err})
		if err == nil && rp.Nothing == "" {
			ids[dir] = rp.ID
		}
	}
	writeRollbackQuestion(e.stderr, shown)
	if len(ids) == 0 {
		return ids, nil
	}
	if !e.confirm(fmt.Sprintf("Roll back %s?", textfmt.Plural(len(ids), "postoffice"))) {
		return nil, usagef("not confirmed: nothing written")
	}
	return ids, nil
}

// rollbackPreview is what a rollback of one postoffice will do, worked
// out before asking: its plan, or why it is refused.
type rollbackPreview struct {
	dir  string
	plan *repair.RollbackPlan
	err  error
}
