package sharetest

import (
	"fmt"
	"sync"
	"testing"
)

// Program runs f with a testing.TB made for a program that is not a test
// (scripts/bench), so that it can use the test bed as a test does: f's
// cleanups run when it returns, failed or not; a Fatal or Skip stops f and
// is returned, as err or as skipped (why the machine cannot run the test
// bed).
func Program(f func(tb testing.TB)) (skipped string, err error) {
	p := &program{}
	defer p.cleanup()
	defer func() {
		switch v := recover().(type) {
		case nil:
		case programSkip:
			skipped = string(v)
		case programFail:
			err = fmt.Errorf("%s", string(v))
		default:
			panic(v)
		}
	}()
	f(p)
	if p.failed {
		return "", fmt.Errorf("%s", p.errs)
	}
	return "", nil
}

// program implements the testing.TB methods the test bed calls; the
// embedded interface, nil, only supplies TB's unexported method, and any
// other method panics.
type program struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
	failed   bool
	errs     string
}

type (
	programSkip string
	programFail string
)

func (p *program) Helper() {}

func (p *program) Cleanup(f func()) {
	p.mu.Lock()
	p.cleanups = append(p.cleanups, f)
	p.mu.Unlock()
}

// cleanup runs the cleanups last first, as testing does.
func (p *program) cleanup() {
	for i := len(p.cleanups) - 1; i >= 0; i-- {
		p.cleanups[i]()
	}
}

func (p *program) Errorf(format string, args ...any) {
	p.mu.Lock()
	p.failed = true
	p.errs += fmt.Sprintf(format, args...) + "\n"
	p.mu.Unlock()
}

func (p *program) Error(args ...any)   { p.Errorf("%s", fmt.Sprint(args...)) }
func (p *program) Fatal(args ...any)   { panic(programFail(fmt.Sprint(args...))) }
func (p *program) Skip(args ...any)    { panic(programSkip(fmt.Sprint(args...))) }
func (p *program) Failed() bool        { return p.failed }
func (p *program) Logf(string, ...any) {}
func (p *program) Log(...any)          {}
func (p *program) Name() string        { return "bench" }
func (p *program) Fatalf(format string, args ...any) {
	panic(programFail(fmt.Sprintf(format, args...)))
}
func (p *program) Skipf(format string, args ...any) {
	panic(programSkip(fmt.Sprintf(format, args...)))
}
