package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/repair"
)

// fleet is the postoffices of one invocation.
type fleet struct {
	pos []string // as given (a --po-list entry joined to the list's directory)
	// many is set when the command line names a fleet (--po-list, or --po
	// more than once): the JSON is then {"results": […]} however many
	// postoffices remain, so a script sees one shape per invocation.
	many bool
}

// poPaths is the postoffices of poFleet.
func poPaths(c *cli.Context) ([]string, error) {
	f, err := poFleet(c)
	return f.pos, err
}

// poGiven reports whether the command line or the environment names a
// postoffice at all.
func poGiven(c *cli.Context) bool {
	for _, ctx := range c.Lineage() {
		if slices.Contains(ctx.LocalFlagNames(), "po") {
			return true
		}
	}
	return stringFlag(c, "po-list") != "" || os.Getenv("POREPAIR_PO") != ""
}

// poFleet collects the postoffices named by --po (before or after the
// command), --po-list or, when neither is given, POREPAIR_PO, in the order
// given. A PO named twice (by its resolved path) is processed once.
func poFleet(c *cli.Context) (fleet, error) {
	var raw []string
	many := false
	lin := c.Lineage()
	for i := len(lin) - 1; i >= 0; i-- { // outermost first: the order typed
		if slices.Contains(lin[i].LocalFlagNames(), "po") {
			n := len(raw)
			raw = append(raw, lin[i].StringSlice("po")...)
			many = many || len(raw)-n > 1 || n > 0
		}
	}
	if list := stringFlag(c, "po-list"); list != "" {
		entries, err := readList(list)
		if err != nil {
			return fleet{}, err
		}
		raw, many = append(raw, entries...), true
	}
	if len(raw) == 0 && os.Getenv("POREPAIR_PO") != "" {
		raw = []string{os.Getenv("POREPAIR_PO")}
	}
	if len(raw) == 0 {
		return fleet{}, usagef("no postoffice: give --po DIR, --po-list FILE or set POREPAIR_PO")
	}
	return fleet{pos: once(raw), many: many}, nil
}

// once is the postoffices of raw, each once, told apart by their resolved
// paths. One postoffice is not resolved here: there is nothing to tell it
// apart from, and opening it resolves it (postoffice.Open: the path a
// postoffice is known by, kept as its Root); resolving it here as well
// cost an lstat of every component of its path, and os.Getwd's stats
// for a relative one, once more per run.
func once(raw []string) []string {
	if len(raw) < 2 {
		return raw
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range raw {
		if key := resolved(p); !seen[key] {
			seen[key] = true
			out = append(out, p)
		}
	}
	return out
}

// readList reads a --po-list file. Relative entries are relative to the
// file's directory, not to where porepair runs: cron runs it elsewhere.
func readList(list string) ([]string, error) {
	f, err := os.Open(list)
	if err != nil {
		return nil, usagef("--po-list %s: %s", list, osfs.Reason(err))
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		if !filepath.IsAbs(line) {
			line = filepath.Join(filepath.Dir(list), line)
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, usagef("--po-list %s: %s", list, osfs.Reason(err))
	}
	return out, nil
}

// resolved is a path made absolute, symbolic links followed where they
// resolve.
func resolved(p string) string {
	abs, err := osfs.AbsPath(p)
	if err != nil {
		return p
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	return abs
}

// result is what one command did to one postoffice.
type result struct {
	po     string
	root   string // po resolved, as opening it did (PO.Root): the JSON's po_resolved; "" resolves po again
	code   int
	status repair.Status // one word for the fleet summary
	reason string        // why, in a few words, for the fleet table ("" when all went well)
	doc    any           // the domain value behind this PO's JSON (resultJSON)
	text   string        // the text form
	errs   string        // what went wrong, for stderr (cron mails it)
	codes  []string      // the findings that caused a refusal, for the log
	// report is diagnose's report, for its metrics; nil otherwise.
	report *diagnose.Report
}

// perPO runs fn for every postoffice with at most --parallel at once. One
// postoffice's failure never stops another's. Results are printed in the
// order given: one JSON document, or the text forms and, for a fleet, a
// summary table. It returns the worst exit code.
func (e *env) perPO(c *cli.Context, fn func(po string) result) error {
	return e.perPOThen(c, fn, nil)
}

// perPOThen is perPO with a step between the work and the output: then
// (when not nil) sees every result; its error, an output of the command
// that could not be written, is printed and counts as exit 2, like a
// postoffice's.
func (e *env) perPOThen(c *cli.Context, fn func(po string) result, then func([]result) error) error {
	f, err := poFleet(c)
	if err != nil {
		return err
	}
	n, err := parallel(c)
	if err != nil {
		return err
	}
	results := e.runAll(c, f.pos, n, fn)
	code := exitOK
	for _, r := range results {
		code = worse(code, r.code)
		fmt.Fprint(e.stderr, r.errs)
		e.logResult(c, r)
	}
	if then != nil {
		if err := then(results); err != nil {
			fmt.Fprintf(e.stderr, "porepair: %v\n", err)
			code = worse(code, exitUsage)
		}
	}
	if jsonOut(c) {
		if err := writeJSON(e.stdout, resultsDoc(f.many, results)); err != nil {
			return err
		}
	} else {
		e.writeResults(f.many || len(results) > 1, results)
	}
	if code != exitOK {
		return exit(code, nil)
	}
	return nil
}

// runAll runs fn on every postoffice, showing a progress bar with the
// count and the postoffice being worked on when a person watches a fleet.
func (e *env) runAll(c *cli.Context, pos []string, n int, fn func(po string) result) []result {
	results := make([]result, len(pos))
	var bar *progressbar.ProgressBar
	if len(pos) > 1 && !jsonOut(c) && isTerminal(e.stderr) {
		bar = progressbar.NewOptions(len(pos), progressbar.OptionSetWriter(e.stderr), progressbar.OptionShowCount(),
			progressbar.OptionSetDescription(c.Command.Name), progressbar.OptionClearOnFinish())
	}
	var mu sync.Mutex // the bar's description is the last postoffice started
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, po := range pos {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if bar != nil {
				mu.Lock()
				bar.Describe(c.Command.Name + " " + po)
				mu.Unlock()
			}
			results[i] = fn(po)
			if bar != nil {
				bar.Add(1)
			}
		}()
	}
	wg.Wait()
	return results
}

// logResult logs every result to --log-file: at info, and a refusal at
// warn with the finding codes that caused it. Without --log-file it logs
// nothing: the result is already on stdout or stderr, and once is enough.
// po is absolute, so that lines from runs in different directories match.
func (e *env) logResult(c *cli.Context, r result) {
	if e.logFile == "" {
		return
	}
	args := []any{"command", c.Command.Name, "po", osfs.Abs(r.po), "status", r.status.String(), "exit", r.code}
	if r.reason != "" {
		args = append(args, "reason", r.reason)
	}
	if r.status == repair.StatusRefused {
		if len(r.codes) > 0 {
			args = append(args, "codes", r.codes)
		}
		e.log.Warn(repair.StatusRefused.String(), args...)
		return
	}
	e.log.Info("result", args...)
}

// resultsDoc is the JSON of an invocation: one object for one postoffice,
// {"results": […]} for a fleet. Each object leads with the postoffice as
// given, as resolved, and its exit code.
func resultsDoc(many bool, results []result) any {
	docs := make([]any, len(results))
	for i, r := range results {
		docs[i] = resultJSON(r)
	}
	if !many && len(docs) == 1 {
		return docs[0]
	}
	return fleetJSON{Results: docs}
}

// isTerminal is a real terminal check: /dev/null is a character device too.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
