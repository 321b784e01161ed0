package repair_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/porepair/porepair/backup"
	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/repair"
	"github.com/porepair/porepair/testdata/fixture"
)

func setup(t testing.TB, scenario string, lower bool) (string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	if err := fixture.BuildSpec(dir, fixture.Spec{Scenario: scenario, Lower: lower}); err != nil {
		t.Fatal(err)
	}
	tree, err := fixture.Tree(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, tree
}

func makePlan(t testing.TB, dir string, opt plan.Options) *plan.Plan {
	t.Helper()
	p, err := postoffice.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	opt.Component, _ = diagnose.Find(diagnose.Builtin, "smtp")
	pl, err := plan.Build(p, opt)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

func read(t testing.TB, dir, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sameTree(t testing.TB, dir string, want map[string]string) {
	t.Helper()
	got, err := fixture.Tree(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := fixture.DiffTrees(want, got); len(d) > 0 {
		t.Fatalf("tree differs at %v", d)
	}
}

// differing returns the offsets at which two byte slices differ.
func differing(a, b []byte) []int {
	var out []int
	for i := range max(len(a), len(b)) {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			out = append(out, i)
		}
	}
	return out
}

func TestRepairStale(t *testing.T) {
	for _, lower := range []bool{false, true} {
		t.Run(fmt.Sprintf("lower=%v", lower), func(t *testing.T) {
			name := func(s string) string {
				if lower {
					return strings.ToLower(s)
				}
				return s
			}
			dir, before := setup(t, "stale", lower)
			net0 := read(t, dir, name("GLB/NETWORK.GLB"))
			xtn0 := read(t, dir, name("XTN/00000001.XTN"))
			ctl0 := read(t, dir, name("GLB/CONTROL.GLB"))
			q0 := read(t, dir, name("MBG/0000000A.MBG"))
			k0 := read(t, dir, name("KEY/0000000A.KEY"))

			res := repair.Repair(context.Background(), dir, repair.Saved(makePlan(t, dir, plan.Options{})), repair.Options{})
			if res.Status != repair.StatusRepaired || res.Code() != 0 || res.Snapshot == "" {
				t.Fatalf("result = %+v", res)
			}
			p, _ := postoffice.Open(dir)
			if r := diagnose.Files(p, diagnose.Builtin); r.Problems() {
				t.Errorf("problems after repair: %v", r.Findings)
			}
			if err := journal.Interrupted(dir); err != nil {
				t.Errorf("the repair's journal is unfinished: %v", err)
			}
			// NETWORK.GLB: the SMTP record's queue (0x21) → the new queue, its
			// route (0x4B-0x6A) → HQ's current id; no other byte.
			net1 := read(t, dir, name("GLB/NETWORK.GLB"))
			rec := 3 * postoffice.NetRecordSize
			for _, off := range differing(net0, net1) {
				in := func(from, to postoffice.Field) bool { return off >= rec+from.Off && off < rec+to.End() }
				if !in(postoffice.NetMailbag, postoffice.NetMailbag) && !in(postoffice.NetIndirect, postoffice.NetIndMailbag) {
					t.Errorf("NETWORK.GLB byte %#x changed", off)
				}
			}
			var r postoffice.NetRecord
			copy(r[:], net1[rec:])
			if id, _, _ := r.Mailbag(); id != 0x31 {
				t.Errorf("queue = %s", id)
			}
			if rt := r.Route(); !r.Indirect() || rt != (postoffice.Route{Network: "ACME", PO: "HQ", Mailbag: "00000030"}) {
				t.Errorf("route = %v", rt)
			}
			for _, f := range postoffice.NetworkLayout {
				if f.Preserved && !bytes.Equal(f.Of(r[:]), f.Of(net0[rec:])) {
					t.Errorf("preserved %s changed", f.Name)
				}
			}
			// XTN: HQ's hub counter +1, no other byte.
			xtn1 := read(t, dir, name("XTN/00000001.XTN"))
			hub := 3*postoffice.XTNRecordSize + postoffice.XtnHub.Off
			if d := differing(xtn0, xtn1); !slices.Equal(d, []int{hub}) || xtn1[hub] != xtn0[hub]+1 {
				t.Errorf("XTN changed at %v (hub %d → %d)", d, xtn0[hub], xtn1[hub])
			}
			// CONTROL.GLB: nmailbag +1.
			ctl1 := read(t, dir, name("GLB/CONTROL.GLB"))
			if d := differing(ctl0, ctl1); !slices.Equal(d, []int{0}) || ctl1[0] != ctl0[0]+1 {
				t.Errorf("CONTROL changed at %v", d)
			}
			// The queue: same bytes under the new id, old pair gone.
			if !bytes.Equal(read(t, dir, name("MBG/")+"00000031.MBG"), q0) || !bytes.Equal(read(t, dir, name("KEY/")+"00000031.KEY"), k0) {
				t.Error("new queue does not hold the old bytes")
			}
			after, _ := fixture.Tree(dir)
			changed := fixture.DiffTrees(before, after)
			want := []string{name("GLB/CONTROL.GLB"), name("GLB/NETWORK.GLB"), name("KEY/") + "00000031.KEY", name("KEY/0000000A.KEY"),
				name("MBG/") + "00000031.MBG", name("MBG/0000000A.MBG"), name("XTN/00000001.XTN")}
			slices.Sort(want)
			if !slices.Equal(changed, want) {
				t.Errorf("changed files = %v, want %v", changed, want)
			}
			if _, unfinished, _ := journal.Unfinished(dir); unfinished {
				t.Error("journal left unfinished")
			}
			// rollback --snapshot latest restores every byte.
			rb := repair.Rollback(context.Background(), dir, repair.Latest, false, repair.Options{})
			if rb.Status != repair.StatusRestored || rb.Snapshot != res.Snapshot {
				t.Fatalf("rollback = %+v", rb)
			}
			sameTree(t, dir, before)
		})
	}
}

func TestRepairHealthyNothingToDo(t *testing.T) {
	dir, before := setup(t, "healthy", false)
	res := repair.Repair(context.Background(), dir, repair.Saved(makePlan(t, dir, plan.Options{})), repair.Options{})
	if res.Status != repair.StatusNothingToDo || res.Code() != 0 {
		t.Fatalf("result = %+v", res)
	}
	sameTree(t, dir, before)
}

func TestRepairBusy(t *testing.T) {
	dir, before := setup(t, "stale", false)
	pl := makePlan(t, dir, plan.Options{})
	// The lock through another open file, as another porepair would hold it.
	f, err := os.OpenFile(filepath.Join(dir, "GLB/FLAG.GLB"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := osfs.LockExclusive(f); err != nil {
		t.Fatal(err)
	}
	res := repair.Repair(context.Background(), dir, repair.Saved(pl), repair.Options{})
	if res.Status != repair.StatusBusy || res.Code() != 4 {
		t.Fatalf("result = %+v", res)
	}
	sameTree(t, dir, before)
	if _, err := os.Stat(filepath.Join(dir, repair.JournalName)); err == nil {
		t.Error("a journal was written though the lock was held")
	}
}

func TestRepairSavedPlanOnChangedPO(t *testing.T) {
	dir, _ := setup(t, "stale", false)
	pl := makePlan(t, dir, plan.Options{})
	// New mail arrives in the queue after the plan was made.
	mbg := filepath.Join(dir, "MBG/0000000A.MBG")
	q := read(t, dir, "MBG/0000000A.MBG")
	os.WriteFile(mbg, append(q, q[:postoffice.MBGRecordSize]...), 0o644)
	changed, _ := fixture.Tree(dir)
	res := repair.Repair(context.Background(), dir, repair.Saved(pl), repair.Options{})
	if res.Status != repair.StatusRefused || res.Code() != 2 || !strings.Contains(strings.Join(res.Errors, " "), "MBG/0000000A.MBG changed") {
		t.Fatalf("result = %+v", res)
	}
	sameTree(t, dir, changed)
}

func TestRepairInterrupted(t *testing.T) {
	dir, before := setup(t, "stale", false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := repair.Repair(ctx, dir, repair.Saved(makePlan(t, dir, plan.Options{})), repair.Options{})
	if res.Status != repair.StatusRolledBack || res.Code() != 1 {
		t.Fatalf("result = %+v", res)
	}
	sameTree(t, dir, before)
}

func TestRollbackRefusesLaterMail(t *testing.T) {
	dir, before := setup(t, "stale", false)
	if res := repair.Repair(context.Background(), dir, repair.Saved(makePlan(t, dir, plan.Options{})), repair.Options{}); res.Code() != 0 {
		t.Fatal(res)
	}
	q := filepath.Join(dir, "MBG/00000031.MBG")
	b := read(t, dir, "MBG/00000031.MBG")
	os.WriteFile(q, append(b, b[:postoffice.MBGRecordSize]...), 0o644)
	rb := repair.Rollback(context.Background(), dir, repair.Latest, false, repair.Options{})
	if rb.Status != repair.StatusRefused || rb.Code() != 2 || !strings.Contains(strings.Join(rb.Errors, " "), "MBG/00000031.MBG") {
		t.Fatalf("rollback = %+v", rb)
	}
	os.WriteFile(q, b, 0o644)
	if rb := repair.Rollback(context.Background(), dir, repair.Latest, false, repair.Options{}); rb.Status != repair.StatusRestored {
		t.Fatalf("rollback = %+v", rb)
	}
	sameTree(t, dir, before)
}

func TestRepairSnapshotDirElsewhere(t *testing.T) {
	dir, before := setup(t, "stale", false)
	snaps := t.TempDir()
	res := repair.Repair(context.Background(), dir, repair.Saved(makePlan(t, dir, plan.Options{})), repair.Options{SnapshotDir: snaps})
	if res.Code() != 0 {
		t.Fatal(res)
	}
	if _, err := os.Stat(filepath.Join(snaps, res.Snapshot, "MANIFEST.JSON")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "POREPAIR/SNAPSHOT")); err == nil {
		t.Error("snapshot made in the PO despite --snapshot-dir")
	}
	// The journal records where the snapshot is: no --snapshot-dir needed.
	if rb := repair.Rollback(context.Background(), dir, "", false, repair.Options{}); rb.Status != repair.StatusRestored {
		t.Fatal(rb)
	}
	sameTree(t, dir, before)
	if rb := repair.Rollback(context.Background(), dir, "", false, repair.Options{SnapshotDir: snaps}); rb.Status != repair.StatusNothingToRollBack || rb.Code() != 0 {
		t.Fatalf("second rollback = %+v", rb)
	}
}

// A journal names its snapshot's directory: edited or damaged, it must
// never make a rollback delete a directory porepair did not make.
func TestRollbackDeletesOnlyItsOwnLeftovers(t *testing.T) {
	for _, snap := range []string{"keepme", "..", "20261129T000000Z-aaaaaa-bbbbbb"} {
		dir, _ := setup(t, "stale", false)
		outside := t.TempDir()
		victim := filepath.Join(outside, snap)
		if snap == ".." {
			victim = filepath.Dir(outside)
		}
		os.MkdirAll(filepath.Join(outside, "keepme"), 0o755)
		os.MkdirAll(filepath.Join(outside, "20261129T000000Z-aaaaaa-bbbbbb"), 0o755)
		os.WriteFile(filepath.Join(outside, "keepme", "notes.txt"), []byte("mine"), 0o644)
		os.WriteFile(filepath.Join(outside, "20261129T000000Z-aaaaaa-bbbbbb", "notes.txt"), []byte("mine"), 0o644)
		os.MkdirAll(filepath.Join(dir, journal.Dir), 0o755)
		begin := fmt.Sprintf(`{"op":"begin","kind":"repair","snapshot":%q,"snapshot_dir":%q}`+"\n", snap, outside)
		os.WriteFile(filepath.Join(dir, journal.Name), []byte(begin), 0o644)
		repair.Rollback(context.Background(), dir, "", false, repair.Options{})
		if _, err := os.Stat(victim); err != nil {
			t.Errorf("snapshot %q: the rollback removed %s", snap, victim)
		}
		if b, _ := os.ReadFile(filepath.Join(outside, "keepme", "notes.txt")); string(b) != "mine" {
			t.Errorf("snapshot %q: a file outside the postoffice is gone", snap)
		}
	}
}

// A saved plan whose patches do not make the bytes it promises (an edited
// byte) is refused reading only: no lock, no journal, no snapshot.
func TestEditedPatchRefusedBeforeTheLock(t *testing.T) {
	dir, tree := setup(t, "stale", false)
	p := makePlan(t, dir, plan.Options{})
	edited := false
	for i := range p.Changes {
		if c := &p.Changes[i]; c.Op == plan.OpPatch && !edited {
			c.Patches[0].Data = append([]byte{}, c.Patches[0].Data...)
			c.Patches[0].Data[0] ^= 0xFF
			edited = true
		}
	}
	if !edited {
		t.Fatal("the plan has no patch")
	}
	res := repair.Repair(context.Background(), dir, repair.Saved(p), repair.Options{})
	if res.Status != repair.StatusRefused || !strings.Contains(res.Err.Error(), "the plan was edited") {
		t.Fatalf("status %v: %v", res.Status, res.Err)
	}
	if _, err := os.Stat(filepath.Join(dir, repair.Dir)); !os.IsNotExist(err) {
		t.Errorf("%s was made: %v", repair.Dir, err)
	}
	sameTree(t, dir, tree)
}

// A saved plan whose actions show other values than its changes make (a
// field's value today, or after) is refused before anything is locked:
// the plan shown is the plan carried out.
func TestEditedActionRefusedBeforeTheLock(t *testing.T) {
	for name, edit := range map[string]func(a *plan.Action){
		"before": func(a *plan.Action) { v := "00000009"; a.Before = &v },
		"after":  func(a *plan.Action) { v := "00000099"; a.After = &v },
	} {
		t.Run(name, func(t *testing.T) {
			dir, tree := setup(t, "stale", false)
			p := makePlan(t, dir, plan.Options{})
			var edited *plan.Action
			for i, a := range p.Actions {
				if a.Field != nil && *a.Field == "SMTP.indirect_mailbag" {
					edited = &p.Actions[i]
					edit(edited)
				}
			}
			if edited == nil {
				t.Fatal("the plan sets no SMTP.indirect_mailbag")
			}
			// The net effect edited alike: what the plan alone shows
			// agrees, and only the bytes can tell.
			for i, e := range p.NetEffect {
				if e.Field == "SMTP.indirect_mailbag" {
					p.NetEffect[i].Before, p.NetEffect[i].After = edited.Before, edited.After
				}
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("the edited plan does not validate: %v", err)
			}
			res := repair.Repair(context.Background(), dir, repair.Saved(p), repair.Options{})
			if res.Status != repair.StatusRefused || !strings.Contains(res.Err.Error(), "indirect_mailbag") {
				t.Fatalf("status %v: %v", res.Status, res.Err)
			}
			if _, err := os.Stat(filepath.Join(dir, repair.Dir)); !os.IsNotExist(err) {
				t.Errorf("%s was made: %v", repair.Dir, err)
			}
			sameTree(t, dir, tree)
		})
	}
}

// What cannot be read is named with the reason: a damaged journal (the
// rollback refused, saying what is wrong in it), a rolled-back mark that
// is not a file (the snapshot listed damaged, its rollback refused naming
// the mark), each with nothing written.
func TestUnreadableStateSaysWhy(t *testing.T) {
	dir, _ := setup(t, "stale", false)
	os.MkdirAll(filepath.Join(dir, journal.Dir), 0o755)
	os.WriteFile(filepath.Join(dir, journal.Name), []byte(`{"op":"step","file":"GLB/NETWORK.GLB"}`+"\n"), 0o644)
	res := repair.Rollback(context.Background(), dir, "", false, repair.Options{})
	if res.Status != repair.StatusRefused || !strings.Contains(strings.Join(res.Errors, "\n"), "before the begin record") {
		t.Errorf("rollback over a journal without its begin record: %s %q", res.Status, res.Errors)
	}

	dir, before := setup(t, "stale", false)
	res = repair.Repair(context.Background(), dir, repair.Saved(makePlan(t, dir, plan.Options{})), repair.Options{})
	if res.Status != repair.StatusRepaired {
		t.Fatalf("repair: %+v", res)
	}
	if res = repair.Rollback(context.Background(), dir, "", false, repair.Options{}); res.Status != repair.StatusRestored {
		t.Fatalf("rollback: %+v", res)
	}
	sameTree(t, dir, before)
	snap := filepath.Join(dir, filepath.FromSlash(postoffice.SnapshotDir), res.Snapshot)
	mark := filepath.Join(snap, "ROLLEDBACK")
	if err := os.Remove(mark); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(mark, 0o755)
	list, err := backup.List(filepath.Dir(snap), nil, true)
	if err != nil || len(list) != 1 || list[0].State != backup.StateDamaged {
		t.Errorf("snapshots with an unreadable mark: %+v, %v", list, err)
	}
	res = repair.Rollback(context.Background(), dir, res.Snapshot, false, repair.Options{})
	if res.Status != repair.StatusRefused || !strings.Contains(strings.Join(res.Errors, "\n"), "ROLLEDBACK mark") {
		t.Errorf("rollback of a snapshot whose mark cannot be read: %s %q", res.Status, res.Errors)
	}
	sameTree(t, dir, before)
}

// A rollback whose context is cancelled before it starts (the rest of a
// fleet after SIGINT) writes nothing and says so.
func TestRollbackCancelledBeforeItStarts(t *testing.T) {
	dir, _ := setup(t, "stale", false)
	if res := repair.Repair(context.Background(), dir, repair.Saved(makePlan(t, dir, plan.Options{})), repair.Options{}); res.Status != repair.StatusRepaired {
		t.Fatalf("repair: %+v", res)
	}
	repaired, _ := fixture.Tree(dir)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := repair.Rollback(ctx, dir, "", false, repair.Options{})
	if res.Status != repair.StatusRefused || !strings.Contains(strings.Join(res.Errors, " "), "interrupted before anything was written") {
		t.Errorf("cancelled rollback: %s %q", res.Status, res.Errors)
	}
	sameTree(t, dir, repaired)
}

// TestFreshPlanChangedBeforeTheLock: the check before the lock takes a
// fresh plan's files as its planner read them, so a file changed after
// planning must be caught by the check under the lock, which reads the
// disk: refused, nothing written.
func TestFreshPlanChangedBeforeTheLock(t *testing.T) {
	dir, _ := setup(t, "stale", false)
	var changed map[string]string
	planner := func(po *postoffice.PO) (*plan.Plan, error) {
		c, _ := diagnose.Find(diagnose.Builtin, "smtp")
		pl, err := plan.Build(po, plan.Options{Component: c})
		if err != nil {
			return nil, err
		}
		net := filepath.Join(dir, "GLB/NETWORK.GLB")
		b := read(t, dir, "GLB/NETWORK.GLB")
		b[len(b)-1] ^= 0xFF
		os.WriteFile(net, b, 0o644)
		changed, _ = fixture.Tree(dir)
		return pl, nil
	}
	res := repair.Repair(context.Background(), dir, planner, repair.Options{})
	if res.Status != repair.StatusRefused || !strings.Contains(strings.Join(res.Errors, " "), "GLB/NETWORK.GLB changed") {
		t.Fatalf("result = %+v", res)
	}
	sameTree(t, dir, changed)
}
