package osfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// ErrLocked means another process (or another open file of this one) holds
// a lock that conflicts with the one asked for.
var ErrLocked = errors.New("locked by another process")

// ErrNotRegular means a path names a FIFO, device, directory, socket,
// symbolic link or reparse point where porepair expects a regular file.
var ErrNotRegular = errors.New("not a regular file")

// errNoNative is what renameExclusive returns on an OS that has no rename
// refusing to replace, so that RenameNoReplace takes the checked fallback.
var errNoNative = errors.New("no exclusive rename on this system")

// renameNative is a variable so that a test on Linux can make it fail the
// way a file system without the call does (CIFS, NFS) and prove the
// fallback keeps the promise.
var renameNative = renameExclusive

// RenameNoReplace renames from to to, failing with an error that wraps
// fs.ErrExist when to exists. Where the OS or the file system has no such
// rename, it checks, then renames: that is safe only while nothing else
// creates to, which porepair's postoffice lock ensures for the names it
// moves to.
func RenameNoReplace(from, to string) error {
	err := renameNative(from, to)
	if errors.Is(err, errNoNative) || unsupported(err) {
		err = renameChecked(from, to)
	}
	if err != nil {
		return fmt.Errorf("rename %s to %s: %w", from, to, err)
	}
	return nil
}

func renameChecked(from, to string) error {
	_, err := os.Lstat(to)
	if err == nil {
		return fmt.Errorf("%s: %w", to, fs.ErrExist)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("check %s: %w", to, err)
	}
	if err := os.Rename(from, to); err != nil {
		return fmt.Errorf("checked rename: %w", err)
	}
	return nil
}

// statRegular looks at what was actually opened (a path checked before
// the open could have been swapped in between) and returns what it saw:
// the caller that needs the size has it without a second stat.
func statRegular(f *os.File) (fs.FileInfo, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", f.Name(), err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("open %s: %w", f.Name(), ErrNotRegular)
	}
	return fi, nil
}

// OpenNoFollow opens a regular file without following a link to it (see
// openNoFollow for how each system refuses one).
func OpenNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	f, _, err := openNoFollow(path, flag, perm)
	return f, err
}

// OpenNoFollowInfo is OpenNoFollow that also returns the open file's
// FileInfo, taken from the handle by the regular-file check: its size is
// the size of what was opened, at no further call.
func OpenNoFollowInfo(path string, flag int, perm os.FileMode) (*os.File, fs.FileInfo, error) {
	return openNoFollow(path, flag, perm)
}

// CreateExclusive creates path for writing, failing with an error that
// wraps fs.ErrExist when anything is there already: a file of someone
// else's, a symbolic link (O_EXCL never follows one) or a FIFO (never
// opened, so never waited on). A temp file made this way is the caller's
// own, and only then may the caller remove it.
func CreateExclusive(path string, perm os.FileMode) (*os.File, error) {
	return createExclusive(path, perm)
}

// OpenRegular opens a regular file for reading through OpenNoFollow: a
// link, FIFO, device or directory put in its place is refused at once
// instead of followed or waited on. Every read of porepair's own files
// (journal, lock, identity, manifests, snapshot copies) goes through it.
func OpenRegular(path string) (*os.File, error) {
	return OpenNoFollow(path, os.O_RDONLY, 0)
}

// ReadRegular reads a whole regular file of at most max bytes through
// OpenRegular; a larger one is an error, not a truncated read.
func ReadRegular(path string, max int64) ([]byte, error) {
	f, fi, err := OpenNoFollowInfo(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := ReadSized(io.LimitReader(f, max+1), min(fi.Size(), max))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is too large (more than %d bytes)", filepath.Base(path), max)
	}
	return b, nil
}

// ReadSized reads r to its end, expecting size bytes (a file's, from the
// stat of its handle): into one buffer of that size and a byte more, so
// that a file unchanged since the stat takes two reads, its bytes and the
// end. io.ReadAll's buffer grows from 512 bytes, a dozen reads for a
// file of a few kilobytes, each a round trip on a share. A file grown
// since is read whole all the same.
func ReadSized(r io.Reader, size int64) ([]byte, error) {
	b := make([]byte, 0, max(size, 0)+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// Reason is an error without the system call's name: a *fs.PathError
// says "open x: no such file or directory"; a message that names the
// path itself says only why.
func Reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Abs is p made absolute, or p as given when that fails; "" stays "" (it
// names no path, where filepath.Abs would give the working directory).
// Log lines and messages name a postoffice so, matching one another
// whatever directory each run started in.
func Abs(p string) string {
	if p == "" {
		return ""
	}
	if abs, err := absPath(p); err == nil {
		return abs
	}
	return p
}

// kept are the directory handles SyncDir keeps open, and the roots
// below which it keeps them (KeepDirs), each with its count of holders.
var kept struct {
	sync.Mutex
	roots map[string]int
	dirs  map[string]*os.File
}

// KeepDirs makes SyncDir keep each directory below root (root included)
// that it opens open, and fsync it through the same handle next time,
// until the release it returns is called (then they are closed, unless
// another pass holds root too). A repair or rollback fsyncs GLB, POREPAIR
// and its snapshot directory after each write in them: one open each
// instead of one per write. Scoped by root, so that a fleet's runs in one
// process keep only the directories of the postoffices being worked on.
// Only directory handles are kept, never a file's: a directory is not
// renamed or replaced while porepair holds the postoffice's lock.
func KeepDirs(root string) (release func()) {
	root = filepath.Clean(root)
	kept.Lock()
	if kept.roots == nil {
		kept.roots, kept.dirs = map[string]int{}, map[string]*os.File{}
	}
	kept.roots[root]++
	kept.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			kept.Lock()
			defer kept.Unlock()
			if kept.roots[root]--; kept.roots[root] > 0 {
				return
			}
			delete(kept.roots, root)
			for dir, d := range kept.dirs {
				if below(dir, root) {
					d.Close()
					delete(kept.dirs, dir)
				}
			}
		})
	}
}

// below reports whether dir is root or inside it.
func below(dir, root string) bool {
	return dir == root || strings.HasPrefix(dir, root+string(filepath.Separator))
}
