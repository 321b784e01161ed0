// Command gotest is go test for make test: it builds every package's test
// binary with go test -c, then runs them, a few at once, each in its
// package's directory as go test would, and prints each package's result
// in the order given: ok and the time, or the binary's whole output and
// FAIL.
//
// go test links every test binary again at each run (it caches compiled
// packages and, without -count=1, results, but not the links), and those
// links were a quarter of a warm make test's CPU time; go test -c -o DIR/
// links a package's binary only when the one in DIR is not up to date
// (its build ID). The tests themselves run exactly as under go test,
// every time.
//
//	go run ./scripts/gotest [-go GO] [-p N] [-dir DIR] [-build 'FLAGS'] [-pkg 'PATH FLAGS']... PACKAGES... [-- TESTFLAGS...]
//
// FLAGS go to go test -c (-tags, -race); TESTFLAGS to every test binary
// (-test.parallel=8), and a -pkg's FLAGS after them to the binary of the
// package at import path PATH (-test.run=...); DIR keeps the binaries
// from one run to the next (one DIR per set of FLAGS). The exit status is
// 1 when a build or a test failed.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

func main() {
	p := flag.Int("p", 2, "test binaries run at once")
	build := flag.String("build", "", "flags for go test -c, space-separated")
	dir := flag.String("dir", "", "where the test binaries are kept between runs (default: a temporary directory)")
	pkgFlags := map[string][]string{}
	flag.Func("pkg", "`PATH FLAGS`: more test flags for the package at import path PATH", func(v string) error {
		f := strings.Fields(v)
		if len(f) < 2 {
			return fmt.Errorf("want an import path and flags, got %q", v)
		}
		pkgFlags[f[0]] = append(pkgFlags[f[0]], f[1:]...)
		return nil
	})
	flag.StringVar(&goCmd, "go", "go", "the go command")
	flag.Parse()
	pkgs, testFlags := splitArgs(flag.Args())
	if len(pkgs) == 0 {
		fmt.Fprintln(os.Stderr, "gotest: no packages")
		os.Exit(2)
	}
	os.Exit(run(context.Background(), *p, *dir, strings.Fields(*build), pkgs, flagsFor(testFlags, pkgFlags), os.Stdout))
}

// splitArgs splits the arguments at "--": packages, then test flags.
func splitArgs(args []string) (pkgs, testFlags []string) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:]
		}
	}
	return args, nil
}

// flagsFor gives each package's test flags: all, then its own.
func flagsFor(all []string, own map[string][]string) func(path string) []string {
	return func(path string) []string { return append(slices.Clone(all), own[path]...) }
}

// goCmd is the go command (-go: make's GO).
var goCmd = "go"

// pkg is a package to test: its import path and directory, and whether
// it has tests (a binary left in DIR by an earlier run is not one).
type pkg struct {
	path, dir string
	tests     bool
}

// binary is where go test -c -o dir/ puts pkg's test binary.
func (p pkg) binary(dir string) string { return filepath.Join(dir, path.Base(p.path)+".test") }

func run(ctx context.Context, jobs int, dir string, build, patterns []string, testFlags func(string) []string, out io.Writer) int {
	list, err := listPackages(ctx, build, patterns)
	if err == nil && dir == "" {
		dir, err = os.MkdirTemp("", "porepair-tests-")
		defer os.RemoveAll(dir)
	} else if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		fmt.Fprintf(out, "gotest: %v\n", err)
		return 1
	}
	args := append(append([]string{"test", "-c", "-o", dir + string(filepath.Separator)}, build...), patterns...)
	// go test -c says "no test files" of a package without tests, which
	// report says in its place.
	if b, err := exec.CommandContext(ctx, goCmd, args...).CombinedOutput(); err != nil {
		out.Write(b)
		fmt.Fprintf(out, "FAIL\tgo test -c: %v\n", err)
		return 1
	}
	return report(runAll(ctx, jobs, dir, list, testFlags), out)
}

// listPackages lists the packages the patterns name, with the build
// flags (a -tags flag can add or remove files, not packages; -race
// neither), in go list's order.
func listPackages(ctx context.Context, build, patterns []string) ([]pkg, error) {
	args := append([]string{"list", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{if or .TestGoFiles .XTestGoFiles}}tests{{end}}"}, build...)
	b, err := exec.CommandContext(ctx, goCmd, append(args, patterns...)...).Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	var list []pkg
	for line := range strings.SplitSeq(strings.TrimRight(string(b), "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("go list: unexpected line %q", line)
		}
		list = append(list, pkg{f[0], f[1], f[2] == "tests"})
	}
	return list, nil
}

// result is one package's run: its output, whether it passed, and how
// long it took; a package without tests has no binary and is skipped.
type result struct {
	pkg     pkg
	skipped bool
	ok      bool
	elapsed time.Duration
	output  []byte
}

// runAll runs each package's binary, jobs at once, and returns the
// results in the packages' order.
func runAll(ctx context.Context, jobs int, dir string, list []pkg, testFlags func(string) []string) []result {
	results := make([]result, len(list))
	sem := make(chan struct{}, max(jobs, 1))
	var wg sync.WaitGroup
	for i, p := range list {
		results[i].pkg = p
		if !p.tests {
			results[i].skipped = true
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = runOne(ctx, p, p.binary(dir), testFlags(p.path))
		})
	}
	wg.Wait()
	return results
}

// runOne runs a test binary as go test does: in its package's directory,
// with go test's own flags (a test that calls os.Exit(0) fails; ten
// minutes at most).
func runOne(ctx context.Context, p pkg, bin string, testFlags []string) result {
	args := append([]string{"-test.paniconexit0", "-test.timeout=10m0s"}, testFlags...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = p.dir
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	start := time.Now()
	err := cmd.Run()
	r := result{pkg: p, ok: err == nil, elapsed: time.Since(start), output: buf.Bytes()}
	if err != nil && !bytes.Contains(r.output, []byte("FAIL")) {
		r.output = fmt.Appendf(r.output, "%v\n", err)
	}
	return r
}

// report prints the results as go test prints them for several packages
// and returns the exit status.
func report(results []result, out io.Writer) int {
	code := 0
	for _, r := range results {
		switch {
		case r.skipped:
			fmt.Fprintf(out, "?   \t%s\t[no test files]\n", r.pkg.path)
		case r.ok:
			fmt.Fprintf(out, "ok  \t%s\t%.3fs\n", r.pkg.path, r.elapsed.Seconds())
		default:
			code = 1
			out.Write(r.output)
			fmt.Fprintf(out, "FAIL\t%s\t%.3fs\n", r.pkg.path, r.elapsed.Seconds())
		}
	}
	return code
}
