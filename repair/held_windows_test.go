package repair_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"

	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/repair"
)

// EXTERNAL reading NETWORK.GLB (open without FILE_SHARE_DELETE): the
// rename over it would fail, so the repair is refused before it writes,
// busy (exit 4), naming the file.
func TestRepairRefusesHeldFile(t *testing.T) {
	dir, before := setup(t, "stale", false)
	pl := makePlan(t, dir, plan.Options{})
	p, _ := windows.UTF16PtrFromString(filepath.Join(dir, "GLB", "NETWORK.GLB"))
	h, err := windows.CreateFile(p, windows.GENERIC_READ, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil,
		windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		t.Fatal(err)
	}
	res := repair.Repair(context.Background(), dir, repair.Saved(pl), repair.Options{})
	windows.CloseHandle(h)
	if res.Status != repair.StatusBusy || res.Code() != 4 || !strings.Contains(strings.Join(res.Errors, "\n"), "NETWORK.GLB") {
		t.Fatalf("result = %+v", res)
	}
	sameTree(t, dir, before)
	if _, err := os.Stat(filepath.Join(dir, repair.JournalName)); err == nil {
		t.Error("a journal was written though a file was held")
	}
	if res := repair.Repair(context.Background(), dir, repair.Saved(pl), repair.Options{}); res.Code() != 0 {
		t.Fatalf("once let go: %+v", res)
	}
}
