package osfs

import (
	"path/filepath"

	"golang.org/x/sys/unix"
)

func absPath(p string) (string, error) {
	if filepath.IsAbs(p) {
		return filepath.Clean(p), nil
	}
	wd, err := unix.Getwd()
	if err != nil {
		return "", err
	}
	return filepath.Join(wd, p), nil
}
