package osfs

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// direntBufSize is how much of a directory one getdents64 returns. The
// os package asks for 8 KiB, about 250 DOS names: a hub's MBG directory
// of 5,000 mailbags took 20 calls, each a round trip on a share; this
// takes it in one, and an end-of-directory call.
const direntBufSize = 256 << 10

var direntBufs = sync.Pool{New: func() any { b := make([]byte, direntBufSize); return &b }}

// Offsets in a struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2),
// d_type (1), then the NUL-terminated name.
const (
	direntReclen = 16
	direntType   = 18
	direntName   = 19
)

func readDir(dir string) ([]DirEntry, error) {
	fd, err := openDirFD(dir)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	return readDirFD(fd, dir)
}

func listResolved(dir string) ([]DirEntry, string, error) {
	fd, err := openDirFD(dir)
	if err != nil {
		return nil, "", err
	}
	defer unix.Close(fd)
	real, ok := fdPath(fd)
	if ok && strings.EqualFold(real, filepath.Clean(dir)) {
		// On a file system that resolves names in any case (vfat, CIFS
		// with nocase) the kernel names the directory as it was first
		// looked up, maybe by another spelling than this run's: a path
		// that differs from the one given only in case is the one given,
		// as EvalSymlinks answers (but for a link named as its target in
		// another case, which it would follow).
		real = filepath.Clean(dir)
	}
	if !ok {
		if real, err = filepath.EvalSymlinks(dir); err != nil {
			return nil, "", err
		}
	}
	ents, err := readDirFD(fd, dir)
	return ents, real, err
}

// fdPath is the path the kernel names an open directory by: dir's path
// with every link resolved, as the dentry cache has it (no call reaches
// the file system). Not ok without /proc, or for a directory removed
// since it was opened.
func fdPath(fd int) (string, bool) {
	real, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil || !filepath.IsAbs(real) || strings.HasSuffix(real, " (deleted)") {
		return "", false
	}
	return real, true
}

func readDirFD(fd int, dir string) ([]DirEntry, error) {
	bp := direntBufs.Get().(*[]byte)
	defer direntBufs.Put(bp)
	var out []DirEntry
	for {
		n, err := unix.ReadDirent(fd, *bp)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "readdirent", Path: dir, Err: err}
		}
		if n <= 0 {
			return out, nil
		}
		if out, err = parseDirents(fd, dir, (*bp)[:n], out); err != nil {
			return nil, err
		}
	}
}

func openDirFD(dir string) (int, error) {
	for {
		fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, &fs.PathError{Op: "open", Path: dir, Err: err}
		}
		return fd, nil
	}
}

// parseDirents appends the entries of one getdents64 result to out.
func parseDirents(fd int, dir string, b []byte, out []DirEntry) ([]DirEntry, error) {
	for len(b) >= direntName {
		reclen := int(binary.NativeEndian.Uint16(b[direntReclen:]))
		if reclen < direntName || reclen > len(b) {
			return nil, &fs.PathError{Op: "readdirent", Path: dir, Err: unix.EIO}
		}
		rec := b[:reclen]
		b = b[reclen:]
		if binary.NativeEndian.Uint64(rec) == 0 {
			continue // a removed entry, as the os package skips it
		}
		name := rec[direntName:]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		if s := string(name); s != "." && s != ".." {
			t, err := direntTypeOf(fd, dir, s, rec[direntType])
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed since it was listed, as the os package skips it
			}
			if err != nil {
				return nil, err
			}
			out = append(out, DirEntry{Name: s, Type: t})
		}
	}
	return out, nil
}

// direntTypeOf is the type bits of a d_type; a file system that does not
// fill it in (DT_UNKNOWN) costs an lstat, as in the os package.
func direntTypeOf(fd int, dir, name string, dt byte) (fs.FileMode, error) {
	switch dt {
	case unix.DT_REG:
		return 0, nil
	case unix.DT_DIR:
		return fs.ModeDir, nil
	case unix.DT_LNK:
		return fs.ModeSymlink, nil
	case unix.DT_FIFO:
		return fs.ModeNamedPipe, nil
	case unix.DT_SOCK:
		return fs.ModeSocket, nil
	case unix.DT_CHR:
		return fs.ModeDevice | fs.ModeCharDevice, nil
	case unix.DT_BLK:
		return fs.ModeDevice, nil
	}
	st, err := dirHandle{fd: fd}.lstat(dir, name)
	return st.Type, err
}
