//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func writeHolderJSON(t *testing.T, dir, host string, pid int) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "POREPAIR"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "POREPAIR/HOLDER")
	body := fmt.Sprintf(`{"host":%q,"pid":%d,"since":"2026-12-01T03:04:05Z","command":"porepair repair"}`, host, pid)
	if err := os.WriteFile(path, []byte(body+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// unlock in a pipe needs --yes and keeps the lock without it; with it, it
// removes the lock it shows (JSON names the holder); a second unlock has
// nothing to do; a holder alive on this host is refused (exit 4).
func TestUnlock(t *testing.T) {
	dir, _ := stalePO(t)
	path := writeHolderJSON(t, dir, "otherhost", 4242)
	if code, _, errs := porepair(t, nil, "--po", dir, "unlock"); code != 2 || !strings.Contains(errs, "--yes") {
		t.Errorf("unlock in a pipe without --yes: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the lock went without confirmation: %v", err)
	}
	code, out, errs := porepair(t, nil, "--po", dir, "unlock", "--yes", "--json")
	var got struct {
		Holder struct {
			Host string `json:"host"`
			PID  int    `json:"pid"`
		} `json:"holder"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.Holder.Host != "otherhost" || got.Holder.PID != 4242 {
		t.Fatalf("unlock --yes --json: exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the lock is still there: %v", err)
	}
	if code, out, _ := porepair(t, nil, "--po", dir, "unlock", "--yes"); code != 0 || !strings.Contains(out, "not locked") {
		t.Errorf("second unlock: exit %d\n%s", code, out)
	}
	sleeper := exec.Command("sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleeper.Process.Kill(); sleeper.Wait() }()
	host, _ := os.Hostname()
	writeHolderJSON(t, dir, host, sleeper.Process.Pid)
	if code, _, errs := porepair(t, nil, "--po", dir, "unlock", "--yes"); code != 4 || !strings.Contains(errs, "still running") {
		t.Errorf("unlock of a holder alive on this host: exit %d, want 4\n%s", code, errs)
	}
	// Running on this host: diagnose says so, and names it.
	if code, out, _ := porepair(t, nil, "--po", dir, "diagnose"); !strings.Contains(out, "REPAIR_RUNNING") || !strings.Contains(out, fmt.Sprint(sleeper.Process.Pid)) {
		t.Errorf("diagnose under a live holder: exit %d\n%s", code, out)
	}
}

// A repair killed after it took the share's lock (POREPAIR/HOLDER made)
// but before it wrote who it is leaves a lock no run can be told by:
// diagnose says so and names porepair unlock; after it, the unfinished
// repair is INTERRUPTED_REPAIR and a plain rollback restores the bytes.
func TestUnknownRunUnlockedThenRolledBack(t *testing.T) {
	t.Parallel()
	dir, before := stalePO(t)
	if code, _, errs := porepair(t, []string{"POREPAIR_FAULT=crash:12"}, "--po", dir, "repair", "--yes"); code != 99 {
		t.Fatalf("crashed repair: exit %d\n%s", code, errs)
	}
	// The crash left its lock naming it; the lock of a run killed
	// sooner names nobody.
	if err := os.Remove(filepath.Join(dir, "POREPAIR", "HOLDER", "RUN")); err != nil {
		t.Fatal(err)
	}
	_, out, _ := porepair(t, nil, "--po", dir, "diagnose")
	if !strings.Contains(out, "REPAIR_RUNNING") || !strings.Contains(out, "unknown run") || !strings.Contains(out, "porepair unlock") {
		t.Fatalf("diagnose of a lock that names no run:\n%s", out)
	}
	if code, _, errs := porepair(t, nil, "--po", dir, "rollback", "--yes"); code != 4 {
		t.Fatalf("rollback while the unknown run's lock is there: exit %d, want 4 (busy)\n%s", code, errs)
	}
	if code, out, errs := porepair(t, nil, "--po", dir, "unlock", "--yes"); code != 0 {
		t.Fatalf("unlock: exit %d\n%s%s", code, out, errs)
	}
	if _, out, _ := porepair(t, nil, "--po", dir, "diagnose"); !strings.Contains(out, "INTERRUPTED_REPAIR") {
		t.Fatalf("diagnose after unlock:\n%s", out)
	}
	if code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes"); code != 0 {
		t.Fatalf("rollback: exit %d\n%s%s", code, out, errs)
	}
	sameTree(t, dir, before, "rolled back after unlock")
}
