//go:build faultinject

package durable

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Faults is the fault hook: a counter of durable writes and where to fail.
type Faults struct {
	mu      sync.Mutex
	n       int
	crashAt int
	failAt  int
	failErr error
	// also are further writes to fail (tests: a restore that fails
	// after the repair it undoes failed).
	also   map[int]bool
	delay  time.Duration
	before func(what string)
}

// hook is the process's fault hook, read from POREPAIR_FAULT.
var hook = Parse(os.Getenv("POREPAIR_FAULT"))

// Parse reads a POREPAIR_FAULT value; anything else disables the hook.
func Parse(v string) *Faults {
	f := &Faults{}
	parts := strings.Split(v, ":")
	if len(parts) < 2 {
		return f
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil || n < 1 {
		return f
	}
	switch parts[0] {
	case "crash":
		f.crashAt = n
	case "delay":
		f.delay = time.Duration(n) * time.Millisecond
	case "fail":
		f.failAt = n
		f.failErr = syscall.EIO
		if len(parts) > 2 && parts[2] == "ENOSPC" {
			f.failErr = syscall.ENOSPC
		}
	}
	return f
}

// FailAlso makes the n-th durable write fail too, like fail:N.
func (f *Faults) FailAlso(n int) *Faults {
	if f.also == nil {
		f.also = map[int]bool{}
	}
	f.also[n] = true
	if f.failErr == nil {
		f.failErr = syscall.EIO
	}
	return f
}

// SetFaults replaces the process's fault hook (tests).
func SetFaults(f *Faults) { hook = f }

// Before makes fn run before every durable write, with what it writes
// (tests: another process's file appearing mid-repair).
func (f *Faults) Before(fn func(what string)) *Faults { f.before = fn; return f }

// Count is the number of durable writes made so far.
func Count() int {
	hook.mu.Lock()
	defer hook.mu.Unlock()
	return hook.n
}

// step runs one counted durable write, failing, delaying or crashing where
// the hook says.
func step(what string, do func() error) error {
	hook.mu.Lock()
	hook.n++
	n := hook.n
	fail := n == hook.failAt || hook.also[n]
	delay, before := hook.delay, hook.before
	hook.mu.Unlock()
	time.Sleep(delay)
	if before != nil {
		before(what)
	}
	if fail {
		return fmt.Errorf("%s: %w (POREPAIR_FAULT at write %d)", what, hook.failErr, n)
	}
	if err := do(); err != nil {
		return err
	}
	if n == hook.crashAt {
		fmt.Fprintf(os.Stderr, "porepair: POREPAIR_FAULT: crash after durable write %d (%s)\n", n, what)
		os.Exit(CrashExit)
	}
	return nil
}

// CrashExit is the exit status of a crash POREPAIR_FAULT makes: none of
// porepair's own (package exitcode), so that a test tells the crash it
// asked for from a failure.
const CrashExit = 99
