package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The arguments split at "--" into packages and test flags, and a
// package's own flags follow everyone's.
func TestArgs(t *testing.T) {
	pkgs, flags := splitArgs([]string{"./a", "./b", "--", "-test.parallel=8"})
	if strings.Join(pkgs, " ") != "./a ./b" || strings.Join(flags, " ") != "-test.parallel=8" {
		t.Errorf("splitArgs: %q %q", pkgs, flags)
	}
	if pkgs, flags := splitArgs([]string{"./a"}); len(pkgs) != 1 || flags != nil {
		t.Errorf("splitArgs without --: %q %q", pkgs, flags)
	}
	of := flagsFor([]string{"-test.parallel=8"}, map[string][]string{"m/cmd": {"-test.run=^TestScripts$"}})
	if got := strings.Join(of("m/cmd"), " "); got != "-test.parallel=8 -test.run=^TestScripts$" {
		t.Errorf("flags of m/cmd: %q", got)
	}
	if got := strings.Join(of("m/other"), " "); got != "-test.parallel=8" {
		t.Errorf("flags of m/other: %q", got)
	}
}

// A package's binary runs in its directory with go test's own flags; a
// failing one's output is shown and makes the status 1; a package
// without tests is named as go test names it, and a binary left in the
// directory for it is not run.
func TestRunAndReport(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in test binaries are shell scripts")
	}
	dir, pkgDir := t.TempDir(), t.TempDir()
	script := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name+".test"), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script("good", `[ "$1" = -test.paniconexit0 ] && [ "$3" = -x ] && [ -f here ] || exit 3`)
	script("bad", `echo "--- FAIL: TestX"; echo FAIL; exit 1`)
	script("none", `exit 1`)
	if err := os.WriteFile(filepath.Join(pkgDir, "here"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	list := []pkg{{"m/good", pkgDir, true}, {"m/bad", pkgDir, true}, {"m/none", pkgDir, false}}
	results := runAll(context.Background(), 2, dir, list, func(string) []string { return []string{"-x"} })
	var out strings.Builder
	code := report(results, &out)
	want := []string{"ok  \tm/good\t", "--- FAIL: TestX\nFAIL\nFAIL\tm/bad\t", "?   \tm/none\t[no test files]\n"}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("report lacks %q:\n%s", w, out.String())
		}
	}
	if code != 1 || !results[0].ok || results[0].elapsed <= 0 || results[0].elapsed > time.Minute {
		t.Errorf("status %d, results %+v", code, results)
	}
}
