//go:build !windows

package osfs

import "syscall"

// sharingViolations are the errnos this system's share clients give for an
// open the server refused because another client holds the file.
var sharingViolations = []error{syscall.EBUSY, syscall.EACCES, syscall.ETXTBSY}
