//go:build linux

package sharetest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSlowClient proves a client through the latency proxy sees the same
// share, more slowly: fresh files' reads (which smbnetfs cannot answer
// from a cache) take at least the proxy's round trip each.
func TestSlowClient(t *testing.T) {
	t.Parallel()
	const d = 20 * time.Millisecond
	s := StartSamba(t)
	fast := s.Client(t)
	slow := s.SlowClient(t, d)
	const files = 10
	for i := 0; i < files; i++ {
		if err := os.WriteFile(filepath.Join(slow.Local, fmt.Sprintf("F%d.GLB", i)), []byte("abc"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func(m *Mount) time.Duration {
		start := time.Now()
		for i := 0; i < files; i++ {
			if b, err := os.ReadFile(filepath.Join(m.Dir, "..", filepath.Base(slow.Dir), fmt.Sprintf("F%d.GLB", i))); err != nil || string(b) != "abc" {
				t.Fatalf("read through %s: %q, %v", m.Dir, b, err)
			}
		}
		return time.Since(start)
	}
	f, sl := read(fast), read(slow)
	t.Logf("%d reads: %v direct, %v through a %v proxy", files, f, sl, d)
	if sl < files*d {
		t.Errorf("%d reads through a %v proxy took %v, want ≥ %v", files, d, sl, files*d)
	}
}
