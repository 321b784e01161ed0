package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/porepair/porepair/backup"
	"github.com/porepair/porepair/internal/textfmt"
)

// The text views of the snapshots subcommands, and of prune's question.

func (l snapshotListing) writeText(w io.Writer) {
	if len(l.snapshots) == 0 {
		fmt.Fprintf(w, "no snapshots of %s (looked in %s)\n", l.root, strings.Join(l.lookedIn, ", "))
		return
	}
	writeSnapshotTable(w, l.snapshots)
}

// writeSnapshotTable lists snapshots one a line, the undo of the repair
// in effect marked.
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

// writeText shows the manifest: when, where and of what the snapshot
// was made, and each file's copy.
func (s snapshotShown) writeText(w io.Writer) {
	in := s.Info()
	fmt.Fprintf(w, "snapshot %s (%s), made %s at %s, %s\n", s.ID, s.Component, when(s.Time), s.PO, in.State)
	if in.RolledBack != "" {
		fmt.Fprintf(w, "rolled back %s\n", when(in.RolledBack))
	}
	fmt.Fprintf(w, "kept in %s; plan %s\n", s.Dir, short(s.PlanDigest))
	for _, en := range s.Entries {
		what := "copied"
		switch {
		case en.MovedTo != "":
			what = "moved to " + en.MovedTo
		case !en.Existed:
			what = "created by the repair"
		}
		fmt.Fprintf(w, "  %-22s %8d  %s  %s\n", en.File, en.Size, short(en.SHA256), what)
	}
}

// writeText is a whole snapshot's line; a damaged one is the command's
// error, on stderr.
func (v snapshotVerified) writeText(w io.Writer) {
	fmt.Fprintf(w, "snapshot %s: %d entries, every copy matches\n", v.id, v.entries)
}

func (p pruned) writeText(w io.Writer) {
	switch {
	case len(p.snapshots) == 0:
		fmt.Fprintf(w, "nothing to prune: %s keeps its snapshots\n", p.root)
	case p.dryRun:
		writeWouldRemove(w, p.root, p.snapshots)
	default:
		fmt.Fprintf(w, "removed %s\n", textfmt.Plural(len(p.snapshots), "snapshot"))
		for _, r := range p.snapshots {
			fmt.Fprintf(w, "  %s\n", r.ID)
		}
	}
	if id := inEffect(p.snapshots); id != "" && !p.dryRun {
		fmt.Fprintf(w, "%s\n", undoLost(id))
	}
}

// writePruneQuestion is what prune shows before it asks: what it would
// remove, and the undo that would go with it.
func writePruneQuestion(w io.Writer, root string, victims []backup.Info) {
	writeWouldRemove(w, root, victims)
	if id := inEffect(victims); id != "" {
		fmt.Fprintf(w, "%s\n", undoLost(id))
	}
}

func writeWouldRemove(w io.Writer, root string, list []backup.Info) {
	fmt.Fprintf(w, "would remove %s of %s:\n", textfmt.Plural(len(list), "snapshot"), root)
	writeSnapshotTable(w, list)
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

// when shows a stored time in porepair's one format; "-" if none.
func when(t string) string {
	if t == "" {
		return "-"
	}
	return textfmt.Stamp(t)
}

// short is a SHA-256 as a person compares it: its first 12 digits.
func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	return sum
}
