package osfs

import "golang.org/x/sys/windows"

// sharingViolations are what Windows says for an open refused because
// another program holds the file: no sharing, or a byte-range lock.
var sharingViolations = []error{windows.ERROR_SHARING_VIOLATION, windows.ERROR_LOCK_VIOLATION}
