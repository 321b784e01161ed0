package osfs

// renameExclusive: FreeBSD has no rename that refuses to replace, so
// RenameNoReplace always takes its checked fallback, safe under
// porepair's postoffice lock.
func renameExclusive(from, to string) error { return errNoNative }
