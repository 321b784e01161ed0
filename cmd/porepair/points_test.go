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

// everyWritePoint runs check for the write points b tries, pointBatch at
// a time, until a check reports that its run went to the end (the hook's
// point lay past the last write), and returns the number of write points
// below the first such one. Every point b tries below it is checked: the
// batches go in order, and a batch ends only when all its checks have. On
// a real share (b.dir set) the points go one at a time, as the share
// suites were proven: one FUSE mount serves them all.
func everyWritePoint(t *testing.T, b bed, check func(t *testing.T, n int) (finished bool)) int {
	t.Helper()
	batch := pointBatch
	if b.dir != "" {
		batch = 1
	}
	var mu sync.Mutex
	first := 0 // the lowest point whose run finished
	for start := b.start(); first == 0; start += batch * b.step() {
		if start > maxPoints {
			t.Fatalf("no run finished within %d write points", maxPoints)
		}
		t.Run(fmt.Sprintf("points-%d-%d", start, start+(batch-1)*b.step()), func(t *testing.T) {
			for i := range batch {
				n := start + i*b.step()
				t.Run(strconv.Itoa(n), func(t *testing.T) {
					if batch > 1 {
						t.Parallel()
					}
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
