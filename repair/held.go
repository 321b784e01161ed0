package repair

import (
	"fmt"

	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
)

// checkHeld refuses, before anything is written, a repair whose rename
// over a file would fail because another program holds it open (on
// Windows: opened without FILE_SHARE_DELETE, as EXTERNAL holds a mailbag
// it reads). Refused here the postoffice is untouched and the user is told
// which file; found only at the rename, after HeldRetry, the repair would
// have to roll back. On Unix, osfs.HeldOpen sees a share's refusal (a
// local file system has none, and its renames replace open files).
func checkHeld(po *postoffice.PO, changes []plan.Change) error {
	for _, c := range changes {
		if c.Before == nil {
			continue
		}
		full, err := inside(po, c.File)
		if err != nil {
			return err
		}
		held, err := osfs.HeldOpen(full)
		if err != nil {
			return err
		}
		if held {
			return heldError(c.File)
		}
	}
	return nil
}

// heldError is the refusal of a file another program holds open.
func heldError(rel string) error {
	return fmt.Errorf("%s is held open by another program (EXTERNAL, ADMIN or a scanner, on this host or another client of the share): %w; close it and run again, nothing written", rel, ErrBusy)
}
