//go:build !unix

package backup

import "io/fs"

// owner: the system has no numeric owner to keep.
func owner(fs.FileInfo) (int, int) { return -1, -1 }
