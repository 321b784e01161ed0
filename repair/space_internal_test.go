package repair

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

func stale(t *testing.T) (string, map[string]string, Planner) {
	t.Helper()
	dir := t.TempDir()
	if err := fixture.BuildSpec(dir, fixture.Spec{Scenario: "stale"}); err != nil {
		t.Fatal(err)
	}
	tree, err := fixture.Tree(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := diagnose.Find(diagnose.Builtin, "smtp")
	return dir, tree, func(po *postoffice.PO) (*plan.Plan, error) {
		return plan.Build(po, plan.Options{Component: c})
	}
}

// A disk without room for the snapshot, the journal, the temp files and
// the reserve refuses the repair before anything is written, saying how
// much it needs.
func TestFullDiskRefusedBeforeTheJournal(t *testing.T) {
	dir, tree, planner := stale(t)
	freeSpace = func(string) (uint64, bool, error) { return 24 << 10, true, nil }
	defer func() { freeSpace = defaultFreeSpace }()
	res := Repair(context.Background(), dir, planner, Options{})
	if res.Status != StatusRefused || !strings.Contains(res.Err.Error(), "not enough free space") || !strings.Contains(res.Err.Error(), "24 KiB is free") {
		t.Fatalf("status %v: %v", res.Status, res.Err)
	}
	if _, err := os.Stat(filepath.Join(dir, JournalName)); !os.IsNotExist(err) {
		t.Errorf("a journal was written: %v", err)
	}
	got, _ := fixture.Tree(dir)
	for f := range got {
		if _, ok := tree[f]; !ok && !strings.HasPrefix(f, Dir+"/") {
			t.Errorf("%s appeared", f)
		}
	}
	if d := fixture.DiffTrees(tree, withoutOwn(got)); len(d) > 0 {
		t.Errorf("tree changed at %v", d)
	}
}

// A file system that does not report its free space (smbnetfs) is not
// checked; the repair goes on, and its reserve is gone at the end.
func TestUnknownFreeSpaceNotChecked(t *testing.T) {
	dir, _, planner := stale(t)
	freeSpace = func(string) (uint64, bool, error) { return 0, false, nil }
	defer func() { freeSpace = defaultFreeSpace }()
	res := Repair(context.Background(), dir, planner, Options{})
	if res.Status != StatusRepaired {
		t.Fatalf("status %v: %v", res.Status, res.Err)
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(ReserveName))); !os.IsNotExist(err) {
		t.Errorf("the reserve outlived the repair: %v", err)
	}
}

func withoutOwn(tree map[string]string) map[string]string {
	out := map[string]string{}
	for f, h := range tree {
		if !strings.HasPrefix(f, Dir+"/") {
			out[f] = h
		}
	}
	return out
}
