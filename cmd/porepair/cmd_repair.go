package main

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/plan"
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
		Action: func(c *cli.Context) error { return e.repair(c) },
	}
}

func (e *env) repair(c *cli.Context) error {
	if c.Args().Present() {
		return usagef("repair takes no arguments")
	}
	saved, opt, err := repairInputs(c)
	if err != nil {
		return err
	}
	if saved != nil && !poGiven(c) {
		// A saved plan names its postoffice: a job needs say no more.
		if err := c.Set("po", saved.PO); err != nil {
			return exit(exitUsage, err)
		}
	}
	f, err := poFleet(c)
	if err != nil {
		return err
	}
	if saved != nil && len(f.pos) > 1 {
		return usagef("--plan carries out the plan of one postoffice")
	}
	shown, err := e.previewed(c, f, saved, opt)
	if err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	snapDir := snapshotDir(c)
	return e.perPO(c, func(dir string) result {
		var planner repair.Planner
		pv, asked := shown[dir]
		switch {
		case asked && pv.Plan == nil:
			return notPlanned(dir, pv)
		case saved != nil:
			planner = repair.Saved(saved)
		case asked:
			planner = repair.Saved(pv.Plan)
		default:
			// Planned under the lock: nothing can change in between.
			planner = repair.Fresh(opt)
		}
		res := repair.Repair(ctx, dir, planner, repair.Options{SnapshotDir: snapDir, Log: e.log})
		r := repairResult(dir, res)
		if res.Status == repair.StatusRepaired {
			// Absolute: the undo command is run later, maybe from elsewhere.
			r.text += afterRepair(res.PO, osfs.Abs(snapDir), res.Snapshot)
		}
		if res.Status == repair.StatusRefused {
			r.codes = codeWords(res.Codes)
		}
		return r
	})
}

// previewed asks, on a terminal, before anything is repaired, showing the
// plans it asks about; with --yes it shows nothing and plans under the
// lock. The plans shown are the plans carried out.
func (e *env) previewed(c *cli.Context, f fleet, saved *plan.Plan, opt plan.Options) (map[string]repair.Planning, error) {
	if c.Bool("yes") {
		return nil, nil
	}
	// Planned first, reading only: with nothing to repair there is
	// nothing to confirm, on a terminal or not.
	pr := previews(f, saved, opt)
	if len(pr.todo) > 0 {
		if err := e.needYes(c); err != nil {
			return nil, err
		}
		if err := e.ask(f, pr); err != nil {
			return nil, err
		}
	}
	return pr.shown, nil
}

// repairInputs reads the saved plan or the plan flags, never both.
func repairInputs(c *cli.Context) (*plan.Plan, plan.Options, error) {
	f := c.String("plan")
	if f == "" {
		opt, err := planOptions(c)
		return nil, opt, err
	}
	if err := planConflicts(c); err != nil {
		return nil, plan.Options{}, err
	}
	saved, err := loadPlan(f)
	if err != nil {
		return nil, plan.Options{}, err
	}
	return saved, plan.Options{Manifests: diagnose.Manifests(saved.Manifest)}, nil
}

// previewed are the plans of a fleet, made before anything is asked or
// written (the plan shown is the plan carried out), and which
// postoffices they repair, refuse or leave alone.
type previewed struct {
	shown                  map[string]repair.Planning
	todo, refused, nothing []string
}

func previews(f fleet, saved *plan.Plan, opt plan.Options) previewed {
	pr := previewed{shown: map[string]repair.Planning{}}
	for _, dir := range f.pos {
		pv := repair.Planning{Plan: saved}
		if saved == nil {
			pv = repair.PlanFor(dir, repair.Fresh(opt))
		}
		pr.shown[dir] = pv
		switch {
		case pv.Plan == nil:
			pr.refused = append(pr.refused, dir)
		case pv.Plan.NothingToDo:
			pr.nothing = append(pr.nothing, dir)
		default:
			pr.todo = append(pr.todo, dir)
		}
	}
	return pr
}

// ask shows what will be repaired (one plan in full, or a fleet's
// summary) and asks once.
func (e *env) ask(f fleet, pr previewed) error {
	if len(f.pos) == 1 {
		var t bytes.Buffer
		writePlan(&t, pr.shown[pr.todo[0]].Plan)
		fmt.Fprint(e.stderr, t.String())
	} else {
		e.fleetSummary(pr.shown, pr.todo, pr.refused, pr.nothing)
	}
	if !e.confirm(fmt.Sprintf("Repair %s?", textfmt.Plural(len(pr.todo), "postoffice"))) {
		return usagef("not confirmed: nothing written")
	}
	return nil
}

// repairResult turns an executor result into a fleet result: its text
// view says the outcome, its errors go to stderr, once, and the first is
// the fleet table's reason.
func repairResult(dir string, res repair.Result) result {
	var text, errs strings.Builder
	writeOutcome(&text, &errs, dir, res)
	reason := ""
	for _, e := range res.Errors {
		if reason = strings.TrimPrefix(e, dir+": "); reason != "" {
			break
		}
	}
	return result{po: dir, code: res.Code(), status: res.Status, reason: reason, doc: res, text: text.String(), errs: errs.String()}
}

func loadPlan(file string) (*plan.Plan, error) {
	f, err := osfs.OpenRegular(file)
	if err != nil {
		return nil, usagef("--plan %s: %s", file, osfs.Reason(err))
	}
	defer f.Close()
	// The plan is checked whole here, before anything is locked: a saved
	// plan is the whole decision, so an edited one is refused, not half
	// carried out.
	p, err := plan.Load(f)
	if err != nil {
		return nil, usagef("--plan %s: %v", file, err)
	}
	return p, nil
}
