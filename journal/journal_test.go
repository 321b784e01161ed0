package journal_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/porepair/porepair/journal"
)

func write(t *testing.T, text string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, journal.Dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, journal.Name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

const (
	begin = `{"op":"begin","snapshot":"S1","kind":"repair"}` + "\n"
	step  = `{"op":"step","step":1,"change":"patch","file":"GLB/CONTROL.GLB"}` + "\n"
)

// A crash while appending tears the last line: that step was not begun.
func TestReadToleratesATornLastLine(t *testing.T) {
	j, err := journal.Read(write(t, begin+step+`{"op":"st`))
	if err != nil || len(j.Steps) != 1 || j.Done != nil {
		t.Fatalf("journal = %+v, %v", j, err)
	}
	if err := journal.Interrupted(write(t, begin+step)); err == nil || !strings.Contains(err.Error(), "snapshot S1") {
		t.Errorf("interrupted = %v", err)
	}
}

// Any other damage is an error that says where and what.
func TestReadRefusesDamage(t *testing.T) {
	for name, text := range map[string]string{
		"garbage in the middle": begin + "garbage\n" + step,
		"a whole bad last line": begin + step + "garbage\n",
		"unknown record":        begin + `{"op":"chmod"}` + "\n",
		"second begin":          begin + begin,
		"step before the begin": step + begin,
		"no begin at all":       step,
	} {
		root := write(t, text)
		_, err := journal.Read(root)
		if err == nil {
			t.Errorf("%s: read", name)
			continue
		}
		if ierr := journal.Interrupted(root); ierr == nil || !strings.Contains(ierr.Error(), err.Error()) {
			t.Errorf("%s: Interrupted does not say why: %v", name, ierr)
		}
	}
	if _, err := journal.Read(write(t, begin+"garbage\n"+step)); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("the error does not name the line: %v", err)
	}
}

// The journal is preallocated and written in place: no record extends the
// file (FAT clients refuse that) and none needs O_APPEND (SMB clients
// refuse it). One that does not fit rewrites the journal larger, by rename.
func TestRecordsWrittenInPlace(t *testing.T) {
	root := write(t, "")
	j, err := journal.Create(root, journal.Record{Op: journal.OpBegin, Kind: journal.KindRepair, Snapshot: "S1"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, journal.Name)
	long := strings.Repeat("F", 300)
	for i := 1; i <= 100; i++ {
		if err := j.Step(journal.Record{Step: i, Change: "patch", File: long}); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 && fi.Size() != journal.Prealloc {
			t.Fatalf("journal is %d bytes after one step, want the preallocated %d", fi.Size(), journal.Prealloc)
		}
	}
	if err := j.Complete("repaired"); err != nil {
		t.Fatal(err)
	}
	j.Close()
	got, err := journal.Read(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Steps) != 100 || got.Done == nil || got.Steps[99].Step != 100 || got.Begin.Snapshot != "S1" {
		t.Fatalf("read back %d steps, done %v", len(got.Steps), got.Done)
	}
}

// A journal read back and reopened goes on after its last whole record,
// overwriting a torn one so that none of its bytes is left behind.
func TestReopenOverwritesATornRecord(t *testing.T) {
	torn := `{"op":"step","step":2,"change":"patch","file":"GLB/MASTER.GLB","temp":"GLB/MASTER.PPT"`
	root := write(t, begin+step+torn+strings.Repeat("\x00", 1000))
	j, err := journal.Read(root)
	if err != nil || len(j.Steps) != 1 {
		t.Fatalf("read: %+v, %v", j, err)
	}
	if err := j.Reopen(root); err != nil {
		t.Fatal(err)
	}
	if err := j.Complete("restored"); err != nil {
		t.Fatal(err)
	}
	j.Close()
	b, _ := os.ReadFile(filepath.Join(root, journal.Name))
	if strings.Contains(string(b), "MASTER") {
		t.Errorf("the torn record survived: %q", strings.TrimRight(string(b), "\x00"))
	}
	got, err := journal.Read(root)
	if err != nil || got.Done == nil || got.Done.Status != "restored" || len(got.Steps) != 1 {
		t.Fatalf("read back: %+v, %v", got, err)
	}
}

// A torn record whose first bytes never reached the disk (padding) is
// tolerated; a whole record behind a hole is damage.
func TestReadPaddedJournal(t *testing.T) {
	pad := strings.Repeat("\x00", 64)
	j, err := journal.Read(write(t, begin+step+"\x00\x00\x00"+`"file":"X"}`+"\n"+pad))
	if err != nil || len(j.Steps) != 1 {
		t.Errorf("torn record with a hole at its start: %+v, %v", j, err)
	}
	if _, err := journal.Read(write(t, begin+"\x00\x00"+step+step+pad)); err == nil {
		t.Error("two records behind a hole were read as a torn one")
	}
}

// A record written past the padding (an edit that appended to the file)
// is no torn record: the journal is refused.
func TestReadRefusesRecordPastPadding(t *testing.T) {
	if _, err := journal.Read(write(t, begin+strings.Repeat("\x00", journal.Prealloc)+step)); err == nil {
		t.Error("a whole record past the padding was tolerated as a torn one")
	}
}
