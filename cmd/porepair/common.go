package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/repair"
)

// openPO opens a postoffice; not a postoffice or unreadable is exit 2,
// said in one line that names what to do (postoffice.OpenDir).
func openPO(dir string) (*postoffice.PO, error) {
	p, err := postoffice.OpenDir(dir)
	if err != nil {
		return nil, exit(exitUsage, err)
	}
	return p, nil
}

// failed is the result of a postoffice that could not be worked on, with
// the status the domain gave it (its exit code is the status's), and the
// finding codes behind a refusal. Its reason is printed once: a refusal
// is the answer, on stdout; any other error goes to stderr. A fleet's
// table repeats it in a few words.
func failed(po string, status repair.Status, codes []diagnose.Code, err error) result {
	why := strings.TrimPrefix(err.Error(), po+": ")
	r := result{po: po, code: status.Code(), status: status, reason: why, codes: codeWords(codes),
		doc: &failureJSON{Errors: []string{why}, Status: status}}
	if status == repair.StatusRefused {
		r.text = fmt.Sprintf("%s: %s: %s\n", po, status, why)
	} else {
		r.errs = fmt.Sprintf("porepair: %s: %s\n", po, why)
	}
	return r
}

// notPlanned is the result of a postoffice repair.PlanFor made no plan
// for, as it says: refused, busy, or an error.
func notPlanned(dir string, pg repair.Planning) result {
	return failed(dir, pg.Status, pg.Codes, pg.Err)
}

// codeWords spells finding codes for the log; nil for none.
func codeWords(codes []diagnose.Code) []string {
	var out []string
	for _, c := range codes {
		out = append(out, c.String())
	}
	return out
}

func manifestFlag() cli.Flag {
	return &cli.StringFlag{Name: "manifest", Usage: "JSON manifest of another access component (see docs)", TakesFile: true}
}

// manifests returns the built-in manifests plus --manifest (and it).
func manifests(c *cli.Context) ([]diagnose.Manifest, *diagnose.Manifest, error) {
	var extra *diagnose.Manifest
	if f := c.String("manifest"); f != "" {
		m, err := diagnose.LoadManifest(f)
		if err != nil {
			return nil, nil, usagef("--manifest %s: %s", f, osfs.Reason(err))
		}
		extra = &m
	}
	if extra != nil {
		return diagnose.Manifests(*extra), extra, nil
	}
	return diagnose.Manifests(), nil, nil
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

// decisionFlags are the plan flags a saved plan already decided.
var decisionFlags = []string{"component", "gateway", "media", "manifest", "discard-queue", "force"}

// planConflicts refuses --plan together with a flag that would change the
// plan: the saved plan is the whole decision, and ignoring the flag would
// carry out something else than what the administrator asked for.
func planConflicts(c *cli.Context) error {
	var set []string
	for _, f := range decisionFlags {
		if c.IsSet(f) {
			set = append(set, "--"+f)
		}
	}
	if len(set) == 0 {
		return nil
	}
	return usagef("--plan carries out the saved plan as it is: it conflicts with %s (plan again with them instead)", strings.Join(set, ", "))
}

// planOptions reads the plan flags. --manifest F plans F's component
// unless --component names another.
func planOptions(c *cli.Context) (plan.Options, error) {
	ms, extra, err := manifests(c)
	if err != nil {
		return plan.Options{}, err
	}
	name := c.String("component")
	if extra != nil && !c.IsSet("component") {
		name = string(extra.Name)
	}
	comp, ok := diagnose.Find(ms, name)
	if !ok {
		var known []string
		for _, m := range ms {
			known = append(known, string(m.Name))
		}
		return plan.Options{}, usagef("unknown component %q (known: %s; others need --manifest)", name, strings.Join(known, ", "))
	}
	if m := c.String("media"); m != "" {
		if fi, err := os.Stat(m); err != nil || !fi.IsDir() {
			return plan.Options{}, usagef("--media %s: not a directory", m)
		}
	}
	return plan.Options{Component: comp, Manifests: ms, Gateway: c.String("gateway"), MediaDir: c.String("media"),
		DiscardQueue: c.Bool("discard-queue"), Force: c.Bool("force")}, nil
}

// signalContext is cancelled by SIGINT, SIGTERM or SIGHUP (the terminal
// or ssh session closed), so that a repair rolls back before the process
// exits instead of dying half-way with exit 129.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
}

// snapshotDir is --snapshot-dir, or "" for each PO's own.
func snapshotDir(c *cli.Context) string { return stringFlag(c, "snapshot-dir") }

// needYes enforces --yes when standard input is not a terminal.
func (e *env) needYes(c *cli.Context) error {
	if c.Bool("yes") || isTerminal(e.stdin) {
		return nil
	}
	return usagef("%s changes postoffices: give --yes when standard input is not a terminal", c.Command.Name)
}

// confirm asks on the terminal; anything but y or yes is no. It reads the
// whole line, so that the rest of "yes please" is not left for the shell.
func (e *env) confirm(question string) bool {
	fmt.Fprintf(e.stderr, "%s [y/N] ", question)
	line, _ := bufio.NewReader(e.stdin).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}

func yesFlag() cli.Flag {
	return &cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation (required without a terminal)"}
}
