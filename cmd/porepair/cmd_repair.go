package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/repair"
)

func repairCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "repair",
		Usage: "carry out the plan: lock, snapshot, rewrite, verify; roll back on any failure",
		UsageText: `porepair --po DIR repair --yes
porepair --po DIR repair --plan /var/tmp/po1.plan --yes
porepair --po-list fleet.txt --parallel 2 --json repair --yes`,
		Description: `Locks the postoffice (POREPAIR/LOCK and GLB/FLAG.GLB), journals, snapshots
every file it will touch, writes each file durably, verifies, and restores the
snapshot on any error, failed verification, SIGINT or SIGTERM. Asks for
confirmation on a terminal; needs --yes otherwise.`,
		Flags: append(planFlags(), yesFlag(),
			&cli.StringFlag{Name: "plan", Usage: "carry out a plan saved by plan --out `FILE`", TakesFile: true}),
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("repair takes no arguments")
			}
			if err := e.needYes(c); err != nil {
				return err
			}
			opt, err := planOptions(c)
			if err != nil {
				return err
			}
			var saved *plan.Plan
			if f := c.String("plan"); f != "" {
				if saved, err = loadPlan(f); err != nil {
					return err
				}
			}
			pos, err := poPaths(c)
			if err != nil {
				return err
			}
			if saved != nil && len(pos) > 1 {
				return usagef("--plan carries out the plan of one postoffice")
			}
			shown := map[string]*plan.Plan{}
			if !c.Bool("yes") {
				// A terminal: show every plan, then ask once. What was shown
				// is what is carried out: the plans are kept, as saved plans.
				var b strings.Builder
				for _, dir := range pos {
					pl := saved
					if pl == nil {
						if pl, err = makePlan(dir, opt); err != nil {
							fmt.Fprintf(&b, "%s: refused: %v\n", dir, err)
							continue
						}
					}
					shown[dir] = pl
					var t bytes.Buffer
					pl.WriteText(&t)
					b.WriteString(t.String())
				}
				fmt.Fprint(e.stderr, b.String())
				if !e.confirm(fmt.Sprintf("Carry out the repair of %d postoffice(s)?", len(pos))) {
					return usagef("not confirmed: nothing written")
				}
			}
			ctx, stop := signalContext()
			defer stop()
			snapDir := snapshotDir(c)
			return e.perPO(c, func(dir string) result {
				var planner repair.Planner
				switch pl := shown[dir]; {
				case saved != nil:
					planner = repair.Saved(saved)
				case pl != nil:
					planner = repair.Saved(pl)
				default:
					// Planned under the lock: nothing can change in between.
					planner = func(po *postoffice.PO) (*plan.Plan, error) { return plan.Build(po, opt) }
				}
				res := repair.Repair(ctx, dir, planner, repair.Options{SnapshotDir: snapDir, Log: e.log})
				return repairResult(dir, res)
			})
		},
	}
}

// repairResult turns an executor result into a fleet result.
func repairResult(dir string, res repair.Result) result {
	var b strings.Builder
	if pl := res.Plan; pl != nil && res.Status == repair.StatusRepaired {
		var t bytes.Buffer
		pl.WriteSummary(&t)
		b.WriteString(t.String())
	}
	fmt.Fprintf(&b, "%s: %s", dir, res.Status)
	if res.Snapshot != "" {
		fmt.Fprintf(&b, " (snapshot %s)", res.Snapshot)
	}
	b.WriteString("\n")
	var errs strings.Builder
	for _, e := range res.Errors {
		fmt.Fprintf(&b, "  error: %s\n", e)
		fmt.Fprintf(&errs, "porepair: %s: %s\n", dir, e)
	}
	return result{po: dir, code: res.Code, status: res.Status, doc: res, text: b.String(), errs: errs.String()}
}

func loadPlan(file string) (*plan.Plan, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, usagef("--plan: %v", err)
	}
	var p plan.Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, usagef("--plan %s: %v", file, err)
	}
	if p.PO == "" {
		return nil, usagef("--plan %s: not a porepair plan", file)
	}
	if err := p.CheckVersion(); err != nil {
		return nil, usagef("--plan %s: %v", file, err)
	}
	if err := p.Manifest.Validate(); err != nil && !p.NothingToDo {
		return nil, usagef("--plan %s: %v", file, err)
	}
	return &p, nil
}
