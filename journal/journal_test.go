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
