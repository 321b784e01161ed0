package plan_test

import (
	"testing"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

func bigPO(b *testing.B) string {
	dir := b.TempDir()
	if err := fixture.BuildSpec(dir, fixture.Big); err != nil {
		b.Fatal(err)
	}
	return dir
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
