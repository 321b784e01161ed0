//go:build unix

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

func poke(t *testing.T, file string, off int64, data string) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte(data), off); err != nil {
		t.Fatal(err)
	}
}

// startSlow starts a repair whose every durable write waits, and returns
// once it has begun writing (its journal exists).
func startSlow(t *testing.T, dir string, ms int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary(t), "--po", dir, "repair", "--yes")
	cmd.Env = append(os.Environ(), "POREPAIR_FAULT=delay:"+strconvI(ms))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500; i++ {
		if _, err := os.Stat(filepath.Join(dir, "POREPAIR/JOURNAL")); err == nil {
			return cmd
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal("the slow repair never began")
	return nil
}

func strconvI(n int) string { b, _ := json.Marshal(n); return string(b) }

// Two repairs of one postoffice at once: exactly one runs, the other
// exits 4; plan says busy too; the running one completes.
func TestConcurrentRepairs(t *testing.T) {
	t.Parallel()
	dir, _ := stalePO(t)
	a := startSlow(t, dir, 100)
	code, _, errs := porepair(t, nil, "--po", dir, "repair", "--yes")
	if code != 4 || !strings.Contains(errs, "in use") {
		t.Errorf("second repair: exit %d, want 4\n%s", code, errs)
	}
	if code, _, _ := porepair(t, nil, "--po", dir, "plan"); code != 4 {
		t.Errorf("plan during a repair: exit %d, want 4", code)
	}
	if err := a.Wait(); err != nil {
		t.Fatalf("the first repair: %v", err)
	}
	if code, out, _ := porepair(t, nil, "--po", dir, "diagnose"); code != 0 {
		t.Fatalf("after the repair: exit %d\n%s", code, out)
	}
}

// A diagnose during a repair sees each file as it was or as it will be,
// never torn, and does not take a running repair for an interrupted one:
// it says a repair is running (REPAIR_RUNNING), never that the queue it is
// moving is missing.
func TestConcurrentDiagnose(t *testing.T) {
	t.Parallel()
	dir, _ := stalePO(t)
	a := startSlow(t, dir, 60)
	done := make(chan error, 1)
	go func() { done <- a.Wait() }()
	runs, running := 0, 0
	for finished := false; !finished; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("repair: %v", err)
			}
			finished = true
		default:
		}
		code, out, errs := porepair(t, nil, "--po", dir, "--json", "diagnose")
		runs++
		if code != 0 && code != 3 {
			t.Fatalf("diagnose during a repair: exit %d\n%s", code, errs)
		}
		for _, torn := range []string{"BAD_FILE_SIZE", "UNREADABLE_FILE", "INTERRUPTED_REPAIR", "XTN_MISSING", "QUEUE_MISSING"} {
			if strings.Contains(out, torn) {
				t.Fatalf("diagnose during a repair saw %s:\n%s", torn, out)
			}
		}
		if strings.Contains(out, "REPAIR_RUNNING") {
			running++
		}
	}
	if runs < 3 || running == 0 {
		t.Errorf("only %d diagnoses overlapped the repair, %d said it was running", runs, running)
	}
}

// A postoffice reached through a symbolic link is the postoffice it
// points to: repaired and rolled back there, recorded by its real path.
func TestPostofficeThroughSymlink(t *testing.T) {
	t.Parallel()
	dir, before := stalePO(t)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	code, out, _ := porepair(t, nil, "--po", link, "--json", "repair", "--yes")
	if code != 0 || !strings.Contains(out, `"po_resolved": "`+dir+`"`) {
		t.Fatalf("exit %d\n%s", code, out)
	}
	// Named twice, once by its link: processed once (in a list: --po
	// was given twice).
	code, out, _ = porepair(t, nil, "--po", link, "--po", dir, "--json", "diagnose")
	if code != 0 || strings.Count(out, `"exit_code"`) != 1 {
		t.Errorf("a postoffice named twice ran twice:\n%s", out)
	}
	if code, _, _ := porepair(t, nil, "--po", link, "rollback", "--yes"); code != 0 {
		t.Fatal("rollback through the link failed")
	}
	sameTree(t, dir, before, "symlinked PO")
}

// Hostile files: each gives a clear error and the documented exit code,
// and the postoffice (and anything outside it) stays untouched.
func TestHostileFiles(t *testing.T) {
	t.Parallel()
	net := func(dir string) string { return filepath.Join(dir, "GLB/NETWORK.GLB") }
	smtp := int64(3 * postoffice.NetRecordSize)
	cases := []struct {
		name     string
		damage   func(t *testing.T, dir string)
		diagnose int
		mustSay  string
		plan     int
		planMust string
	}{
		{"NETWORK.GLB is a symlink", func(t *testing.T, dir string) {
			target := filepath.Join(filepath.Dir(dir), "elsewhere.glb")
			os.Rename(net(dir), target)
			os.Symlink(target, net(dir))
		}, 3, "UNREADABLE_FILE", 2, "symbolic link"},
		{"queue id with a path", func(t *testing.T, dir string) {
			poke(t, net(dir), smtp+int64(postoffice.NetMailbag.Off), "../../etc\x00")
		}, 3, "QUEUE_MISSING", 2, "not valid"},
		{"route id not hex", func(t *testing.T, dir string) {
			poke(t, net(dir), smtp+int64(postoffice.NetIndMailbag.Off), "0000ZZZZ\x00")
		}, 3, "STALE_GATEWAY_ROUTE", 0, "00000030"},
		{"name with control bytes", func(t *testing.T, dir string) {
			poke(t, net(dir), smtp+int64(postoffice.NetName.Off), "SM\x1b[2J\x00")
		}, 3, `SM\x1B[2J (record 3,`, 2, "no active SMTP record"},
		{"XTN name without NUL", func(t *testing.T, dir string) {
			poke(t, filepath.Join(dir, "XTN/00000001.XTN"), int64(postoffice.XtnName.Off), "WAREHOUSE01")
		}, 3, "STALE_GATEWAY_ROUTE", 0, ""},
		{"zero-length MASTER.GLB", func(t *testing.T, dir string) {
			os.Truncate(filepath.Join(dir, "GLB/MASTER.GLB"), 0)
		}, 3, "BAD_FILE_SIZE", 2, "MASTER.GLB"},
		// A valid size, but the SMTP files are still there (issue 18).
		{"zero-length NETWORK.GLB", func(t *testing.T, dir string) {
			os.Truncate(net(dir), 0)
		}, 3, "COMPONENT_RECORD_MISSING", 2, "no active SMTP record"},
		{"huge NETWORK.GLB", func(t *testing.T, dir string) {
			os.Truncate(net(dir), 100<<20) // past MaxReadSize
		}, 3, "BAD_FILE_SIZE", 2, "NETWORK.GLB"},
		{"huge XTN of whole records", func(t *testing.T, dir string) {
			os.Truncate(filepath.Join(dir, "XTN/00000003.XTN"), postoffice.XTNRecordSize*200000)
		}, 3, "UNREADABLE_FILE", 2, "damaged"},
		{"MBG is a directory", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "MBG/0000000A.MBG"))
			os.Mkdir(filepath.Join(dir, "MBG/0000000A.MBG"), 0o755)
		}, 3, "UNREADABLE_FILE", 2, ""},
		{"FLAG.GLB is a FIFO", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "GLB/FLAG.GLB"))
			syscall.Mkfifo(filepath.Join(dir, "GLB/FLAG.GLB"), 0o644)
		}, 3, "BAD_FILE_SIZE", 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir, _ := stalePO(t)
			c.damage(t, dir)
			before, err := fixture.Tree(dir)
			if err != nil {
				t.Fatal(err)
			}
			code, out, errs := porepair(t, nil, "--po", dir, "diagnose")
			if code != c.diagnose || !strings.Contains(out, c.mustSay) {
				t.Errorf("diagnose: exit %d (want %d), want %q\n%s%s", code, c.diagnose, c.mustSay, out, errs)
			}
			if strings.ContainsRune(out, 0x1b) {
				t.Error("diagnose printed a raw escape byte from the file")
			}
			code, out, errs = porepair(t, nil, "--po", dir, "plan")
			if code != c.plan || !strings.Contains(out+errs, c.planMust) {
				t.Errorf("plan: exit %d (want %d), want %q\n%s%s", code, c.plan, c.planMust, out, errs)
			}
			if strings.Contains(c.name, "FIFO") {
				// Planning reads no FLAG.GLB; the repair's lock refuses it.
				if code, out, errs := porepair(t, nil, "--po", dir, "repair", "--yes"); code != 2 || !strings.Contains(out+errs, "not a regular file") {
					t.Errorf("repair with a FIFO FLAG.GLB: exit %d\n%s", code, errs)
				}
				sameTree(t, dir, before, c.name)
			}
			if c.plan != 0 {
				if code, _, _ := porepair(t, nil, "--po", dir, "repair", "--yes"); code != 2 {
					t.Errorf("repair: exit %d, want 2", code)
				}
				sameTree(t, dir, before, c.name)
			}
		})
	}
}

// A huge queue is streamed, never read whole.
func TestHugeQueueStreamed(t *testing.T) {
	t.Parallel()
	dir, _ := stalePO(t)
	q := filepath.Join(dir, "MBG/0000000A.MBG")
	if err := os.Truncate(q, postoffice.MBGRecordSize*3_000_000); err != nil { // 348 MB, sparse
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), "--po", dir, "diagnose")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	peak, err := fixture.PeakRSS(cmd)
	if err != nil && !strings.Contains(err.Error(), "exit status 3") {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "3000000 headers") {
		t.Fatalf("diagnose:\n%s", out.String())
	}
	if peak > 100<<10 {
		t.Errorf("diagnose of a 348 MB queue peaked at %d MB", peak>>10)
	}
}

// A snapshot manifest edited to point outside the postoffice, or a saved
// plan edited to write there, is refused; nothing outside is touched.
func TestHostileSnapshotAndPlan(t *testing.T) {
	t.Parallel()
	dir, before := stalePO(t)
	outside := filepath.Join(filepath.Dir(dir), "victim")
	os.WriteFile(outside, []byte("keep me"), 0o644)

	planFile := filepath.Join(t.TempDir(), "p.plan")
	if code, _, _ := porepair(t, nil, "--po", dir, "plan", "--out", planFile); code != 0 {
		t.Fatal("plan failed")
	}
	b, _ := os.ReadFile(planFile)
	var pl map[string]any
	json.Unmarshal(b, &pl)
	ch := pl["changes"].([]any)[0].(map[string]any)
	ch["file"] = "../victim"
	b, _ = json.Marshal(pl)
	os.WriteFile(planFile, b, 0o644)
	code, out, _ := porepair(t, nil, "--po", dir, "--json", "repair", "--plan", planFile, "--yes")
	if code != 1 && code != 2 {
		t.Errorf("edited plan: exit %d\n%s", code, out)
	}
	sameTree(t, dir, before, "edited plan")

	if code, _, _ := porepair(t, nil, "--po", dir, "repair", "--yes"); code != 0 {
		t.Fatal("repair failed")
	}
	snaps, _ := filepath.Glob(filepath.Join(dir, "POREPAIR/SNAPSHOT/*/MANIFEST.JSON"))
	if len(snaps) == 0 {
		t.Fatal("no snapshot")
	}
	var m map[string]any
	b, _ = os.ReadFile(snaps[len(snaps)-1])
	json.Unmarshal(b, &m)
	for _, e := range m["entries"].([]any) {
		e.(map[string]any)["file"] = "../victim"
	}
	b, _ = json.Marshal(m)
	os.WriteFile(snaps[len(snaps)-1], b, 0o644)
	code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes", "--force")
	if code == 0 || !strings.Contains(out+errs, "leaves the postoffice") {
		t.Errorf("edited manifest: exit %d\n%s%s", code, out, errs)
	}
	if b, _ := os.ReadFile(outside); string(b) != "keep me" {
		t.Error("a file outside the postoffice was touched")
	}
}

// A rollback that fails at any of its writes reports restore-failed (5)
// and can be run again to the end.
func TestRollbackFailAtEveryWrite(t *testing.T) {
	t.Parallel()
	rollbackFailAtEveryWrite(t, bed{})
}

func rollbackFailAtEveryWrite(t *testing.T, b bed) int {
	n := everyWritePoint(t, b, func(t *testing.T, n int) bool {
		dir, before := scenarioPOIn(t, b.dir, "stale")
		if code, _, _ := porepair(t, nil, "--po", dir, "repair", "--yes"); code != 0 {
			t.Fatal("repair failed")
		}
		code, out, _ := porepair(t, []string{"POREPAIR_FAULT=fail:" + strconvI(n)}, "--po", dir, "--json", "rollback", "--yes")
		if code == 0 {
			sameTree(t, dir, before, "rollback")
			return true
		}
		if code != 5 || !strings.Contains(out, "restore-failed") {
			t.Fatalf("fail:%d: exit %d\n%s", n, code, out)
		}
		if code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes"); code != 0 {
			t.Fatalf("fail:%d: rollback again: exit %d\n%s%s", n, code, out, errs)
		}
		sameTree(t, dir, before, "rollback again")
		return false
	})
	t.Logf("%d rollback failure points", n)
	return n
}
