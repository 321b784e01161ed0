//go:build linux || darwin || freebsd

package osfs

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// FreeSpace is how many bytes an unprivileged writer may still write to
// the file system holding dir. known is false where the file system does
// not say (smbnetfs reports a size of zero): a check must then let the
// work go on and say that it could not look.
func FreeSpace(dir string) (free uint64, known bool, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, false, fmt.Errorf("free space of %s: %w", dir, err)
	}
	if st.Blocks == 0 {
		return 0, false, nil
	}
	return uint64(st.Bavail) * uint64(st.Bsize), true, nil
}
