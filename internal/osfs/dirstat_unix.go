//go:build linux || darwin || freebsd

package osfs

import (
	"io/fs"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// dirHandle is the directory's descriptor: fstatat resolves each name
// from it.
type dirHandle struct{ fd int }

func openDirHandle(dir string) (dirHandle, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return dirHandle{}, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	return dirHandle{fd: fd}, nil
}

func (h dirHandle) lstat(dir, name string) (NameStat, error) {
	var st unix.Stat_t
	for {
		err := unix.Fstatat(h.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return NameStat{}, &fs.PathError{Op: "lstat", Path: filepath.Join(dir, name), Err: err}
		}
		break
	}
	return NameStat{Size: st.Size, Type: typeOf(uint32(st.Mode))}, nil
}

func (h dirHandle) close() error { return unix.Close(h.fd) }

// typeOf is the fs.FileMode type of a stat's mode, as os.Lstat reports it.
func typeOf(m uint32) fs.FileMode {
	switch m & unix.S_IFMT {
	case unix.S_IFREG:
		return 0
	case unix.S_IFDIR:
		return fs.ModeDir
	case unix.S_IFLNK:
		return fs.ModeSymlink
	case unix.S_IFIFO:
		return fs.ModeNamedPipe
	case unix.S_IFSOCK:
		return fs.ModeSocket
	case unix.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		return fs.ModeDevice
	}
	return fs.ModeIrregular
}
