package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/porepair/porepair/internal/gobuild"
	"github.com/porepair/porepair/internal/osfs/winetest"
	"github.com/porepair/porepair/testdata/fixture"
)

// releaseBinary builds porepair without the fault hook, or takes the one
// POREPAIR_RELEASE_BIN names: make wintest builds it, because a test
// running under Wine cannot start the Linux go command.
func releaseBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("POREPAIR_RELEASE_BIN"); bin != "" {
		return bin
	}
	winetest.Skip(t, "the go command (a Linux program) cannot be started from a Windows test; make wintest sets POREPAIR_RELEASE_BIN")
	bin := filepath.Join(t.TempDir(), "porepair")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if out, err := gobuild.Command(".", bin).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// A release build (no faultinject tag) has no fault hook: with
// POREPAIR_FAULT=crash:1 set, a repair is not crashed at its first write
// (which a faultinject build does, with exit 99) but completes.
func TestReleaseBuildIgnoresFaultHook(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds porepair")
	}
	bin := releaseBinary(t)
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

// The release binary is built from no test data: no package under a
// testdata directory (the fixture builder, the checked-in trees) is among
// its dependencies; the demo's sample is internal/sample.
func TestReleaseImportsNoTestData(t *testing.T) {
	t.Parallel()
	winetest.Skip(t, "the go command (a Linux program) cannot be started from a Windows test")
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "/testdata/") || strings.HasSuffix(pkg, "/testdata") {
			t.Errorf("porepair's release build imports %s", pkg)
		}
	}
}
