package plan_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

// bigPO is the postoffice of issue 6 without its MAI files (diagnose
// never reads them): 3,000 users, 2,000 external POs, 4,096 queued (a full mailbag).
func bigPO(b *testing.B) string {
	dir := b.TempDir()
	spec := fixture.Spec{Scenario: "stale", Users: 3000, Networks: 50, POs: 2000, QueueHeaders: postoffice.MaxHeaders - 4, NoMAI: true}
	if err := fixture.BuildSpec(dir, spec); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkDiagnose compares diagnose with its read floor: reading the
// files it reads and listing, with sizes, the directories it checks.
func BenchmarkDiagnose(b *testing.B) {
	dir := bigPO(b)
	b.Run("diagnose", func(b *testing.B) {
		for range b.N {
			p, err := postoffice.Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			if r := diagnose.Files(p, diagnose.Builtin); !r.Has(diagnose.StaleGatewayRoute) {
				b.Fatal("stale route not found")
			}
		}
	})
	b.Run("read-floor", func(b *testing.B) {
		for range b.N {
			for _, d := range []string{"GLB", "KEY", "MBG", "XTN", "NME", "USR", "INF"} {
				ents, _ := os.ReadDir(filepath.Join(dir, d))
				for _, e := range ents {
					if _, err := e.Info(); err != nil {
						b.Fatal(err)
					}
					if d == "GLB" || d == "XTN" {
						if _, err := os.ReadFile(filepath.Join(dir, d, e.Name())); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
			for _, q := range []string{"MBG/0000000A.MBG", "MBG/0000002E.MBG"} {
				if _, err := os.ReadFile(filepath.Join(dir, q)); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

func BenchmarkPlan(b *testing.B) {
	dir := bigPO(b)
	m, _ := diagnose.Find(diagnose.Builtin, "smtp")
	for range b.N {
		p, _ := postoffice.Open(dir)
		if _, err := plan.Build(p, plan.Options{Component: m}); err != nil {
			b.Fatal(err)
		}
	}
}
