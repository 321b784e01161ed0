//go:build linux

package main

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/porepair/porepair/internal/sharetest"
	"github.com/porepair/porepair/testdata/fixture"
)

// TestShares runs, on each real file system of the test bed (NTFS through
// ntfs-3g, FAT16 through fusefat, an SMB share through smbnetfs), what the
// other tests run on the local disk: every scenario's repair, verify and
// rollback, the crash and failure loops of repair and rollback, two
// porepairs at once and the random-SIGKILL campaign. One mount per file
// system serves all of them; each postoffice is a fresh directory on it.
// A file system that cannot be mounted fails; one that cannot be tried
// here (no root, no /dev/fuse) is skipped and named in the report file
// make test prints (sharetest.Need).
//
// The file systems, and the parts of each, run at once, each in a
// goroutine of its own rather than as parallel subtests: go test runs as
// many parallel tests as there are CPUs (2 here), and a porepair on a
// FUSE file system mostly waits for the file system's daemon, so the
// parts at once take the time of the slowest instead of queueing behind
// each other for two slots.
func TestShares(t *testing.T) {
	t.Parallel()
	var suites []func()
	for _, k := range sharetest.Kinds {
		suites = append(suites, func() {
			t.Run(k.String(), func(t *testing.T) { shareSuite(t, k, mounts(t, k)) })
		})
	}
	all(suites)
}

// mounts mounts a file system of kind k and returns the directories the
// suite's parts work in, in turn. For SMB these are three clients of one
// server: smbnetfs answers one request at a time, so the parts at once
// would otherwise queue behind one another in it. Each client's directory
// is known by its name on the server too (onServer): the suite's
// postoffices are written there, as an administrator would copy one onto
// the file server, and porepair works on them through the client.
const smbClients = 3

func mounts(t *testing.T, k sharetest.Kind) []string {
	if k != sharetest.SMB {
		return []string{sharetest.New(t, k).Dir}
	}
	s := sharetest.StartSamba(t)
	var dirs []string
	for range smbClients {
		m := s.Client(t)
		onServer.Store(m.Dir, m.Local)
		t.Cleanup(func() { onServer.Delete(m.Dir) })
		dirs = append(dirs, m.Dir)
	}
	return dirs
}

// shareSuite is TestShares on one file system. Each part is a subtest of
// its own, so that one file system's first failure does not hide the
// others; the figures are logged for docs/reliability.md. The parts run
// at once (see TestShares), each on postoffices of its own, but for the
// ones that time their runs (two porepairs at once, the kills), which
// run one after the other.
func shareSuite(t *testing.T, k sharetest.Kind, dirs []string) {
	var parts []func()
	// part adds a part, working in the next of dirs.
	part := func(name string, f func(t *testing.T, where string)) {
		where := dirs[len(parts)%len(dirs)]
		parts = append(parts, func() { t.Run(name, func(t *testing.T) { f(t, where) }) })
	}
	for _, sc := range roundTripScenarios(t, k) {
		part("roundtrip/"+sc, func(t *testing.T, where string) { shareRoundTrip(t, where, sc, false) })
	}
	part("roundtrip/mixed-case", func(t *testing.T, where string) { shareRoundTrip(t, where, "stale", true) })
	part("metadata", shareMetadata)
	b := loopBed(t, k)
	crashes, failures := loopsHere(t, k)
	for _, sc := range stressScenarios() {
		if crashes {
			part("crash/"+sc, func(t *testing.T, where string) {
				t.Logf("%s %s: %d repair crash points", k, sc, crashAtEveryWrite(t, b.in(where), sc))
			})
		}
		if failures {
			part("fail/"+sc, func(t *testing.T, where string) {
				t.Logf("%s %s: %d repair failure points", k, sc, failAtEveryWrite(t, b.in(where), sc))
			})
		}
	}
	if failures {
		part("rollback-crash", func(t *testing.T, where string) {
			t.Logf("%s: %d rollback crash points", k, rollbackCrashAtEveryWrite(t, b.in(where)))
		})
	}
	if crashes {
		part("rollback-fail", func(t *testing.T, where string) {
			t.Logf("%s: %d rollback failure points", k, rollbackFailAtEveryWrite(t, b.in(where)))
		})
	}
	// These two time their runs: one after the other, not beside each other.
	part("timed", func(t *testing.T, where string) {
		t.Run("concurrent", func(t *testing.T) { shareConcurrent(t, where) })
		t.Run("kill", func(t *testing.T) { shareKills(t, k, where) })
	})
	all(parts)
}

// roundTripScenarios are the scenarios whose repair and rollback
// shareSuite runs on a file system of kind k, besides the stale one in
// mixed case: under make stress every one; in make test one of the others
// by turns, so that each run tries each of them on one file system and,
// run after run, on each (the turn is logged). The stale one spelled as
// ADMIN spells it is left to make stress: the mixed-case round trip makes
// the same checks, and the failpoint loops repair and roll back the
// stale postoffice as spelled. A round trip on smbnetfs cost about a CPU
// second.
func roundTripScenarios(t *testing.T, k sharetest.Kind) []string {
	others := []string{"lower", "hub-wrong", "files-missing"}
	if os.Getenv("POREPAIR_STRESS") != "" {
		return append([]string{"stale"}, others...)
	}
	i := slices.Index(sharetest.Kinds, k)
	sc := others[(i+int(roundTripTurn))%len(others)]
	t.Logf("%s: round trips of mixed-case and %s (make stress: every scenario)", k, sc)
	return []string{sc}
}

// loopsHere says which failpoint loops shareSuite runs on a file system
// of kind k: under make stress all four; in make test two, by turns (the
// round trips' turn), so that each run tries all four on the three file
// systems between them: the repair's crashes and the rollback's failures
// (crashes), or the repair's failures and the rollback's crashes
// (failures). The loops were most of the suites' CPU time.
func loopsHere(t *testing.T, k sharetest.Kind) (crashes, failures bool) {
	if os.Getenv("POREPAIR_STRESS") != "" {
		return true, true
	}
	crashes = (slices.Index(sharetest.Kinds, k)+int(roundTripTurn))%2 == 0
	if crashes {
		t.Logf("%s: the repair's crash and the rollback's failure loops (make stress: all four)", k)
	} else {
		t.Logf("%s: the repair's failure and the rollback's crash loops (make stress: all four)", k)
	}
	return crashes, !crashes
}

// roundTripTurn is this process's turn of roundTripScenarios.
var roundTripTurn = time.Now().UnixNano() % 3

// all runs the functions at once and returns when each has.
func all(fs []func()) {
	var wg sync.WaitGroup
	for _, f := range fs {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	wg.Wait()
}

// loopBed is where the failpoint loops run on a share, and which write
// points they try: in make test on NTFS every third, on FAT every sixth
// and on SMB every twelfth, from a first point chosen at random and
// logged, so that runs cover them all between them. A porepair process
// takes 2–3 times as long on fusefat and 5–8 times on smbnetfs as on
// ntfs-3g; every write point made the suite two minutes long on FAT and
// six on SMB, and every third (FAT) and sixth (SMB) still a third of
// make test's CPU time (this 2-core machine). make stress
// (POREPAIR_STRESS=1) tries every write point of each.
func loopBed(t *testing.T, k sharetest.Kind) bed {
	var b bed
	if os.Getenv("POREPAIR_STRESS") != "" {
		return b
	}
	switch k {
	case sharetest.NTFS:
		b.every = 3
	case sharetest.FAT:
		b.every = 6
	case sharetest.SMB:
		b.every = 12
	}
	b.first = 1 + int(time.Now().UnixNano()%int64(b.every))
	t.Logf("%s: every %s write point from the %s (make stress tries each)", k, ordinal(b.every), ordinal(b.first))
	return b
}

// ordinal spells n as "1st", "2nd", "12th".
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}

// in is b working in dir.
func (b bed) in(dir string) bed { b.dir = dir; return b }

// shareKills is the random-SIGKILL campaign on a share: in make test one
// run of each on one file system, by turns with the round trips'
// (roundTripTurn; a run on smbnetfs cost nearly two CPU seconds), at
// least 50 kills on each under make stress.
func shareKills(t *testing.T, k sharetest.Kind, where string) {
	runs, least := 1, 0
	if os.Getenv("POREPAIR_STRESS") != "" {
		runs, least = 35, 50
	} else if turn := sharetest.Kinds[int(roundTripTurn)%len(sharetest.Kinds)]; k != turn {
		t.Skipf("the campaign runs on %s in this make test, by turns (make stress: on each)", turn)
	}
	rep, rb := killCampaign(t, where, uint64(time.Now().UnixNano()), runs)
	t.Logf("%s: repair %v; rollback %v", k, rep, rb)
	if n := rep.kills + rb.kills; n < least {
		t.Errorf("only %d kills on %s; the campaign promises at least %d", n, k, least)
	}
}

// shareRoundTrip repairs a scenario on the share, checks the snapshot and
// the repaired postoffice (diagnose clean, every name spelled as before,
// the new queue pair upper case), rolls back and compares every name and
// byte with the tree before. With mixed, every name of the postoffice is
// first respelled in mixed case (Glb/Network.glb), as a copy through
// another client or an old DOS tool may leave it: porepair finds its files
// whatever their case, and keeps their spelling.
func shareRoundTrip(t *testing.T, where, sc string, mixed bool) {
	dir, before := scenarioPOIn(t, where, sc)
	if mixed {
		dir, before = mixCase(t, where, dir)
	}
	code, out, errs := porepair(t, nil, append([]string{"--json"}, repairArgs(dir, sc, t)...)...)
	if code != 0 {
		t.Fatalf("repair: exit %d\n%s%s", code, out, errs)
	}
	var res struct{ Snapshot string }
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Snapshot == "" {
		t.Fatalf("repair's JSON without a snapshot: %v\n%s", err, out)
	}
	if code, out, errs := porepair(t, nil, "--po", dir, "snapshots", "verify", res.Snapshot); code != 0 {
		t.Fatalf("snapshots verify: exit %d\n%s%s", code, out, errs)
	}
	if code, out, _ := porepair(t, nil, "--po", dir, "diagnose"); code != 0 || strings.Contains(out, "ERROR") {
		t.Fatalf("diagnose after the repair: exit %d\n%s", code, out)
	}
	after, err := treeOf(dir)
	if err != nil {
		t.Fatal(err)
	}
	sameSpelling(t, before, after)
	if code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes"); code != 0 {
		t.Fatalf("rollback: exit %d\n%s%s", code, out, errs)
	}
	sameTree(t, dir, before, "rollback")
	if code, out, _ := porepair(t, nil, "--po", dir, "diagnose"); code != 3 || strings.Contains(out, "INTERRUPTED_REPAIR") {
		t.Fatalf("diagnose after the rollback: exit %d, want 3 (the scenario's finding back)\n%s", code, out)
	}
}

// sameSpelling checks the names a repair leaves: every name it did not
// move is spelled as before (a file rewritten through a temp file and a
// rename keeps its case, also on a file system that ignores case), and a
// name it made (the new queue pair, a component file put back from the
// media) is upper case, as ADMIN writes them. Only the moved queue pair
// (MBG/ and KEY/) may be gone.
func sameSpelling(t *testing.T, before, after map[string]string) {
	t.Helper()
	for name := range before {
		if _, ok := after[name]; !ok {
			dir := strings.ToUpper(path.Dir(name))
			if dir != "MBG" && dir != "KEY" {
				t.Errorf("the repair changed the name of %s (not the queue pair)", name)
			}
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			if base := path.Base(name); base != strings.ToUpper(base) {
				t.Errorf("the repair made %s: not upper case", name)
			}
		}
	}
}

// shareConcurrent starts a slowed repair and a second porepair on the
// same mount: the second exits 4 and writes nothing; the first completes.
func shareConcurrent(t *testing.T, where string) {
	dir, _ := scenarioPOIn(t, where, "stale")
	a := startSlow(t, dir, 100)
	code, _, errs := porepair(t, nil, "--po", dir, "repair", "--yes")
	if code != 4 || !strings.Contains(errs, "in use") {
		t.Errorf("second repair: exit %d, want 4\n%s", code, errs)
	}
	if err := a.Wait(); err != nil {
		t.Fatalf("the first repair: %v", err)
	}
	if code, out, _ := porepair(t, nil, "--po", dir, "diagnose"); code != 0 {
		t.Fatalf("after the repair: exit %d\n%s", code, out)
	}
	// The second wrote no snapshot and no journal of its own.
	code, out, _ := porepair(t, nil, "--po", dir, "--json", "snapshots", "list")
	var list struct{ Snapshots []json.RawMessage }
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list.Snapshots) != 1 {
		t.Fatalf("snapshots after two repairs at once: exit %d, %v, want exactly one\n%s", code, err, out)
	}
	sameTree(t, dir, repairedTreeOf(t, "stale"), "after two repairs at once")
}

// repairedTreeOf is the tree a completed repair of the scenario leaves
// on the local disk: what a repair on a share must leave too.
func repairedTreeOf(t *testing.T, sc string) map[string]string {
	t.Helper()
	dir, _ := scenarioPO(t, sc)
	if code, _, errs := porepair(t, nil, repairArgs(dir, sc, t)...); code != 0 {
		t.Fatalf("local repair: exit %d\n%s", code, errs)
	}
	tree, err := fixture.Tree(dir)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// shareMetadata gives every file of a postoffice on the share an old
// modification time and mode 0660, records what the share kept of them
// (FAT keeps no mode, an SMB client may show its own), and checks that
// a repair keeps the mode and a rollback puts back mode and time of
// every file: those it rewrote and the queue pair it moved.
func shareMetadata(t *testing.T, where string) {
	dir, before := scenarioPOIn(t, where, "stale")
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for rel := range before {
		if before[rel] == "dir" {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(rel))
		os.Chmod(p, 0o660) // what the share cannot hold it keeps as it was
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	meta0 := modeTimes(t, dir)
	if code, _, errs := porepair(t, nil, "--po", dir, "repair", "--yes"); code != 0 {
		t.Fatalf("repair: exit %d\n%s", code, errs)
	}
	for rel, m := range modeTimes(t, dir) {
		if want, ok := meta0[rel]; ok && m.mode != want.mode {
			t.Errorf("after the repair %s has mode %o, want %o", rel, m.mode, want.mode)
		}
	}
	if code, _, errs := porepair(t, nil, "--po", dir, "rollback", "--yes"); code != 0 {
		t.Fatalf("rollback: exit %d\n%s", code, errs)
	}
	sameTree(t, dir, before, "rollback")
	got := modeTimes(t, dir)
	for rel, m := range meta0 {
		if got[rel] != m {
			t.Errorf("after the rollback %s is %o %v, want %o %v", rel, got[rel].mode, got[rel].mtime, m.mode, m.mtime)
		}
	}
}

type modeTime struct {
	mode  os.FileMode
	mtime time.Time
}

// modeTimes is every file's mode and modification time (to the second:
// FAT keeps two), porepair's own directory left out.
func modeTimes(t *testing.T, dir string) map[string]modeTime {
	t.Helper()
	out := map[string]modeTime{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			if err == nil && d.Name() == "POREPAIR" {
				return filepath.SkipDir
			}
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = modeTime{fi.Mode().Perm(), fi.ModTime().Truncate(2 * time.Second)}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// mixCase copies the postoffice at dir into a fresh directory below
// where, every name respelled with its first letter upper case and the
// rest lower case (Glb/Network.glb), and returns the copy and its tree.
// A copy, not renames: fusefat loses a directory's contents when the
// directory is renamed (docs/shares.md).
func mixCase(t *testing.T, where, dir string) (string, map[string]string) {
	t.Helper()
	parent, err := os.MkdirTemp(where, "mixed")
	if err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(parent, "MAILDATA")
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		var parts []string
		for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
			part = strings.ToLower(part)
			parts = append(parts, strings.ToUpper(part[:1])+part[1:])
		}
		dst := filepath.Join(to, filepath.FromSlash(strings.Join(parts, "/")))
		if rel == "." {
			dst = to
		}
		if d.IsDir() {
			return os.Mkdir(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	tree, err := fixture.Tree(to)
	if err != nil {
		t.Fatal(err)
	}
	return to, tree
}
