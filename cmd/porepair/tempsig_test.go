//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/porepair/porepair/testdata/fixture"
)

// within runs porepair and fails the test if it has not exited after d:
// the cases here used to hang, holding the lock and ignoring SIGTERM.
func within(t *testing.T, d time.Duration, dir string, args ...string) (int, string) {
	t.Helper()
	cmd := porepairCmd(t, nil, append([]string{"--po", dir}, args...)...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), out.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, out.String()
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		t.Fatalf("porepair %v still running after %s: hangs", args, d)
	}
	return -1, ""
}

// tree is fixture.Tree of dir, failing the test on error.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	got, err := fixture.Tree(dir)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// A GLB/NETWORK.PPT that is not porepair's (someone's file, or a FIFO)
// is where the repair writes its temp file for NETWORK.GLB: the repair is
// refused before any write (no journal, every byte as it was, the file
// kept), naming it. The O_TRUNC temp file destroyed the file and a FIFO
// there failed the repair after CONTROL.GLB was rewritten.
func TestTempNameInUseRefused(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"file", "fifo"} {
		t.Run(kind, func(t *testing.T) {
			dir, _ := stalePO(t)
			ppt := filepath.Join(dir, "GLB/NETWORK.PPT")
			if kind == "file" {
				os.WriteFile(ppt, []byte("someone's notes"), 0o644)
			} else if err := syscall.Mkfifo(ppt, 0o644); err != nil {
				t.Fatal(err)
			}
			before := tree(t, dir)
			code, out := within(t, 20*time.Second, dir, "repair", "--yes")
			if code != 2 || !strings.Contains(out, "GLB/NETWORK.PPT exists") || !strings.Contains(out, "move it away") {
				t.Fatalf("exit %d, want 2 naming GLB/NETWORK.PPT\n%s", code, out)
			}
			sameTree(t, dir, before, "refused repair")
			if _, err := os.Lstat(filepath.Join(dir, "POREPAIR/JOURNAL")); err == nil {
				t.Fatal("a journal was written: the refusal came after a write")
			}
		})
	}
}

// The same name taken after a completed repair: its rollback is refused
// before any write (exit 2), the file survives byte for byte, and once it
// is moved away the rollback restores everything.
func TestRollbackKeepsForeignTempFile(t *testing.T) {
	t.Parallel()
	dir, before := stalePO(t)
	if code, out := within(t, time.Minute, dir, "repair", "--yes"); code != 0 {
		t.Fatalf("repair: exit %d\n%s", code, out)
	}
	ppt := filepath.Join(dir, "GLB/NETWORK.PPT")
	os.WriteFile(ppt, []byte("someone's notes"), 0o644)
	repaired := tree(t, dir)
	code, out := within(t, 20*time.Second, dir, "rollback", "--yes")
	if code != 2 || !strings.Contains(out, "GLB/NETWORK.PPT exists") {
		t.Fatalf("rollback: exit %d, want 2 naming GLB/NETWORK.PPT\n%s", code, out)
	}
	sameTree(t, dir, repaired, "refused rollback")
	os.Remove(ppt)
	if code, out := within(t, time.Minute, dir, "rollback", "--yes"); code != 0 {
		t.Fatalf("rollback: exit %d\n%s", code, out)
	}
	sameTree(t, dir, before, "rollback")
}

// A FIFO in porepair's own directory (the journal, the lock, the
// identity, a snapshot's manifest or copy): every command ends within
// seconds with a line naming what is wrong, never restore-failed. A FIFO
// as a snapshot copy hung rollback and snapshots verify forever.
func TestFIFOInOwnDir(t *testing.T) {
	t.Parallel()
	cmds := [][]string{{"diagnose"}, {"plan"}, {"repair", "--yes"}, {"rollback", "--yes"},
		{"snapshots", "list"}, {"snapshots", "verify", "latest"}, {"snapshots", "prune", "--keep", "0", "--yes"}}
	for _, where := range []string{"JOURNAL", "LOCK", "ID", "MANIFEST.JSON", "copy"} {
		t.Run(where, func(t *testing.T) {
			dir, _ := stalePO(t)
			if code, out := within(t, time.Minute, dir, "repair", "--yes"); code != 0 {
				t.Fatalf("repair: exit %d\n%s", code, out)
			}
			fifo := ownFile(t, dir, where)
			os.Remove(fifo)
			if err := syscall.Mkfifo(fifo, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range cmds {
				code, out := within(t, 10*time.Second, dir, args...)
				t.Logf("%s %v: exit %d: %s", where, args, code, lastLine(out))
				if code != 0 && code != 2 && code != 3 {
					t.Errorf("%v with a FIFO as %s: exit %d, want 0, 2 or 3\n%s", args, where, code, out)
				}
				if code >= 2 && !strings.Contains(out, "not a regular file") && !strings.Contains(out, "cannot be read") &&
					!strings.Contains(out, "damaged") {
					t.Errorf("%v with a FIFO as %s: exit 2 without saying why\n%s", args, where, out)
				}
			}
		})
	}
}

// ownFile is the path of one of porepair's files in a repaired PO.
func ownFile(t *testing.T, dir, where string) string {
	t.Helper()
	snaps, _ := filepath.Glob(filepath.Join(dir, "POREPAIR/SNAPSHOT/*"))
	if len(snaps) != 1 {
		t.Fatalf("%d snapshots", len(snaps))
	}
	switch where {
	case "MANIFEST.JSON":
		return filepath.Join(snaps[0], "MANIFEST.JSON")
	case "copy":
		copies, _ := filepath.Glob(filepath.Join(snaps[0], "0*"))
		if len(copies) == 0 {
			t.Fatal("no snapshot copy")
		}
		return copies[0]
	}
	return filepath.Join(dir, "POREPAIR", where)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// A repair that fails after the queue moved, its stdout and stderr a pipe
// nobody reads (porepair ... 2>&1 | true): it restores every byte, closes
// its journal and exits 1. SIGPIPE killed it (exit 141 in a shell) at its
// first log line, before the restore.
func TestClosedPipeStillRestores(t *testing.T) {
	t.Parallel()
	dir, before := stalePO(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	cmd := porepairCmd(t, []string{fmt.Sprintf("POREPAIR_FAULT=fail:%d", afterMove(t)+1)}, "--po", dir, "repair", "--yes")
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatal("hangs")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v (%v), want exit 1", err, cmd.ProcessState)
	}
	sameTree(t, dir, before, "failed repair into a closed pipe")
	if code, out, _ := porepair(t, nil, "--po", dir, "diagnose"); code != 3 || strings.Contains(out, "INTERRUPTED_REPAIR") {
		t.Fatalf("the journal was left unfinished: diagnose exit %d\n%s", code, out)
	}
}
