package osfs

import "golang.org/x/sys/unix"

// renameExclusive is renamex_np with RENAME_EXCL (macOS 10.12 and later).
func renameExclusive(from, to string) error {
	return unix.RenamexNp(from, to, unix.RENAME_EXCL)
}
