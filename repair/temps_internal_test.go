package repair

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/porepair/porepair/durable"
	"github.com/porepair/porepair/internal/errlist"
)

// A foreign file at a temp name is remembered however the errors of a
// restore were gathered: alone, wrapped, or among others in one list.
func TestNoteForeignSeesEveryError(t *testing.T) {
	root := t.TempDir()
	tie := &durable.TempInUseError{Path: filepath.Join(root, "GLB", "NETWORK.PPT")}
	for name, err := range map[string]error{
		"alone":     tie,
		"in a list": errlist.Join(errors.New("restore GLB/CONTROL.GLB: disk gone"), tie, errors.New("another")),
		"wrapped":   errlist.Join(errors.New("first"), errors.Join(errors.New("x"), tie)),
	} {
		j := &Journal{}
		noteForeign(j, root, err)
		if !j.Foreign["GLB/NETWORK.PPT"] {
			t.Errorf("%s: the foreign temp file was not noted: %v", name, j.Foreign)
		}
	}
}
