package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/repair"
)

// The text views of a fleet: the results of a command over several
// postoffices, and what repair shows before it asks about them.

// writeResults prints the text forms and, for a fleet, a table with the
// reason of each outcome and the totals.
func (e *env) writeResults(many bool, results []result) {
	for i, r := range results {
		if many && i > 0 && r.text != "" {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprint(e.stdout, r.text)
	}
	if !many {
		return
	}
	st := e.style(false)
	fmt.Fprintln(e.stdout)
	rows := [][]string{{"POSTOFFICE", "STATUS", "EXIT", "REASON"}}
	counts := map[repair.Status]int{}
	var order []repair.Status
	for _, r := range results {
		if counts[r.status] == 0 {
			order = append(order, r.status)
		}
		counts[r.status]++
		rows = append(rows, []string{r.po, st.status(r.status), strconv.Itoa(r.code), oneLine(r.reason, 70)})
	}
	writeTable(e.stdout, rows)
	parts := make([]string, len(order))
	for i, s := range order {
		parts[i] = fmt.Sprintf("%s %d", s, counts[s])
	}
	fmt.Fprintf(e.stdout, "%s: %s\n", textfmt.Plural(len(results), "postoffice"), strings.Join(parts, ", "))
}

// oneLine shortens a reason to n runes on one line.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// fleetSummary tells, before the question, how many postoffices will be
// repaired, refused (and why) and left alone: a fleet's plans in full
// would be thousands of lines.
func (e *env) fleetSummary(shown map[string]repair.Planning, todo, refused, nothing []string) {
	w := e.stderr
	fmt.Fprintf(w, "%d to repair, %d %s, %d with nothing to do\n", len(todo), len(refused), repair.StatusRefused, len(nothing))
	for _, dir := range todo {
		pl := shown[dir].Plan
		fmt.Fprintf(w, "  repair   %s: %s, %s\n", dir, pl.Component, textfmt.Plural(len(pl.Changes), "file change"))
	}
	for _, dir := range refused {
		fmt.Fprintf(w, "  %-8s %s: %s\n", repair.StatusRefused, dir, oneLine(strings.TrimPrefix(shown[dir].Err.Error(), dir+": "), 100))
	}
	for _, dir := range nothing {
		fmt.Fprintf(w, "  nothing  %s\n", dir)
	}
	fmt.Fprintln(w, "porepair --po DIR plan shows a postoffice's plan in full.")
}
