package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/porepair/porepair/testdata/fixture"
)

// A release build (no faultinject tag) has no fault hook: with
// POREPAIR_FAULT=crash:1 set, a repair is not crashed at its first write
// (which a faultinject build does, with exit 99) but completes.
func TestReleaseBuildIgnoresFaultHook(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds porepair")
	}
	bin := filepath.Join(t.TempDir(), "porepair")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	if err := fixture.Build(dir, "stale"); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--po", dir, "repair", "--yes")
	cmd.Env = append(os.Environ(), "POREPAIR_FAULT=crash:1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("repair exited %d with POREPAIR_FAULT=crash:1 set (99 is the hook's crash)\n%s", exit.ExitCode(), out)
	}
	if err != nil {
		t.Fatalf("repair: %v\n%s", err, out)
	}
}
