//go:build unix

package main

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

func stalePO(t *testing.T) (string, map[string]string) {
	t.Helper()
	return scenarioPO(t, "stale")
}

// testsBegan dates the queued mail of every fixture this process builds.
var testsBegan = postoffice.DateOf(time.Now())

func scenarioPO(t *testing.T, scenario string) (string, map[string]string) {
	t.Helper()
	return scenarioPOIn(t, "", scenario)
}

// scenarioPOIn builds the fixture in a fresh directory below where (a
// real share's mount, see shares_test.go), or the test's temporary
// directory when where is "", and returns it with its tree. On an SMB
// share the fixture is written where the server keeps the share (onServer,
// as sharePO does): through smbnetfs and smbd, writing a postoffice cost
// more CPU than the repair the test is about. The tree is the scenario's
// (scenarioTree), not read back from the copy: the copy has the same
// bytes, which the tests' later comparisons with it check.
func scenarioPOIn(t *testing.T, where, scenario string) (string, map[string]string) {
	t.Helper()
	parent, build := where, ""
	if parent == "" {
		parent = t.TempDir()
	} else {
		base := where
		if local, ok := onServer.Load(where); ok {
			base = local.(string)
		}
		dir, err := os.MkdirTemp(base, "po")
		if err != nil {
			t.Fatal(err)
		}
		parent = filepath.Join(where, filepath.Base(dir))
		build = filepath.Join(dir, "MAILDATA")
	}
	dir := filepath.Join(parent, "MAILDATA")
	if build == "" {
		build = dir
	}
	if err := fixture.BuildSpec(build, scenarioSpec(scenario)); err != nil {
		t.Fatal(err)
	}
	return dir, scenarioTree(t, scenario)
}

// onServer maps a directory of a real share as a client sees it to the
// same directory as the share's server sees it (SMB; see shares_test.go).
var onServer sync.Map

// treeOf is the tree of the postoffice at dir. On an SMB share it is read
// where the server keeps it (onServer): the bytes porepair's writes left
// on the server, not what the client that made them may still hold in a
// cache of its own; and reading every file back through smbnetfs and
// smbd cost each write point of the failpoint loops most of a CPU second.
func treeOf(dir string) (map[string]string, error) {
	read := dir
	onServer.Range(func(client, server any) bool {
		if rel, err := filepath.Rel(client.(string), dir); err == nil && filepath.IsLocal(rel) {
			read = filepath.Join(server.(string), rel)
			return false
		}
		return true
	})
	return fixture.Tree(read)
}

// scenarioSpec is the fixture of a scenario the tests build. Mail queued
// when the tests began: a repaired postoffice is then healthy, its queue
// not yet stalled; and every fixture of a scenario has the same bytes, so
// that trees built apart compare equal.
func scenarioSpec(scenario string) fixture.Spec {
	now := testsBegan
	return fixture.Spec{Scenario: scenario, Lower: scenario == "lower", QueueDate: &now}
}

// scenarioTrees holds each scenario's tree (scenarioTree), computed once.
var scenarioTrees sync.Map // scenario → func() (map[string]string, error)

// scenarioTree is the tree of the scenario's fixture: of one built on the
// local disk, once per test process. Each test's postoffice of the
// scenario has these bytes; reading its own back cost every write point
// of the failpoint loops a read of the whole tree (through the file
// system's daemon, on a share).
func scenarioTree(t *testing.T, scenario string) map[string]string {
	t.Helper()
	f, _ := scenarioTrees.LoadOrStore(scenario, sync.OnceValues(func() (map[string]string, error) {
		tmp, err := os.MkdirTemp("", "porepair-tree")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir := filepath.Join(tmp, "MAILDATA")
		if err := fixture.BuildSpec(dir, scenarioSpec(scenario)); err != nil {
			return nil, err
		}
		return fixture.Tree(dir)
	}))
	tree, err := f.(func() (map[string]string, error))()
	if err != nil {
		t.Fatal(err)
	}
	return maps.Clone(tree)
}

func sameTree(t *testing.T, dir string, want map[string]string, context string) {
	t.Helper()
	got, err := treeOf(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := fixture.DiffTrees(want, got); len(d) > 0 {
		t.Fatalf("%s: tree differs at %v", context, d)
	}
}

// A repair killed after any durable write (kill -9; power loss is not
// tested, docs/reliability.md) leaves an
// unfinished journal: diagnose reports it, plan and repair refuse, and
// rollback brings back every byte. The number of write points is found by
// crashing ever later until the repair completes.
func TestCrashAtEveryWrite(t *testing.T) {
	t.Parallel()
	for _, sc := range stressScenarios() {
		t.Run(sc, func(t *testing.T) { t.Parallel(); crashAtEveryWrite(t, bed{}, sc) })
	}
}

// stressScenarios are the fixtures the failpoint loops run on: the stale
// route always; under make stress (POREPAIR_STRESS=1) also lower-case
// names, a wrong hub counter and a fresh install through --gateway.
func stressScenarios() []string {
	if os.Getenv("POREPAIR_STRESS") != "" {
		return []string{"stale", "lower", "hub-wrong", "files-missing"}
	}
	return []string{"stale"}
}

// repairArgs are the repair arguments that fix a scenario.
func repairArgs(dir, scenario string, t *testing.T) []string {
	args := []string{"--po", dir, "repair", "--yes"}
	if scenario == "files-missing" {
		media := t.TempDir()
		if err := fixture.BuildMedia(media, ""); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--media", media)
	}
	return args
}

// bed is where a failpoint loop makes its postoffices (dir; "": a
// temporary directory) and which write points it tries: from the
// first-th on, every every-th (0: every one). A loop returns the number
// of write points (with every > 1, at most that many).
type bed struct {
	dir          string
	first, every int
}

func (b bed) start() int { return max(b.first, 1) }
func (b bed) step() int  { return max(b.every, 1) }

func crashAtEveryWrite(t *testing.T, b bed, sc string) int {
	n := everyWritePoint(t, b, func(t *testing.T, n int) bool { return crashAt(t, b.dir, sc, n) })
	t.Logf("%d crash points", n)
	if n < 12 {
		t.Errorf("only %d crash points", n)
	}
	return n
}

// crashAt kills a repair of the scenario after its n-th durable write and
// checks the unfinished journal is flagged, refused and rolled back to
// every byte (a crash after the journal's completion, the last write,
// leaves a finished repair, undone as any other); it reports whether the
// repair finished before write n.
func crashAt(t *testing.T, where, sc string, n int) (finished bool) {
	dir, before := scenarioPOIn(t, where, sc)
	code, _, stderr := porepair(t, []string{fmt.Sprintf("POREPAIR_FAULT=crash:%d", n)}, repairArgs(dir, sc, t)...)
	if code == 0 {
		return true
	}
	if code != 99 {
		t.Fatalf("crash:%d: exit %d, want 99\n%s", n, code, stderr)
	}
	code, out, _ := porepair(t, nil, "--po", dir, "diagnose")
	if code == 0 && !strings.Contains(out, "INTERRUPTED_REPAIR") {
		// The crash came after the last write, the journal's completion:
		// the repair is whole, and it is undone as any other.
		if code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes"); code != 0 {
			t.Fatalf("crash:%d after the journal's completion: rollback exit %d\n%s%s", n, code, out, errs)
		}
		sameTree(t, dir, before, fmt.Sprintf("crash:%d, rolled back", n))
		return false
	}
	if code != 3 || !strings.Contains(out, "INTERRUPTED_REPAIR") {
		t.Fatalf("crash:%d: diagnose exit %d without INTERRUPTED_REPAIR:\n%s", n, code, out)
	}
	if code, _, _ := porepair(t, nil, "--po", dir, "plan"); code != 2 {
		t.Fatalf("crash:%d: plan exit %d, want 2", n, code)
	}
	if code, _, _ := porepair(t, nil, "--po", dir, "repair", "--yes"); code != 2 {
		t.Fatalf("crash:%d: repair exit %d, want 2", n, code)
	}
	if code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes"); code != 0 {
		t.Fatalf("crash:%d: rollback exit %d\n%s%s", n, code, out, errs)
	}
	sameTree(t, dir, before, fmt.Sprintf("crash:%d", n))
	if ppt, _ := filepath.Glob(filepath.Join(dir, "*", "*.PPT")); len(ppt) > 0 {
		t.Fatalf("crash:%d: temp files left behind: %v", n, ppt)
	}
	if code, out, _ := porepair(t, nil, "--po", dir, "diagnose"); strings.Contains(out, "INTERRUPTED_REPAIR") {
		t.Fatalf("crash:%d: diagnose after rollback exit %d\n%s", n, code, out)
	}
	return false
}

// The same with a failure (EIO) at each write: automatic rollback, exit 1.
func TestFailAtEveryWrite(t *testing.T) {
	t.Parallel()
	for _, sc := range stressScenarios() {
		t.Run(sc, func(t *testing.T) { t.Parallel(); failAtEveryWrite(t, bed{}, sc) })
	}
}

func failAtEveryWrite(t *testing.T, b bed, sc string) int {
	n := everyWritePoint(t, b, func(t *testing.T, n int) bool {
		dir, before := scenarioPOIn(t, b.dir, sc)
		code, out, _ := porepair(t, []string{fmt.Sprintf("POREPAIR_FAULT=fail:%d", n)}, append([]string{"--json"}, repairArgs(dir, sc, t)...)...)
		if code == 0 {
			return true
		}
		if code != 1 || !strings.Contains(out, `"status": "rolled-back"`) || !strings.Contains(out, "input/output error") {
			t.Fatalf("fail:%d: exit %d\n%s", n, code, out)
		}
		sameTree(t, dir, before, fmt.Sprintf("fail:%d", n))
		if code, _, _ := porepair(t, nil, repairArgs(dir, sc, t)...); code != 0 {
			t.Fatalf("fail:%d: a repair after the rollback exit %d", n, code)
		}
		return false
	})
	t.Logf("%d failure points", n)
	return n
}

// A rollback, too, may be killed at any of its writes and run again.
func TestRollbackCrashAtEveryWrite(t *testing.T) {
	t.Parallel()
	rollbackCrashAtEveryWrite(t, bed{})
}

func rollbackCrashAtEveryWrite(t *testing.T, b bed) int {
	n := everyWritePoint(t, b, func(t *testing.T, n int) bool { return rollbackCrashAt(t, b.dir, n) })
	t.Logf("%d rollback crash points", n)
	if n < 4 {
		t.Errorf("only %d rollback write points", n)
	}
	return n
}

// rollbackCrashAt kills the rollback of a completed repair after its n-th
// durable write and checks a plain rollback finishes it; it reports
// whether the rollback finished before write n.
func rollbackCrashAt(t *testing.T, where string, n int) (finished bool) {
	dir, before := scenarioPOIn(t, where, "stale")
	if code, _, _ := porepair(t, nil, "--po", dir, "repair", "--yes"); code != 0 {
		t.Fatal("repair failed")
	}
	code, _, _ := porepair(t, []string{fmt.Sprintf("POREPAIR_FAULT=crash:%d", n)}, "--po", dir, "rollback", "--snapshot", "latest", "--yes")
	if code == 0 {
		sameTree(t, dir, before, "rollback")
		return true
	}
	if code != 99 {
		t.Fatalf("crash:%d: exit %d", n, code)
	}
	// The killed rollback is flagged, and a plain rollback finishes it:
	// no --force, since its journal says what it was doing. Killed after
	// its journal's completion, it has finished.
	code, out, _ := porepair(t, nil, "--po", dir, "diagnose")
	if code == 3 && !strings.Contains(out, "INTERRUPTED_REPAIR") {
		sameTree(t, dir, before, fmt.Sprintf("rollback crash:%d after its journal's completion", n))
		return false
	}
	if code != 3 || !strings.Contains(out, "INTERRUPTED_REPAIR") || !strings.Contains(out, "rollback did not finish") {
		t.Fatalf("crash:%d: diagnose after a killed rollback exit %d\n%s", n, code, out)
	}
	if code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes"); code != 0 {
		t.Fatalf("crash:%d: second rollback exit %d\n%s%s", n, code, out, errs)
	}
	sameTree(t, dir, before, fmt.Sprintf("rollback crash:%d", n))
	return false
}

// ADMIN.EXE (or any other program) holding a classic fcntl lock on
// FLAG.GLB blocks a repair: exit 4, nothing written.
func TestExternalLockOnFlag(t *testing.T) {
	t.Parallel()
	dir, before := stalePO(t)
	release := holdFlag(t, dir)
	defer release()
	code, _, errs := porepair(t, nil, "--po", dir, "repair", "--yes")
	if code != 4 || !strings.Contains(errs, "in use") {
		t.Fatalf("exit %d, want 4\n%s", code, errs)
	}
	sameTree(t, dir, before, "locked")
	if _, err := os.Stat(filepath.Join(dir, "POREPAIR/JOURNAL")); err == nil {
		t.Error("a journal was written under a held lock")
	}
}

// holdFlag has another process hold a classic fcntl lock on the PO's
// FLAG.GLB, as ADMIN.EXE does, until release is called.
func holdFlag(t *testing.T, dir string) (release func()) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	holder := exec.Command(self)
	holder.Env = append(os.Environ(), "POREPAIR_TEST_HOLDLOCK="+filepath.Join(dir, "GLB/FLAG.GLB"))
	stdin, _ := holder.StdinPipe()
	stdout, _ := holder.StdoutPipe()
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	release = func() { stdin.Close(); holder.Wait() }
	buf := make([]byte, 7)
	if _, err := stdout.Read(buf); err != nil || string(buf[:6]) != "locked" {
		release()
		t.Fatalf("lock holder: %q %v", buf, err)
	}
	return release
}

// A full disk (ENOSPC) part-way through: rolled back, exit 1, untouched.
func TestFailENOSPC(t *testing.T) {
	t.Parallel()
	dir, before := stalePO(t)
	code, out, _ := porepair(t, []string{"POREPAIR_FAULT=fail:9:ENOSPC"}, "--po", dir, "--json", "repair", "--yes")
	if code != 1 || !strings.Contains(out, "no space left on device") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	sameTree(t, dir, before, "ENOSPC")
}

// SIGTERM, SIGINT or SIGHUP in the middle of a repair: restored, exit 1, the
// journal complete.
func TestSignalRollsBack(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			dir, before := stalePO(t)
			cmd := startSlow(t, dir, 150)
			time.Sleep(300 * time.Millisecond)
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 {
				t.Fatalf("exit after %s: %v, want 1", sig, err)
			}
			sameTree(t, dir, before, sig.String())
			if code, out, _ := porepair(t, nil, "--po", dir, "diagnose"); strings.Contains(out, "INTERRUPTED_REPAIR") || code != 3 {
				t.Fatalf("after %s: diagnose exit %d\n%s", sig, code, out)
			}
		})
	}
}
