// Package syscount counts porepair's file-system system calls by kind
// from strace's summary (strace -f -c -U name,calls), and derives from a
// plan the fewest of each kind a command could make. Counts, unlike
// times, are the same on every machine: make bench prints them beside
// their minimum, and cmd/porepair's TestSyscallBounds fails when one
// grows past its bound (testdata/syscalls.txt there).
package syscount

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Kind is a group of system calls that do one thing to files.
type Kind int

const (
	Opens Kind = iota
	Stats
	DirReads
	ReadsWrites
	Fsyncs
	Renames
	Unlinks
	NKinds
)

// Names are the kinds as the report and the bounds file spell them.
var Names = [NKinds]string{"opens", "stats", "dirreads", "rw", "fsyncs", "renames", "unlinks"}

// Titles are the kinds with the calls each counts, for the report.
var Titles = [NKinds]string{
	"opens (open, openat, openat2, creat)",
	"stats (stat, lstat, newfstatat, fstat, statx)",
	"directory reads (getdents64)",
	"reads/writes (read, write, pread64, pwrite64)",
	"fsyncs (fsync, fdatasync, sync_file_range)",
	"renames (rename, renameat, renameat2)",
	"unlinks (unlink, unlinkat)",
}

// kindOf is the kind of each counted call; every other call (the Go
// runtime's futex, nanosleep, mmap, signals; fcntl, close) is not counted.
var kindOf = map[string]Kind{
	"open": Opens, "openat": Opens, "openat2": Opens, "creat": Opens,
	"stat": Stats, "lstat": Stats, "newfstatat": Stats, "fstat": Stats, "statx": Stats,
	"getdents64": DirReads,
	"read":       ReadsWrites, "write": ReadsWrites, "pread64": ReadsWrites, "pwrite64": ReadsWrites,
	"fsync": Fsyncs, "fdatasync": Fsyncs, "sync_file_range": Fsyncs,
	"rename": Renames, "renameat": Renames, "renameat2": Renames,
	"unlink": Unlinks, "unlinkat": Unlinks,
}

// Counts holds a number for each kind.
type Counts [NKinds]int

// Total is every counted call.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Parse reads strace -c -U name,calls output: a header, then "name calls"
// rows, dashed lines and a total row.
func Parse(summary []byte) (Counts, error) {
	var c Counts
	seen := false
	sc := bufio.NewScanner(bytes.NewReader(summary))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 || strings.HasPrefix(f[0], "-") || f[0] == "syscall" {
			continue
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			return c, fmt.Errorf("strace summary: %q: %v", sc.Text(), err)
		}
		if f[0] == "total" {
			seen = true
			continue
		}
		if k, ok := kindOf[f[0]]; ok {
			c[k] += n
		}
	}
	if !seen {
		return c, fmt.Errorf("strace summary without a total row:\n%s", summary)
	}
	return c, sc.Err()
}

// Run runs argv under strace -f -c (children and threads included) and
// counts its calls. The command's exit code is returned, not judged:
// diagnose exits 3 when it finds problems.
func Run(strace string, argv []string) (Counts, int, error) {
	dir, err := os.MkdirTemp("", "porepair-strace-")
	if err != nil {
		return Counts{}, 0, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "summary")
	args := append([]string{"-f", "-c", "-S", "calls", "-U", "name,calls", "-o", out}, argv...)
	cmd := exec.Command(strace, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	code := cmd.ProcessState.ExitCode()
	b, rerr := os.ReadFile(out)
	if rerr != nil {
		return Counts{}, code, fmt.Errorf("strace %v: %v (%v)\n%s", argv, rerr, err, stderr.Bytes())
	}
	c, err := Parse(b)
	return c, code, err
}
