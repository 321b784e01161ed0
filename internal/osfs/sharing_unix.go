//go:build !windows

package osfs

import (
	"errors"

	"golang.org/x/sys/unix"
)

// IsSharingViolation reports whether err is what this system's clients of
// a share say when the server refused an open because another client holds
// the file open with no sharing (ADMIN, EXTERNAL and IMPORT so hold
// GLB/FLAG.GLB, KB Q131670): the kernel's CIFS client says EBUSY or
// EACCES, others ETXTBSY. EACCES is also a plain lack of rights: a caller
// that must tell the two apart names both in its message. The EIO a FUSE
// client (smbnetfs) gives is no errno of its own: see RefusedOpen.
func IsSharingViolation(err error) bool {
	for _, e := range []error{unix.EBUSY, unix.EACCES, unix.ETXTBSY} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// notEmpty reports whether a directory's removal failed for a name still
// in it: on a share, a file another client holds open is deleted only
// when that client closes it.
func notEmpty(err error) bool { return errors.Is(err, unix.ENOTEMPTY) || errors.Is(err, unix.EEXIST) }
