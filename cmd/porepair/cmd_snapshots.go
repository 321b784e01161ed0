package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/backup"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/repair"
)

// onePO is the one postoffice a snapshots subcommand works on, resolved.
func onePO(c *cli.Context) (string, error) {
	if err := oneOnly(c, "snapshots"); err != nil {
		return "", err
	}
	pos, err := poPaths(c)
	if err != nil {
		return "", err
	}
	if len(pos) > 1 {
		return "", usagef("snapshots works on one postoffice")
	}
	p, err := openPO(pos[0])
	if err != nil {
		return "", err
	}
	return p.Root, nil
}

// snapLead leads a snapshots command's JSON as every result is led: the
// postoffice as given, as resolved, and the exit code.
func snapLead(c *cli.Context, resolved string, code int) lead {
	given := resolved
	if pos, err := poPaths(c); err == nil && len(pos) == 1 {
		given = pos[0]
	}
	return lead{PO: given, POResolved: resolved, ExitCode: code}
}

// openSnapshot reads the snapshot the ID argument names: an id, a unique
// prefix of one, or latest.
func openSnapshot(c *cli.Context) (string, *backup.Snapshot, error) {
	root, err := onePO(c)
	if err != nil {
		return "", nil, err
	}
	if c.NArg() != 1 {
		return "", nil, usagef("snapshots %s needs a snapshot ID (or latest); `porepair snapshots list` shows them", c.Command.Name)
	}
	s, err := repair.FindSnapshot(root, snapshotDir(c), c.Args().First())
	if err != nil {
		return "", nil, exit(exitUsage, err)
	}
	return root, s, nil
}

func snapshotsCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "snapshots",
		Usage: "list, show, verify or prune the snapshots of a postoffice",
		UsageText: `porepair --po DIR snapshots list
porepair --po DIR snapshots show latest
porepair --po DIR snapshots verify ` + exampleSnapshotID + `
porepair --po DIR snapshots prune --keep 5 --dry-run`,
		Description: `Snapshots are found by the postoffice's identity (POREPAIR/ID), wherever
the postoffice is mounted now: in its POREPAIR/SNAPSHOT, in --snapshot-dir,
and where its journal says. An ID may be shortened to any unique prefix.`,
		HideHelpCommand: true, // helpCommand instead
		Subcommands: []*cli.Command{
			snapshotsList(e), snapshotsShow(e), snapshotsVerify(e), snapshotsPrune(e),
			helpCommand(e, "snapshots"),
		},
	}
}

func snapshotsList(e *env) *cli.Command {
	return &cli.Command{
		Name: "list", Usage: "the snapshots of this postoffice, oldest first, with their state",
		UsageText: `porepair --po DIR snapshots list
porepair --po DIR snapshots list --json`,
		Description: stateHelp(),
		Flags:       []cli.Flag{jsonFlag()},
		Action: func(c *cli.Context) error {
			root, err := onePO(c)
			if err != nil {
				return err
			}
			list, dirs, err := repair.Snapshots(root, snapshotDir(c))
			if err != nil {
				return exit(exitUsage, err)
			}
			return e.render(c, snapLead(c, root, exitOK), snapshotListing{root: root, snapshots: list, lookedIn: dirs})
		},
	}
}

// stateHelp is list's help on the states, made from their one table.
func stateHelp() string {
	var b strings.Builder
	var whole []string
	b.WriteString("Each snapshot's state, the same word in the text and in --json's state:\n")
	for _, st := range backup.States() {
		fmt.Fprintf(&b, "  %-12s %s\n", st, st.Meaning())
		if st.Whole() {
			whole = append(whole, st.String())
		}
	}
	fmt.Fprintf(&b, `The undo of the repair in effect is marked "in effect" (JSON in_effect).
JSON's complete says a snapshot was made whole and can be read (%s),
not that it can still undo anything.`, strings.Join(whole, ", "))
	return b.String()
}

// snapshotListing is what snapshots list found: root's snapshots, oldest
// first, and the directories it looked in.
type snapshotListing struct {
	root      string
	snapshots []backup.Info
	lookedIn  []string
}

// snapshotShown is the snapshot snapshots show names.
type snapshotShown struct{ *backup.Snapshot }

// snapshotVerified is snapshots verify's outcome: err is every copy that
// does not match, nil when all do.
type snapshotVerified struct {
	id      string
	entries int
	err     error
}

// pruned is what prune removed, or with dryRun what it would remove.
type pruned struct {
	root      string
	snapshots []backup.Info
	dryRun    bool
}

func snapshotsShow(e *env) *cli.Command {
	return &cli.Command{
		Name: "show", Usage: "a snapshot's manifest", ArgsUsage: "ID|latest", Flags: []cli.Flag{jsonFlag()},
		UsageText: `porepair --po DIR snapshots show latest
porepair --po DIR snapshots show ` + exampleSnapshotID[:16] + ` --json`,
		BashComplete: completeWith(snapshotIDs, nil),
		Action: func(c *cli.Context) error {
			root, s, err := openSnapshot(c)
			if err != nil {
				return err
			}
			return e.render(c, snapLead(c, root, exitOK), snapshotShown{s})
		},
	}
}

func snapshotsVerify(e *env) *cli.Command {
	return &cli.Command{
		Name: "verify", Usage: fmt.Sprintf("check every copy against its SHA-256 (exit %d if damaged)", exitProblems), ArgsUsage: "ID|latest",
		UsageText: `porepair --po DIR snapshots verify latest
porepair --po DIR snapshots verify ` + exampleSnapshotID,
		BashComplete: completeWith(snapshotIDs, nil),
		Action: func(c *cli.Context) error {
			root, s, err := openSnapshot(c)
			if err != nil {
				return err
			}
			v := snapshotVerified{id: s.ID, entries: len(s.Entries), err: s.Check(root)}
			if v.err == nil {
				return e.render(c, snapLead(c, root, exitOK), v)
			}
			if !jsonOut(c) {
				// Said once, on stderr, as a text run says every failure.
				return exit(exitProblems, fmt.Errorf("snapshot %s is damaged: %w", s.ID, v.err))
			}
			// The document says what is damaged; the exit code says so too.
			if err := e.render(c, snapLead(c, root, exitProblems), v); err != nil {
				return err
			}
			return exit(exitProblems, nil)
		},
	}
}

func snapshotsPrune(e *env) *cli.Command {
	return &cli.Command{
		Name: "prune", Usage: "keep the newest N snapshots that can still undo a repair; remove the rest (never an unfinished repair's)",
		UsageText: `porepair --po DIR snapshots prune --keep 5 --dry-run
porepair --po DIR snapshots prune --keep 5 --yes`,
		Description: fmt.Sprintf(`Keeps the newest N snapshots that can still undo a repair (complete, or an
unfinished repair's), so that the undo of the repair in effect is among them;
removes the older ones and every rolled-back snapshot (its repair failed and
was restored, or was rolled back: nothing left to undo), which never counts
among the N. Incomplete snapshot directories a crash left in POREPAIR/SNAPSHOT
are removed too; a damaged snapshot is kept.
Runs under the postoffice's lock (exit %d while a repair or rollback runs).
Asks for confirmation on a terminal; needs --yes otherwise, or --dry-run to
only list what would be removed.`, exitBusy),
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "keep", Required: true, DefaultText: "none, required", Usage: "keep the newest `N` snapshots that can still undo a repair (0 keeps none)"},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "list what would be removed; remove nothing"},
			yesFlag(),
		},
		Action: func(c *cli.Context) error { return e.prune(c) },
	}

}

func (e *env) prune(c *cli.Context) error {
	root, err := onePO(c)
	if err != nil {
		return err
	}
	keep, dry := c.Int("keep"), c.Bool("dry-run")
	if keep < 0 {
		return usagef("--keep must be 0 or more")
	}
	victims, st, err := repair.Prune(root, snapshotDir(c), keep, true)
	if err != nil {
		return exit(st.Code(), err)
	}
	if len(victims) == 0 || dry {
		return e.render(c, snapLead(c, root, exitOK), pruned{root: root, snapshots: victims, dryRun: dry})
	}
	// In a pipe without --yes: refused, but saying what it would have
	// removed, the undo of the repair in effect above all.
	if err := e.needYes(c); err != nil {
		writePruneQuestion(e.stderr, root, victims)
		return err
	}
	if !c.Bool("yes") {
		writePruneQuestion(e.stderr, root, victims)
		if !e.confirm(fmt.Sprintf("Remove %s?", textfmt.Plural(len(victims), "snapshot"))) {
			return usagef("not confirmed: nothing removed")
		}
	}
	removed, st, err := repair.Prune(root, snapshotDir(c), keep, false)
	// Each snapshot removed is an action the log keeps (--log-file),
	// those removed before a failure too.
	for _, s := range removed {
		e.log.Info("snapshot removed", "command", "snapshots prune", "po", osfs.Abs(root), "snapshot", s.ID, "made", s.Time)
	}
	if err != nil {
		e.log.Error("snapshots prune failed", "po", osfs.Abs(root), "status", st.String(), "exit", st.Code(), "reason", err.Error())
		return exit(st.Code(), err)
	}
	return e.render(c, snapLead(c, root, exitOK), pruned{root: root, snapshots: removed})
}
