package osfs

import "io/fs"

// DirEntry is a name listed in a directory and its type bits, as the
// listing gives them (a symbolic link is a link, not what it points to).
type DirEntry struct {
	Name string
	Type fs.FileMode // type bits only: 0 for a regular file
}

// ReadDir lists dir, unsorted, without "." and "..". A missing directory
// wraps fs.ErrNotExist.
func ReadDir(dir string) ([]DirEntry, error) { return readDir(dir) }
