package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/porepair/porepair/internal/gobuild"
)

var (
	linkRuns = flag.Int("link-runs", 3, "runs of each measurement over a slow link")
	linkOnly = flag.Bool("link-only", false, "measure only the slow-link section and replace it in the report file")
)

// linkDelays are the round trips the slow-link section adds between the
// SMB client and smbd: none (loopback), a LAN across a few switches, and
// a WAN to a branch office's file server.
var linkDelays = []time.Duration{0, time.Millisecond, 20 * time.Millisecond}

// linkRow is one line of the section's table: one place the postoffice
// lives (delay < 0: the local disk), each command timed there.
type linkRow struct {
	where                  string
	delay                  time.Duration
	diag, rep, roll, copyA measure
}

// linkFixture describes the postoffice measured ("46 files, ..."), set by
// measureLinks, which alone sees it before it is removed.
var linkFixture = "the stale fixture"

// treeSize describes the tree at dir by its files, directories and bytes.
func treeSize(dir string) string {
	var files, dirs int
	var size int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs++
		} else if info, err := d.Info(); err == nil {
			files++
			size += info.Size()
		}
		return nil
	})
	return fmt.Sprintf("%d files in %d directories, %d KB", files, dirs, size/1000)
}

const linkHeading = "## Over a slow link"

// linkSection measures and returns the slow-link section of the report;
// an error is reported in the section, not returned, so that a machine
// where the share cannot be mounted still gets the rest of the report.
func linkSection(bin string) string {
	fmt.Fprintln(os.Stderr, "timing diagnose, repair and rollback over a slow link...")
	rows, skipped, err := measureLinks(bin, *linkRuns)
	return linkReport(rows, skipped, err, *linkRuns)
}

// linkMain is make bench's -link-only: it builds porepair, measures the
// slow-link section and puts it in place of the one in the report file,
// leaving the rest of the file as it was.
func linkMain(out string) int {
	work, err := os.MkdirTemp("", "porepair-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "porepair")
	if b, err := gobuild.Command("./cmd/porepair", bin).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: go build: %v\n%s", err, b)
		return 1
	}
	section := linkSection(bin)
	fmt.Print(section)
	old, _ := os.ReadFile(out)
	if err := os.WriteFile(out, []byte(replaceSection(string(old), section)), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	return 0
}

// replaceSection puts section in place of doc's slow-link section (up to
// the next "## " heading), or at its end.
func replaceSection(doc, section string) string {
	i := strings.Index(doc, linkHeading)
	if i < 0 {
		return strings.TrimRight(doc, "\n") + "\n\n" + section
	}
	rest := doc[i+len(linkHeading):]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		return doc[:i] + section + "\n" + rest[j+1:]
	}
	return doc[:i] + section
}

// linkIntro says what the section measures and how.
const linkIntro = linkHeading + `

What an administrator at a branch office sees: the postoffice on the
file server's share, porepair on a workstation across the link. The share
is the real-share test bed's (Samba's smbd in a network namespace of its
own, mounted through smbnetfs, internal/sharetest), with a latency proxy
(internal/sharetest/latency) between client and server that holds each
chunk Delay/2 in each direction, so that every request and its response
take Delay more. The postoffice is the stale fixture (` + "`go run ./testdata/gen -scenario stale`" + `:
%s), copied onto the share as MAILDATA; each run is diagnose, repair --yes,
rollback --yes --snapshot latest (which brings the stale route back for
the next run) and ` + "`cp -a --no-preserve=xattr`" + ` (smbnetfs fails
cp's listxattr with EIO) of MAILDATA to the local disk, what an
administrator does instead of repairing in place (to work on a copy, or
to keep one). Medians of %d runs, in seconds. "Round trips" is what the
delay added to repair's time, divided by the delay: about how many times
a repair waits for the server.

`

// linkReport formats the section: the table of medians, every run, or
// why the share rows are missing.
func linkReport(rows []*linkRow, skipped string, err error, runs int) string {
	var b strings.Builder
	fmt.Fprintf(&b, linkIntro, linkFixture, runs)
	b.WriteString("| where | round trip added | diagnose | repair --yes | rollback | cp -a of MAILDATA to local disk | repair / cp -a | round trips (repair) |\n|---|---|---|---|---|---|---|---|\n")
	sec := func(m measure) string { return fmt.Sprintf("%.3f", m.median()) }
	var base float64 // repair on the share with no delay added
	for _, r := range rows {
		trips := "—"
		if r.delay == 0 {
			base = r.rep.median()
		} else if r.delay > 0 {
			trips = fmt.Sprintf("%.0f", (r.rep.median()-base)/r.delay.Seconds())
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %.2f× | %s |\n", r.where, delayName(r.delay),
			sec(r.diag), sec(r.rep), sec(r.roll), sec(r.copyA), r.rep.median()/r.copyA.median(), trips)
	}
	switch {
	case err != nil:
		fmt.Fprintf(&b, "\nThe share rows failed: %v\n", err)
	case skipped != "":
		fmt.Fprintf(&b, "\nThe share rows were skipped: %s.\n", skipped)
	}
	b.WriteString("\nAll runs (seconds: diagnose; repair; rollback; cp -a):\n\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "- %s, %s: %s; %s; %s; %s\n", r.where, delayName(r.delay), fmtSecs(r.diag.secs), fmtSecs(r.rep.secs), fmtSecs(r.roll.secs), fmtSecs(r.copyA.secs))
	}
	return b.String()
}

func delayName(d time.Duration) string {
	switch {
	case d < 0:
		return "—"
	case d == 0:
		return "none (loopback)"
	}
	return d.String()
}
