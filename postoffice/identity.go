package postoffice

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/porepair/porepair/internal/osfs"
)

// OwnDir is porepair's own directory in a PO root: an 8.3 name MS Mail
// ignores. Everything porepair keeps in a postoffice is under it.
const OwnDir = "POREPAIR"

// SnapshotDir is where a PO's snapshots are kept unless --snapshot-dir
// says otherwise.
const SnapshotDir = OwnDir + "/SNAPSHOT"

// IdentityPath is where a postoffice keeps the identity porepair gave it:
// a path moves with the share (another mount point, another host, mv), so
// snapshots, journals and saved plans name the PO by this id instead.
const IdentityPath = OwnDir + "/ID"

// porepair's other files under OwnDir, named here only: the journal of the
// last repair or rollback, the lock file held (with GLB/FLAG.GLB's) while
// one runs, and the holder, the lock every host mounting the share sees: a
// directory, whose RUN file says which run holds it.
const (
	JournalPath   = OwnDir + "/JOURNAL"
	LockPath      = OwnDir + "/LOCK"
	HolderPath    = OwnDir + "/HOLDER"
	HolderRunPath = HolderPath + "/RUN"
)

// identityLen is the length of an id: 32 hex digits (128 random bits).
const identityLen = 32

// ValidIdentity reports whether s has the shape of a PO id.
func ValidIdentity(s string) bool {
	if len(s) != identityLen {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

// ReadIdentity returns the PO's id, or "" when porepair never repaired it.
// Only a regular file is read (never a link or a FIFO), and a malformed id
// is an error: it would make a PO find another's snapshots.
func ReadIdentity(root string) (string, error) {
	file := filepath.Join(root, filepath.FromSlash(IdentityPath))
	b, err := osfs.ReadRegular(file, 256)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", nil
	case errors.Is(err, osfs.ErrNotRegular):
		return "", fmt.Errorf("postoffice identity %s is not a regular file", IdentityPath)
	case err != nil:
		return "", fmt.Errorf("postoffice identity: %w", err)
	}
	id := strings.TrimSpace(string(b))
	if !ValidIdentity(id) {
		return "", fmt.Errorf("postoffice identity %s is damaged (want %d hex digits)", IdentityPath, identityLen)
	}
	return id, nil
}
