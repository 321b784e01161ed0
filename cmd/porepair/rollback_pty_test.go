//go:build unix

package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/porepair/porepair/testdata/fixture"
)

// onTerminal runs porepair on a pseudo-terminal, answers the [y/N]
// question, and returns the exit code and everything the terminal showed.
func onTerminal(t *testing.T, answer string, args ...string) (int, string) {
	t.Helper()
	return onTTY(t, exec.Command(binary(t), args...), map[string]string{"[y/N] ": answer + "\r"})
}

// On a terminal, rollback names the snapshot, its time, the postoffice
// and what will change before it asks; "n" writes nothing.
func TestRollbackConfirmation(t *testing.T) {
	t.Parallel()
	dir, before := stalePO(t)
	code, out, _ := porepair(t, nil, "--po", dir, "--json", "repair", "--yes")
	if code != 0 {
		t.Fatal("repair failed")
	}
	after, err := fixture.Tree(dir)
	if err != nil {
		t.Fatal(err)
	}
	id := snapshotOf(t, out)
	code, shown := onTerminal(t, "n", "--po", dir, "rollback")
	for _, want := range []string{"Roll back " + dir, "snapshot " + id, "made 20", "restore GLB/NETWORK.GLB", "move MBG/00000031.MBG back to MBG/0000000A.MBG", "[y/N]"} {
		if !strings.Contains(shown, want) {
			t.Errorf("the confirmation does not show %q:\n%s", want, shown)
		}
	}
	if code != 2 {
		t.Fatalf("exit %d after n, want 2", code)
	}
	sameTree(t, dir, after, "answered n")
	if code, shown := onTerminal(t, "y", "--po", dir, "rollback"); code != 0 || !strings.Contains(shown, "restored") {
		t.Fatalf("exit %d after y:\n%s", code, shown)
	}
	sameTree(t, dir, before, "answered y")
}

// snapshotOf is the snapshot id of a --json repair's output.
func snapshotOf(t *testing.T, out string) string {
	t.Helper()
	i := strings.Index(out, `"snapshot": "`)
	if i < 0 {
		t.Fatalf("no snapshot in\n%s", out)
	}
	rest := out[i+len(`"snapshot": "`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// On a terminal, prune lists what it would remove and asks; "n" removes
// nothing, "y" removes it.
func TestPruneConfirmation(t *testing.T) {
	t.Parallel()
	dir, _ := stalePO(t)
	for range 2 {
		if code, _, _ := porepair(t, nil, "--po", dir, "repair", "--yes", "--force"); code != 0 {
			t.Fatal("repair failed")
		}
	}
	count := func() int {
		_, out, _ := porepair(t, nil, "--po", dir, "snapshots", "list", "--json")
		return strings.Count(out, `"id"`)
	}
	code, shown := onTerminal(t, "n", "--po", dir, "snapshots", "prune", "--keep", "1")
	if code != 2 || !strings.Contains(shown, "would remove 1") || !strings.Contains(shown, "[y/N]") || count() != 2 {
		t.Fatalf("answered n: exit %d, %d snapshots left\n%s", code, count(), shown)
	}
	code, shown = onTerminal(t, "y", "--po", dir, "snapshots", "prune", "--keep", "1")
	if code != 0 || !strings.Contains(shown, "removed 1") || count() != 1 {
		t.Fatalf("answered y: exit %d, %d snapshots left\n%s", code, count(), shown)
	}
}
