package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// Meta is what a file carries besides its bytes that the mail programs
// depend on: the service account must still own (or be in the group of)
// and be able to write every file of the share after a repair or a
// rollback. UID and GID are -1 where the system has none.
type Meta struct {
	Mode  uint32 `json:"mode"` // permission bits
	UID   int    `json:"uid"`
	GID   int    `json:"gid"`
	MTime string `json:"mtime"` // RFC 3339, nanoseconds
}

func metaOf(fi fs.FileInfo) *Meta {
	uid, gid := owner(fi)
	return &Meta{Mode: uint32(fi.Mode().Perm()), UID: uid, GID: gid, MTime: fi.ModTime().UTC().Format(time.RFC3339Nano)}
}

// MetaOf reads a file's metadata (not following a symbolic link).
func MetaOf(file string) (*Meta, error) {
	fi, err := os.Lstat(file)
	if err != nil {
		return nil, err
	}
	return metaOf(fi), nil
}

// applyMeta gives file m's owner, group, mode and modification time. A
// process that may not give a file away (not root) keeps what the system
// lets it: EPERM is not an error, it is the documented limit of such a
// run (README, Undo), and must not stop a restore of the bytes.
func applyMeta(file string, m *Meta) error {
	if m == nil {
		return nil
	}
	if err := ApplyOwnerMode(file, m); err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339Nano, m.MTime)
	if err != nil {
		return fmt.Errorf("snapshot metadata of %s: %w", file, err)
	}
	if err := os.Chtimes(file, t, t); err != nil && !errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("restore the time of %s: %w", file, err)
	}
	return nil
}

// ApplyOwnerMode gives file m's owner, group and mode (not its time: a
// repaired file was changed now).
func ApplyOwnerMode(file string, m *Meta) error {
	if m == nil {
		return nil
	}
	if m.UID >= 0 && m.GID >= 0 {
		err := os.Lchown(file, m.UID, m.GID)
		if errors.Is(err, fs.ErrPermission) {
			// Not root: the owner cannot be given away, the group can be
			// kept if the process is in it.
			err = os.Lchown(file, -1, m.GID)
		}
		if err != nil && !errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("restore the owner of %s: %w", file, err)
		}
	}
	if err := os.Chmod(file, fs.FileMode(m.Mode).Perm()); err != nil && !errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("restore the mode of %s: %w", file, err)
	}
	return nil
}
