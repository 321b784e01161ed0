package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // --tz must work on hosts without a zoneinfo database

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/internal/exitcode"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/internal/textfmt"
)

// Exit codes, named for this package; defined in package exitcode.
const (
	exitOK       = exitcode.OK
	exitFailed   = exitcode.Failed
	exitUsage    = exitcode.Usage
	exitProblems = exitcode.Problems
	exitBusy     = exitcode.Busy
	exitRestore  = exitcode.RestoreFailed
	exitPlanned  = exitcode.Planned
)

// worse is the worse of two exit codes for a fleet.
func worse(a, b int) int { return exitcode.Worse(a, b) }

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

func main() {
	// A closed pipe on stdout or stderr (porepair ... | head) must not kill
	// a repair between its failure and its restore: ignored, SIGPIPE makes
	// a write return EPIPE, which logging and output ignore.
	signal.Ignore(syscall.SIGPIPE)
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}

// env carries the streams and logger of one run.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
	// logFile is the --log-file already opened: Before runs for the app
	// and for the command, and the file is opened once.
	logFile string
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, log: stderrLog(stderr)}
	if err := heldRetry(); err != nil {
		fmt.Fprintf(stderr, "porepair: %v\n", err)
		return exitUsage
	}
	app := newApp(e)
	code := exitOK
	app.ExitErrHandler = func(*cli.Context, error) {}
	app.CommandNotFound = func(c *cli.Context, name string) {
		fmt.Fprintf(stderr, "porepair: unknown command %q. %s (see porepair --help)\n", name, suggest(c, name))
		code = exitUsage
	}
	err := app.Run(intersperse(app, args))
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
		Version:                   version(),
		Compiled:                  compiled(),
		Writer:                    e.stdout,
		ErrWriter:                 e.stderr,
		Reader:                    e.stdin,
		DisableSliceFlagSeparator: true,
		EnableBashCompletion:      true,
		HideHelpCommand:           true, // helpCommand instead
		// urfave/cli adds --help only without a command named help.
		Flags:        append(globalFlags(), cli.HelpFlag),
		Before:       e.before,
		OnUsageError: usageError,
		BashComplete: completeWith(subcommandWords, nil),
		Description: `porepair reads a postoffice, reports what is wrong with it, and repairs a
gateway access component the way INSTALL -R then INSTALL would, keeping the
queued mail and the address list. Every repair is locked, snapshotted,
journaled and verified, and rolled back on any failure.

` + exitCodesHelp() + `

Output: results on stdout; a postoffice that could not be worked on, once,
on stderr. --log-file FILE gets every action and result as JSON lines (a
refusal with the finding codes that caused it); without it only warnings
are logged, to stderr. Times are RFC 3339 in UTC (2026-12-02T15:04:05Z);
po in a log line is an absolute path. Colour only on a terminal, never
with --json, NO_COLOR set to anything but "", or TERM=dumb.`,
	}
	app.Commands = []*cli.Command{
		diagnoseCommand(e), inspectCommand(e), planCommand(e), repairCommand(e),
		rollbackCommand(e), snapshotsCommand(e), unlockCommand(e), demoCommand(e), docsCommand(e),
		helpCommand(e),
	}
	for _, c := range app.Commands {
		withGlobals(c, app.OnUsageError, e.before, globalFlags())
	}
	return app
}

// exitCodesHelp is --help's line on the exit codes, in the few words of
// package exitcode's table, wrapped within the description's width.
func exitCodesHelp() string {
	parts := make([]string, len(exitcode.Meanings))
	for i, m := range exitcode.Meanings {
		parts[i] = fmt.Sprintf("%d %s", m.Code, m.Short)
	}
	var b strings.Builder
	wrap(&b, "Exit codes: "+strings.Join(parts, ", ")+".", "", 76)
	return strings.TrimSuffix(b.String(), "\n")
}

// withGlobals gives a command (and its subcommands) the global flags it
// does not define itself, so that they work after the command name too,
// the app's usage-error handler and log set-up, and a shell completion
// (completeWith) when it has none of its own. demo and docs work on
// no postoffice and take none of them; inspect and snapshots work on one
// and take none of the fleet's (onePOFlags).
func withGlobals(c *cli.Command, onUsage cli.OnUsageErrorFunc, before cli.BeforeFunc, globals []cli.Flag) {
	c.OnUsageError = onUsage
	c.Before = before
	if c.BashComplete == nil {
		words := noWords
		if len(c.Subcommands) > 0 {
			words = subcommandWords
		}
		c.BashComplete = completeWith(words, nil)
	}
	switch {
	case slices.Contains([]string{"demo", "docs", "help"}, c.Name):
		globals = nil
	case slices.Contains(onePOCommands, c.Name):
		globals = onePOFlags()
	}
	for _, f := range globals {
		if !slices.ContainsFunc(c.Flags, func(g cli.Flag) bool { return g.Names()[0] == f.Names()[0] }) {
			c.Flags = append(c.Flags, f)
		}
	}
	for _, s := range c.Subcommands {
		withGlobals(s, onUsage, before, globals)
	}
}

// onePOCommands are the commands that work on one postoffice: they take
// none of the fleet's flags (fleetFlags), and --po once.
var onePOCommands = []string{"inspect", "snapshots"}

// fleetFlags are the global flags only a fleet has a use for.
var fleetFlags = []string{"po-list", "parallel"}

// onePOFlags are the global flags of a command that works on one
// postoffice: --po once, none of fleetFlags (oneOnly refuses them given
// before the command, usageError after it).
func onePOFlags() []cli.Flag {
	var out []cli.Flag
	for _, f := range globalFlags() {
		switch name := f.Names()[0]; {
		case name == "po":
			out = append(out, onePOFlag{&cli.StringSliceFlag{Name: "po", Category: globalCategory, Usage: "postoffice directory `DIR` (MAILDATA); default $POREPAIR_PO", TakesFile: true}})
		case !slices.Contains(fleetFlags, name):
			out = append(out, f)
		}
	}
	return out
}

// onePOFlag is --po of a command that works on one postoffice: a slice
// flag still, so that a second --po is seen and refused (onePO), but
// shown in the help as given once, not "--po DIR [ --po DIR ]".
type onePOFlag struct{ *cli.StringSliceFlag }

func (onePOFlag) IsSliceFlag() bool { return false }
func (f onePOFlag) String() string  { return cli.FlagStringer(f) }

// oneOnly refuses the fleet's flags, given before the command, for a
// command that works on one postoffice.
func oneOnly(c *cli.Context, name string) error {
	for _, f := range fleetFlags {
		if lookup(c, f) != nil {
			return notOnePO(name, f)
		}
	}
	return nil
}

// notOnePO refuses a fleet's flag to a command that works on one
// postoffice, wherever on the line it was given.
func notOnePO(command, flag string) error {
	return usagef("%s works on one postoffice: give it --po DIR, not --%s", command, flag)
}

// before sets up logging once the flags of a command are parsed.
func (e *env) before(c *cli.Context) error {
	if c.NArg() > 0 && c.Command != nil && len(c.Command.Subcommands) > 0 {
		return nil // the subcommand's own Before sees every flag
	}
	return e.setupLog(stringFlag(c, "log-file"))
}

// globalFlags may be given before or after the command name (withGlobals).
// --po has no EnvVars: POREPAIR_PO is read by poPaths only when neither
// --po nor --po-list is given anywhere on the line.
func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "po", Category: globalCategory, Usage: "postoffice directory `DIR` (MAILDATA); repeat for a fleet; default $POREPAIR_PO", TakesFile: true},
		&cli.StringFlag{Name: "po-list", Category: globalCategory, Usage: "`FILE` with one postoffice path a line (# starts a comment; relative paths are relative to FILE's directory)", TakesFile: true},
		jsonFlag(), parallelFlag(),
		&cli.StringFlag{Name: "log-file", Category: globalCategory, Usage: "append structured log lines (JSON) to `FILE`", TakesFile: true},
		&cli.StringFlag{Name: "snapshot-dir", Category: globalCategory, Usage: "keep snapshots in `DIR` instead of POREPAIR/SNAPSHOT in each postoffice", TakesFile: true},
	}
}

// globalCategory groups the global flags in each command's help.
const globalCategory = "global (before or after the command)"

func jsonFlag() cli.Flag {
	return &cli.BoolFlag{Name: "json", Category: globalCategory, Usage: "print one JSON document on stdout"}
}

func parallelFlag() cli.Flag {
	return &cli.IntFlag{Name: "parallel", Category: globalCategory, Value: 1, Usage: "`N` postoffices worked on at once (fleet), 1 or more"}
}

// suggest names the command closest to a misspelt one.
func suggest(c *cli.Context, name string) string {
	if cli.SuggestCommand == nil {
		return ""
	}
	cmds := c.App.Commands
	if c.Command != nil && len(c.Command.Subcommands) > 0 {
		cmds = c.Command.Subcommands
	}
	return cli.SuggestCommand(cmds, name)
}

// lookup finds the context where a flag was set, nearest first: on the
// command itself or before it (cli.Context.String would stop at the
// nearest context that merely defines it).
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

// stringFlag is a string flag wherever it was set; "" if nowhere.
func stringFlag(c *cli.Context, name string) string {
	if cc := lookup(c, name); cc != nil {
		return cc.String(name)
	}
	return ""
}

// parallel is --parallel, 1 by default; below 1 is a usage error.
func parallel(c *cli.Context) (int, error) {
	cc := lookup(c, "parallel")
	if cc == nil {
		return 1, nil
	}
	if n := cc.Int("parallel"); n >= 1 {
		return n, nil
	}
	return 0, usagef("--parallel %d: give 1 or more postoffices at once", cc.Int("parallel"))
}

// logOptions are every log's: the time in porepair's one timestamp
// format (RFC 3339, UTC, to the second), whatever the host's zone.
func logOptions(level slog.Leveler) *slog.HandlerOptions {
	return &slog.HandlerOptions{Level: level, ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 && a.Value.Kind() == slog.KindTime {
			a.Value = slog.StringValue(textfmt.Time(a.Value.Time()))
		}
		return a
	}}
}

// stderrLog is the log without --log-file: warnings only. Results are
// not logged there (logResult), and neither are errors: the repair
// package logs at error exactly the failures its Result carries, which
// porepair prints as that postoffice's result; on stderr they would be
// said twice.
func stderrLog(w io.Writer) *slog.Logger {
	return slog.New(unsaid{slog.NewTextHandler(w, logOptions(slog.LevelWarn))})
}

// unsaid drops the records at error level (see stderrLog).
type unsaid struct{ slog.Handler }

func (h unsaid) Enabled(ctx context.Context, l slog.Level) bool {
	return l < slog.LevelError && h.Handler.Enabled(ctx, l)
}

func (h unsaid) WithAttrs(as []slog.Attr) slog.Handler { return unsaid{h.Handler.WithAttrs(as)} }
func (h unsaid) WithGroup(name string) slog.Handler    { return unsaid{h.Handler.WithGroup(name)} }

// setupLog sends log lines to --log-file (appended, JSON, every action
// and every result) or to stderr (stderrLog).
func (e *env) setupLog(file string) error {
	if file == "" || file == e.logFile {
		return nil
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return usagef("--log-file %s: %v", file, osfs.Reason(err))
	}
	e.logFile = file
	e.log = slog.New(slog.NewJSONHandler(f, logOptions(slog.LevelInfo)))
	return nil
}

// heldRetryEnv sets how long a restore's rename retries a file another
// client holds open (default osfs.HeldRetry).
const heldRetryEnv = "POREPAIR_HELD_RETRY"

// heldRetryDefault is osfs.HeldRetry before heldRetry sets it: the man
// page's default, whatever the environment of docs --man.
var heldRetryDefault = osfs.HeldRetry

func heldRetry() error {
	v := os.Getenv(heldRetryEnv)
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return fmt.Errorf("%s=%q: want a duration such as 30s", heldRetryEnv, v)
	}
	osfs.HeldRetry = d
	return nil
}
