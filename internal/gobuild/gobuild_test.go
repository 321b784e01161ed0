//go:build unix

package gobuild

import (
	"debug/elf"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
)

// make build and make install set the same environment as Command.
func TestMakefileBuildsAsCommand(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^RELEASE := (.*)$`).FindSubmatch(b)
	if m == nil || string(m[1]) != Env {
		t.Fatalf("the Makefile's RELEASE is %q, Command's environment %q", m, Env)
	}
}

// porepair as Command builds it has no program interpreter: no dynamic
// loader, no C library. make test gives the release build it made with
// the Makefile's RELEASE (POREPAIR_RELEASE_BIN), which
// TestMakefileBuildsAsCommand holds to Command's environment.
func TestReleaseBuildIsStatic(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("an ELF binary is a Linux build's")
	}
	bin := os.Getenv("POREPAIR_RELEASE_BIN")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "porepair")
		if out, err := Command("../../cmd/porepair", bin).CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("porepair is dynamically linked: it names a program interpreter")
		}
	}
}
