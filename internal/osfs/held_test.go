package osfs

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A rename whose target is held (EEXIST, as smbnetfs says, or a sharing
// violation) is tried again until it goes through; one held past
// HeldRetry is reported naming the file; any other error at once.
func TestRetryHeldTarget(t *testing.T) {
	defer func(d time.Duration) { HeldRetry = d }(HeldRetry)
	HeldRetry = 300 * time.Millisecond
	for _, held := range append([]error{fs.ErrExist, syscall.EIO}, sharingViolations...) {
		calls := 0
		err := retryHeldTarget("GLB/NETWORK.GLB", func() error {
			if calls++; calls < 3 {
				return fmt.Errorf("rename: %w", held)
			}
			return nil
		})
		if err != nil || calls != 3 {
			t.Errorf("%v twice, then free: %v after %d calls", held, err, calls)
		}
	}
	start := time.Now()
	err := retryHeldTarget("GLB/NETWORK.GLB", func() error { return fs.ErrExist })
	if !errors.Is(err, ErrHeldOpen) || !strings.Contains(err.Error(), "GLB/NETWORK.GLB") {
		t.Errorf("held throughout: %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("gave up after %v, bound %v", time.Since(start), HeldRetry)
	}
	calls := 0
	if err := retryHeldTarget("X", func() error { calls++; return syscall.ENOENT }); !errors.Is(err, syscall.ENOENT) || calls != 1 {
		t.Errorf("ENOENT: %v after %d calls, want it at once", err, calls)
	}
}

// RefusedOpen: the errnos of a sharing violation always; EIO only for a
// file whose stat had just worked (smbnetfs's sharing violation), never
// for one that could not be seen either (a real I/O error).
func TestRefusedOpen(t *testing.T) {
	type refusal struct {
		err    error
		statOK bool
		want   bool
	}
	cases := []refusal{
		{syscall.EIO, true, true},
		{syscall.EIO, false, false},
		{syscall.ENOENT, true, false},
		{fmt.Errorf("open: %w", syscall.EIO), true, true},
	}
	for _, e := range sharingViolations {
		cases = append(cases, refusal{e, false, true}, refusal{fmt.Errorf("open: %w", e), true, true})
	}
	for _, c := range cases {
		if got := RefusedOpen(c.err, c.statOK); got != c.want {
			t.Errorf("RefusedOpen(%v, stat ok %v) = %v, want %v", c.err, c.statOK, got, c.want)
		}
	}
	if err := Held("GLB/FLAG.GLB", syscall.EIO); !errors.Is(err, ErrHeldOpen) || !errors.Is(err, syscall.EIO) {
		t.Errorf("Held: %v", err)
	}
}
