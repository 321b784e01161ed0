//go:build unix

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"

	"github.com/porepair/porepair/internal/gobuild"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

// TestMain makes this test binary the porepair of the testscripts, and a
// lock holder for the tests that need another process to hold FLAG.GLB.
func TestMain(m *testing.M) {
	if path := os.Getenv("POREPAIR_TEST_HOLDLOCK"); path != "" {
		os.Exit(holdLock(path))
	}
	// make cover: the porepair processes the tests start (binary's
	// build, made with -cover) write their counters where the Makefile
	// merges them with the tests' own; go test's GOCOVERDIR is a
	// directory of its own that make cover does not read.
	if dir := os.Getenv("POREPAIR_COVERDIR"); dir != "" {
		os.Setenv("GOCOVERDIR", dir)
	}
	testscript.Main(cleanup{m}, map[string]func(){
		"porepair": func() { os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// cleanup removes porepair's test build once the tests have run: make
// test keeps TMPDIR on tmpfs, where every run's copy would stay in memory.
type cleanup struct{ m *testing.M }

func (c cleanup) Run() int {
	code := c.m.Run()
	if binPath != "" && binPath != os.Getenv(testBinaryEnv) {
		os.RemoveAll(filepath.Dir(binPath))
	}
	return code
}

// holdLock takes a classic fcntl write lock on path, as ADMIN.EXE's
// open of FLAG.GLB does on a network file system, says "locked", and
// holds it until its standard input closes.
func holdLock(path string) int {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK}
	if err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("locked")
	buf := make([]byte, 1)
	os.Stdin.Read(buf)
	return 0
}

func TestScripts(t *testing.T) {
	// Absolute: each script reads its file when it starts, maybe while
	// another one's porepair runs in this process in its own directory.
	dir, err := filepath.Abs("testdata/script")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	if raceBuilt {
		files = concurrentScripts(t, dir)
		dir = ""
	}
	testscript.Run(t, testscript.Params{
		Dir:   dir,
		Files: files,
		// The fixture command dates queued mail in this process's zone;
		// porepair must read it in the same one.
		Setup: func(env *testscript.Env) error {
			if tz, ok := os.LookupEnv("TZ"); ok {
				env.Setenv("TZ", tz)
			}
			return nil
		},
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			// fixture SCENARIO DIR [QUEUED]: build a fixture postoffice whose
			// queued mail is dated QUEUED: "now" (the default: a live
			// postoffice, nothing stalled), a duration ago ("5h"), or "kb"
			// (the KB dumps' 1993 dates).
			"fixture": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 && len(args) != 3 {
					ts.Fatalf("usage: fixture SCENARIO DIR [now|kb|DURATION]")
				}
				spec := fixture.Spec{Scenario: args[0], Lower: args[0] == "lower", KBDates: len(args) == 3 && args[2] == "kb"}
				if !spec.KBDates {
					ago := time.Duration(0)
					if len(args) == 3 && args[2] != "now" {
						var err error
						ago, err = time.ParseDuration(args[2])
						ts.Check(err)
					}
					d := postoffice.DateOf(time.Now().Add(-ago))
					spec.QueueDate = &d
				}
				ts.Check(fixture.BuildSpec(ts.MkAbs(args[1]), spec))
			},
			// media DIR [VERSION]: write an Access disk.
			"media": func(ts *testscript.TestScript, neg bool, args []string) {
				v := ""
				if len(args) > 1 {
					v = args[1]
				}
				ts.Check(fixture.BuildMedia(ts.MkAbs(args[0]), v))
			},
			// tree DIR NAME: remember the hashes of a tree.
			"tree": func(ts *testscript.TestScript, neg bool, args []string) {
				tr, err := fixture.Tree(ts.MkAbs(args[0]))
				ts.Check(err)
				b, _ := json.Marshal(tr)
				ts.Check(os.WriteFile(ts.MkAbs(args[1]+".tree"), b, 0o644))
			},
			// sametree DIR NAME: the tree is byte-identical to the remembered one.
			"sametree": func(ts *testscript.TestScript, neg bool, args []string) {
				var want map[string]string
				b, err := os.ReadFile(ts.MkAbs(args[1] + ".tree"))
				ts.Check(err)
				ts.Check(json.Unmarshal(b, &want))
				got, err := fixture.Tree(ts.MkAbs(args[0]))
				ts.Check(err)
				d := fixture.DiffTrees(want, got)
				if neg != (len(d) == 0) {
					return
				}
				if neg {
					ts.Fatalf("tree %s did not change", args[0])
				}
				ts.Fatalf("tree %s differs at %v", args[0], d)
			},
			// expect CODE porepair ARGS...: run and check the exit code.
			// porepair runs in this process (scriptRun) unless the script's
			// environment asks for what only a process of its own has.
			"expect": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) < 2 {
					ts.Fatalf("usage: expect CODE COMMAND [ARGS...]")
				}
				want, err := strconv.Atoi(args[0])
				ts.Check(err)
				var got int
				switch {
				case args[1] != "porepair":
					got = scriptExec(ts, args[1], args[2:])
				case needsProcess(ts):
					// The test binary may lack the fault hook (go test
					// without -tags faultinject); this build has it.
					bin, err := buildBinary()
					ts.Check(err)
					got = scriptExec(ts, bin, args[2:])
				default:
					got = scriptRun(ts, args[1:])
				}
				if got != want {
					ts.Fatalf("exit code %d, want %d", got, want)
				}
			},
		},
	})
}

// concurrentScripts are the scripts in dir whose porepair, run in this
// process, works on several postoffices at once (--parallel 2 or more):
// the only porepair code that runs concurrently (fleet.go's runAll; a
// script's in-process runs take turns, inProcess). make test runs every
// script in a test binary without the race detector, and these again in
// one with it: the detector made the whole package's tests a fifth of
// make test's CPU time, and found nothing it could not find here.
func concurrentScripts(t *testing.T, dir string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if concurrentRun.Match(b) {
			files = append(files, p)
		}
	}
	if len(files) == 0 {
		t.Fatal("no script runs porepair with --parallel 2 or more: the race detector would check nothing")
	}
	return files
}

// concurrentRun matches a porepair command line asking for two or more
// postoffices at once.
var concurrentRun = regexp.MustCompile(`(?m)^[^#\n]*porepair .*--parallel[ =]*([2-9]|[1-9][0-9])`)

// scriptExec runs a command of a script as a process and returns its
// exit code.
func scriptExec(ts *testscript.TestScript, name string, args []string) int {
	err := ts.Exec(name, args...)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		ts.Fatalf("%v", err)
	}
	return 0
}

// needsProcess reports whether a script's porepair must be a process of
// its own: its script sets one of processEnv otherwise than this process.
func needsProcess(ts *testscript.TestScript) bool {
	return slices.ContainsFunc(processEnv, func(k string) bool { return ts.Getenv(k) != os.Getenv(k) })
}

// scriptRun runs porepair in this process, as run's caller main would in
// a process of its own started in the script's directory with the
// script's environment, and returns its exit code. A process per call
// (the race-built test binary) took most of the time of make test.
func scriptRun(ts *testscript.TestScript, args []string) int {
	inProcess.Lock()
	defer inProcess.Unlock()
	wd, err := os.Getwd()
	ts.Check(err)
	ts.Check(os.Chdir(ts.MkAbs(".")))
	defer func() {
		if err := os.Chdir(wd); err != nil {
			panic(err) // every later test would run in the wrong directory
		}
	}()
	for _, k := range scriptEnv {
		old, had := os.LookupEnv(k)
		if v := ts.Getenv(k); v != "" {
			os.Setenv(k, v)
		} else {
			os.Unsetenv(k)
		}
		defer func() {
			if had {
				os.Setenv(k, old)
			} else {
				os.Unsetenv(k)
			}
		}()
	}
	// The cli package's shell completion reads os.Args, not run's args.
	osArgs := os.Args
	os.Args = args
	defer func() { os.Args = osArgs }()
	return run(args, strings.NewReader(""), ts.Stdout(), ts.Stderr())
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// pkgDir is this package's directory, where go test starts: a script's
// porepair may run in process in another directory while the binary is
// being built for a script that needs a process.
var pkgDir, pkgDirErr = os.Getwd()

// testBinaryEnv names a faultinject porepair already built (make test
// builds one for every package's tests); the tests do not remove it.
const testBinaryEnv = "POREPAIR_TEST_BINARY"

// binary builds the real porepair once for the tests that crash it, with
// the fault hook: only a faultinject build honours POREPAIR_FAULT. Under
// make cover it is built for coverage, never taken from testBinaryEnv.
func binary(t testing.TB) string {
	t.Helper()
	path, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func buildBinary() (string, error) {
	binOnce.Do(func() {
		if pkgDirErr != nil {
			binErr = pkgDirErr
			return
		}
		if bin := os.Getenv(testBinaryEnv); bin != "" && os.Getenv("POREPAIR_COVERDIR") == "" {
			binPath = bin
			return
		}
		dir, err := os.MkdirTemp("", "porepair-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "porepair")
		args := []string{"-tags", "faultinject"}
		if os.Getenv("POREPAIR_COVERDIR") != "" {
			// make cover counts what the crash, signal and terminal tests
			// run in these processes too, in the packages it measures.
			args = append(args, "-cover", "-covermode=atomic")
			if pkgs := os.Getenv("POREPAIR_COVERPKG"); pkgs != "" {
				args = append(args, "-coverpkg="+pkgs)
			}
		}
		cmd := gobuild.Command(".", binPath, args...)
		cmd.Dir = pkgDir
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	return binPath, binErr
}

// porepair runs the real binary with extra environment; it returns the
// exit code and the output.
func porepair(t testing.TB, env []string, args ...string) (int, string, string) {
	t.Helper()
	return runCmd(t, porepairCmd(t, env, args...))
}

// porepairCmd is the real binary with extra environment, not started.
func porepairCmd(t testing.TB, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// runCmd runs cmd (two minutes at most) and returns its exit code and
// output.
func runCmd(t testing.TB, cmd *exec.Cmd) (int, string, string) {
	t.Helper()
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), out.String(), errb.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, out.String(), errb.String()
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("porepair %v hung", cmd.Args)
	}
	return -1, "", ""
}
