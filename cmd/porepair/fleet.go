package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/porepair/porepair/plan"
)

// poPaths collects the postoffices named by --po, --po-list and
// POREPAIR_PO, in the order given. A PO named twice (by its resolved path,
// symbolic links followed) is processed once.
func poPaths(c *cli.Context) ([]string, error) {
	raw := c.StringSlice("po")
	if list := c.String("po-list"); list != "" {
		f, err := os.Open(list)
		if err != nil {
			return nil, usagef("--po-list: %v", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if i := strings.IndexByte(line, '#'); i >= 0 {
				line = line[:i]
			}
			if line = strings.TrimSpace(line); line != "" {
				raw = append(raw, line)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, usagef("--po-list: %v", err)
		}
	}
	if len(raw) == 0 {
		return nil, usagef("no postoffice: give --po DIR, --po-list FILE or set POREPAIR_PO")
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range raw {
		key := p
		if abs, err := filepath.Abs(p); err == nil {
			key = abs
			if real, err := filepath.EvalSymlinks(abs); err == nil {
				key = real
			}
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// result is what one command did to one postoffice.
type result struct {
	po     string
	code   int
	status string // one word for the fleet summary
	doc    any    // the JSON object for this PO
	text   string // the text form
	errs   string // what went wrong, for stderr (cron mails it)
	// report is diagnose's report, for its metrics; nil otherwise.
	report *plan.Report
}

// perPO runs fn for every postoffice with at most --parallel at once. One
// postoffice's failure never stops another's. Results are printed in the
// order given: one JSON document, or the text forms and, for a fleet, a
// summary table. It returns the worst exit code.
func (e *env) perPO(c *cli.Context, fn func(po string) result) error {
	return e.perPOThen(c, fn, nil)
}

// perPOThen is perPO with a step between the work and the output: then
// (when not nil) sees every result; its error is printed and its exit
// code counts like a postoffice's.
func (e *env) perPOThen(c *cli.Context, fn func(po string) result, then func([]result) error) error {
	pos, err := poPaths(c)
	if err != nil {
		return err
	}
	asJSON := jsonOut(c)
	results := make([]result, len(pos))
	var bar *progressbar.ProgressBar
	if len(pos) > 1 && !asJSON && isTerminal(e.stderr) {
		bar = progressbar.NewOptions(len(pos), progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription(c.Command.Name), progressbar.OptionClearOnFinish())
	}
	sem := make(chan struct{}, parallel(c))
	var wg sync.WaitGroup
	for i, po := range pos {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = fn(po)
			if bar != nil {
				bar.Add(1)
			}
		}()
	}
	wg.Wait()
	code := exitOK
	if then != nil {
		if err := then(results); err != nil {
			fmt.Fprintf(e.stderr, "porepair: %v\n", err)
			code = worse(code, codeOf(err))
		}
	}
	for _, r := range results {
		code = worse(code, r.code)
		fmt.Fprint(e.stderr, r.errs)
		// Info: the log file gets every result; stderr already has the errors.
		e.log.Info("result", "command", c.Command.Name, "po", r.po, "status", r.status,
			"exit", r.code, "errors", strings.TrimSpace(r.errs))
	}
	if err := e.printResults(results, asJSON); err != nil {
		return err
	}
	if code != exitOK {
		return exit(code, nil)
	}
	return nil
}

// printResults prints one JSON document, or the text forms and, for a
// fleet, a summary table.
func (e *env) printResults(results []result, asJSON bool) error {
	if asJSON {
		var doc any = results[0].doc
		if len(results) > 1 {
			docs := make([]any, len(results))
			for i, r := range results {
				docs[i] = r.doc
			}
			doc = map[string]any{"results": docs}
		}
		return writeJSON(e.stdout, doc)
	}
	for i, r := range results {
		if len(results) > 1 && i > 0 {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprint(e.stdout, r.text)
	}
	if len(results) > 1 {
		fmt.Fprintln(e.stdout)
		tw := tabwriter.NewWriter(e.stdout, 2, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "POSTOFFICE\tSTATUS\tEXIT")
		for _, r := range results {
			fmt.Fprintf(tw, "%s\t%s\t%d\n", r.po, r.status, r.code)
		}
		tw.Flush()
	}
	return nil
}

func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// isTerminal is a real terminal check: /dev/null is a character device too.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
