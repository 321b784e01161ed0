package plan

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/postoffice"
)

// WriteText prints a report for an administrator, without colour.
func (r *Report) WriteText(w io.Writer) { r.WriteStyled(w, nil) }

// Paint styles text, padded already, for the word it shows ("error",
// "warning", "info"). The command's style is the one place that knows
// colour; plan only says what each piece of text is.
type Paint func(word, text string) string

// WriteStyled prints a report for an administrator: the worst findings
// first (then by file), each message wrapped under its own indent, a KB
// article named once, the severity painted by paint when not nil.
func (r *Report) WriteStyled(w io.Writer, paint Paint) {
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
	fs := slices.Clone(r.Findings)
	// The JSON keeps the file order of Sort; a person reads the worst first.
	slices.SortStableFunc(fs, func(a, b Finding) int {
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
	fmt.Fprintln(w, r.Counts())
}

// Counts is the tally of the findings: "3 findings: 1 error, 1 warning, 1 info".
func (r *Report) Counts() string {
	n := map[Severity]int{}
	for _, f := range r.Findings {
		n[f.Severity]++
	}
	return fmt.Sprintf("%s: %s, %s, %d info", plural(len(r.Findings), "finding"),
		plural(n[Error], "error"), plural(n[Warning], "warning"), n[Info])
}

// plural is "1 error", "2 errors", "0 errors": the pluraliser of all of
// porepair's output, under the name plan's files use.
func plural(n int, word string) string { return textfmt.Plural(n, word) }

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

var phaseTitle = map[Phase]string{
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
	var phase Phase
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
	for _, c := range p.Changes {
		if c.Op == OpDelete && c.Before != nil && strings.HasSuffix(strings.ToUpper(c.File), ".MBG") && c.Before.Size > 0 {
			fmt.Fprintf(w, "--discard-queue: the %s of %s are deleted, not carried to the new queue.\n",
				plural(int(c.Before.Size/postoffice.MBGRecordSize), "message header"), c.File)
		}
	}
	fmt.Fprintf(w, "%s; every other byte of the postoffice stays as it is.\n", plural(len(p.Changes), "file change"))
}
