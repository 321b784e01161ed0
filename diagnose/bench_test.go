package diagnose_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

// BenchmarkDiagnose compares diagnose with its read floor: reading the
// files it reads and listing, with sizes, the directories it checks.
func BenchmarkDiagnose(b *testing.B) {
	dir := b.TempDir()
	if err := fixture.BuildSpec(dir, fixture.Big); err != nil {
		b.Fatal(err)
	}
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
