package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// Meta is what a file carries besides its bytes that the mail programs
// depend on: the service account must still own (or be in the group of)
// and be able to write every file of the share after a repair or a
// rollback. UID and GID are -1 where the system has none.
type Meta struct {
	Mode  uint32 `json:"mode"` // permission bits
	UID   int    `json:"uid"`
	GID   int    `json:"gid"`
	MTime string `json:"mtime"` // RFC 3339, nanoseconds
}

func metaOf(fi fs.FileInfo) *Meta {
	uid, gid := owner(fi)
	return &Meta{Mode: uint32(fi.Mode().Perm()), UID: uid, GID: gid, MTime: fi.ModTime().UTC().Format(time.RFC3339Nano)}
}

// MetaOf reads a file's metadata (not following a symbolic link).
func MetaOf(file string) (*Meta, error) {
	fi, err := os.Lstat(file)
	if err != nil {
		return nil, err
	}
	return metaOf(fi), nil
}

// MetaKind is one kind of metadata a file system may or may not hold.
type MetaKind string

// The kinds of metadata porepair keeps.
const (
	MetaOwner MetaKind = "owner"
	MetaMode  MetaKind = "mode"
	MetaTime  MetaKind = "time"
)

func (k MetaKind) String() string { return string(k) }

// Unrestored is metadata a file system would not take: FAT keeps no owner
// and no mode (fusefat answers ENOSYS), an SMB share without Unix
// extensions none of either. It is reported, never an error: the file
// system gives every file the same, and the bytes are what the mail
// programs read.
type Unrestored struct {
	File string
	Kind MetaKind
	Err  error
}

func (u Unrestored) String() string { return fmt.Sprintf("%s: %s (%v)", u.File, u.Kind, u.Err) }

// unsupported reports whether err says the file system (not the process's
// rights) cannot hold that metadata.
func unsupported(err error) bool {
	for _, e := range []error{syscall.ENOSYS, syscall.ENOTSUP, syscall.EOPNOTSUPP, syscall.EINVAL, syscall.EPERM, errors.ErrUnsupported} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// applyMeta gives file m's owner, group, mode and modification time where
// they differ from what the file has: fi, the stat of the handle a check
// under this lock read it through, else one lstat. A process that may not
// give a file away (not root) keeps what the system lets it, and a file
// system that cannot hold a kind of metadata keeps what it gives: neither
// must stop a restore of the bytes, and each is returned as Unrestored.
func applyMeta(file string, m *Meta, fi fs.FileInfo) ([]Unrestored, error) {
	if m == nil {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, m.MTime)
	if err != nil {
		return nil, fmt.Errorf("snapshot metadata of %s: %w", file, err)
	}
	if fi == nil {
		// One lstat tells what differs: a chown or chmod leaves the
		// modification time as it was.
		if fi, err = os.Lstat(file); err != nil {
			return nil, err
		}
	}
	skipped, err := applyOwnerModeAs(file, m, metaOf(fi))
	if err != nil || fi.ModTime().Equal(t) {
		return skipped, err
	}
	if err := os.Chtimes(file, t, t); err != nil {
		if !refusal(err) {
			return skipped, fmt.Errorf("restore the time of %s: %w", file, err)
		}
		skipped = append(skipped, Unrestored{File: file, Kind: MetaTime, Err: err})
	}
	return skipped, nil
}

// refusal reports whether err is a file system's or the process's refusal
// of a mode or a time (reported as Unrestored), not a failure.
func refusal(err error) bool { return unsupported(err) || errors.Is(err, fs.ErrPermission) }

// applyFresh gives file, which this restore has just written (its owner,
// mode and time the creating process's, unknown without a stat), m's
// owner, group, mode and time, each set without looking first: on a
// share a stat is a round trip, and a new file's time differs anyway.
// Only a refusal is looked into, by one lstat, so that what is reported
// is what applyMeta would report: a kind the file does not already have
// (FAT gives every file the mode it gives; nothing to report then).
func applyFresh(file string, m *Meta) ([]Unrestored, error) {
	if m == nil {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, m.MTime)
	if err != nil {
		return nil, fmt.Errorf("snapshot metadata of %s: %w", file, err)
	}
	refused, err := setMeta(file, m, &t)
	if err != nil || len(refused) == 0 {
		return refused, err
	}
	return differing(file, m, t, refused), nil
}

// SetOwnerMode gives file, which the caller has just written, m's owner,
// group and mode (not its time: a repaired file was changed now), set
// without looking first (see applyFresh); what the file system or the
// process's rights refuse is left as it is, not an error.
func SetOwnerMode(file string, m *Meta) error {
	if m == nil {
		return nil
	}
	_, err := setMeta(file, m, nil)
	return err
}

// setMeta sets m's owner and group (where m has them), mode and, unless
// t is nil, time t on file, returning the kinds refused.
func setMeta(file string, m *Meta, t *time.Time) ([]Unrestored, error) {
	var refused []Unrestored
	if m.UID >= 0 && m.GID >= 0 {
		if err := chown(file, m); err != nil {
			if !unsupported(err) {
				return nil, fmt.Errorf("restore the owner of %s: %w", file, err)
			}
			refused = append(refused, Unrestored{File: file, Kind: MetaOwner, Err: err})
		}
	}
	if err := os.Chmod(file, fs.FileMode(m.Mode).Perm()); err != nil {
		if !refusal(err) {
			return refused, fmt.Errorf("restore the mode of %s: %w", file, err)
		}
		refused = append(refused, Unrestored{File: file, Kind: MetaMode, Err: err})
	}
	if t == nil {
		return refused, nil
	}
	if err := os.Chtimes(file, *t, *t); err != nil {
		if !refusal(err) {
			return refused, fmt.Errorf("restore the time of %s: %w", file, err)
		}
		refused = append(refused, Unrestored{File: file, Kind: MetaTime, Err: err})
	}
	return refused, nil
}

// differing keeps of refused the kinds file does not already have as m
// records them (all of them when file cannot be looked at).
func differing(file string, m *Meta, t time.Time, refused []Unrestored) []Unrestored {
	fi, err := os.Lstat(file)
	if err != nil {
		return refused
	}
	now := metaOf(fi)
	var out []Unrestored
	for _, u := range refused {
		same := false
		switch u.Kind {
		case MetaOwner:
			same = now.UID == m.UID && now.GID == m.GID
		case MetaMode:
			same = now.Mode == m.Mode
		case MetaTime:
			same = fi.ModTime().Equal(t)
		}
		if !same {
			out = append(out, u)
		}
	}
	return out
}

// applyOwnerModeAs is applyOwnerMode for a file whose metadata now is.
func applyOwnerModeAs(file string, m, now *Meta) ([]Unrestored, error) {
	var skipped []Unrestored
	if m.UID >= 0 && m.GID >= 0 && (now.UID != m.UID || now.GID != m.GID) {
		if err := chown(file, m); err != nil {
			if !unsupported(err) {
				return nil, fmt.Errorf("restore the owner of %s: %w", file, err)
			}
			skipped = append(skipped, Unrestored{File: file, Kind: MetaOwner, Err: err})
		}
	}
	if now.Mode != m.Mode {
		if err := os.Chmod(file, fs.FileMode(m.Mode).Perm()); err != nil {
			if !refusal(err) {
				return skipped, fmt.Errorf("restore the mode of %s: %w", file, err)
			}
			skipped = append(skipped, Unrestored{File: file, Kind: MetaMode, Err: err})
		}
	}
	return skipped, nil
}

// chown gives file m's owner and group; a process that may not give the
// file away keeps at least the group if it is one of its own.
func chown(file string, m *Meta) error {
	err := os.Lchown(file, m.UID, m.GID)
	if errors.Is(err, fs.ErrPermission) {
		if gerr := os.Lchown(file, -1, m.GID); gerr == nil {
			return err // the owner alone was not restorable
		}
	}
	return err
}

// MetaSupport is what metadata the file system of a postoffice holds, as
// found by giving one of porepair's own files there the metadata it
// already has: recorded in the snapshot manifest, so that the
// administrator can see what a restore can put back.
type MetaSupport struct {
	Owner bool `json:"owner"`
	Mode  bool `json:"mode"`
	Time  bool `json:"time"`
}

// ProbeMeta finds what metadata file's file system holds, changing
// nothing (every value given is the one the file has). fi is file's stat
// when the caller has it (from the handle it wrote it through), else nil:
// file is then lstat'ed.
func ProbeMeta(file string, fi fs.FileInfo) (*MetaSupport, error) {
	if fi == nil {
		var err error
		if fi, err = os.Lstat(file); err != nil {
			return nil, fmt.Errorf("probe the metadata of %s: %w", file, err)
		}
	}
	m := metaOf(fi)
	s := &MetaSupport{Mode: !unsupported(os.Chmod(file, fi.Mode().Perm())),
		Time: !unsupported(os.Chtimes(file, fi.ModTime(), fi.ModTime()))}
	if m.UID >= 0 {
		s.Owner = !unsupported(os.Lchown(file, m.UID, m.GID))
	}
	return s, nil
}
