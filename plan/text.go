package plan

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/porepair/porepair/postoffice"
)

// WriteText prints a report for an administrator: one line per finding.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "postoffice %s", r.PO)
	if r.Network != "" || r.Postoffice != "" {
		fmt.Fprintf(w, " (%s/%s)", postoffice.Printable(r.Network), postoffice.Printable(r.Postoffice))
	}
	fmt.Fprintln(w)
	defer r.writeQueues(w)
	if len(r.Findings) == 0 {
		fmt.Fprintln(w, "  no findings: healthy")
		return
	}
	n := map[Severity]int{}
	for _, f := range r.Findings {
		n[f.Severity]++
		fmt.Fprintf(w, "  %-7s %-23s %s\n          %s [%s]\n", strings.ToUpper(f.Severity.String()), f.Code, f.File,
			f.Message, strings.Join(f.KB, " "))
	}
	fmt.Fprintf(w, "%d findings: %d errors, %d warnings, %d info\n", len(r.Findings), n[Error], n[Warning], n[Info])
}

var phaseTitle = map[string]string{
	PhaseRemove:  "remove (INSTALL -R)",
	PhaseInstall: "install (INSTALL)",
	PhaseVerify:  "verify",
}

func show(s *string) string {
	if s == nil {
		return "(none)"
	}
	return fmt.Sprintf("%q", *s)
}

// WriteText prints the plan as a reviewable change: grouped by phase,
// file by file, before → after, with the KB step, and what to do next.
func (p *Plan) WriteText(w io.Writer) {
	fmt.Fprintf(w, "plan for %s: reinstall the %s access component", p.PO, p.Component)
	if p.Gateway != "" {
		fmt.Fprintf(w, " through gateway postoffice %s", p.Gateway)
	}
	fmt.Fprintln(w)
	if p.NothingToDo {
		fmt.Fprintf(w, "nothing to do: no error or warning finding about %s (use --force to reinstall anyway)\n", p.Component)
		return
	}
	phase, file := "", "\x00"
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
		case a.Kind == KindSetField || a.Kind == KindAllocateID:
			fmt.Fprintf(w, " %s @0x%04X: %s → %s ", *a.Field, *a.Offset, show(a.Before), show(a.After))
		case a.To != nil:
			fmt.Fprintf(w, " → %s ", *a.To)
		}
		fmt.Fprintf(w, " [%s]\n        %s\n", strings.Join(a.KB, " "), a.Description)
	}
	fmt.Fprintln(w)
	p.WriteSummary(w)
	fmt.Fprintln(w, "\nafterwards")
	for _, n := range p.Next {
		fmt.Fprintf(w, "  - %s\n", n)
	}
}

// WriteSummary prints the net effect of a plan: the fields whose final
// value differs from today's.
func (p *Plan) WriteSummary(w io.Writer) {
	fmt.Fprintln(w, "net effect")
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	for _, e := range p.NetEffect {
		fmt.Fprintf(tw, "  %s\t%s\t%s → %s\n", e.File, e.Field, show(e.Before), show(e.After))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d file changes; every other byte of the postoffice stays as it is.\n", len(p.Changes))
}
