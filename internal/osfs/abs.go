package osfs

// AbsPath is p made absolute against the working directory and cleaned,
// as filepath.Abs makes it. On Linux it asks the kernel for the working
// directory (getcwd) instead of os.Getwd's two stats (of "." and of
// $PWD, to prefer the logical path): when the working directory is on a
// share, each stat is a round trip, and porepair resolves the
// postoffice's links anyway.
func AbsPath(p string) (string, error) { return absPath(p) }

// ListResolved lists dir as ReadDir does and also returns dir with its
// symbolic links resolved, as filepath.EvalSymlinks would: on Linux from
// the open directory handle the listing reads (its /proc/self/fd link),
// instead of an lstat of every component of the path, each a round trip
// on a share; elsewhere, or without /proc, by EvalSymlinks. dir must be
// absolute.
func ListResolved(dir string) (ents []DirEntry, real string, err error) {
	return listResolved(dir)
}
