package plan_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

// FuzzDiagnosePlan puts fuzzed bytes in place of one file of a real
// postoffice and runs diagnose and plan: any input gives findings and a
// plan or a refusal, never a panic, and never a byte written.
func FuzzDiagnosePlan(f *testing.F) {
	files := []string{"GLB/NETWORK.GLB", "XTN/00000001.XTN", "GLB/MASTER.GLB", "GLB/CONTROL.GLB",
		"MBG/0000000A.MBG", "KEY/0000000A.KEY", "XTN/00000003.XTN"}
	dir := f.TempDir()
	if err := fixture.Build(dir, "stale"); err != nil {
		f.Fatal(err)
	}
	for i, rel := range files {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), b)
		f.Add(uint8(i), b[:len(b)/3])
		f.Add(uint8(i), []byte{})
	}
	if b, err := fixture.DumpBytes("Q148666.dump", 0x63E, 0x6B8); err == nil {
		f.Add(uint8(0), b)
	}
	smtp, _ := diagnose.Find(diagnose.Builtin, "smtp")
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		restore, err := fixture.Swap(filepath.Join(dir, files[int(which)%len(files)]), b)
		if err != nil {
			t.Fatal(err)
		}
		defer restore()
		before, err := fixture.Tree(dir)
		if err != nil {
			t.Fatal(err)
		}
		p, err := postoffice.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		// With a clock, so that fuzzed dates are aged too.
		r := diagnose.Run(p, diagnose.Builtin, diagnose.Clock{Now: time.Now(), StalledAfter: time.Minute})
		for _, q := range r.Queues {
			if q.AgeSeconds != nil && *q.AgeSeconds < 0 {
				t.Fatalf("negative age: %+v", q)
			}
		}
		for _, fd := range r.Findings {
			if fd.Message == "" || fd.File == "" {
				t.Fatalf("finding without message or file: %+v", fd)
			}
		}
		for _, opt := range []plan.Options{{Component: smtp}, {Component: smtp, Gateway: "ACME/WAREHSE", DiscardQueue: true, Force: true}} {
			pl, err := plan.Build(p, opt)
			if err != nil && !plan.IsRefusal(err) {
				t.Fatalf("plan error that is not a refusal: %v", err)
			}
			if err == nil && !pl.NothingToDo && len(pl.Changes) == 0 {
				t.Fatal("a plan with actions changes nothing")
			}
		}
		after, err := fixture.Tree(dir)
		if err != nil {
			t.Fatal(err)
		}
		if d := fixture.DiffTrees(before, after); len(d) > 0 {
			t.Fatalf("diagnose or plan wrote %v", d)
		}
	})
}
