//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/porepair/porepair/backup"
)

// A repair that failed and was restored leaves a snapshot marked rolled
// back: it is not offered for undo again, and a rollback says which
// repair is still in effect and how to undo that one.
func TestFailedRepairSnapshotNotOffered(t *testing.T) {
	t.Parallel()
	dir, _ := stalePO(t)
	if code, out, errs := porepair(t, nil, "--po", dir, "repair", "--yes"); code != 0 {
		t.Fatalf("repair: exit %d\n%s%s", code, out, errs)
	}
	first := latestSnapshot(t, dir)
	var failed string
	for n := 1; n < 100 && failed == ""; n++ {
		code, out, errs := porepair(t, []string{fmt.Sprintf("POREPAIR_FAULT=fail:%d", n)}, "--po", dir, "repair", "--force", "--yes")
		if code == 0 {
			t.Fatal("no write of a forced repair failed before the end")
		}
		if code != 1 {
			t.Fatalf("fail:%d: exit %d\n%s%s", n, code, out, errs)
		}
		for _, s := range snapshotList(t, dir) {
			if s.ID != first.ID && s.State == backup.StateRolledBack.String() {
				failed = s.ID
			}
		}
	}
	if failed == "" {
		t.Fatal("no failed repair left a snapshot marked rolled back")
	}
	code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes")
	if code != 0 || !strings.Contains(out, "nothing to roll back") || !strings.Contains(out, "the repair in effect is snapshot "+first.ID) {
		t.Fatalf("rollback after the failed repair: exit %d\n%s%s", code, out, errs)
	}
	// The command it names runs as printed, from anywhere: it has --po.
	_, undo, _ := strings.Cut(out, "`porepair ")
	undo, _, _ = strings.Cut(undo, "`")
	args := strings.Fields(undo)
	if !slices.Contains(args, "--po") || !slices.Contains(args, first.ID) {
		t.Fatalf("the undo it names is %q", undo)
	}
	if code, out, errs := porepair(t, nil, append(args, "--yes")...); code != 0 {
		t.Fatalf("rollback of the repair in effect: exit %d\n%s%s", code, out, errs)
	}
}

type listed struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

func snapshotList(t *testing.T, dir string) []listed {
	t.Helper()
	code, out, errs := porepair(t, nil, "--json", "--po", dir, "snapshots", "list")
	if code != 0 {
		t.Fatalf("snapshots list: exit %d\n%s%s", code, out, errs)
	}
	var doc struct {
		Snapshots []listed `json:"snapshots"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("snapshots list: %v\n%s", err, out)
	}
	return doc.Snapshots
}

func latestSnapshot(t *testing.T, dir string) listed {
	t.Helper()
	l := snapshotList(t, dir)
	if len(l) == 0 {
		t.Fatal("no snapshot")
	}
	return l[len(l)-1]
}
