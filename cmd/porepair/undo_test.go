//go:build unix

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/porepair/porepair/backup"
)

// crashRepair runs a repair that is killed (exit 99) right after its
// n-th durable write, and fails the test otherwise.
func crashRepair(t *testing.T, dir string, n int, args ...string) {
	t.Helper()
	all := append([]string{"--po", dir}, args...)
	if len(args) == 0 {
		all = append(all, "repair")
	}
	all = append(all, "--yes")
	if code, _, errs := porepair(t, []string{fmt.Sprintf("POREPAIR_FAULT=crash:%d", n)}, all...); code != 99 {
		t.Fatalf("crash:%d: exit %d, want 99\n%s", n, code, errs)
	}
}

var (
	movedOnce  sync.Once
	movedCrash int
)

// afterMove is the first write point of the stale repair after which the
// queue has moved (CONTROL.GLB and NETWORK.GLB are rewritten by then),
// found once by crashing ever later, so that no test hard-codes it.
func afterMove(t *testing.T) int {
	t.Helper()
	movedOnce.Do(func() {
		for n := 1; n < 60; n++ {
			dir, _ := stalePO(t)
			code, _, _ := porepair(t, []string{fmt.Sprintf("POREPAIR_FAULT=crash:%d", n)}, "--po", dir, "repair", "--yes")
			if code != 99 {
				return
			}
			if _, err := os.Stat(filepath.Join(dir, "MBG/00000031.MBG")); err == nil {
				movedCrash = n
				return
			}
		}
	})
	if movedCrash == 0 {
		t.Fatal("no crash point after the queue moved")
	}
	return movedCrash
}

// A repair with a relative --snapshot-dir, killed, then rolled back from
// another working directory: the journal holds the snapshot's absolute
// path, so the rollback restores every byte. With the snapshot gone it
// never says "restored": exit 5, the journal still unfinished, and the
// message says where the snapshot was expected.
func TestRollbackNeverLies(t *testing.T) {
	t.Parallel()
	dir, before := stalePO(t)
	work := t.TempDir()
	cmd := func(env []string, args ...string) (int, string, string) {
		t.Helper()
		c := porepairCmd(t, env, args...)
		c.Dir = work
		return runCmd(t, c)
	}
	if code, _, errs := cmd([]string{fmt.Sprintf("POREPAIR_FAULT=crash:%d", afterMove(t))}, "--po", dir, "--snapshot-dir", "snaps", "repair", "--yes"); code != 99 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	j := readJournalBegin(t, dir)
	if !filepath.IsAbs(j["snapshot_dir"].(string)) {
		t.Fatalf("journal records a relative snapshot dir: %v", j)
	}
	snaps := filepath.Join(work, "snaps")
	hidden := snaps + ".away"
	if err := os.Rename(snaps, hidden); err != nil {
		t.Fatal(err)
	}
	code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes")
	if code != 5 || strings.Contains(out, ": restored") || !strings.Contains(errs, filepath.Join(snaps, j["snapshot"].(string))) {
		t.Fatalf("rollback without its snapshot: exit %d\n%s%s", code, out, errs)
	}
	if code, out, _ := porepair(t, nil, "--po", dir, "diagnose"); !strings.Contains(out, "INTERRUPTED_REPAIR") {
		t.Fatalf("the journal was closed without a restore: diagnose exit %d\n%s", code, out)
	}
	if err := os.Rename(hidden, snaps); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes"); code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("rollback from elsewhere: exit %d\n%s%s", code, out, errs)
	}
	sameTree(t, dir, before, "rolled back from another directory")
}

func readJournalBegin(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "POREPAIR/JOURNAL"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(strings.SplitN(string(b), "\n", 2)[0]), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// A journal edited so that a step's temp file is MASTER.GLB: the rollback
// refuses (exit 2) and deletes nothing.
func TestRollbackRefusesForeignTemp(t *testing.T) {
	t.Parallel()
	dir, _ := stalePO(t)
	crashRepair(t, dir, afterMove(t))
	jf := filepath.Join(dir, "POREPAIR/JOURNAL")
	b, err := os.ReadFile(jf)
	if err != nil {
		t.Fatal(err)
	}
	// The edited step goes where porepair writes the next record: after
	// the last one, in the journal's padding.
	text := strings.TrimRight(string(b), "\x00") + `{"op":"step","step":99,"change":"write","file":"GLB/NETWORK.GLB","temp":"GLB/MASTER.GLB"}` + "\n"
	if err := os.WriteFile(jf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes")
	if code != 2 || !strings.Contains(out+errs, "not a porepair temp file") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "GLB/MASTER.GLB")); err != nil {
		t.Fatal("MASTER.GLB was deleted")
	}
}

// After an interrupted repair, new mail in the moved queue: the rollback
// refuses before writing anything (the queue pair stays together); with
// --force the pair moves back together, the mail with it.
func TestRollbackKeepsQueuePairTogether(t *testing.T) {
	t.Parallel()
	dir, _ := stalePO(t)
	crashRepair(t, dir, afterMove(t))
	moved, _ := filepath.Glob(filepath.Join(dir, "MBG/00000031.MBG"))
	if len(moved) != 1 {
		t.Fatal("the crash point did not move the queue")
	}
	f, _ := os.OpenFile(moved[0], os.O_WRONLY|os.O_APPEND, 0)
	f.Write(make([]byte, 116))
	f.Close()
	pair := func() (int, int) {
		mbg, _ := filepath.Glob(filepath.Join(dir, "MBG/*.MBG"))
		key, _ := filepath.Glob(filepath.Join(dir, "KEY/*.KEY"))
		return len(mbg), len(key)
	}
	m0, k0 := pair()
	code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes")
	if code != 2 || !strings.Contains(out+errs, "queue pair") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(moved[0]); err != nil {
		t.Fatal("the changed queue was moved although the rollback refused")
	}
	if code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes", "--force"); code != 0 {
		t.Fatalf("forced: exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(moved[0]); err == nil {
		t.Fatal("the queue was not moved back")
	}
	for _, p := range []string{"MBG/0000000A.MBG", "KEY/0000000A.KEY"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s not back: %v", p, err)
		}
	}
	if m, k := pair(); m != m0 || k != k0 {
		t.Errorf("queue files split: %d MBG, %d KEY, were %d, %d", m, k, m0, k0)
	}
}

// Prune takes the lock (exit 4 while ADMIN holds FLAG.GLB) and never
// removes the snapshot of an unfinished repair; a rollback is blocked by
// the lock too.
func TestPruneLockAndUnfinished(t *testing.T) {
	t.Parallel()
	dir, _ := stalePO(t)
	for range 2 {
		if code, _, _ := porepair(t, nil, "--po", dir, "repair", "--yes", "--force"); code != 0 {
			t.Fatal("repair failed")
		}
	}
	release := holdFlag(t, dir)
	if code, _, errs := porepair(t, nil, "--po", dir, "snapshots", "prune", "--keep", "0", "--yes"); code != 4 {
		t.Errorf("prune under a held lock: exit %d, want 4\n%s", code, errs)
	}
	if code, _, errs := porepair(t, nil, "--po", dir, "rollback", "--yes", "--force"); code != 4 {
		t.Errorf("rollback under a held lock: exit %d, want 4\n%s", code, errs)
	}
	release()
	if code, out, _ := porepair(t, nil, "--po", dir, "snapshots", "list", "--json"); code != 0 || strings.Count(out, `"id"`) != 2 {
		t.Fatalf("prune removed snapshots under a held lock:\n%s", out)
	}
	// Half-way through a forced repair: its snapshot is complete.
	crashRepair(t, dir, afterMove(t)/2, "--json", "repair", "--force")
	j := readJournalBegin(t, dir)
	// The dead run's server lock keeps prune out until unlocked.
	if code, _, errs := porepair(t, nil, "--po", dir, "snapshots", "prune", "--keep", "0", "--yes"); code != 4 || !strings.Contains(errs, "no longer running") {
		t.Fatalf("prune under a dead run's lock: exit %d, want 4\n%s", code, errs)
	}
	if code, out, errs := porepair(t, nil, "--po", dir, "unlock", "--yes"); code != 0 || !strings.Contains(out, "unlocked") {
		t.Fatalf("unlock: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := porepair(t, nil, "--po", dir, "snapshots", "prune", "--keep", "0", "--yes"); code != 0 || strings.Contains(out, j["snapshot"].(string)) {
		t.Fatalf("prune: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ := porepair(t, nil, "--po", dir, "snapshots", "list")
	if code != 0 || !strings.Contains(out, j["snapshot"].(string)) || !strings.Contains(out, backup.StateInterrupted.String()) {
		t.Fatalf("the unfinished repair's snapshot is gone or not marked:\n%s", out)
	}
	if code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes"); code != 0 {
		t.Fatalf("rollback after prune: exit %d\n%s%s", code, out, errs)
	}
}

// A saved plan edited to say an existing file does not exist ("before":
// null) is refused before anything is written: porepair never deletes or
// overwrites a file it did not snapshot.
func TestEditedPlanCannotSkipSnapshot(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"write", "delete"} {
		t.Run(op, func(t *testing.T) {
			dir, before := stalePO(t)
			planFile := filepath.Join(t.TempDir(), "p.plan")
			if code, _, _ := porepair(t, nil, "--po", dir, "plan", "--out", planFile); code != 0 {
				t.Fatal("plan failed")
			}
			b, _ := os.ReadFile(planFile)
			var pl map[string]any
			json.Unmarshal(b, &pl)
			if op == "write" {
				// A write of a "new" file of the component, which the plan
				// shows put back: the plan agrees with itself (plan.Load),
				// and only the disk shows the lie.
				sum := sha256.Sum256([]byte("x"))
				pl["changes"] = append(pl["changes"].([]any), map[string]any{"op": "write", "file": "TPL/SMTP.TPL",
					"data": "78", "before": nil, "after_size": 1, "after_sha256": hex.EncodeToString(sum[:])})
			}
			for _, c := range pl["changes"].([]any) {
				// A delete without a fingerprint does not hold together.
				if ch := c.(map[string]any); op == "delete" && ch["file"] == "GLB/CONTROL.GLB" {
					ch["before"], ch["op"], ch["patches"] = nil, op, nil
				}
			}
			b, _ = json.Marshal(pl)
			os.WriteFile(planFile, b, 0o644)
			code, out, errs := porepair(t, nil, "--po", dir, "repair", "--plan", planFile, "--yes")
			want := map[string]string{"write": "TPL/SMTP.TPL exists, but the plan says it does not",
				"delete": "delete GLB/CONTROL.GLB: no fingerprint"}[op]
			if code != 2 || !strings.Contains(out+errs, want) {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
			sameTree(t, dir, before, "edited plan")
			if _, err := os.Stat(filepath.Join(dir, "POREPAIR")); err == nil {
				t.Error("a refused plan left POREPAIR/ behind")
			}
		})
	}
}

// metaTree is every file's owner, group, mode and modification time.
func metaTree(t *testing.T, dir string, withTime bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() && d.Name() == "POREPAIR" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = fmt.Sprintf("%d:%d %o", st.Uid, st.Gid, fi.Mode().Perm())
		if withTime {
			out[rel] += fmt.Sprintf(" %d", fi.ModTime().UnixNano())
		}
		return nil
	})
	return out
}

// Owner, group and mode survive a repair; owner, group, mode and
// modification time survive a rollback: the mail programs' service
// account must still write the share's files.
func TestMetadataKept(t *testing.T) {
	t.Parallel()
	dir, before := stalePO(t)
	uid, gid := 1000, 1001
	if os.Geteuid() != 0 {
		uid, gid = os.Getuid(), os.Getgid() // a non-root run keeps what it may
	}
	old := time.Date(2001, 2, 3, 4, 5, 6, 7000, time.UTC)
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			os.Lchown(p, uid, gid)
			os.Chmod(p, 0o660)
			os.Chtimes(p, old, old)
		}
		return nil
	})
	meta0 := metaTree(t, dir, true)
	if code, _, errs := porepair(t, nil, "--po", dir, "repair", "--yes"); code != 0 {
		t.Fatalf("repair: exit %d\n%s", code, errs)
	}
	want := fmt.Sprintf("%d:%d 660", uid, gid)
	for rel, m := range metaTree(t, dir, false) {
		if m != want {
			t.Errorf("after the repair %s is %s, want %s", rel, m, want)
		}
	}
	if code, _, errs := porepair(t, nil, "--po", dir, "rollback", "--yes"); code != 0 {
		t.Fatalf("rollback: exit %d\n%s", code, errs)
	}
	sameTree(t, dir, before, "rollback")
	got := metaTree(t, dir, true)
	for rel, m := range meta0 {
		if got[rel] != m {
			t.Errorf("after the rollback %s is %s, want %s", rel, got[rel], m)
		}
	}
}

// A repair interrupted while made through a bind mount (or a symbolic
// link) is rolled back through the postoffice's real path: the snapshot
// names the PO by its identity, not by the path it was made at.
func TestRollbackThroughRealPath(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"symlink", "bind"} {
		t.Run(how, func(t *testing.T) {
			dir, before := stalePO(t)
			alias := filepath.Join(t.TempDir(), "alias")
			switch how {
			case "symlink":
				if err := os.Symlink(dir, alias); err != nil {
					t.Fatal(err)
				}
			case "bind":
				os.Mkdir(alias, 0o755)
				if out, err := exec.Command("mount", "--bind", dir, alias).CombinedOutput(); err != nil {
					t.Skipf("no bind mount here: %v %s", err, out)
				}
				defer exec.Command("umount", alias).Run()
			}
			crashRepair(t, alias, afterMove(t))
			if code, out, _ := porepair(t, nil, "--po", dir, "diagnose"); !strings.Contains(out, "INTERRUPTED_REPAIR") {
				t.Fatalf("diagnose through the real path: exit %d\n%s", code, out)
			}
			if how == "bind" {
				exec.Command("umount", alias).Run() // the mount is gone, like another host's
			}
			if code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes"); code != 0 {
				t.Fatalf("rollback through the real path: exit %d\n%s%s", code, out, errs)
			}
			sameTree(t, dir, before, how)
		})
	}
}

// What a crash leaves in POREPAIR/ (temp files, a snapshot directory
// without its manifest) is listed by snapshots list and removed by the
// next rollback.
func TestLeftoversCleaned(t *testing.T) {
	t.Parallel()
	dir, before := stalePO(t)
	crashRepair(t, dir, 3) // the journal, the reserve, then one snapshot copy: no manifest yet
	os.WriteFile(filepath.Join(dir, "POREPAIR/JOURNAL.PPT"), []byte("torn"), 0o644)
	code, out, _ := porepair(t, nil, "--po", dir, "snapshots", "list")
	if code != 0 || !strings.Contains(out, backup.StateIncomplete.String()) {
		t.Fatalf("list: exit %d\n%s", code, out)
	}
	if code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes"); code != 0 {
		t.Fatalf("rollback: exit %d\n%s%s", code, out, errs)
	}
	sameTree(t, dir, before, "rollback")
	left, _ := filepath.Glob(filepath.Join(dir, "POREPAIR/*.PPT"))
	snaps, _ := os.ReadDir(filepath.Join(dir, "POREPAIR/SNAPSHOT"))
	if len(left) > 0 || len(snaps) > 0 {
		t.Fatalf("left behind: %v, %d snapshot dirs", left, len(snaps))
	}
}

// A repaired postoffice reached through a read-only mount, with nothing
// to roll back: the rollback cannot lock it, and still says there is
// nothing to roll back (exit 0), as a look reading only tells; one with
// something to roll back is refused there, with nothing written.
func TestRollbackReadOnlyMount(t *testing.T) {
	t.Parallel()
	dir, _ := stalePO(t)
	if code, out, errs := porepair(t, nil, "--po", dir, "repair", "--yes"); code != 0 {
		t.Fatalf("repair: exit %d\n%s%s", code, out, errs)
	}
	ro := filepath.Join(t.TempDir(), "ro")
	os.Mkdir(ro, 0o755)
	if out, err := exec.Command("mount", "--bind", dir, ro).CombinedOutput(); err != nil {
		t.Skipf("no bind mount here: %v %s", err, out)
	}
	defer exec.Command("umount", ro).Run()
	if out, err := exec.Command("mount", "-o", "remount,bind,ro", ro).CombinedOutput(); err != nil {
		t.Skipf("no read-only remount here: %v %s", err, out)
	}
	repaired, err := treeOf(dir)
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errs := porepair(t, nil, "--po", ro, "rollback", "--yes"); code != 2 || !strings.Contains(errs+out, "read-only") {
		t.Errorf("rollback of a repair through a read-only mount: exit %d, want 2 naming the read-only file system\n%s%s", code, out, errs)
	}
	sameTree(t, dir, repaired, "refused read-only rollback")
	if code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes"); code != 0 {
		t.Fatalf("rollback: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := porepair(t, nil, "--po", ro, "rollback", "--yes"); code != 0 || !strings.Contains(out, "nothing to roll back") {
		t.Errorf("nothing to roll back through a read-only mount: exit %d, want 0\n%s%s", code, out, errs)
	}
}
