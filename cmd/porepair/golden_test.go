//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/porepair/porepair/testdata/fixture"
)

// TestPlanGolden keeps the text and JSON plan of every fixture in
// testdata/golden; POREPAIR_UPDATE_GOLDEN=1 rewrites them after a change
// that is meant. The postoffice's path is shown as $PO.
func TestPlanGolden(t *testing.T) {
	t.Parallel()
	update := os.Getenv("POREPAIR_UPDATE_GOLDEN") != ""
	for _, sc := range fixture.Scenarios {
		t.Run(sc, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "MAILDATA")
			if err := fixture.BuildSpec(dir, fixture.Spec{Scenario: sc, Lower: sc == "lower"}); err != nil {
				t.Fatal(err)
			}
			for _, form := range []struct{ ext, flag string }{{"txt", ""}, {"json", "--json"}} {
				args := []string{"--po", dir, "plan"}
				if form.flag != "" {
					args = append(args, form.flag)
				}
				code, out, errs := porepair(t, nil, args...)
				if code != 0 && code != 2 {
					t.Fatalf("plan exit %d: %s", code, errs)
				}
				got := strings.ReplaceAll(out, dir, "$PO")
				file := filepath.Join("testdata", "golden", sc+".plan."+form.ext)
				if update {
					os.MkdirAll(filepath.Dir(file), 0o755)
					if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%v (POREPAIR_UPDATE_GOLDEN=1 writes it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the golden file; diff it, and update with POREPAIR_UPDATE_GOLDEN=1 if meant:\n%s", file, got)
				}
			}
		})
	}
}

// The checked-in trees are what the builder writes today.
func TestCheckedInTreesMatchBuilder(t *testing.T) {
	t.Parallel()
	for _, sc := range fixture.Golden {
		dir := t.TempDir()
		if err := fixture.Build(dir, sc); err != nil {
			t.Fatal(err)
		}
		want, _ := fixture.Tree(dir)
		got, err := fixture.Tree(fixture.GoldenDir(sc))
		if err != nil {
			t.Fatal(err)
		}
		var files []string
		for k, v := range want {
			if v == "dir" {
				delete(want, k) // git keeps no empty directories
			} else {
				files = append(files, k)
			}
		}
		for k, v := range got {
			if v == "dir" {
				delete(got, k)
			}
		}
		if d := fixture.DiffTrees(want, got); len(d) > 0 {
			t.Errorf("%s differs from the builder at %v: run go run ./testdata/gen -golden", fixture.GoldenDir(sc), d)
		}
		if least := map[bool]int{true: 10, false: 40}[sc == "workgroup"]; len(files) < least {
			t.Errorf("%s: only %d files", sc, len(files))
		}
	}
}

// docs/reference.md is what `porepair docs --markdown` prints today.
func TestReferenceDocCurrent(t *testing.T) {
	t.Parallel()
	code, out, _ := porepair(t, nil, "docs", "--markdown")
	if code != 0 {
		t.Fatal("docs failed")
	}
	file := filepath.Join("..", "..", "docs", "reference.md")
	if os.Getenv("POREPAIR_UPDATE_GOLDEN") != "" {
		os.WriteFile(file, []byte(out), 0o644)
	}
	want, err := os.ReadFile(file)
	if err != nil || string(want) != out {
		t.Errorf("docs/reference.md is stale: go run ./cmd/porepair docs --markdown > docs/reference.md (%v)", err)
	}
}

// The project explains itself: no file points to a specification or a
// directory outside the repository, which a clone does not have.
func TestNoPointersOutside(t *testing.T) {
	t.Parallel()
	root := filepath.Dir(fixture.Dir())
	bad := []string{"SPEC " + "§", "../" + "shared"}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "fuzz" || d.Name() == "po") {
			return filepath.SkipDir
		}
		text := map[string]bool{".go": true, ".md": true, ".txtar": true, ".json": true, ".yml": true, "": true}
		if d.IsDir() || !text[filepath.Ext(p)] {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, s := range bad {
			if strings.Contains(string(b), s) {
				t.Errorf("%s mentions %q", p, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The checked-in healthy postoffice diagnoses healthy, on any day.
func TestCheckedInHealthyIsHealthy(t *testing.T) {
	t.Parallel()
	code, out, errs := runHere("--po", fixture.GoldenDir("healthy"), "diagnose")
	if code != exitOK || strings.Contains(out, "QUEUE_STALLED") {
		t.Errorf("testdata/po/healthy: exit %d\n%s%s", code, out, errs)
	}
}

// The postoffice a newcomer first makes, go run ./testdata/gen -scenario
// healthy -out DIR, diagnoses healthy: exit 0, on any day.
func TestGenHealthyIsHealthy(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "MAILDATA")
	gen := exec.Command("go", "run", "./testdata/gen", "-scenario", "healthy", "-out", dir)
	gen.Dir = filepath.Join("..", "..")
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("go run ./testdata/gen: %v\n%s", err, out)
	}
	if code, out, errs := runHere("--po", dir, "diagnose"); code != exitOK {
		t.Errorf("gen's healthy postoffice: exit %d, want 0\n%s%s", code, out, errs)
	}
}
