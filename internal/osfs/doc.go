// Package osfs holds the few file operations whose safety depends on the
// operating system: a rename that never replaces, an open that never
// follows a symbolic link or blocks on a FIFO, a directory fsync, and the
// postoffice lock. Each OS has its own file behind the same functions and
// the same promise; the rest of porepair imports no OS-specific package.
//
// porepair builds for linux, windows, darwin and freebsd. Linux is where
// the tests run; the other implementations are cross-compiled and vetted
// (docs/reliability.md, "Portability").
package osfs
