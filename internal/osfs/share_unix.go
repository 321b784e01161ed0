//go:build linux || darwin || freebsd

package osfs

import "os"

// IsSharingViolation is in sharing_unix.go.

// IsHeldOpen reports whether a rename or an open failed because another
// program holds the file open; on Unix that is only a share's sharing
// violation: a local rename never fails for an open file.
func IsHeldOpen(err error) bool { return IsSharingViolation(err) }

// OpenNoShare is OpenNoFollow: Unix has no share modes, and the lock
// LockExclusive takes is what other programs see.
func OpenNoShare(path string, flag int) (*os.File, error) { return OpenNoFollow(path, flag, 0) }

// HeldOpen: Unix cannot tell whether another program has a file open
// short of reading /proc, and a local rename does not care; a share's
// refusal shows up as IsHeldOpen at the rename.
func HeldOpen(path string) (bool, error) { return false, nil }
