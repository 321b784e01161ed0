//go:build unix

package main

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
)

// pointBatch is how many write points a failpoint loop checks at once,
// each in a parallel subtest of its own; go test's -parallel bounds how
// many run at the same moment. A check is a handful of porepair processes
// one after another, so the points of a batch overlap their process
// starts and fsyncs; the batch is wider than two cores so that a slow
// process does not leave a core idle.
const pointBatch = 4

// maxPoints is where a failpoint loop gives up: a repair with more
// durable writes than this never finishes under the hook.
const maxPoints = 200

// everyWritePoint runs check for write points 1, 2, ... pointBatch at a
// time until a check reports that its run went to the end (the hook's
// point lay past the last write), and returns the number of write points.
// Every point below the first finished one is checked: the batches go in
// order, and a batch ends only when all its checks have.
func everyWritePoint(t *testing.T, check func(t *testing.T, n int) (finished bool)) int {
	t.Helper()
	var mu sync.Mutex
	first := 0 // the lowest point whose run finished
	for start := 1; first == 0; start += pointBatch {
		if start > maxPoints {
			t.Fatalf("no run finished within %d write points", maxPoints)
		}
		t.Run(fmt.Sprintf("points-%d-%d", start, start+pointBatch-1), func(t *testing.T) {
			for n := start; n < start+pointBatch; n++ {
				t.Run(strconv.Itoa(n), func(t *testing.T) {
					t.Parallel()
					if !check(t, n) {
						return
					}
					mu.Lock()
					defer mu.Unlock()
					if first == 0 || n < first {
						first = n
					}
				})
			}
		})
		if t.Failed() {
			t.FailNow()
		}
	}
	return first - 1
}
