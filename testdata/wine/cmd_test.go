//go:build linux

// Package wine runs porepair.exe, the Windows build, under Wine, as an
// administrator would run it: the command-level scenarios of make wintest
// (testdata/wine/wintest.sh), which sets up the Wine prefix. The library
// packages' own tests run under Wine as Windows test binaries; these need
// the go command and the fixture builder, so they drive Wine from Linux.
package wine

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

// wine is the Wine loader, set by wintest.sh with the prefix it made.
func wine(t *testing.T) string {
	t.Helper()
	w := os.Getenv("WINE")
	if w == "" || os.Getenv("WINEPREFIX") == "" {
		t.Skip("needs the Wine prefix make wintest sets up (WINE, WINEPREFIX)")
	}
	return w
}

var (
	buildOnce sync.Once
	exes      map[string]string
	buildErr  error
)

// build makes porepair.exe (with the fault hook) and holdflag.exe once,
// with wintest.sh's overlay (POREPAIR_WINE_OVERLAY: Go's RemoveAll
// fallback for Wine's NtSetInformationFile).
func build(t *testing.T) map[string]string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "porepair-wine-bin-")
		if err != nil {
			buildErr = err
			return
		}
		exes = map[string]string{"porepair": filepath.Join(dir, "porepair.exe"), "holdflag": filepath.Join(dir, "holdflag.exe")}
		for name, pkg := range map[string]string{"porepair": "../../cmd/porepair", "holdflag": "./holdflag"} {
			args := []string{"build", "-tags", "faultinject", "-o", exes[name]}
			if ov := os.Getenv("POREPAIR_WINE_OVERLAY"); ov != "" {
				args = append(args, "-overlay", ov)
			}
			cmd := exec.Command("go", append(args, pkg)...)
			cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64")
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return exes
}

// win spells a Linux path as a Windows program sees it: Wine's drive Z:
// is the Linux root.
func win(path string) string { return `Z:` + strings.ReplaceAll(path, "/", `\`) }

// command is a Windows program of build's, under Wine, not started.
func command(t *testing.T, env []string, prog string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(wine(t), append([]string{build(t)[prog]}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// run runs a Windows program (two minutes at most) and returns its exit
// code and output.
func run(t *testing.T, env []string, prog string, args ...string) (int, string, string) {
	t.Helper()
	cmd := command(t, env, prog, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), out.String(), errb.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, out.String(), errb.String()
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("%s %v: still running after two minutes", prog, args)
		return 0, "", ""
	}
}

func porepair(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	return run(t, env, "porepair", args...)
}

// testsBegan dates the fixtures' queued mail: a repaired one is healthy.
var testsBegan = postoffice.DateOf(time.Now())

// stale builds the stale-route fixture and returns its Linux path and tree.
func stale(t *testing.T) (string, map[string]string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "MAILDATA")
	now := testsBegan
	if err := fixture.BuildSpec(dir, fixture.Spec{Scenario: "stale", QueueDate: &now}); err != nil {
		t.Fatal(err)
	}
	tree, err := fixture.Tree(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, tree
}

func sameTree(t *testing.T, dir string, want map[string]string, context string) {
	t.Helper()
	got, err := fixture.Tree(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := fixture.DiffTrees(want, got); len(d) > 0 {
		t.Fatalf("%s: tree differs at %v", context, d)
	}
}
