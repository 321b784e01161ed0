package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/repair"
)

// openPO opens a postoffice; not a postoffice or unreadable is exit 2.
func openPO(dir string) (*postoffice.PO, error) {
	p, err := postoffice.Open(dir)
	if err != nil {
		return nil, exit(exitUsage, err)
	}
	return p, nil
}

func codeOf(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitUsage
}

// failed is the result of a postoffice that could not be worked on.
func failed(po, status string, err error) result {
	if codeOf(err) == exitBusy {
		status = repair.StatusBusy
	}
	return result{po: po, code: codeOf(err), status: status,
		doc:  map[string]any{"po": po, "status": status, "errors": []string{err.Error()}},
		text: fmt.Sprintf("%s: %s: %v\n", po, status, err),
		errs: fmt.Sprintf("porepair: %s: %v\n", po, err)}
}

func manifestFlag() cli.Flag {
	return &cli.StringFlag{Name: "manifest", Usage: "JSON manifest of another access component (see docs)", TakesFile: true}
}

// manifests returns the built-in manifests plus --manifest.
func manifests(c *cli.Context) ([]plan.Manifest, *plan.Manifest, error) {
	var extra *plan.Manifest
	if f := c.String("manifest"); f != "" {
		m, err := plan.LoadManifest(f)
		if err != nil {
			return nil, nil, exit(exitUsage, err)
		}
		extra = &m
	}
	if extra != nil {
		return plan.Manifests(*extra), extra, nil
	}
	return plan.Manifests(), nil, nil
}

// planFlags are the flags of plan and repair.
func planFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "component", Value: "smtp", Usage: "access component to reinstall (smtp, fax, or a --manifest's name)"},
		&cli.StringFlag{Name: "gateway", Usage: "route through `NET/PO` instead of the record's own gateway postoffice"},
		&cli.StringFlag{Name: "media", Usage: "install disk `DIR` for the component's media files", TakesFile: true},
		manifestFlag(),
		&cli.BoolFlag{Name: "discard-queue", Usage: "create a new empty queue instead of carrying the old one over"},
		&cli.BoolFlag{Name: "force", Usage: "reinstall even when nothing is wrong"},
		jsonFlag(), parallelFlag(),
	}
}

// planOptions reads the plan flags.
func planOptions(c *cli.Context) (plan.Options, error) {
	ms, _, err := manifests(c)
	if err != nil {
		return plan.Options{}, err
	}
	comp, ok := plan.Find(ms, c.String("component"))
	if !ok {
		return plan.Options{}, usagef("unknown component %q (known: smtp, fax; others need --manifest)", c.String("component"))
	}
	if m := c.String("media"); m != "" {
		if fi, err := os.Stat(m); err != nil || !fi.IsDir() {
			return plan.Options{}, usagef("--media %s: not a directory", m)
		}
	}
	return plan.Options{Component: comp, Manifests: ms, Gateway: c.String("gateway"), MediaDir: c.String("media"),
		DiscardQueue: c.Bool("discard-queue"), Force: c.Bool("force")}, nil
}

// makePlan opens a PO and plans for it; a refusal is exit 2.
func makePlan(dir string, opt plan.Options) (*plan.Plan, error) {
	p, err := openPO(dir)
	if err != nil {
		return nil, err
	}
	if err := plan.Workgroup(p); err != nil {
		return nil, exit(exitUsage, err)
	}
	if repair.InProgress(p.Root) {
		return nil, exit(exitBusy, fmt.Errorf("%s: a repair or rollback is running: %w", dir, repair.ErrBusy))
	}
	if err := repair.Interrupted(p.Root); err != nil {
		return nil, exit(exitUsage, err)
	}
	pl, err := plan.Build(p, opt)
	if err != nil {
		return nil, exit(exitUsage, err)
	}
	return pl, nil
}

// signalContext is cancelled by SIGINT or SIGTERM, so that a repair rolls
// back before the process exits.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
}

// snapshotDir is --snapshot-dir, or "" for each PO's own.
func snapshotDir(c *cli.Context) string { return c.String("snapshot-dir") }

// needYes enforces --yes when standard input is not a terminal.
func (e *env) needYes(c *cli.Context) error {
	if c.Bool("yes") || isTerminal(e.stdin) {
		return nil
	}
	return usagef("%s changes postoffices: give --yes when standard input is not a terminal", c.Command.Name)
}

// confirm asks on the terminal; anything but y/yes is no.
func (e *env) confirm(question string) bool {
	fmt.Fprintf(e.stderr, "%s [y/N] ", question)
	var answer string
	fmt.Fscanln(e.stdin, &answer)
	return answer == "y" || answer == "Y" || answer == "yes"
}

func yesFlag() cli.Flag {
	return &cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation (required without a terminal)"}
}
