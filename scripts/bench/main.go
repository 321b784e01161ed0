// Command bench measures porepair on a large generated postoffice, in one
// run on one machine, and writes the ratios and the medians they come from
// to docs/benchmarks.md (make bench runs it):
//
//   - diagnose against its read floor: cat of the files diagnose reads and
//     ls -l of the directories whose sizes it checks (MAILINT's File
//     Integrity Check stats every mailbag, KEY, USR and NME file);
//   - repair with a full (4,096-header) queue against repair with a 5-header queue;
//   - repair against cp -a of the whole postoffice followed by sync;
//   - peak memory (maximum resident set) of repair on the big postoffice;
//   - the file-system calls of diagnose, plan, repair and rollback by
//     kind, on the stale fixture and the big postoffice, beside the
//     minimum each plan needs (syscalls.go).
//
// Each repair is undone by an untimed rollback before the next run.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/porepair/porepair/internal/gobuild"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

func main() {
	runs := flag.Int("runs", 5, "runs of each measurement")
	out := flag.String("out", "docs/benchmarks.md", "report file")
	maiBytes := flag.Int64("mai-bytes", 100_000_000, "total MAI bytes in the big postoffice")
	flag.Parse()
	if *linkOnly {
		os.Exit(linkMain(*out)) // link_report.go
	}
	if *syscallsOnly {
		os.Exit(syscallsMain(*maiBytes)) // syscalls.go
	}
	if err := bench(*runs, *out, *maiBytes); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type measure struct {
	name string
	secs []float64
}

func (m measure) median() float64 {
	s := append([]float64{}, m.secs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// add records a timed run's seconds, or passes on its error.
func (m *measure) add(secs float64, _ int64, err error) error {
	if err == nil {
		m.secs = append(m.secs, secs)
	}
	return err
}

func bench(runs int, out string, maiBytes int64) error {
	work, err := os.MkdirTemp("", "porepair-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin, big, small, err := prepare(work, maiBytes)
	if err != nil {
		return err
	}
	// Counted first, on postoffices no repair has touched yet.
	stale, bigCounts, err := countBoth(bin, big, work)
	if err != nil {
		return err
	}
	r, err := measureAll(runs, bin, big, small, work)
	if err != nil {
		return err
	}
	report := r.report(runs, maiBytes, syscallSection(stale, bigCounts)) + "\n" + linkSection(bin) // link_report.go
	fmt.Print(report)
	return os.WriteFile(out, []byte(report), 0o644)
}

// prepare builds porepair and generates the big postoffice and a small
// one (the same, but a 5-header queue).
func prepare(work string, maiBytes int64) (bin, big, small string, err error) {
	bin = filepath.Join(work, "porepair")
	if b, err := gobuild.Command("./cmd/porepair", bin).CombinedOutput(); err != nil {
		return "", "", "", fmt.Errorf("go build: %v\n%s", err, b)
	}
	big, small = filepath.Join(work, "big"), filepath.Join(work, "small")
	// The generator runs in its own process: this one must stay small,
	// because a child inherits its parent's peak RSS across fork and exec
	// and would report it as its own.
	fmt.Fprintln(os.Stderr, "generating the big postoffice (3,000 users, 50 networks, 2,000 external POs, 4,096 queued headers)...")
	gen := func(dir string, queue int, mai int64) error {
		args := []string{"run", "./testdata/gen", "-out", dir, "-scenario", "stale", "-users", "3000", "-networks", "50",
			"-pos", "2000", "-queue", fmt.Sprint(queue - 4), "-mai-bytes", fmt.Sprint(mai)}
		if b, err := exec.Command("go", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("gen: %v\n%s", err, b)
		}
		return nil
	}
	if err := gen(big, postoffice.MaxHeaders, maiBytes); err != nil {
		return "", "", "", err
	}
	if err := gen(small, 5, 5*2000); err != nil {
		return "", "", "", err
	}
	exec.Command("sync").Run()
	return bin, big, small, nil
}

// timed runs a command and returns its wall time and peak RSS; diagnose's
// exit 3 (problems found) is not a failure.
func timed(name string, args ...string) (float64, int64, error) {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = nil, os.Stderr
	start := time.Now()
	rss, err := fixture.PeakRSS(cmd)
	secs := time.Since(start).Seconds()
	if err != nil && !(strings.HasSuffix(name, "porepair") && cmd.ProcessState.ExitCode() == 3) {
		return 0, 0, fmt.Errorf("%s %v: %w", name, args, err)
	}
	return secs, rss, nil
}

// results are every measurement of one run of the harness.
type results struct {
	diag, floor, repFull, rep5, copyAll measure
	peak                                int64
}

func measureAll(runs int, bin, big, small, work string) (*results, error) {
	r := &results{diag: measure{name: "diagnose"}, floor: measure{name: "read floor (cat + ls -l)"},
		repFull: measure{name: "repair, 4,096-header queue"}, rep5: measure{name: "repair, 5-header queue"},
		copyAll: measure{name: "cp -a of the postoffice + sync"}}
	floorCmd := floorScript(big)
	dst := filepath.Join(work, "copy")
	// diagnose and its floor first, interleaved and in alternating order,
	// before any repair or copy: a cp -a and sync of 100 MB leaves the disk
	// writing back for seconds, and whichever ran next paid for it.
	for i := 0; i < runs; i++ {
		pair := []func() error{
			func() error { return r.diag.add(timed(bin, "--po", big, "diagnose")) },
			func() error { return r.floor.add(timed("sh", "-c", floorCmd)) },
		}
		if i%2 == 1 {
			pair[0], pair[1] = pair[1], pair[0]
		}
		for _, m := range pair {
			if err := m(); err != nil {
				return nil, err
			}
		}
	}
	for i := 0; i < runs; i++ {
		if err := r.repairs(bin, big, small); err != nil {
			return nil, err
		}
		if err := r.copyAll.add(timed("sh", "-c", fmt.Sprintf("cp -a %q %q && sync", big, dst))); err != nil {
			return nil, err
		}
		os.RemoveAll(dst)
	}
	return r, nil
}

// repairs times a repair of each postoffice, then rolls it back.
func (r *results) repairs(bin, big, small string) error {
	for _, c := range []struct {
		po string
		m  *measure
	}{{big, &r.repFull}, {small, &r.rep5}} {
		s, rss, err := timed(bin, "--po", c.po, "repair", "--yes")
		if err != nil {
			return err
		}
		c.m.secs = append(c.m.secs, s)
		if c.po == big && rss > r.peak {
			r.peak = rss
		}
		if _, _, err := timed(bin, "--po", c.po, "rollback", "--yes", "--snapshot", "latest"); err != nil {
			return err
		}
	}
	return nil
}

// countBoth counts the calls on a fresh stale fixture, the one
// TestSyscallBounds counts, and on the big postoffice.
func countBoth(bin, big, work string) (stale, bigCounts *poCounts, err error) {
	dir := filepath.Join(work, "stale")
	if b, err := exec.Command("go", "run", "./testdata/gen", "-out", dir, "-scenario", "stale").CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("gen: %v\n%s", err, b)
	}
	fmt.Fprintln(os.Stderr, "counting file-system calls under strace...")
	if stale, err = countCalls(bin, "The stale fixture", dir, work); err != nil {
		return nil, nil, err
	}
	if bigCounts, err = countCalls(bin, "The big postoffice", big, work); err != nil {
		return nil, nil, err
	}
	return stale, bigCounts, nil
}

func (r *results) report(runs int, maiBytes int64, syscalls string) string {
	ms := func(m measure) string { return fmt.Sprintf("%.1f ms", m.median()*1000) }
	row := func(what string, a, b measure, target string, ok bool) string {
		verdict := "met"
		if !ok {
			verdict = "**missed**"
		}
		return fmt.Sprintf("| %s | %s | %s | %.2f× | %s | %s |\n", what, ms(a), ms(b), a.median()/b.median(), target, verdict)
	}
	var b strings.Builder
	goVersion, _ := exec.Command("go", "version").Output()
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "# Benchmarks\n\nMeasured by `make bench` (`go run ./scripts/bench`) on %s: %s, %d cores, %s, %s.\n",
		time.Now().UTC().Format("2006-01-02"), host, runtime.NumCPU(), strings.TrimSpace(string(goVersion)), cpuModel())
	fmt.Fprintf(&b, "\nThe big postoffice: 3,000 users (mailbag, KEY, USR), 50 networks with 2,000 external POs, a stale SMTP route with a full 4,096-header queue (the most a mailbag holds), %d MB of MAI files. Medians of %d runs, all in this one run.\n\n", maiBytes/1_000_000, runs)
	b.WriteString("| comparison | porepair | baseline | ratio | target | |\n|---|---|---|---|---|---|\n")
	b.WriteString(row("diagnose / read floor", r.diag, r.floor, "≤ 1.0×", r.diag.median() <= r.floor.median()))
	b.WriteString(row("repair 4,096 queued / repair 5 queued", r.repFull, r.rep5, "≤ 3×", r.repFull.median() <= 3*r.rep5.median()))
	b.WriteString(row("repair / cp -a + sync", r.repFull, r.copyAll, "≤ 0.1× (10× faster)", r.repFull.median()*10 <= r.copyAll.median()))
	fmt.Fprintf(&b, "\nPeak memory (maximum resident set) of repair on the big postoffice: %.1f MB (target ≤ 64 MB: %s).\n",
		float64(r.peak)/1024, map[bool]string{true: "met", false: "**missed**"}[r.peak <= 64*1024])
	b.WriteString("\nAll runs (seconds):\n\n")
	for _, m := range []measure{r.diag, r.floor, r.repFull, r.rep5, r.copyAll} {
		fmt.Fprintf(&b, "- %s: %v\n", m.name, fmtSecs(m.secs))
	}
	b.WriteString(syscalls)
	b.WriteString(notes)
	return b.String()
}

// floorScript reads what diagnose must read: every GLB file, every XTN,
// the gateway queues, and a long listing (with sizes) of the directories
// whose files it size-checks and counts.
func floorScript(po string) string {
	return fmt.Sprintf(`cd %q && cat GLB/* XTN/* MBG/0000000A.MBG MBG/0000002E.MBG > /dev/null && ls -l GLB KEY MBG XTN NME USR INF > /dev/null`, po)
}

func fmtSecs(s []float64) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprintf("%.4f", v)
	}
	return strings.Join(parts, " ")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "model name") {
			if _, v, ok := strings.Cut(line, ":"); ok {
				return strings.TrimSpace(v)
			}
		}
	}
	return runtime.GOARCH
}

const notes = `
## make test

` + "`" + `make test` + "`" + ` times itself (its last line, ` + "`" + `== make test: exit 0 after N s` + "`" + `).
Measured on 2026-12-02 on this vm (2 cores, 24 GB, Go 1.26.8 linux/amd64),
shared the whole time with other engineers' builds and share suites: the
load average (given as it was at the start and the end of each run) was
mostly 10 to 20, so wall times are what a busy machine gives; a make
test alone, with its porepair processes and FUSE daemons, takes it from
3 to 15. Two CPU figures: ` + "`" + `time` + "`" + ` (user + sys of the processes make waits
for) and a cpuacct cgroup around the run, which also counts the FUSE and
SMB daemons (ntfs-3g, fusefat, smbnetfs, smbd): they fork away from the
test that starts them, so ` + "`" + `time` + "`" + ` never saw them, and the earlier "54 CPU
seconds, 27 s on two cores at best" left out a third of the work.

| run | wall (` + "`" + `make test` + "`" + `'s own line) | CPU, ` + "`" + `time` + "`" + ` | CPU, cgroup (daemons too) | load |
|---|---|---|---|---|
| warm, before (5112ee9), 17:46 | 98 s (` + "`" + `cmd/porepair` + "`" + ` 89.7 s) | 51 + 47 = 98 s | | 4 → 15 |
| warm, before, 18:31, back to back with the next | 144 s (` + "`" + `cmd/porepair` + "`" + ` 124 s; ` + "`" + `TestShareRacingRepairs` + "`" + ` failed, see below) | 75 + 46 = 121 s | 165 s | 8 → 21 |
| warm, after, 18:33 | 108 s (` + "`" + `cmd/porepair` + "`" + ` 67.2 s; ` + "`" + `internal/osfs` + "`" + ` ` + "`" + `TestRetryHeldTarget` + "`" + ` failed, see below) | 40 + 31 = 71 s | 108 s | 20 |
| warm, after, 18:24 | 72 s (` + "`" + `cmd/porepair` + "`" + ` 65.6 s) | 46 + 35 = 81 s | 122 s | 14 → 18 |
| warm, after, 18:39, the machine otherwise nearly idle at the start | 70 s (` + "`" + `cmd/porepair` + "`" + ` 60.0 s) | 45 + 34 = 79 s | 113 s | 3 → 15 |
| warm, before, 18:41, straight after it | 91 s (` + "`" + `cmd/porepair` + "`" + ` 84.9 s) | 53 + 45 = 98 s | 141 s | 11 → 17 |
| cold, after, 18:27: a fresh clone, ` + "`" + `GOCACHE=$(mktemp -d) GOMODCACHE=$(mktemp -d) GOFLAGS=-modcacherw make test` + "`" + ` (modules downloaded in the run) | 223 s (3 m 43 s; ` + "`" + `cmd/porepair` + "`" + ` 55.8 s) | 308 + 81 = 389 s | 427 s | 5 → 13 |

Where the CPU went (cgroup, daemons counted, each part run alone with
` + "`" + `go test -race -parallel 8` + "`" + `; before → after this change, the load 9–11
before and 3–5 after, so part of the difference is the machine):

| part | before | after |
|---|---|---|
| ` + "`" + `TestShares/ntfs` + "`" + ` | 15.2 s | 12.9 s |
| ` + "`" + `TestShares/fat` + "`" + ` | 21.1 s | 15.7 s |
| ` + "`" + `TestShares/smb` + "`" + ` | 32.8 s | 18.2 s |
| ` + "`" + `TestShares` + "`" + `, the three at once | 81 s (load 17) | 58 s (load 10): ntfs-3g 7 s, fusefat 10 s, smbnetfs 13 s, smbd 9 s, the rest porepair processes and the test binary |
| ` + "`" + `TestShare*` + "`" + ` (the SMB lock tests) and ` + "`" + `TestFullShare` + "`" + ` | 9.9 s | 7.4 s |
| the rest of ` + "`" + `cmd/porepair` + "`" + ` | 29.7 s (15.8 s without ` + "`" + `-race` + "`" + `) | 25.6 s |
| the other packages | 8.5 s (4.3 s without ` + "`" + `-race` + "`" + `) | plan 0.8 s and repair 1.1 s without ` + "`" + `-race` + "`" + ` (2.1 s and 2.0 s with) |
| ` + "`" + `make crossbuild` + "`" + `, warm | 2.9 s CPU, 6.9 s wall | the same, beside the tests |
| linking the test binaries (` + "`" + `go test -run XXX` + "`" + `, warm) | 7.4 s | 7.4 s |

What changed:

- Each write point of the failpoint loops built a fresh postoffice and
  read its whole tree back; the tree is now the scenario's, computed once
  per test process from a local build of the same spec (` + "`" + `scenarioTree` + "`" + `):
  the copies are byte-identical by design, and the comparisons after each
  rollback now also check that the copy was written right.
- On the SMB share the suites' postoffices are written where smbd keeps
  the share (` + "`" + `onServer` + "`" + `, as ` + "`" + `sharePO` + "`" + ` did already), not through smbnetfs
  and smbd: a postoffice written through them cost the daemons 0.33 CPU
  seconds, more than the repair under test (0.35 s) and its rollback
  (0.28 s).
- ` + "`" + `fixture.Tree` + "`" + ` hashes through a 64 KB buffer: the hostile-file tests'
  100 MB sparse files, read whole, cost the race-built test binary seconds
  of shadow memory.
- ` + "`" + `make crossbuild` + "`" + ` runs beside the tests instead of before them.
- The race detector is off for ` + "`" + `NORACEPKGS` + "`" + ` (the Makefile): packages whose
  code starts no goroutine and keeps no mutable package state (backup,
  journal, metrics, plan, repair, internal/errlist, exitcode, syscount,
  textfmt, scripts/bench, testdata/gen). Their code runs concurrently only
  in the fleet's ` + "`" + `--parallel` + "`" + `, which ` + "`" + `cmd/porepair` + "`" + `'s in-process
  testscripts check, race-built. The detector stays on for everything
  else: ` + "`" + `cmd/porepair` + "`" + ` (it is most of its local CPU, 29.7 s against 15.8
  s, but the in-process scripts are where porepair's concurrency is),
  durable, postoffice, osfs and the test bed. Cold, it costs nothing
  extra: ` + "`" + `cmd/porepair` + "`" + ` needs the race-built standard library and
  dependencies anyway.

Warm, ` + "`" + `make test` + "`" + ` is not within issue 19's 25 s: counted with the
daemons it spends 100 to 120 CPU seconds on this shared machine (two
thirds of them ` + "`" + `TestShares` + "`" + `', most of those the four FUSE and SMB
daemons'), 50 s of two cores at best. A porepair process costs 10–15 ms
of CPU before it reads a byte (exec, the Go runtime; 2 ms less as a
static build, ` + "`" + `CGO_ENABLED=0` + "`" + `), and a repair on NTFS 0.05 s, on SMB 0.4 s
with the daemons. What would close the gap, none of it done here: fewer
write points per file system in one run (FAT tries every third, SMB
every sixth already, NTFS every one; ` + "`" + `make stress` + "`" + ` all), fewer
file-system calls per porepair run (a repair opens 141 files and fsyncs
33 times for a 99-entry postoffice), or the tests' trees after a
rollback read where the SMB server keeps them rather than through the
client. Two tests failed once each at load 20 and passed in every other run:
` + "`" + `TestShareRacingRepairs` + "`" + `, before this change (the racing repair at 150
ms exited 5, restore-failed, where the test wants 0 or 4: a finding to
look at, not a timing), and ` + "`" + `internal/osfs` + "`" + `'s ` + "`" + `TestRetryHeldTarget` + "`" + `,
after it (a rename held twice must go through within a 300 ms retry
window, which a starved process can miss; ` + "`" + `-count=10` + "`" + ` passed straight
after, and nothing here changed osfs).

## Profile, and what it changed

Profiled with pprof (go test -bench Diagnose -cpuprofile, BenchmarkRepair
-memprofile) before optimising:

1. BenchmarkDiagnose spent about 65% of its CPU in lstat (MAILINT's size
   check of ~13,000 mailbag, KEY and USR files), 15% in DecodeMBG copying the
   5.8 MB queue into a record slice, and a further share re-resolving every
   listed name through the case-insensitive lookup before its lstat.
   Changes: records are views of the file's bytes, not copies
   (postoffice/split.go); the size check lstat's the listed path directly;
   QUEUE_PENDING streams the queue header by header (constant memory for a
   queue of any size). BenchmarkDiagnose went from 130.6 ms to 83.0 ms per
   run against a read floor of 66-75 ms.
2. The queue's fingerprint for the plan and the snapshot is streamed into
   SHA-256, never read whole, and files read whole are capped at 64 MiB: the
   cost of a repair grows with the queue only by hashing it, never by
   copying it (the pair is renamed).
3. The first harness run reported a 178 MB peak for repair. That was the
   harness's own peak: Linux hands a vfork+exec child its parent's
   high-water mark. The generator now runs in its own process and the peak
   is sampled from /proc/PID/status (VmHWM); repair's real peak is shown
   above.
4. A mailbag holds at most 4,096 headers (its KEY indexes no more), so the
   big postoffice's queue is a full mailbag, not the 50,000 headers of the
   first measurements: queues that large cannot exist. Diagnose now also
   reads every non-empty outbound queue (each external postoffice's mailbag
   and the KEY beside it, for queue ages), which the read floor does not:
   its ratio went from 1.10× to about 1.4×. Empty mailbags are not opened,
   and a KEY is read only when its mailbag holds headers. The figures above
   were taken while other test runs shared the 2-core machine: the ratios,
   each measured within one run, are what the targets judge.
5. Diagnose at its floor (issue 20, target ≤ 1.0× since). MAILINT's size
   sweep is most of diagnose: one lstat for each of the big postoffice's
   13,000 files, each by its full path. In a directory of 64 files or
   more it now lstats through the directory opened once (osfs.DirStat,
   fstatat on Unix: no walk of the path per file, 34 → 23 ms for the
   13,016 lstats alone), eight at a time (on a share, round trips that
   overlap); the findings are made afterwards in listing order. Interleaved
   runs of the big postoffice on tmpfs, medians of 15, one porepair of
   each build after the other: 1.11× and 1.23× before, 0.92× and 0.98×
   after. In make bench's own run above (the postoffice on the disk, just
   generated, diagnose and its floor interleaved before any repair) it is
   still above 1.0×: the target is not met there. Against a smaller
   floor, cat of the files plus ls -l of MBG and KEY alone, diagnose is
   about 1.25×: it also sizes USR, XTN, NME and GLB, which that floor
   leaves out, and reads the queues.
`
