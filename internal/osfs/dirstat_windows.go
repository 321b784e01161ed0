package osfs

import (
	"os"
	"path/filepath"
)

// dirHandle on Windows is the path: Windows has no lstat relative to a
// directory handle that os exposes, and an NTFS or SMB lookup by full
// path is one request either way.
type dirHandle struct{}

func openDirHandle(dir string) (dirHandle, error) {
	fi, err := os.Stat(dir)
	if err == nil && !fi.IsDir() {
		err = &os.PathError{Op: "open", Path: dir, Err: os.ErrInvalid}
	}
	return dirHandle{}, err
}

func (dirHandle) lstat(dir, name string) (NameStat, error) {
	return LstatPath(filepath.Join(dir, name))
}

func (dirHandle) close() error { return nil }
