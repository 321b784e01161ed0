package backup_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/porepair/porepair/backup"
	"github.com/porepair/porepair/internal/osfs/winetest"
)

func write(t *testing.T, path, data string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "GLB/NETWORK.GLB"), "network")
	write(t, filepath.Join(root, "MBG/0000000A.MBG"), "queue bytes")
	dir := filepath.Join(root, "POREPAIR/SNAPSHOT")
	m := backup.Manifest{ID: backup.NewID(root, time.Now()), PO: root, Entries: []backup.Entry{
		{File: "GLB/NETWORK.GLB", Existed: true},
		{File: "MBG/0000000A.MBG", Existed: true, MovedTo: "MBG/00000031.MBG"},
		{File: "TPL/NEW.TPL"},
	}}
	s, err := backup.Create(root, dir, m)
	if err != nil {
		t.Fatal(err)
	}
	if s.Entries[1].Copy != "" || s.Entries[1].SHA256 == "" {
		t.Error("a moved file was copied, or not hashed")
	}
	if err := s.Verify(); err != nil {
		t.Fatal(err)
	}
	// The repair: change, move, create; and a case variant appears.
	write(t, filepath.Join(root, "GLB/NETWORK.GLB"), "changed")
	os.Rename(filepath.Join(root, "MBG/0000000A.MBG"), filepath.Join(root, "MBG/00000031.MBG"))
	write(t, filepath.Join(root, "TPL/NEW.TPL"), "created")
	// A case variant can exist only where names are case-sensitive (not
	// on Windows or macOS by default, where it would be NETWORK.GLB).
	variant := caseSensitive(t, root)
	if variant {
		write(t, filepath.Join(root, "GLB/network.glb"), "variant")
	}
	for range 2 { // a restore can run again
		if err := s.Restore(root); err != nil {
			t.Fatal(err)
		}
	}
	for rel, want := range map[string]string{"GLB/NETWORK.GLB": "network", "MBG/0000000A.MBG": "queue bytes"} {
		if b, _ := os.ReadFile(filepath.Join(root, rel)); string(b) != want {
			t.Errorf("%s = %q", rel, b)
		}
	}
	gones := []string{"TPL/NEW.TPL", "MBG/00000031.MBG"}
	if variant {
		gones = append(gones, "GLB/network.glb")
	}
	for _, gone := range gones {
		if _, err := os.Lstat(filepath.Join(root, gone)); err == nil {
			t.Errorf("%s still there", gone)
		}
	}
	list, err := backup.List(dir, nil, true)
	if err != nil || len(list) != 1 || !list[0].Complete {
		t.Errorf("list = %v %v", list, err)
	}
}

// statMode is file's permission bits as a snapshot records them.
func statMode(t *testing.T, file string) uint32 {
	t.Helper()
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(fi.Mode().Perm())
}

// caseSensitive reports whether the file system under dir tells names
// apart by case: GLB/NETWORK.GLB exists, is glb/network.glb found too?
func caseSensitive(t *testing.T, dir string) bool {
	t.Helper()
	_, err := os.Lstat(filepath.Join(dir, "glb/network.glb"))
	return err != nil
}

// A manifest edited to point outside the PO, or through a symbolic link,
// is refused and nothing is written.
func TestRestoreRefusesHostileManifest(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	write(t, filepath.Join(root, "GLB/X.GLB"), "x")
	write(t, filepath.Join(outside, "victim"), "keep me")
	evils := []string{"../" + filepath.Base(outside) + "/victim", "/etc/passwd", "GLB/../../x", ""}
	if why := winetest.TrySymlink(t, outside, filepath.Join(root, "LINK")); why == "" {
		evils = append(evils, "LINK/victim")
	} else {
		t.Logf("no LINK/victim case: %s", why)
	}
	dir := t.TempDir()
	s, err := backup.Create(root, dir, backup.Manifest{ID: "s1", PO: root, Entries: []backup.Entry{{File: "GLB/X.GLB", Existed: true}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, evil := range evils {
		m := s.Manifest
		m.Entries = []backup.Entry{{File: evil, Existed: false}}
		b, _ := json.Marshal(m)
		os.WriteFile(filepath.Join(s.Dir, backup.ManifestName), b, 0o644)
		s2, err := backup.Open(dir, "s1")
		if err != nil {
			t.Fatal(err)
		}
		if err := s2.Restore(root); err == nil || !strings.Contains(err.Error(), "snapshot path") {
			t.Errorf("%q: restore = %v", evil, err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "victim")); string(b) != "keep me" {
		t.Error("a file outside the PO was touched")
	}
	if _, err := backup.Open(dir, "../x"); err == nil {
		t.Error("an id with a path was accepted")
	}
}

func TestVerifyFindsDamage(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "GLB/X.GLB"), "original")
	s, err := backup.Create(root, t.TempDir(), backup.Manifest{ID: "s1", PO: root, Entries: []backup.Entry{{File: "GLB/X.GLB", Existed: true}}})
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(s.Dir, s.Entries[0].Copy), "tampered")
	if err := s.Verify(); err == nil {
		t.Error("a damaged copy verified")
	}
	write(t, filepath.Join(root, "GLB/X.GLB"), "changed")
	if err := s.Restore(root); err == nil {
		t.Error("restored from a damaged copy")
	}
}

func TestIDsUnique(t *testing.T) {
	now := time.Now()
	seen := map[string]bool{}
	for i := range 200 {
		id := backup.NewID([]string{"/po/a", "/po/b"}[i%2], now)
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
}

// A snapshot records what is on disk, whatever its caller claims: an
// entry said not to exist is copied when the file is there, with its
// mode and modification time; a restore puts both back.
func TestCreateRecordsTheDisk(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "GLB/CONTROL.GLB")
	write(t, file, "control")
	os.Chmod(file, 0o640)
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	os.Chtimes(file, old, old)
	// Windows has no permission bits: a chmod there sets or clears the
	// read-only attribute only, and the mode read back is 0666 or 0444.
	mode := statMode(t, file)
	s, err := backup.Create(root, t.TempDir(), backup.Manifest{ID: "s1", PO: root, Entries: []backup.Entry{{File: "GLB/CONTROL.GLB", Existed: false}}})
	if err != nil {
		t.Fatal(err)
	}
	e := s.Entries[0]
	if !e.Existed || e.Copy == "" || e.Meta == nil || e.Meta.Mode != mode {
		t.Fatalf("entry = %+v", e)
	}
	write(t, file, "rewritten")
	os.Chmod(file, 0o400) // read-only on Windows too
	if statMode(t, file) == mode {
		t.Fatal("the chmod changed nothing: the restore of the mode is not tested")
	}
	if err := s.Restore(root); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(file); string(b) != "control" || fi.Mode().Perm() != fs.FileMode(mode) || !fi.ModTime().Equal(old) {
		t.Errorf("restored %q, mode %v, time %v", b, fi.Mode(), fi.ModTime())
	}
}

// A queue pair of which one file changed is moved back together or not
// at all: without MoveChanged nothing is moved; with it, both are.
func TestRestoreKeepsPairTogether(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "MBG/0000000A.MBG"), "mbg")
	write(t, filepath.Join(root, "KEY/0000000A.KEY"), "key")
	s, err := backup.Create(root, t.TempDir(), backup.Manifest{ID: "s1", PO: root, Entries: []backup.Entry{
		{File: "KEY/0000000A.KEY", MovedTo: "KEY/00000031.KEY"},
		{File: "MBG/0000000A.MBG", MovedTo: "MBG/00000031.MBG"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	os.Rename(filepath.Join(root, "KEY/0000000A.KEY"), filepath.Join(root, "KEY/00000031.KEY"))
	os.Rename(filepath.Join(root, "MBG/0000000A.MBG"), filepath.Join(root, "MBG/00000031.MBG"))
	write(t, filepath.Join(root, "MBG/00000031.MBG"), "mbg plus new mail")
	if err := s.Restore(root); err == nil || !strings.Contains(err.Error(), "queue pair") {
		t.Fatalf("restore = %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "KEY/00000031.KEY")); err != nil {
		t.Fatal("the unchanged half of the pair was moved alone")
	}
	if err := s.RestoreWith(root, backup.RestoreOptions{MoveChanged: true}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"KEY/0000000A.KEY", "MBG/0000000A.MBG"} {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("%s not moved back", p)
		}
	}
}

// A snapshot marked rolled back is listed so.
func TestRolledBackState(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "GLB/X.GLB"), "x")
	dir := t.TempDir()
	s, err := backup.Create(root, dir, backup.Manifest{ID: "s1", PO: root, Entries: []backup.Entry{{File: "GLB/X.GLB"}}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Info().State != backup.StateComplete {
		t.Fatal(s.Info())
	}
	if err := s.MarkRolledBack(time.Now()); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "s2"), 0o755) // no manifest
	list, err := backup.List(dir, nil, true)
	if err != nil || len(list) != 2 {
		t.Fatalf("list = %v %v", list, err)
	}
	states := list[0].State.String() + "," + list[1].State.String()
	if !strings.Contains(states, backup.StateRolledBack.String()) || !strings.Contains(states, backup.StateIncomplete.String()) {
		t.Errorf("states %s", states)
	}
	// complete says the snapshot was made whole, not that it can undo:
	// the rolled-back one stays complete, the one without a manifest not.
	for _, in := range list {
		if in.Complete != (in.State == backup.StateRolledBack) {
			t.Errorf("%s: %s, complete %v", in.ID, in.State, in.Complete)
		}
	}
}

// A pass over the entries lstats each directory once: a directory seen
// to be real for one entry does not let a link through for another.
func TestCheckRefusesLinkAmongRealEntries(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	write(t, filepath.Join(root, "GLB/X.GLB"), "x")
	write(t, filepath.Join(root, "GLB/Y.GLB"), "y")
	write(t, filepath.Join(outside, "victim"), "keep me")
	if why := winetest.TrySymlink(t, outside, filepath.Join(root, "LINK")); why != "" {
		t.Skip(why)
	}
	dir := t.TempDir()
	s, err := backup.Create(root, dir, backup.Manifest{ID: "s1", PO: root, Entries: []backup.Entry{{File: "GLB/X.GLB"}, {File: "GLB/Y.GLB"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(root); err != nil {
		t.Fatalf("real entries: %v", err)
	}
	s.Entries = append(s.Entries, backup.Entry{File: "LINK/victim"}, backup.Entry{File: "GLB/LINKED", MovedTo: "LINK/moved"})
	if err := s.Check(root); err == nil || strings.Count(err.Error(), "symbolic link") != 2 {
		t.Errorf("Check = %v, want both paths through LINK refused", err)
	}
}
