package durable

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/porepair/porepair/internal/osfs"
)

// TempExt is the extension of the temp files porepair writes beside a
// target; a leftover one is removed by rollback.
const TempExt = ".PPT"

// SyncDir fsyncs a directory so that a rename or delete in it is durable
// (a no-op where the OS makes metadata durable itself; see osfs).
func SyncDir(dir string) error { return osfs.SyncDir(dir) }

// TempPath is the temp file used to write path: same directory, 8.3 base
// name, extension .PPT.
func TempPath(path string) string {
	dir, base := filepath.Split(path)
	return filepath.Join(dir, strings.TrimSuffix(base, filepath.Ext(base))+TempExt)
}

// TempRel is TempPath for a slash-separated path relative to the PO root,
// as journals and snapshots record it.
func TempRel(rel string) string { return filepath.ToSlash(TempPath(filepath.FromSlash(rel))) }

// TempInUseError is a temp name porepair found taken: a file it did not
// create is there, and porepair neither overwrites nor removes it.
type TempInUseError struct{ Path string }

func (e *TempInUseError) Error() string {
	return fmt.Sprintf("%s exists: porepair writes its temp file there; move it away and run again", e.Path)
}

// Unwrap lets errors.Is(err, fs.ErrExist) see it.
func (e *TempInUseError) Unwrap() error { return fs.ErrExist }

// WriteFile replaces path with data in two counted writes: the temp file
// created exclusively, written and fsynced, then the rename with its
// directory fsync. path must not be a symbolic link. A temp name in use
// is a *TempInUseError and nothing is written; a temp file this call
// created is removed again if the write or the rename fails.
//
// It is not replace, the one whole-file write of Put and Copy, by design:
// a postoffice file's temp has the one name the journal records
// (TempPath), so that a rollback after a crash finds and removes it, and
// its write and its rename are two counted writes, so that a crash
// between them is tested.
func WriteFile(path string, data []byte) error {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("write %s: refusing to write through a symbolic link", path)
	}
	return WriteFileOver(path, data)
}

// WriteFileOver is WriteFile without its lstat of path, for a caller that
// has just, under its lock, opened path without following a link or
// found nothing there: on a share the lstat is a round trip that would
// only repeat that look.
func WriteFileOver(path string, data []byte) error {
	tmp := TempPath(path)
	if err := step("write "+tmp, func() error { return writeNew(tmp, data) }); err != nil {
		return err
	}
	err := step("rename "+path, func() error {
		if err := osfs.RenameReplace(tmp, path); err != nil {
			return fmt.Errorf("rename %s: %w", path, err)
		}
		return SyncDir(filepath.Dir(path))
	})
	if err != nil {
		// The temp file is this call's own (created exclusively): a
		// restore must be able to use the name again.
		os.Remove(tmp)
	}
	return err
}

// writeNew creates path exclusively (never following a link, never
// opening a FIFO), writes and fsyncs data; on failure it removes the file
// it created, so that a restore can use the name again.
func writeNew(path string, data []byte) error {
	// Retried while a share's client refuses every open for a moment
	// after another program's file was refused it (osfs.RetryHeld).
	var f *os.File
	err := osfs.RetryHeld(path, func() (err error) { f, err = osfs.CreateExclusive(path, 0o644); return err })
	if errors.Is(err, fs.ErrExist) {
		return &TempInUseError{Path: path}
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := fill(f, data); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// fill writes data to a new file, fsyncs and closes it.
func fill(f *os.File, data []byte) error {
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", f.Name(), err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", f.Name(), err)
	}
	return nil
}

// Create writes a new file whole (Put) as one counted write: used for the
// journal's creation and manifests, whose reader must see all of them or
// nothing.
func Create(path string, data []byte) error {
	return step("create "+path, func() error { return Put(path, data) })
}

// Put writes path whole: a fresh temp file beside it, written and
// fsynced, renamed over it, the directory fsynced. It is not a counted
// write itself (Create is); porepair's identity file, which belongs to no
// repair, is written with it. The temp file gets a fresh random name
// (NAME-*.PPT) in porepair's own directory, so that no file left there,
// of any kind, is ever opened, truncated or waited on.
func Put(path string, data []byte) error {
	stage, err := replace(path, func(f *os.File) error { return fill(f, data) }, nil)
	switch stage {
	case stageCreate, stageRename:
		return fmt.Errorf("%s %s: %w", stage, path, err)
	}
	return err
}

// The stages of replace, for its callers' messages.
const (
	stageCreate = "create"
	stageFill   = "fill"
	stageRename = "rename"
	stageSync   = "sync"
)

// replace writes dst whole, the one way every whole-file write goes: a
// fresh temp beside it (freshTemp), filled by fill (which writes, fsyncs
// and closes it), given to ready (nil: nothing) by name, renamed over
// dst, the directory fsynced; a temp not renamed is removed. It returns
// the stage that failed with the error, for the caller's message.
func replace(dst string, fill func(f *os.File) error, ready func(tmp string)) (stage string, err error) {
	f, err := freshTemp(dst)
	if err != nil {
		return stageCreate, err
	}
	tmp := f.Name()
	if err := fill(f); err != nil {
		os.Remove(tmp)
		return stageFill, err
	}
	if ready != nil {
		ready(tmp)
	}
	if err := osfs.RenameReplace(tmp, dst); err != nil {
		os.Remove(tmp)
		return stageRename, err
	}
	return stageSync, SyncDir(filepath.Dir(dst))
}

// freshTemp creates a temp file of a random name beside path (NAME-*.PPT).
func freshTemp(path string) (*os.File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		// A bare name (plan --out p.json): CreateTemp("") would make the
		// temp in the system's temp directory, from which the rename
		// fails when that is another file system.
		dir = "."
	}
	return os.CreateTemp(dir, strings.TrimSuffix(base, filepath.Ext(base))+"-*"+TempExt)
}

// WriteAt writes data at off of an open file and fsyncs it, as one
// counted write. It never appends: FAT clients refuse a write that extends
// an existing file and SMB clients refuse O_APPEND, so porepair's own
// growing files (the journal) are preallocated and written in place.
func WriteAt(f *os.File, off int64, data []byte) error {
	return step("write "+f.Name(), func() error {
		if _, err := f.WriteAt(data, off); err != nil {
			return fmt.Errorf("write %s: %w", f.Name(), err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", f.Name(), err)
		}
		return nil
	})
}

// Remove deletes a file and fsyncs its directory, as one counted write.
func Remove(path string) error {
	return step("remove "+path, func() error {
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("remove %s: %w", path, err)
		}
		return SyncDir(filepath.Dir(path))
	})
}

// Move renames from to to, never replacing an existing file, and fsyncs
// both directories, as one counted write.
func Move(from, to string) error {
	return step("move "+from, func() error {
		if err := osfs.RenameNoReplace(from, to); err != nil {
			return fmt.Errorf("move %s: %w", from, err)
		}
		if err := SyncDir(filepath.Dir(to)); err != nil {
			return err
		}
		if filepath.Dir(from) != filepath.Dir(to) {
			return SyncDir(filepath.Dir(from))
		}
		return nil
	})
}

// Copy writes what src yields to dst as one counted write, like every
// other durable write: into a fresh temp name beside dst, fsynced, given
// perm and mtime where the file system takes them (the original's, so
// that the copy looks like it: FAT has no mode, and a restore takes the
// metadata from the manifest, not from the copy), renamed over dst, the
// directory fsynced. A crash leaves dst whole or
// absent, never a torn copy. src is a reader, not a path, so that the
// caller reads the original once and hashes it on the way (io.TeeReader):
// the copy then holds exactly the bytes hashed, with no second open of the
// original to copy it and none of the copy to hash it again.
func Copy(src io.Reader, dst string, perm fs.FileMode, mtime time.Time) error {
	return step("copy "+dst, func() error {
		// Times by name: the standard library has no futimes; a
		// utimensat is no open and no stat. Best effort, as the mode.
		stage, err := replace(dst, func(f *os.File) error { return fillFrom(f, src, perm) },
			func(tmp string) { _ = os.Chtimes(tmp, mtime, mtime) })
		if err != nil && stage != stageSync {
			return fmt.Errorf("copy %s: %w", dst, err)
		}
		return err
	})
}

// fillFrom streams src into a new file, sets its mode where the file
// system has one (best effort), fsyncs and closes it (closed on every
// path).
func fillFrom(f *os.File, src io.Reader, perm fs.FileMode) error {
	_, err := io.Copy(f, src)
	if err == nil {
		_ = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
