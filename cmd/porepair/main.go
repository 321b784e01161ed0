// Command porepair diagnoses and repairs Microsoft Mail for PC Networks
// 3.x postoffices whose gateway access component no longer routes mail
// (KB Q135031). See README.md and `porepair docs --markdown`.
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	_ "time/tzdata" // --tz must work on hosts without a zoneinfo database

	"github.com/urfave/cli/v2"
)

// Exit codes: README.md lists them for users.
const (
	exitOK       = 0 // done, healthy
	exitFailed   = 1 // failed, postoffice restored
	exitUsage    = 2 // usage or input error, or a refused plan; nothing written
	exitProblems = 3 // diagnose found an error or warning
	exitBusy     = 4 // postoffice in use
	exitRestore  = 5 // failed, and the restore failed too
)

// severityOrder ranks exit codes for a fleet: the worst one wins.
var severityOrder = []int{exitRestore, exitFailed, exitBusy, exitUsage, exitProblems, exitOK}

func worse(a, b int) int {
	ia, ib := slices.Index(severityOrder, a), slices.Index(severityOrder, b)
	if ia < 0 {
		return a
	}
	if ib < 0 || ia < ib {
		return a
	}
	return b
}

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func exit(code int, err error) error { return &exitError{code: code, err: err} }

func usagef(format string, args ...any) error { return exit(exitUsage, fmt.Errorf(format, args...)) }

func main() { os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr)) }

// env carries the streams and logger of one run.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	app := newApp(e)
	code := exitOK
	app.ExitErrHandler = func(*cli.Context, error) {}
	app.CommandNotFound = func(c *cli.Context, name string) {
		fmt.Fprintf(stderr, "porepair: unknown command %q (see porepair --help)\n", name)
		code = exitUsage
	}
	err := app.Run(args)
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		if ee.err != nil {
			fmt.Fprintf(stderr, "porepair: %v\n", ee.err)
		}
		return ee.code
	case err != nil:
		fmt.Fprintf(stderr, "porepair: %v\n", err)
		return exitUsage
	}
	return code
}

func newApp(e *env) *cli.App {
	app := &cli.App{
		Name:                      "porepair",
		Usage:                     "diagnose and repair MS Mail 3.x postoffices whose gateway route went stale (KB Q135031)",
		Version:                   "1.0.0",
		Writer:                    e.stdout,
		ErrWriter:                 e.stderr,
		Reader:                    e.stdin,
		DisableSliceFlagSeparator: true,
		EnableBashCompletion:      true,
		HideHelpCommand:           true,
		Flags:                     globalFlags(),
		Before: func(c *cli.Context) error {
			return e.setupLog(c.String("log-file"))
		},
		OnUsageError: func(c *cli.Context, err error, _ bool) error { return exit(exitUsage, err) },
		Description: `porepair reads a postoffice, reports what is wrong with it, and repairs a
gateway access component the way INSTALL -R then INSTALL would, keeping the
queued mail and the address list. Every repair is locked, snapshotted,
journaled and verified, and rolled back on any failure.

Exit codes: 0 done/healthy, 1 failed and restored, 2 usage error or refused,
3 problems found, 4 postoffice in use, 5 failed and the restore failed too.`,
	}
	app.Commands = []*cli.Command{
		diagnoseCommand(e), inspectCommand(e), planCommand(e), repairCommand(e),
		rollbackCommand(e), snapshotsCommand(e), demoCommand(e), docsCommand(e),
	}
	for _, c := range app.Commands {
		c.OnUsageError = app.OnUsageError
		for _, s := range c.Subcommands {
			s.OnUsageError = app.OnUsageError
		}
	}
	return app
}

// globalFlags are accepted before the command; --json and --parallel also after it.
func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "po", Usage: "postoffice directory (MAILDATA); repeat for a fleet", EnvVars: []string{"POREPAIR_PO"}},
		&cli.StringFlag{Name: "po-list", Usage: "file with one postoffice path a line (# starts a comment)"},
		jsonFlag(), parallelFlag(),
		&cli.StringFlag{Name: "log-file", Usage: "append structured log lines (JSON) to `FILE`"},
		&cli.StringFlag{Name: "snapshot-dir", Usage: "keep snapshots in `DIR` instead of POREPAIR/SNAPSHOT in each postoffice"},
	}
}

func jsonFlag() cli.Flag {
	return &cli.BoolFlag{Name: "json", Usage: "print one JSON document on stdout"}
}
func parallelFlag() cli.Flag {
	return &cli.IntFlag{Name: "parallel", Value: 1, Usage: "postoffices worked on at once (fleet)"}
}

// lookup finds a flag set anywhere on the command line: on the command
// itself or before it.
func lookup(c *cli.Context, name string) *cli.Context {
	for _, cc := range c.Lineage() {
		if slices.Contains(cc.LocalFlagNames(), name) {
			return cc
		}
	}
	return nil
}

func jsonOut(c *cli.Context) bool {
	if cc := lookup(c, "json"); cc != nil {
		return cc.Bool("json")
	}
	return false
}

func parallel(c *cli.Context) int {
	if cc := lookup(c, "parallel"); cc != nil {
		return max(cc.Int("parallel"), 1)
	}
	return 1
}

// setupLog sends log lines to --log-file (appended, JSON, every action)
// or to stderr (warnings and errors only, so results stay readable).
func (e *env) setupLog(file string) error {
	if file == "" {
		return nil
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return usagef("--log-file: %v", err)
	}
	e.log = slog.New(slog.NewJSONHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return nil
}
