package repair

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

func stalePO(t *testing.T) (string, *postoffice.PO) {
	t.Helper()
	dir := t.TempDir()
	if err := fixture.BuildSpec(dir, fixture.Spec{Scenario: "stale"}); err != nil {
		t.Fatal(err)
	}
	p, err := postoffice.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, Dir), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, p
}

// writeHolderFile writes a HOLDER naming h, as a run writes it (the
// directory and its RUN), over any RUN there.
func writeHolderFile(t *testing.T, dir string, h string) {
	t.Helper()
	if err := os.MkdirAll(journal.HolderFile(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(journal.HolderRun(dir), []byte(h), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The forms of a HOLDER: the directory a run makes, and a file holding
// the JSON itself (as a hand writes it).
var holderForms = map[string]func(t *testing.T, dir, h string){
	"directory": writeHolderFile,
	"file": func(t *testing.T, dir, h string) {
		if err := os.WriteFile(journal.HolderFile(dir), []byte(h), 0o644); err != nil {
			t.Fatal(err)
		}
	},
}

// deadPID is the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// Another host's lock: busy naming it, running for diagnose, removed by
// Unlock, and the postoffice is then taken and released cleanly.
func TestHolderOfAnotherHost(t *testing.T) {
	for form, write := range holderForms {
		t.Run(form, func(t *testing.T) { holderOfAnotherHost(t, write) })
	}
}

func holderOfAnotherHost(t *testing.T, write func(t *testing.T, dir, h string)) {
	dir, p := stalePO(t)
	write(t, dir, `{"host":"otherhost","pid":4242,"since":"2026-12-01T03:04:05Z","command":"porepair repair"}`)
	_, err := Acquire(p)
	var he *HolderError
	if !errors.Is(err, ErrBusy) || !errors.As(err, &he) || !strings.Contains(err.Error(), "otherhost, pid 4242, since 2026-12-01T03:04:05Z") {
		t.Fatalf("Acquire under another host's lock: %v", err)
	}
	if h, running := journal.Running(dir); !running || h.Host != "otherhost" {
		t.Fatalf("Running: %v %v", h, running)
	}
	if _, err := Unlock(dir, he.Holder); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(p)
	if err != nil {
		t.Fatalf("Acquire after unlock: %v", err)
	}
	if h, _ := journal.ReadHolder(dir); h == nil || h.PID != os.Getpid() {
		t.Fatalf("HOLDER while held: %+v", h)
	}
	l.Release()
	if _, err := os.Lstat(journal.HolderFile(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("HOLDER after Release: %v", err)
	}
}

// A dead run's lock on this host is not running (diagnose reads its
// journal instead), is busy for a plain Acquire, and is broken only when
// breakStale agrees; a live one is never broken, and Unlock refuses it.
func TestHolderStaleOnThisHost(t *testing.T) {
	dir, p := stalePO(t)
	stale := &journal.Holder{Host: journal.ThisHost(), PID: deadPID(t), Since: time.Now().UTC().Truncate(time.Second)}
	if err := writeHolder(dir, stale); err != nil {
		t.Fatal(err)
	}
	if _, running := journal.Running(dir); running {
		t.Fatal("a dead run's lock counted as running")
	}
	if _, err := Acquire(p); !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "no longer running") {
		t.Fatalf("Acquire under a dead run's lock: %v", err)
	}
	if _, err := AcquireBreaking(p, ownJournalRun(dir)); !errors.Is(err, ErrBusy) {
		t.Fatalf("broken with no journal of that run: %v", err)
	}
	l, err := AcquireBreaking(p, func(*journal.Holder) bool { return true })
	if err != nil {
		t.Fatalf("AcquireBreaking: %v", err)
	}
	// Held by this live process: Unlock refuses, even with the holder shown.
	me, _ := journal.ReadHolder(dir)
	if st, err := Unlock(dir, me); !errors.Is(err, ErrBusy) || st != StatusBusy {
		t.Fatalf("Unlock of a live holder: %v", err)
	}
	l.Release()
}

// Release removes only the HOLDER it wrote: one another run wrote after
// an unlock stays.
func TestReleaseKeepsAnotherRunsHolder(t *testing.T) {
	dir, p := stalePO(t)
	l, err := Acquire(p)
	if err != nil {
		t.Fatal(err)
	}
	other := `{"host":"otherhost","pid":7,"since":"2026-12-01T03:04:05Z"}`
	writeHolderFile(t, dir, other)
	l.Release()
	if b, err := os.ReadFile(journal.HolderRun(dir)); err != nil || string(b) != other {
		t.Fatalf("another run's HOLDER after Release: %q, %v", b, err)
	}
}

// A HOLDER that names no run (a run killed between its mkdir and its
// write, or a hand's empty file) is held by an unknown run: busy, and
// Unlock may remove it.
func TestHolderUnreadable(t *testing.T) {
	for form, write := range map[string]func(t *testing.T, dir string){
		"directory without RUN": func(t *testing.T, dir string) {
			if err := os.Mkdir(journal.HolderFile(dir), 0o755); err != nil {
				t.Fatal(err)
			}
		},
		"empty RUN":  func(t *testing.T, dir string) { writeHolderFile(t, dir, "") },
		"empty file": func(t *testing.T, dir string) { holderForms["file"](t, dir, "") },
	} {
		t.Run(form, func(t *testing.T) {
			dir, p := stalePO(t)
			write(t, dir)
			h, err := journal.ReadHolder(dir)
			if err != nil || h == nil || !h.Unreadable {
				t.Fatalf("ReadHolder: %+v, %v", h, err)
			}
			if _, err := Acquire(p); !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "unknown run") {
				t.Fatalf("Acquire: %v", err)
			}
			if _, err := Unlock(dir, h); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Lstat(journal.HolderFile(dir)); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("after Unlock: %v", err)
			}
		})
	}
}

// A snapshot whose queue pair would go back to a mailbag NETWORK.GLB (as
// the rollback leaves it) does not route through is refused, naming both
// ids; the real snapshot is not.
func TestQueueRoutedRefusesUnroutedPair(t *testing.T) {
	dir, _ := stalePO(t)
	planner := func(po *postoffice.PO) (*plan.Plan, error) {
		c, _ := diagnose.Find(diagnose.Builtin, "smtp")
		return plan.Build(po, plan.Options{Component: c})
	}
	if res := Repair(context.Background(), dir, planner, Options{}); res.Status != StatusRepaired {
		t.Fatalf("repair: %v %v", res.Status, res.Errors)
	}
	snap, err := FindSnapshot(dir, "", Latest)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := postoffice.Open(dir)
	if err := queueRouted(p, snap); err != nil {
		t.Fatalf("the repair's own snapshot: %v", err)
	}
	back, now := movedQueue(snap)
	bad := *snap
	bad.Entries = append(bad.Entries[:0:0], snap.Entries...)
	for i, e := range bad.Entries {
		if e.MovedTo != "" {
			bad.Entries[i].File = strings.Replace(e.File, back, "0000000B", 1)
		}
	}
	err = queueRouted(p, &bad)
	if err == nil || !strings.Contains(err.Error(), "0000000B") || !strings.Contains(err.Error(), now) {
		t.Fatalf("a pair NETWORK.GLB does not route to: %v", err)
	}
}
