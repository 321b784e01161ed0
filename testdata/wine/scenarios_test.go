//go:build linux

package wine

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The demo runs as a new Windows user would run it, and ends restored.
func TestDemo(t *testing.T) {
	code, out, errs := porepair(t, nil, "demo")
	if code != 0 || !strings.Contains(out, "restored (snapshot") {
		t.Fatalf("demo: exit %d\n%s%s", code, out, errs)
	}
}

// The stale fixture through the Windows binary, every path spelled with a
// drive letter (--po, --po-list, --snapshot-dir, a saved plan): diagnose,
// plan saved, repair of the saved plan, a healthy diagnose, rollback, and
// every byte back.
func TestStaleRepairRollback(t *testing.T) {
	dir, before := stale(t)
	po := win(dir)
	snaps := win(filepath.Join(t.TempDir(), "SNAPSHOTS"))
	if code, out, _ := porepair(t, nil, "--po", po, "diagnose"); code != 3 || !strings.Contains(out, "STALE_GATEWAY_ROUTE") {
		t.Fatalf("diagnose: exit %d\n%s", code, out)
	}
	planFile := filepath.Join(t.TempDir(), "stale.plan")
	if code, out, errs := porepair(t, nil, "--po", po, "plan", "--out", win(planFile)); code != 0 {
		t.Fatalf("plan: exit %d\n%s%s", code, out, errs)
	}
	if saved, err := os.ReadFile(planFile); err != nil || !strings.Contains(string(saved), `"Z:\\`) {
		t.Fatalf("the saved plan does not name the postoffice by its drive: %v\n%.300s", err, saved)
	}
	if code, out, errs := porepair(t, nil, "--po", po, "--snapshot-dir", snaps, "repair", "--plan", win(planFile), "--yes"); code != 0 || !strings.Contains(out, "repaired") {
		t.Fatalf("repair: exit %d\n%s%s", code, out, errs)
	}
	list := filepath.Join(t.TempDir(), "postoffices.txt")
	// Notepad's line ends, and the drive-letter path.
	if err := os.WriteFile(list, []byte("# the fleet\r\n"+po+"\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := porepair(t, nil, "--po-list", win(list), "diagnose"); code != 0 {
		t.Fatalf("diagnose after the repair: exit %d\n%s", code, out)
	}
	if code, out, errs := porepair(t, nil, "--po", po, "--snapshot-dir", snaps, "rollback", "--yes"); code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("rollback: exit %d\n%s%s", code, out, errs)
	}
	sameTree(t, dir, before, "after the rollback")
}

// A repair killed after any durable write leaves an unfinished journal:
// diagnose reports it, rollback brings back every byte. The number of
// write points is found by crashing ever later until the repair completes.
func TestCrashAtEveryWrite(t *testing.T) {
	n := 1
	for ; ; n++ {
		dir, before := stale(t)
		po := win(dir)
		code, _, errs := porepair(t, []string{fmt.Sprintf("POREPAIR_FAULT=crash:%d", n)}, "--po", po, "repair", "--yes")
		if code == 0 {
			break
		}
		if code != 99 {
			t.Fatalf("crash:%d: exit %d, want 99\n%s", n, code, errs)
		}
		// Killed after the journal's completion (the last write), the
		// repair has finished: it is undone as any other.
		if code, out, derrs := porepair(t, nil, "--po", po, "diagnose"); (code != 0 || strings.Contains(out, "INTERRUPTED_REPAIR")) &&
			(code != 3 || !strings.Contains(out, "INTERRUPTED_REPAIR")) {
			t.Fatalf("crash:%d: diagnose exit %d without INTERRUPTED_REPAIR\n%s%s", n, code, out, derrs)
		}
		if code, out, errs := porepair(t, nil, "--po", po, "rollback", "--yes"); code != 0 {
			t.Fatalf("crash:%d: rollback exit %d\n%s%s", n, code, out, errs)
		}
		sameTree(t, dir, before, fmt.Sprintf("crash:%d", n))
	}
	t.Logf("%d crash points", n-1)
	if n-1 < 12 {
		t.Errorf("only %d crash points", n-1)
	}
}

// A failure (EIO) at each write: rolled back at once, exit 1, untouched.
func TestFailAtEveryWrite(t *testing.T) {
	n := 1
	for ; ; n++ {
		dir, before := stale(t)
		code, out, _ := porepair(t, []string{fmt.Sprintf("POREPAIR_FAULT=fail:%d", n)}, "--po", win(dir), "--json", "repair", "--yes")
		if code == 0 {
			break
		}
		if code != 1 || !strings.Contains(out, `"status": "rolled-back"`) {
			t.Fatalf("fail:%d: exit %d\n%s", n, code, out)
		}
		sameTree(t, dir, before, fmt.Sprintf("fail:%d", n))
	}
	t.Logf("%d failure points", n-1)
	if n-1 < 12 {
		t.Errorf("only %d failure points", n-1)
	}
}

// Two porepair processes on one postoffice: the second exits 4 and the
// first completes (500 ms a write, 18 writes: time for Wine to start the
// second on a loaded machine). While the first works FLAG.GLB is shared
// with no one: even an open that shares read and write is refused,
// "FLAG.GLB is locked open" (ADMIN's own open, sharing nothing, would be
// refused by any holder).
func TestTwoProcesses(t *testing.T) {
	dir, _ := stale(t)
	po := win(dir)
	first := command(t, []string{"POREPAIR_FAULT=delay:500"}, "porepair", "--po", po, "repair", "--yes")
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- first.Wait() }()
	waitFor(t, filepath.Join(dir, "POREPAIR/JOURNAL"), done)
	code, _, errs := porepair(t, nil, "--po", po, "repair", "--yes")
	if code != 4 || !strings.Contains(errs, "in use") {
		t.Errorf("second repair: exit %d, want 4\n%s", code, errs)
	}
	if code, out, _ := run(t, nil, "holdflag", "probe", win(filepath.Join(dir, "GLB/FLAG.GLB"))); code != 4 {
		t.Errorf("a sharing open of FLAG.GLB during the repair: exit %d, want 4 (a sharing violation)\n%s", code, out)
	}
	if err := <-done; err != nil {
		t.Fatalf("the first repair: %v", err)
	}
	if code, out, _ := porepair(t, nil, "--po", po, "diagnose"); code != 0 {
		t.Fatalf("after the repair: exit %d\n%s", code, out)
	}
}

// waitFor returns once path exists, failing if the process behind done
// ends first or it takes a minute (Wine starts slowly on a loaded machine).
func waitFor(t *testing.T, path string, done chan error) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		if _, err := os.Stat(path); err == nil {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("the first repair ended before it began writing: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("%s never appeared", path)
}

// ADMIN holds FLAG.GLB open with no sharing: porepair exits 4, nothing
// written; once ADMIN lets go, the repair runs.
func TestAdminHoldsFlag(t *testing.T) {
	dir, before := stale(t)
	holder := command(t, nil, "holdflag", "hold", win(filepath.Join(dir, "GLB/FLAG.GLB")))
	stdin, _ := holder.StdinPipe()
	stdout, _ := holder.StdoutPipe()
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || strings.TrimSpace(line) != "locked" {
		stdin.Close()
		holder.Wait()
		t.Fatalf("holdflag: %q %v", line, err)
	}
	code, _, errs := porepair(t, nil, "--po", win(dir), "repair", "--yes")
	stdin.Close()
	holder.Wait()
	if code != 4 || !strings.Contains(errs, "in use") {
		t.Fatalf("repair while ADMIN holds FLAG.GLB: exit %d, want 4\n%s", code, errs)
	}
	sameTree(t, dir, before, "while ADMIN held FLAG.GLB")
	if _, err := os.Stat(filepath.Join(dir, "POREPAIR/JOURNAL")); err == nil {
		t.Error("a journal was written while ADMIN held FLAG.GLB")
	}
	if code, out, errs := porepair(t, nil, "--po", win(dir), "repair", "--yes"); code != 0 {
		t.Fatalf("repair once ADMIN let go: exit %d\n%s%s", code, out, errs)
	}
}
