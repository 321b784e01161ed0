//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/porepair/porepair/internal/sharetest"
	"github.com/porepair/porepair/internal/syscount"
)

// TestSyscallBounds counts the file-system calls of diagnose, plan,
// repair --yes and rollback on the stale fixture under strace and fails
// when a kind exceeds its bound (testdata/syscalls.txt), or falls below
// the minimum the plan needs (then syscount.Minimum is wrong). Counts do
// not depend on the machine's speed, as times do.
func TestSyscallBounds(t *testing.T) {
	t.Parallel()
	if os.Getenv("POREPAIR_COVERDIR") != "" {
		// A -cover build writes its counters at exit: calls the release
		// build does not make.
		t.Skip("SKIPPED under make cover: a coverage build's counts are not porepair's")
	}
	strace := ensureStrace(t)
	bounds, err := syscount.LoadBounds(filepath.Join("testdata", "syscalls.txt"))
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := stalePO(t)
	ms, err := syscount.Measure(strace, binary(t), dir, filepath.Join(t.TempDir(), "stale.plan"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range syscount.Commands {
		m := ms[cmd]
		if want := syscallExit[cmd]; m.Exit != want {
			t.Fatalf("%s: exit %d, want %d", cmd, m.Exit, want)
		}
		checkCounts(t, cmd, m.Got, bounds[cmd], m.Minimum)
	}
}

// syscallExit are the counted commands' exit codes on the stale fixture
// (diagnose finds the stale route).
var syscallExit = map[string]int{"diagnose": 3, "plan": 0, "repair": 0, "rollback": 0}

func checkCounts(t *testing.T, cmd string, got, recorded, minimum syscount.Counts) {
	t.Helper()
	t.Logf("%-8s counted %v, minimum %v", cmd, got, minimum)
	for k, n := range got {
		name := syscount.Names[k]
		if allowed := syscount.Allowed(recorded[k]); n > allowed {
			t.Errorf("%s: %d %s, more than the %d allowed (recorded %d in testdata/syscalls.txt): a change made porepair call more",
				cmd, n, name, allowed, recorded[k])
		}
		if n < minimum[k] {
			t.Errorf("%s: %d %s, fewer than the minimum %d the plan needs: syscount.Minimum counts wrong", cmd, n, name, minimum[k])
		}
		if n < recorded[k] {
			t.Logf("%s: %d %s, fewer than the %d recorded: lower it in testdata/syscalls.txt", cmd, n, name, recorded[k])
		}
	}
}

// ensureStrace finds strace, installing Debian's when root may (through
// sharetest.Install, which waits for another test's apt-get).
func ensureStrace(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("strace"); err != nil {
		if os.Geteuid() != 0 {
			t.Skip("SKIPPED: strace is missing, and only root may install it: apt-get install strace")
		}
		if err := sharetest.Install("strace"); err != nil {
			t.Fatalf("strace is missing: %v", err)
		}
	}
	path, err := exec.LookPath("strace")
	if err != nil {
		t.Fatalf("installed Debian's strace, yet it is not on PATH: %v", err)
	}
	// A container without ptrace (no CAP_SYS_PTRACE, a seccomp profile)
	// has strace but cannot trace.
	if out, err := exec.Command(path, "-f", "-c", "-o", os.DevNull, "true").CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: strace cannot trace here (ptrace not permitted?): %v\n%s", err, out)
	}
	return path
}
