//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/porepair/porepair/internal/sharetest"
	"github.com/porepair/porepair/testdata/fixture"
)

// sharePO builds the stale fixture in rel under the share's directory as
// the server sees it (a local disk: fast), and returns the postoffice
// through the two clients and the server, with the tree before.
func sharePO(t *testing.T, one, two *sharetest.Mount, rel string) (c1, c2, local string, before map[string]string) {
	t.Helper()
	local = filepath.Join(one.Local, rel)
	now := testsBegan
	if err := fixture.BuildSpec(local, fixture.Spec{Scenario: "stale", QueueDate: &now}); err != nil {
		t.Fatal(err)
	}
	before, err := fixture.Tree(local)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(one.Dir, rel), filepath.Join(two.Dir, rel), local, before
}

// twoHosts is a Samba share seen through two smbnetfs clients: two
// administration hosts.
func twoHosts(t *testing.T) (*sharetest.Server, *sharetest.Mount, *sharetest.Mount) {
	t.Helper()
	s := sharetest.StartSamba(t)
	one := s.Client(t)
	return s, one, s.On(t, one)
}

// waitFile waits (20 s at most) until path exists, as the server sees it.
func waitFile(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("%s never appeared", path)
}

// ADMIN holding FLAG.GLB open with no sharing on another client: exit 4,
// one line naming FLAG.GLB and ADMIN, nothing written (not even
// POREPAIR/).
func TestShareFlagHeldByAdmin(t *testing.T) {
	t.Parallel()
	s, one, two := twoHosts(t)
	_, c2, local, before := sharePO(t, one, two, "PO")
	release := s.HoldOpen(t, filepath.Join(local, "GLB/FLAG.GLB"))
	code, out, errs := porepair(t, nil, "--po", c2, "repair", "--yes")
	release()
	if code != 4 || !strings.Contains(errs, "FLAG.GLB") || !strings.Contains(errs, "ADMIN") || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
		t.Errorf("repair while ADMIN holds FLAG.GLB: exit %d, want 4 and one line naming FLAG.GLB and ADMIN\n%s%s", code, out, errs)
	}
	sameTree(t, local, before, "after the refusal")
	if _, err := os.Lstat(filepath.Join(local, "POREPAIR")); err == nil {
		t.Error("the refusal left POREPAIR/ behind")
	}
}

// waitListable waits out the seconds in which smbnetfs answers EIO for
// every name of the share after it was refused an open: the next command
// run at once would fail to list the postoffice, as any program would.
func waitListable(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := os.ReadDir(dir)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still cannot be listed: %v", dir, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The same on a postoffice porepair has repaired and rolled back before
// (POREPAIR and its lock file there): a repair and a rollback while ADMIN
// holds FLAG.GLB on the other client are busy, and leave no HOLDER (the
// lock every client sees) behind, although smbnetfs answers EIO for every
// name of the share for seconds after refusing the open: FLAG.GLB is
// looked at before HOLDER is made, and a release's read of HOLDER waits
// that window out (either alone keeps this test passing; it fails
// without both).
func TestShareFlagHeldByAdminAfterARepair(t *testing.T) {
	t.Parallel()
	s, one, two := twoHosts(t)
	_, c2, local, _ := sharePO(t, one, two, "PO")
	for _, args := range [][]string{{"repair", "--yes"}, {"rollback", "--yes"}} {
		if code, out, errs := porepair(t, nil, append([]string{"--po", c2}, args...)...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	before, err := treeOf(local)
	if err != nil {
		t.Fatal(err)
	}
	release := s.HoldOpen(t, filepath.Join(local, "GLB/FLAG.GLB"))
	defer release()
	for _, args := range [][]string{{"repair", "--yes"}, {"rollback", "--yes"}} {
		code, out, errs := porepair(t, nil, append([]string{"--po", c2}, args...)...)
		if code != 4 || !strings.Contains(errs, "FLAG.GLB") {
			t.Errorf("%v while ADMIN holds FLAG.GLB: exit %d, want 4 naming FLAG.GLB\nstdout: %s\nstderr: %s", args, code, out, errs)
		}
		if _, err := os.Lstat(filepath.Join(local, "POREPAIR/HOLDER")); err == nil {
			t.Errorf("%v: the refusal left POREPAIR/HOLDER behind", args)
		}
		waitListable(t, c2)
	}
	release()
	sameTree(t, local, before, "after the refusals")
}

// A repair through one client holds the postoffice for every client: a
// repair, a rollback, a prune and a plan through the other are busy
// (exit 4) naming the holder, diagnose says REPAIR_RUNNING, and the
// snapshot being made is left alone. Then undo works from the other
// client and from the server's own directory: the snapshot is found by
// the postoffice's identity, and the tree comes back byte-identical.
func TestShareLockSeenByOtherClient(t *testing.T) {
	t.Parallel()
	_, one, two := twoHosts(t)
	c1, c2, local, before := sharePO(t, one, two, "PO")
	a := porepairCmd(t, []string{"POREPAIR_FAULT=delay:150"}, "--po", c1, "repair", "--yes")
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	waitFile(t, filepath.Join(local, "POREPAIR/JOURNAL"))
	host, _ := os.Hostname()
	for _, args := range [][]string{{"repair", "--yes"}, {"rollback", "--yes"}, {"snapshots", "prune", "--keep", "0", "--yes"}, {"plan"}} {
		code, _, errs := porepair(t, nil, append([]string{"--po", c2}, args...)...)
		if code != 4 || !strings.Contains(errs, "in use") || !strings.Contains(errs, host) {
			t.Errorf("%v through the other client during a repair: exit %d, want 4 naming the holder\n%s", args, code, errs)
		}
	}
	if code, out, _ := porepair(t, nil, "--po", c2, "diagnose"); !strings.Contains(out, "REPAIR_RUNNING") {
		t.Errorf("diagnose through the other client during a repair: exit %d, no REPAIR_RUNNING\n%s", code, out)
	}
	if err := a.Wait(); err != nil {
		t.Fatalf("the repair through client 1: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(local, "POREPAIR/HOLDER")); err == nil {
		t.Error("the repair left its server lock behind")
	}
	if code, out, errs := porepair(t, nil, "--po", c2, "rollback", "--yes"); code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("rollback through client 2: exit %d\n%s%s", code, out, errs)
	}
	sameTree(t, local, before, "rolled back through client 2")
	// Again, undone from the server's own directory.
	if code, _, errs := porepair(t, nil, "--po", c1, "repair", "--yes"); code != 0 {
		t.Fatalf("second repair: exit %d\n%s", code, errs)
	}
	if code, out, errs := porepair(t, nil, "--po", local, "rollback", "--yes"); code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("rollback on the server's directory: exit %d\n%s%s", code, out, errs)
	}
	sameTree(t, local, before, "rolled back on the server")
}

// Two hosts racing to repair one postoffice, at several start offsets
// (the second starting before, while and after the first takes the lock),
// each run slowed: never both running. One repairs and the other is busy,
// or both are busy; the tree ends repaired, or as before when neither ran,
// and diagnose then finds nothing unfinished.
func TestShareRacingRepairs(t *testing.T) {
	t.Parallel()
	_, one, two := twoHosts(t)
	// The offsets race at once, each on a postoffice of its own: one
	// after the other they made this the longest test of make test.
	for i, offset := range []time.Duration{0, 30 * time.Millisecond, 150 * time.Millisecond, 400 * time.Millisecond} {
		t.Run(offset.String(), func(t *testing.T) {
			t.Parallel()
			raceRepairs(t, one, two, i, offset)
		})
	}
}

// raceRepairs starts a slowed repair through one client and, offset
// later, another through the other client, on a fresh postoffice: one
// repairs and the other is busy (or finds nothing to do), or both are
// busy and nothing changed.
func raceRepairs(t *testing.T, one, two *sharetest.Mount, i int, offset time.Duration) {
	c1, c2, local, before := sharePO(t, one, two, "PO"+strconvI(i))
	a := porepairCmd(t, []string{"POREPAIR_FAULT=delay:40"}, "--po", c1, "repair", "--yes")
	b := porepairCmd(t, []string{"POREPAIR_FAULT=delay:40"}, "--po", c2, "repair", "--yes")
	var errsA strings.Builder
	a.Stdout, a.Stderr = &errsA, &errsA
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(offset)
	codeB, outB, errsB := runCmd(t, b)
	errsB = outB + errsB
	a.Wait()
	codeA := a.ProcessState.ExitCode()
	t.Logf("offset %v: exits %d (client 1) and %d (client 2)", offset, codeA, codeB)
	switch {
	case codeA == 0 && codeB == 4, codeA == 4 && codeB == 0:
	case codeA == 0 && codeB == 0 && (strings.Contains(errsA.String(), "nothing-to-do") || strings.Contains(errsB, "nothing-to-do")):
		// One began after the other had finished: nothing left to do.
	case codeA == 4 && codeB == 4:
		sameTree(t, local, before, "both refused")
	default:
		t.Fatalf("offset %v: exits %d and %d, want one 0 and one 4, or both 4\n%s\n%s", offset, codeA, codeB, errsA.String(), errsB)
	}
	if code, out, _ := porepair(t, nil, "--po", local, "diagnose"); strings.Contains(out, "INTERRUPTED") || strings.Contains(out, "QUEUE_MISSING") {
		t.Fatalf("offset %v: diagnose after the race: exit %d\n%s", offset, code, out)
	}
}

// A dead run's server lock: another client is busy naming it; unlock
// removes it (after showing it), and the postoffice is usable again.
func TestShareStaleLockUnlocked(t *testing.T) {
	t.Parallel()
	_, one, two := twoHosts(t)
	c1, c2, local, before := sharePO(t, one, two, "PO")
	if err := os.MkdirAll(filepath.Join(local, "POREPAIR"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A run on another host, which this one cannot ask.
	lock := `{"host":"otherhost","pid":4242,"since":"2026-12-01T03:04:05Z","command":"porepair repair"}` + "\n"
	if err := os.WriteFile(filepath.Join(local, "POREPAIR/HOLDER"), []byte(lock), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := porepair(t, nil, "--po", c1, "repair", "--yes")
	if code != 4 || !strings.Contains(errs, "otherhost") || !strings.Contains(errs, "4242") || !strings.Contains(errs, "2026-12-01T03:04:05Z") {
		t.Fatalf("repair under another host's lock: exit %d, want 4 naming host, pid and time\n%s", code, errs)
	}
	sameTree(t, local, before, "busy")
	if code, out, errs := porepair(t, nil, "--po", c2, "unlock", "--yes"); code != 0 || !strings.Contains(out, "otherhost") {
		t.Fatalf("unlock: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := porepair(t, nil, "--po", c1, "repair", "--yes"); code != 0 {
		t.Fatalf("repair after unlock: exit %d\n%s", code, errs)
	}
}

// A file of the plan held open with no sharing on another client: the
// repair is busy (exit 4) naming it, and nothing is written.
func TestSharePlanFileHeld(t *testing.T) {
	t.Parallel()
	s, one, two := twoHosts(t)
	_, c2, local, before := sharePO(t, one, two, "PO")
	release := s.HoldOpen(t, filepath.Join(local, "GLB/NETWORK.GLB"))
	code, out, errs := porepair(t, nil, "--po", c2, "repair", "--yes")
	release()
	if code != 4 || !strings.Contains(errs, "NETWORK.GLB") || !strings.Contains(errs, "held open") {
		t.Errorf("repair with NETWORK.GLB held: exit %d, want 4 naming it\n%s%s", code, out, errs)
	}
	sameTree(t, local, before, "after the refusal")
	if _, err := os.Lstat(filepath.Join(local, "POREPAIR")); err == nil {
		t.Error("the refusal left POREPAIR/ behind")
	}
}

// A rollback whose target another client holds open while it restores:
// the rename over it is retried until the holder lets go, and the tree
// comes back byte-identical.
func TestShareRestoreWaitsForHeldFile(t *testing.T) {
	t.Parallel()
	s, one, two := twoHosts(t)
	c1, c2, local, before := sharePO(t, one, two, "PO")
	if code, _, errs := porepair(t, nil, "--po", c1, "repair", "--yes"); code != 0 {
		t.Fatalf("repair: exit %d\n%s", code, errs)
	}
	journal := filepath.Join(local, "POREPAIR/JOURNAL")
	repaired, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	rb := porepairCmd(t, []string{"POREPAIR_FAULT=delay:400", "POREPAIR_HELD_RETRY=40s"}, "--po", c2, "rollback", "--yes")
	var out, errs strings.Builder
	rb.Stdout, rb.Stderr = &out, &errs
	if err := rb.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { rb.Wait(); close(done) }()
	// The rollback's journal replaces the repair's: it has read and
	// checked everything, and writes from now on.
	waitJournal(t, journal, func(b []byte) bool { return string(b) != string(repaired) }, "the rollback never began")
	last := lastRestored(t, local)
	release := s.HoldOpen(t, filepath.Join(local, last))
	// The step that writes the held file back, the rollback's last, is
	// journaled before it is carried out, 4 writes of 400 ms or more
	// after the rollback began: the hold must be in place by then. Its
	// rename comes a few delayed writes later and meets the held file;
	// held 3 s more, the rollback must still be waiting.
	step := fmt.Sprintf("%q:%q", "file", last)
	if b, err := os.ReadFile(journal); err == nil && strings.Contains(string(b), step) {
		release()
		t.Fatalf("holding %s took longer than the rollback took to reach it", last)
	}
	waitJournal(t, journal, func(b []byte) bool { return strings.Contains(string(b), step) }, "the rollback never reached "+last)
	time.Sleep(3 * time.Second)
	select {
	case <-done:
		release()
		t.Fatalf("the rollback ended while %s was held: exit %d\n%s%s", last, rb.ProcessState.ExitCode(), out.String(), errs.String())
	default:
	}
	release()
	<-done
	if code := rb.ProcessState.ExitCode(); code != 0 || !strings.Contains(out.String(), "restored") {
		t.Fatalf("rollback with %s held: exit %d\n%s%s", last, code, out.String(), errs.String())
	}
	sameTree(t, local, before, "restored after the holder let go")
}

// lastRestored is the file a rollback of the latest snapshot replaces
// last (a restore goes through the manifest's entries backwards): the one
// still to come while a held file makes it wait.
// waitJournal waits (30 s at most) until the journal's bytes satisfy ok.
func waitJournal(t *testing.T, journal string, ok func([]byte) bool, never string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(journal); err == nil && ok(b) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(never)
		}
	}
}

func lastRestored(t *testing.T, po string) string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(po, "POREPAIR/SNAPSHOT/*/MANIFEST.JSON"))
	if len(dirs) != 1 {
		t.Fatalf("want one snapshot, found %v", dirs)
	}
	b, err := os.ReadFile(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Entries []struct {
			File string `json:"file"`
			Copy string `json:"copy"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, e := range m.Entries {
		if e.Copy != "" {
			return e.File
		}
	}
	t.Fatal("the snapshot restores no file by rename")
	return ""
}
