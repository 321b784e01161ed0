//go:build !linux

package osfs

import "os"

func readDir(dir string) ([]DirEntry, error) {
	ents, err := os.ReadDir(dir)
	out := make([]DirEntry, len(ents))
	for i, e := range ents {
		out[i] = DirEntry{Name: e.Name(), Type: e.Type()}
	}
	return out, err
}
