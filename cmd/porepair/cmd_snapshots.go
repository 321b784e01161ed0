package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/backup"
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

// when shows a stored time in porepair's one format; "-" if none.
func when(t string) string {
	if t == "" {
		return "-"
	}
	return textfmt.Stamp(t)
}

// stamped is a listing with its times in porepair's one format: a
// manifest keeps nanoseconds, to order snapshots made within a second.
func stamped(list []backup.Info) []backup.Info {
	out := slices.Clone(list)
	for i := range out {
		out[i].Time = textfmt.Stamp(out[i].Time)
	}
	return out
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
			if jsonOut(c) {
				return writeJSON(e.stdout, snapshotListJSON{snapLead(c, root, exitOK), stamped(list), dirs})
			}
			if len(list) == 0 {
				fmt.Fprintf(e.stdout, "no snapshots of %s (looked in %s)\n", root, strings.Join(dirs, ", "))
				return nil
			}
			writeSnapshotTable(e.stdout, list)
			return nil
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

func writeSnapshotTable(w io.Writer, list []backup.Info) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tMADE\tSTATE\tCOMPONENT\tMADE AT")
	for _, s := range list {
		comp, at := s.Component, s.PO
		if comp == "" {
			comp = "-"
		}
		if at == "" {
			at = s.Dir
		}
		state := s.State.String()
		if s.InEffect {
			state += ", in effect"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, when(s.Time), state, comp, at)
	}
	tw.Flush()
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
			if jsonOut(c) {
				return writeJSON(e.stdout, snapshotShowJSON{snapLead(c, root, exitOK), s.Manifest, stamped([]backup.Info{s.Info()})[0]})
			}
			in := s.Info()
			fmt.Fprintf(e.stdout, "snapshot %s (%s), made %s at %s, %s\n", s.ID, s.Component, when(s.Time), s.PO, in.State)
			if in.RolledBack != "" {
				fmt.Fprintf(e.stdout, "rolled back %s\n", when(in.RolledBack))
			}
			fmt.Fprintf(e.stdout, "kept in %s; plan %s\n", s.Dir, short(s.PlanDigest))
			for _, en := range s.Entries {
				what := "copied"
				switch {
				case en.MovedTo != "":
					what = "moved to " + en.MovedTo
				case !en.Existed:
					what = "created by the repair"
				}
				fmt.Fprintf(e.stdout, "  %-22s %8d  %s  %s\n", en.File, en.Size, short(en.SHA256), what)
			}
			return nil
		},
	}
}

func snapshotsVerify(e *env) *cli.Command {
	return &cli.Command{
		Name: "verify", Usage: "check every copy against its SHA-256 (exit 3 if damaged)", ArgsUsage: "ID|latest",
		UsageText: `porepair --po DIR snapshots verify latest
porepair --po DIR snapshots verify ` + exampleSnapshotID,
		BashComplete: completeWith(snapshotIDs, nil),
		Action: func(c *cli.Context) error {
			root, s, err := openSnapshot(c)
			if err != nil {
				return err
			}
			verr := s.Check(root)
			if jsonOut(c) {
				return verifyJSON(e, func(code int) lead { return snapLead(c, root, code) }, s.ID, len(s.Entries), verr)
			}
			if verr != nil {
				return exit(exitProblems, fmt.Errorf("snapshot %s is damaged: %w", s.ID, verr))
			}
			fmt.Fprintf(e.stdout, "snapshot %s: %d entries, every copy matches\n", s.ID, len(s.Entries))
			return nil
		},
	}
}

func snapshotsPrune(e *env) *cli.Command {
	return &cli.Command{
		Name: "prune", Usage: "keep the newest N snapshots that can still undo a repair; remove the rest (never an unfinished repair's)",
		UsageText: `porepair --po DIR snapshots prune --keep 5 --dry-run
porepair --po DIR snapshots prune --keep 5 --yes`,
		Description: `Keeps the newest N snapshots that can still undo a repair (complete, or an
unfinished repair's), so that the undo of the repair in effect is among them;
removes the older ones and every rolled-back snapshot (its repair failed and
was restored, or was rolled back: nothing left to undo), which never counts
among the N. Incomplete snapshot directories a crash left in POREPAIR/SNAPSHOT
are removed too; a damaged snapshot is kept.
Runs under the postoffice's lock (exit 4 while a repair or rollback runs).
Asks for confirmation on a terminal; needs --yes otherwise, or --dry-run to
only list what would be removed.`,
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "keep", Required: true, DefaultText: "none, required", Usage: "keep the newest `N` snapshots that can still undo a repair (0 keeps none)"},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "list what would be removed; remove nothing"},
			yesFlag(),
		},
		Action: func(c *cli.Context) error { return e.prune(c) },
	}

}

func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	return sum
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
	if !dry {
		if err := e.needYes(c); err != nil {
			return err
		}
	}
	victims, err := repair.Prune(root, snapshotDir(c), keep, true)
	if errors.Is(err, repair.ErrBusy) {
		return exit(exitBusy, err)
	}
	if err != nil {
		return exit(exitUsage, err)
	}
	if len(victims) == 0 || dry {
		return e.pruned(c, root, victims, dry)
	}
	if !c.Bool("yes") {
		fmt.Fprintf(e.stderr, "would remove %s of %s:\n", textfmt.Plural(len(victims), "snapshot"), root)
		writeSnapshotTable(e.stderr, victims)
		if id := inEffect(victims); id != "" {
			fmt.Fprintf(e.stderr, "%s\n", undoLost(id))
		}
		if !e.confirm(fmt.Sprintf("Remove %s?", textfmt.Plural(len(victims), "snapshot"))) {
			return usagef("not confirmed: nothing removed")
		}
	}
	removed, err := repair.Prune(root, snapshotDir(c), keep, false)
	if errors.Is(err, repair.ErrBusy) {
		return exit(exitBusy, err)
	}
	if err != nil {
		return exit(exitUsage, err)
	}
	return e.pruned(c, root, removed, false)
}

// pruned reports what prune removed, or with dryRun what it would remove.
func (e *env) pruned(c *cli.Context, root string, list []backup.Info, dryRun bool) error {
	if jsonOut(c) {
		ids := []string{}
		for _, s := range list {
			ids = append(ids, s.ID)
		}
		doc := pruneJSON{lead: snapLead(c, root, exitOK), DryRun: dryRun, Removed: &ids}
		if dryRun {
			doc.Removed, doc.WouldRemove = nil, &ids
		}
		return writeJSON(e.stdout, doc)
	}
	switch {
	case len(list) == 0:
		fmt.Fprintf(e.stdout, "nothing to prune: %s keeps its snapshots\n", root)
	case dryRun:
		fmt.Fprintf(e.stdout, "would remove %s of %s:\n", textfmt.Plural(len(list), "snapshot"), root)
		writeSnapshotTable(e.stdout, list)
	default:
		fmt.Fprintf(e.stdout, "removed %s\n", textfmt.Plural(len(list), "snapshot"))
		for _, r := range list {
			fmt.Fprintf(e.stdout, "  %s\n", r.ID)
		}
	}
	if id := inEffect(list); id != "" && !dryRun {
		fmt.Fprintf(e.stdout, "%s\n", undoLost(id))
	}
	return nil
}

// inEffect is the id of the undo of the repair in effect among list.
func inEffect(list []backup.Info) string {
	for _, s := range list {
		if s.InEffect {
			return s.ID
		}
	}
	return ""
}

func undoLost(id string) string {
	return fmt.Sprintf("snapshot %s is the undo of the repair now in effect: without it that repair can no longer be rolled back", id)
}
