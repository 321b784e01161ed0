// Package sharetest mounts, for a test, real implementations of the file
// systems MS Mail postoffices live on, none of them written here: NTFS
// (Debian's ntfs-3g on an image made by mkntfs), FAT (fusefat on a FAT16
// image made by mkfs.vfat) and an SMB share (Samba's smbd, started by the
// test in a network namespace of its own on 127.0.0.1:445, mounted through
// smbnetfs, an SMB2/3 client over FUSE). A second smbnetfs mount of the same
// share is a second administration host: its locks, caches and sharing
// rules are its own. A client made by SlowClient reaches smbd through a
// latency proxy (package latency) that adds a round trip of its choosing,
// a slow link to the file server; Program runs the test bed from a program
// that is not a test (the bench).
//
// Everything a test starts is stopped by its cleanup, failed test or not;
// a run killed before its cleanups (a test timeout) leaves mounts that the
// next run removes first (Sweep). Where the machine has root and /dev/fuse,
// a tool that is missing is installed from Debian's packages, and one that
// cannot be installed or a file system that cannot be mounted fails the
// test naming why; without root or /dev/fuse every test that asks for a
// mount is skipped naming what is missing, and the skip is written to the
// report file (POREPAIR_SHARES_REPORT) that make test prints at its end, so
// that a run in which the real-share suite did not run says so.
package sharetest
