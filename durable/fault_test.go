//go:build faultinject

package durable

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	type want struct {
		crash, fail int
		err         error
		delay       time.Duration
	}
	for v, w := range map[string]want{
		"crash:3":       {crash: 3},
		"fail:7":        {fail: 7, err: syscall.EIO},
		"fail:2:ENOSPC": {fail: 2, err: syscall.ENOSPC},
		"delay:5":       {delay: 5 * time.Millisecond},
		"":              {},
		"crash:0":       {},
		"crash:x":       {},
		"explode:4":     {},
		"fail:-1":       {},
	} {
		got := Parse(v)
		if got.crashAt != w.crash || got.failAt != w.fail || got.failErr != w.err || got.delay != w.delay {
			t.Errorf("Parse(%q) = crash %d fail %d %v delay %v, want %+v", v, got.crashAt, got.failAt, got.failErr, got.delay, w)
		}
	}
}

func TestWritesAreCountedAndFail(t *testing.T) {
	defer SetFaults(Parse(""))
	dir := t.TempDir()
	target := filepath.Join(dir, "NETWORK.GLB")
	os.WriteFile(target, []byte("old"), 0o644)
	SetFaults(Parse("fail:2"))
	// Write 1, the temp file, succeeds; write 2, the rename, fails: the
	// target keeps its old bytes and the temp file, created exclusively by
	// this call, is removed, so that a restore can use its name.
	err := WriteFile(target, []byte("new"))
	if !errors.Is(err, syscall.EIO) || Count() != 2 {
		t.Fatalf("err = %v, count = %d", err, Count())
	}
	if b, _ := os.ReadFile(target); string(b) != "old" {
		t.Errorf("target = %q after a failed rename", b)
	}
	if _, err := os.Lstat(TempPath(target)); err == nil {
		t.Error("temp file left after a failed rename")
	}
	SetFaults(Parse(""))
	if err := WriteFile(target, []byte("new")); err != nil || Count() != 2 {
		t.Fatalf("err = %v, count = %d", err, Count())
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Errorf("target = %q", b)
	}
	if TempPath(target) != filepath.Join(dir, "NETWORK.PPT") {
		t.Errorf("temp path = %s", TempPath(target))
	}
}
