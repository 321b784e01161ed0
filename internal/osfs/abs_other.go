//go:build !linux

package osfs

import "path/filepath"

// absPath is filepath.Abs: on Windows it resolves drive-relative names
// (C:foo, \foo) as the system does.
func absPath(p string) (string, error) { return filepath.Abs(p) }

func listResolved(dir string) ([]DirEntry, string, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, "", err
	}
	ents, err := readDir(real)
	return ents, real, err
}
