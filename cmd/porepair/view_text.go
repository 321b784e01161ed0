package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/repair"
)

// The text views: what a person reads of a diagnosis and of a plan. The
// domain packages return typed values and the commands gather them; only
// the view files (view.go, which picks a view, this file and the other
// view_text*.go, view_json.go) turn them into output.

// writeReport prints a report for an administrator: the worst findings
// first (then by file), each message wrapped under its own indent, a KB
// article named once, the severity painted by paint when not nil.
func writeReport(w io.Writer, r *diagnose.Report, paint func(word, text string) string) {
	fmt.Fprintf(w, "postoffice %s", r.PO)
	if r.Network != "" || r.Postoffice != "" {
		fmt.Fprintf(w, " (%s/%s)", postoffice.Printable(r.Network), postoffice.Printable(r.Postoffice))
	}
	fmt.Fprintln(w)
	defer writeQueues(w, r)
	if len(r.Findings) == 0 {
		fmt.Fprintf(w, "  no findings: %s\n", repair.StatusHealthy)
		return
	}
	fs := slices.Clone(r.Findings)
	// The JSON keeps the file order of Sort; a person reads the worst first.
	slices.SortStableFunc(fs, func(a, b diagnose.Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.File, b.File))
	})
	for _, f := range fs {
		sev := fmt.Sprintf("%-7s", strings.ToUpper(f.Severity.String()))
		if paint != nil {
			sev = paint(f.Severity.String(), sev)
		}
		fmt.Fprintf(w, "  %s %-23s %s\n", sev, f.Code, f.File)
		msg := f.Message
		if kb := unnamed(f.KB, msg); len(kb) > 0 {
			msg += " [" + strings.Join(kb, " ") + "]"
		}
		wrap(w, msg, "          ", 80)
	}
	fmt.Fprintln(w, reportCounts(r))
}

// reportCounts is the tally of the findings: "3 findings: 1 error, 1 warning, 1 info".
func reportCounts(r *diagnose.Report) string {
	n := map[diagnose.Severity]int{}
	for _, f := range r.Findings {
		n[f.Severity]++
	}
	return fmt.Sprintf("%s: %s, %s, %d info", textfmt.Plural(len(r.Findings), "finding"),
		textfmt.Plural(n[diagnose.Error], diagnose.Error.String()), textfmt.Plural(n[diagnose.Warning], diagnose.Warning.String()), n[diagnose.Info])
}

// unnamed are the KB articles the message does not already name.
func unnamed(kb []string, msg string) []string {
	var out []string
	for _, k := range kb {
		if !strings.Contains(msg, k) {
			out = append(out, k)
		}
	}
	return out
}

// wrap prints text in lines of at most width columns (a longer word
// stays whole), each starting with indent.
func wrap(w io.Writer, text, indent string, width int) {
	line := indent
	for _, word := range strings.Fields(text) {
		if line != indent && len([]rune(line))+1+len([]rune(word)) > width {
			fmt.Fprintln(w, line)
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	fmt.Fprintln(w, line)
}

var phaseTitle = map[plan.Phase]string{
	plan.PhaseRemove:  "remove (INSTALL -R)",
	plan.PhaseInstall: "install (INSTALL)",
	plan.PhaseVerify:  "verify",
}

func show(s *string) string {
	if s == nil {
		return "(none)"
	}
	return fmt.Sprintf("%q", *s)
}

// writePlan prints the plan as a reviewable change: grouped by phase,
// file by file, before → after, with the KB step, and what to do next.
func writePlan(w io.Writer, p *plan.Plan) {
	fmt.Fprintf(w, "plan for %s: reinstall the %s access component", p.PO, p.Component)
	if p.Gateway != "" {
		fmt.Fprintf(w, " through gateway postoffice %s", p.Gateway)
	}
	fmt.Fprintln(w)
	if p.NothingToDo {
		fmt.Fprintf(w, "nothing to do: no error or warning finding about %s (use --force to reinstall anyway)\n", p.Component)
		return
	}
	var phase plan.Phase
	file := "\x00"
	for i, a := range p.Actions {
		if a.Phase != phase {
			phase, file = a.Phase, "\x00"
			fmt.Fprintf(w, "\n%s\n", phaseTitle[phase])
		}
		f := ""
		if a.File != nil {
			f = *a.File
		}
		if f != file && f != "" {
			file = f
			fmt.Fprintf(w, "  %s\n", f)
		}
		fmt.Fprintf(w, "    %2d. %-12s", i+1, a.Kind)
		switch {
		case a.Kind == plan.KindSetField || a.Kind == plan.KindAllocateID:
			fmt.Fprintf(w, " %s @0x%04X: %s → %s ", *a.Field, *a.Offset, show(a.Before), show(a.After))
		case a.To != nil:
			fmt.Fprintf(w, " → %s ", *a.To)
		}
		fmt.Fprintf(w, " [%s]\n        %s\n", strings.Join(a.KB, " "), a.Description)
	}
	fmt.Fprintln(w)
	writeSummary(w, p)
	fmt.Fprintln(w, "\nafterwards")
	for _, n := range p.Next {
		fmt.Fprintf(w, "  - %s\n", n)
	}
}

// writeSaved says where plan --out saved the plan, and the command that
// carries it out.
func writeSaved(w io.Writer, file string) {
	fmt.Fprintf(w, "saved the plan to %s; carry it out with: porepair repair --plan %s --yes\n", file, file)
}

// writeSummary prints the net effect of a plan: the fields whose final
// value differs from today's.
func writeSummary(w io.Writer, p *plan.Plan) {
	fmt.Fprintln(w, "net effect")
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	for _, e := range p.NetEffect {
		fmt.Fprintf(tw, "  %s\t%s\t%s → %s\n", e.File, e.Field, show(e.Before), show(e.After))
	}
	tw.Flush()
	for _, c := range p.Changes {
		if c.Op == plan.OpDelete && c.Before != nil && strings.HasSuffix(strings.ToUpper(c.File), ".MBG") && c.Before.Size > 0 {
			fmt.Fprintf(w, "--discard-queue: the %s of %s are deleted, not carried to the new queue.\n",
				textfmt.Plural(int(c.Before.Size/postoffice.MBGRecordSize), "message header"), c.File)
		}
	}
	fmt.Fprintf(w, "%s; every other byte of the postoffice stays as it is.\n", textfmt.Plural(len(p.Changes), "file change"))
}

// writeQueues lists the outbound queues that hold mail; the empty ones
// are only counted (a hub may have thousands).
func writeQueues(w io.Writer, r *diagnose.Report) {
	var waiting []diagnose.Queue
	for _, q := range r.Queues {
		if q.Pending > 0 {
			waiting = append(waiting, q)
		}
	}
	fmt.Fprintf(w, "%s, %d with mail waiting\n", textfmt.Plural(len(r.Queues), "outbound queue"), len(waiting))
	if len(waiting) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	// The route is in --json and in QUEUE_STALLED's message: the table
	// stays within 80 columns.
	fmt.Fprintln(tw, "  QUEUE\tOWNER\tPENDING\tBYTES\tOLDEST\tAGE")
	for _, q := range waiting {
		age := "unknown"
		if q.AgeSeconds != nil {
			age = textfmt.Age(time.Duration(*q.AgeSeconds) * time.Second)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%s\t%s\n", q.ID, q.Owner, q.Pending, q.PendingBytes, q.Oldest, age)
	}
	tw.Flush()
}

// writeText is unlock's line: the postoffice, and what was done.
func (u unlocked) writeText(w io.Writer) { fmt.Fprintf(w, "%s: %s\n", u.root, u.message) }

// writeUnlockQuestion is what unlock shows before it asks: who holds the
// lock, and that a holder on another host cannot be checked from here.
func writeUnlockQuestion(w io.Writer, root string, h *journal.Holder) {
	fmt.Fprintf(w, "%s is locked by porepair on %s\n", root, h)
	if !h.OnThisHost() {
		fmt.Fprintf(w, "porepair cannot see whether it still runs on %s: check there first\n", h.Host)
	}
}

// writeRollbackQuestion is what rollback shows before it asks: for each
// postoffice the snapshot, when and where it was made and what will
// change, or why there is nothing to do or it is refused.
func writeRollbackQuestion(w io.Writer, shown []rollbackPreview) {
	for _, p := range shown {
		rp := p.plan
		switch {
		case p.err != nil:
			fmt.Fprintf(w, "%s: %s: %v\n", p.dir, repair.StatusRefused, p.err)
			continue
		case rp.Nothing != "":
			fmt.Fprintf(w, "%s: %s\n", p.dir, rp.Nothing)
			continue
		}
		what := "snapshot " + rp.ID
		if rp.Time != "" {
			what += ", made " + when(rp.Time) + " at " + rp.MadeAt
		}
		if rp.Unfinished {
			what += " (the unfinished repair's)"
		}
		fmt.Fprintf(w, "Roll back %s to %s:\n", rp.PO, what)
		for _, ch := range rp.Changes {
			fmt.Fprintf(w, "  %s\n", ch)
		}
	}
}

// writeOutcome is a repair's or a rollback's outcome: on w the net
// effect of a repair carried out, the status line (a refusal's reason on
// it: the refusal is the answer), metadata not restored and a rollback's
// note; on errs every other error, once.
func writeOutcome(w, errs io.Writer, dir string, res repair.Result) {
	if pl := res.Plan; pl != nil && res.Status == repair.StatusRepaired {
		writeSummary(w, pl)
	}
	fmt.Fprintf(w, "%s: %s", dir, res.Status)
	if res.Snapshot != "" {
		fmt.Fprintf(w, " (snapshot %s)", res.Snapshot)
	}
	for i, e := range res.Errors {
		e = strings.TrimPrefix(e, dir+": ")
		if i == 0 && res.Status == repair.StatusRefused {
			fmt.Fprintf(w, ": %s", e)
			continue
		}
		fmt.Fprintf(errs, "porepair: %s: %s\n", dir, e)
	}
	fmt.Fprintln(w)
	if len(res.Unrestored) > 0 {
		fmt.Fprintf(w, "  metadata this file system does not hold, left as it gives it (%d): %s\n",
			len(res.Unrestored), strings.Join(res.Unrestored, "; "))
	}
	if res.Note != "" {
		fmt.Fprintf(w, "  %s\n", res.Note)
	}
}

// afterRepair is what to do next: the undo command and the restart.
func afterRepair(dir, snapDir, snapshot string) string {
	undo := "porepair --po " + textfmt.ShellQuote(dir)
	if snapDir != "" {
		undo += " --snapshot-dir " + textfmt.ShellQuote(snapDir)
	}
	undo += " rollback --snapshot " + snapshot
	return fmt.Sprintf("  undo: %s\n  next: restart EXTERNAL.EXE on every machine that serves this postoffice, so it reloads its routing tables (Q118561)\n", undo)
}

// The demo's narration, around the output of the commands it runs.

func writeDemoStart(w io.Writer, dir string) {
	fmt.Fprintf(w, "porepair demo: sample postoffice in %s\n\n", dir)
}

// writeDemoStep says what a step shows and the command it runs.
func writeDemoStep(w io.Writer, s demoStep) {
	fmt.Fprintf(w, "== %s\n$ porepair %s\n", s.say, strings.Join(s.args, " "))
}

func writeDemoEnd(w io.Writer, dir string, kept bool) {
	fmt.Fprintln(w, "The postoffice is back as it was: run `porepair --po DIR repair` on your own.")
	if kept {
		fmt.Fprintf(w, "The sample is kept in %s.\n", dir)
	}
}
