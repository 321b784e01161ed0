package repair_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/repair"
	"github.com/porepair/porepair/testdata/fixture"
)

// BenchmarkRepair plans and repairs a big postoffice (3,000 users, 2,000
// external POs) with a 5- and a 4,096-header queue (a full mailbag); the rollback that
// resets it between iterations is not timed. The two must stay within 3×
// of each other: the queue is renamed, never copied.
func BenchmarkRepair(b *testing.B) {
	for _, queue := range []int{5, postoffice.MaxHeaders} {
		b.Run(fmt.Sprintf("queue=%d", queue), func(b *testing.B) {
			dir := b.TempDir()
			spec := fixture.Spec{Scenario: "stale", Users: 3000, Networks: 50, POs: 2000, QueueHeaders: queue - 4, NoMAI: true}
			if err := fixture.BuildSpec(dir, spec); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				pl := makePlan(b, dir, plan.Options{})
				if res := repair.Repair(context.Background(), dir, repair.Saved(pl), repair.Options{}); res.Code() != 0 {
					b.Fatal(res)
				}
				b.StopTimer()
				if res := repair.Rollback(context.Background(), dir, repair.Latest, false, repair.Options{}); res.Code() != 0 {
					b.Fatal(res)
				}
				b.StartTimer()
			}
		})
	}
}
