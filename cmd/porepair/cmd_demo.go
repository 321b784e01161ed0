package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/internal/sample"
)

func demoCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "repair a built-in broken sample postoffice in a temporary directory",
		UsageText: `porepair demo
porepair demo --keep /tmp/sample-po`,
		Description: `Writes the stale-route sample (KB Q135031: the gateway postoffice ACME/HQ was
deleted and re-added, the SMTP record still routes through its old mailbag id)
and runs diagnose, plan, repair, diagnose and rollback on it, narrating each
step. The sample is removed afterwards unless --keep names a directory.`,
		Flags: []cli.Flag{&cli.StringFlag{Name: "keep", Usage: "write the sample to `DIR` and keep it"}, jsonFlag()},
		Action: func(c *cli.Context) error {
			dir := c.String("keep")
			if dir == "" {
				tmp, err := os.MkdirTemp("", "porepair-demo-")
				if err != nil {
					return exit(exitFailed, err)
				}
				defer os.RemoveAll(tmp)
				dir = filepath.Join(tmp, "MAILDATA")
			} else if err := keepDir(dir); err != nil {
				return err
			}
			if err := sample.Write(dir); err != nil {
				return exit(exitFailed, err)
			}
			if jsonOut(c) {
				return e.demoJSON(dir)
			}
			return e.demoText(dir, c.String("keep") != "")
		},
	}
}

// demoStep is one command of the demo, what it shows and the exit code it
// must end with.
type demoStep struct {
	say  string
	args []string
	want int
}

var demoSteps = []demoStep{
	{"1. Diagnose the sample postoffice. Its SMTP record still routes through HQ's old mailbag id (Q135031), and the mail in its queue has waited since 1993 (" + diagnose.QueueStalled.String() + "):",
		[]string{"diagnose"}, exitProblems},
	{"2. Plan the fix: INSTALL -R then INSTALL of the SMTP access component, as data. Nothing is written:",
		[]string{"plan"}, exitOK},
	{"3. Repair: lock, journal, snapshot, rewrite, verify:",
		[]string{"repair", "--yes"}, exitOK},
	{"4. Diagnose again: the route is mended, the queued mail waits in the new queue for EXTERNAL.EXE.\n" +
		"   Its 1993 dates would stay " + diagnose.QueueStalled.String() + " until EXTERNAL moves it; --stalled-after 0 leaves that check out:",
		[]string{"diagnose", "--stalled-after", "0"}, exitOK},
	{"5. Roll the repair back from its snapshot, byte for byte:",
		[]string{"rollback", "--snapshot", "latest", "--yes"}, exitOK},
}

// demoText narrates each step and shows its output.
func (e *env) demoText(dir string, kept bool) error {
	writeDemoStart(e.stdout, dir)
	for _, s := range demoSteps {
		writeDemoStep(e.stdout, s)
		args := append([]string{"porepair", "--po", dir}, s.args...)
		if got := run(args, e.stdin, e.stdout, e.stderr); got != s.want {
			return exit(exitFailed, fmt.Errorf("demo step %q exited %d, want %d", strings.Join(s.args, " "), got, s.want))
		}
		fmt.Fprintln(e.stdout) // the step's output ends; the next begins
	}
	writeDemoEnd(e.stdout, dir, kept)
	return nil
}

// demoJSON runs the same steps with --json and prints one document: each
// step's command, exit code and JSON output.
func (e *env) demoJSON(dir string) error {
	var steps []demoStepJSON
	for _, s := range demoSteps {
		var out bytes.Buffer
		args := append([]string{"porepair", "--po", dir, "--json"}, s.args...)
		got := run(args, e.stdin, &out, e.stderr)
		step, ok := demoStepDoc(strings.Join(s.args, " "), got, out.Bytes())
		if !ok {
			return exit(exitFailed, fmt.Errorf("demo step %q printed no JSON", strings.Join(s.args, " ")))
		}
		steps = append(steps, step)
		if got != s.want {
			return exit(exitFailed, fmt.Errorf("demo step %q exited %d, want %d", strings.Join(s.args, " "), got, s.want))
		}
	}
	return writeJSON(e.stdout, demoJSON{dir, steps, exitOK})
}

// keepDir checks --keep DIR before anything is written: it must be a new
// or empty directory, never a file.
func keepDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return usagef("--keep %s: %s", dir, osfs.Reason(err))
	case !fi.IsDir():
		return usagef("--keep %s: a file, not a directory: name a new or empty directory", dir)
	}
	if ents, err := os.ReadDir(dir); err != nil || len(ents) > 0 {
		return usagef("--keep %s: directory is not empty: name a new or empty directory", dir)
	}
	return nil
}
