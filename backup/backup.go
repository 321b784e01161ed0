package backup

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/porepair/porepair/durable"
	"github.com/porepair/porepair/internal/errlist"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/postoffice"
)

// ManifestName is the manifest's file name inside a snapshot directory;
// it is written last, so a snapshot without it is incomplete.
const ManifestName = "MANIFEST.JSON"

// Entry is one file a repair touches.
type Entry struct {
	File    string `json:"file"` // relative to the PO root, as spelled on disk
	Existed bool   `json:"existed"`
	Size    int64  `json:"size"`
	SHA256  string `json:"sha256,omitempty"`
	// Copy is the copy's name in the snapshot directory; empty for a file
	// that did not exist or that the repair only moves.
	Copy string `json:"copy,omitempty"`
	// MovedTo is set for a file the repair renames (the queue pair): it is
	// not copied; a restore moves it back and checks its hash.
	MovedTo string `json:"moved_to,omitempty"`
	// After is what the repair leaves there, so that a rollback of a
	// completed repair can tell whether anything changed since.
	AfterExists bool   `json:"after_exists"`
	AfterSize   int64  `json:"after_size"`
	AfterSHA256 string `json:"after_sha256,omitempty"`
	// Meta is the file's owner, group, mode and modification time before
	// the repair: a restore puts them back with the bytes.
	Meta *Meta `json:"meta,omitempty"`
}

// Manifest describes a snapshot.
type Manifest struct {
	ID   string `json:"id"`
	Time string `json:"time"`
	// PO is the path the snapshot was made at; POID the postoffice's
	// identity (POREPAIR/ID), which follows it to another path.
	PO         string  `json:"po"`
	POID       string  `json:"po_id,omitempty"`
	Component  string  `json:"component"`
	PlanDigest string  `json:"plan_digest"`
	Entries    []Entry `json:"entries"`
	// Metadata is what the postoffice's file system holds of each file's
	// recorded metadata (ProbeMeta): what a restore can put back.
	Metadata *MetaSupport `json:"metadata,omitempty"`
}

// Snapshot is a snapshot directory and its manifest.
type Snapshot struct {
	Dir string
	Manifest
	// copies are the copies Verify read whole and found to hold their
	// recorded bytes, by copy name: a restore or the queue's route check
	// a moment later takes them without reading the copy again.
	copies map[string][]byte
	// rolledBack is the ROLLEDBACK mark as first read (Info, RolledBack):
	// one pass over a snapshot asks for it more than once.
	rolledBack *rolledBackMark
	// ps checks manifest paths for every pass over this Snapshot (a
	// rollback's checks, then its restore): each directory is lstat'ed
	// once, not once per pass.
	ps *paths
	// listed are the directory listings TempsTaken made under the
	// caller's lock, which the next restore takes for its look for case
	// variants instead of listing each directory again.
	listed map[string][]fs.DirEntry
}

type rolledBackMark struct {
	time string
	ok   bool
	err  error
}

// DefaultDir is where a PO's snapshots live unless --snapshot-dir says otherwise.
func DefaultDir(root string) string {
	return filepath.Join(root, filepath.FromSlash(postoffice.SnapshotDir))
}

// NewID makes a snapshot id that is unique even for snapshots of several
// POs made in the same second into one directory: time, a hash of the PO
// path, and random bits.
func NewID(po string, now time.Time) string {
	h := sha256.Sum256([]byte(po))
	var r [3]byte
	_, _ = rand.Read(r[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(h[:3]) + "-" + hex.EncodeToString(r[:])
}

// validID keeps an id from becoming a path outside the snapshot directory.
func validID(id string) error {
	if id == "" || id == "." || id == ".." || strings.ContainsAny(id, "/\\\x00") {
		return fmt.Errorf("snapshot id %q is not valid", id)
	}
	return nil
}

// HashFile streams a regular file through SHA-256; a link, FIFO or
// device in its place is refused at once, never followed or waited on
// (a FIFO as a snapshot copy hung rollback and snapshots verify).
func HashFile(file string) (size int64, sum string, err error) {
	size, sum, _, err = hashFileInfo(file)
	return size, sum, err
}

// hashFileInfo is HashFile that also returns the FileInfo the
// regular-file check took from the open handle: the owner, mode and time
// of what was hashed, at no further call.
func hashFileInfo(file string) (int64, string, fs.FileInfo, error) {
	f, fi, err := osfs.OpenNoFollowInfo(file, os.O_RDONLY, 0)
	if err != nil {
		return 0, "", nil, err
	}
	defer f.Close()
	size, sum, err := postoffice.Hash(f)
	if err != nil {
		return 0, "", nil, fmt.Errorf("%s: %w", file, err)
	}
	return size, sum, fi, nil
}

// Create makes the snapshot dir/<m.ID>: a copy of every entry whose file
// exists, then the manifest. Each copy and the manifest are counted
// durable writes. Entries must carry File, MovedTo and After*; Create
// fills in Existed, sizes, hashes, metadata and copy names from the files
// themselves, never from what a plan claims: an edited plan cannot make a
// file go unsnapshotted.
func Create(root, dir string, m Manifest) (*Snapshot, error) {
	return CreateKnown(root, dir, m, nil, nil)
}

// Known is a file as a check under the same lock read it a moment ago,
// through a handle opened without following a link: what that handle's
// fstat said, the size and SHA-256 of what was read, and the bytes when
// it was read whole (nil when it was only hashed, as a queue is).
type Known struct {
	Info   fs.FileInfo
	Size   int64
	SHA256 string
	Data   []byte
}

// CreateKnown is Create that takes an entry's file from known when known
// has it (whole, for a file to be copied): the bytes on disk as the check
// just read them, so that the snapshot does not open the file again.
// Every other entry is read from the disk, as Create does. dirs are
// directories of root (absolute) the caller has just seen listed as
// directories, not links, under the same lock: taken as checked, without
// an lstat each (see Snapshot.TrustDirs).
func CreateKnown(root, dir string, m Manifest, known func(rel string) (Known, bool), dirs []string) (*Snapshot, error) {
	if err := validID(m.ID); err != nil {
		return nil, err
	}
	sdir := filepath.Join(dir, m.ID)
	if err := mkdirThere(dir); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if err := os.Mkdir(sdir, 0o755); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	// The journal names this directory: it must survive a power loss too.
	if err := durable.SyncDir(dir); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	ps := newPaths(root)
	ps.trust(dirs)
	for i := range m.Entries {
		if err := snapshotEntry(ps, sdir, i, &m.Entries[i], known); err != nil {
			return nil, err
		}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("snapshot manifest: %w", err)
	}
	if err := durable.Create(filepath.Join(sdir, ManifestName), append(b, '\n')); err != nil {
		return nil, err
	}
	return &Snapshot{Dir: sdir, Manifest: m}, nil
}

// snapshotEntry records the i-th entry's file as it is on disk and copies
// it unless the repair only moves it. The file is opened once: its
// metadata comes from the handle's fstat and its bytes are hashed while
// they are copied (durable.Copy), so the copy holds what was hashed.
func snapshotEntry(ps *paths, sdir string, i int, e *Entry, known func(string) (Known, bool)) error {
	full, exists, err := ps.parent(e.File)
	if err != nil || !exists {
		return err
	}
	if known != nil {
		if k, ok := known(e.File); ok && k.Info != nil && (e.MovedTo != "" || int64(len(k.Data)) == k.Size && k.Data != nil) {
			return knownEntry(sdir, i, e, k)
		}
	}
	f, fi, err := osfs.OpenNoFollowInfo(full, os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return refusedEntry(ps, e.File, err)
	}
	defer f.Close()
	e.Existed, e.Meta = true, metaOf(fi)
	h := sha256.New()
	var n int64
	if e.MovedTo != "" {
		n, err = io.Copy(h, f)
	} else {
		e.Copy = fmt.Sprintf("%03d-%s", i, strings.ReplaceAll(e.File, "/", "_"))
		cr := &countingReader{r: io.TeeReader(f, h)}
		err = durable.Copy(cr, filepath.Join(sdir, e.Copy), fi.Mode().Perm(), fi.ModTime())
		n = cr.n
	}
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", e.File, err)
	}
	e.Size, e.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return nil
}

// mkdirThere makes dir unless it is there: a mkdir first, where MkdirAll
// stats first (a round trip on a share, on every repair but the first);
// its parents only when they are missing (a new --snapshot-dir). What is
// there and is no directory fails the mkdir of the snapshot in it.
func mkdirThere(dir string) error {
	err := os.Mkdir(dir, 0o755)
	switch {
	case err == nil, errors.Is(err, fs.ErrExist):
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return os.MkdirAll(dir, 0o755)
	}
	return err
}

// knownEntry records and copies the i-th entry's file as k has it.
func knownEntry(sdir string, i int, e *Entry, k Known) error {
	e.Existed, e.Meta, e.Size, e.SHA256 = true, metaOf(k.Info), k.Size, k.SHA256
	if e.MovedTo != "" {
		return nil
	}
	e.Copy = fmt.Sprintf("%03d-%s", i, strings.ReplaceAll(e.File, "/", "_"))
	if err := durable.Copy(bytes.NewReader(k.Data), filepath.Join(sdir, e.Copy), k.Info.Mode().Perm(), k.Info.ModTime()); err != nil {
		return fmt.Errorf("snapshot %s: %w", e.File, err)
	}
	return nil
}

// refusedEntry says why a snapshot entry's file could not be opened: the
// final name's lstat (made only on this path) tells a symbolic link or a
// file that is not a regular one from another error.
func refusedEntry(ps *paths, rel string, openErr error) error {
	_, fi, err := ps.stat(rel)
	switch {
	case err != nil:
		return err
	case fi != nil && !fi.Mode().IsRegular():
		return fmt.Errorf("snapshot %s: not a regular file", rel)
	}
	return fmt.Errorf("snapshot %s: %w", rel, openErr)
}

// countingReader counts the bytes read through it: the size recorded is
// that of the bytes hashed and copied.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// Open reads the snapshot dir/id.
func Open(dir, id string) (*Snapshot, error) {
	if err := validID(id); err != nil {
		return nil, err
	}
	sdir := filepath.Join(dir, id)
	b, err := readRegular(filepath.Join(sdir, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("snapshot %s: manifest damaged: %w", id, err)
	}
	if m.ID != id {
		return nil, fmt.Errorf("snapshot %s: manifest names %q", id, m.ID)
	}
	return &Snapshot{Dir: sdir, Manifest: m}, nil
}

// readRegular reads a small file of porepair's own, refusing a link, a
// FIFO or anything else that is not a regular file (capped at 16 MiB).
func readRegular(file string) ([]byte, error) {
	return osfs.ReadRegular(file, 16<<20)
}

// Info is a snapshot as listed.
type Info struct {
	ID        string `json:"id"`
	Time      string `json:"time"`
	PO        string `json:"po"`
	POID      string `json:"po_id,omitempty"`
	Component string `json:"component"`
	// Complete is State.Whole(): the snapshot was made whole and can be
	// read, whatever became of it since (a rolled-back snapshot stays
	// complete). Whether it can still undo anything is State's to say.
	Complete bool  `json:"complete"`
	State    State `json:"state"`
	// RolledBack is when it was rolled back; empty if it never was.
	RolledBack string `json:"rolled_back,omitempty"`
	// InEffect marks the undo of the repair now in effect: the newest
	// complete snapshot, which prune names before removing it.
	InEffect bool   `json:"in_effect"`
	Dir      string `json:"dir"`
	// snap is the snapshot as List read it (nil for one it could not).
	snap *Snapshot
}

// SetState gives the listed snapshot its state, and the JSON field
// complete that follows from it.
func (in *Info) SetState(s State) { in.State, in.Complete = s, s.Whole() }

// Opened returns the snapshot as List read its manifest a moment ago,
// so that taking the one listed costs no second read; nil when List
// could not read it (incomplete, damaged).
func (in Info) Opened() *Snapshot { return in.snap }

// List returns the snapshots in dir for which belongs is true (all when
// belongs is nil), oldest first. With incomplete, a directory without a
// manifest is listed as incomplete and one whose manifest cannot be read
// as damaged (neither can be told to belong to a PO).
func List(dir string, belongs func(*Snapshot) bool, incomplete bool) ([]Info, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []Info{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	out := []Info{}
	for _, e := range ents {
		if !e.IsDir() || validID(e.Name()) != nil {
			continue
		}
		s, err := Open(dir, e.Name())
		if err != nil {
			if incomplete {
				state := StateDamaged
				if errors.Is(err, fs.ErrNotExist) {
					state = StateIncomplete
				}
				in := Info{ID: e.Name(), Dir: filepath.Join(dir, e.Name())}
				in.SetState(state)
				out = append(out, in)
			}
			continue
		}
		if belongs != nil && !belongs(s) {
			continue
		}
		out = append(out, s.Info())
	}
	// By time (to the nanosecond), then id: "latest" is the last made.
	sort.Slice(out, func(i, j int) bool {
		if out[i].Time != out[j].Time {
			return out[i].Time < out[j].Time
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Info describes an opened snapshot as List does.
func (s *Snapshot) Info() Info {
	in := Info{ID: s.ID, Time: s.Time, PO: s.PO, POID: s.POID, Component: s.Component, Dir: s.Dir, snap: s}
	in.SetState(StateComplete)
	switch t, ok, err := s.RolledBack(); {
	case err != nil:
		in.SetState(StateDamaged)
	case ok:
		in.SetState(StateRolledBack)
		in.RolledBack = t
	}
	return in
}

// rolledBackName marks a snapshot that a rollback restored to the end.
const rolledBackName = "ROLLEDBACK"

// MarkRolledBack records that the snapshot was restored, so that a second
// rollback can say there is nothing left to roll back (one counted write).
func (s *Snapshot) MarkRolledBack(now time.Time) error {
	s.rolledBack = nil
	return durable.Create(filepath.Join(s.Dir, rolledBackName), []byte(textfmt.Time(now)+"\n"))
}

// RolledBack says when the snapshot was rolled back, if it was. A marker
// that is there but cannot be read (not a regular file, an I/O error) is
// an error: whether the undo was used cannot then be told. It is read
// once per Snapshot (Open or List make a new one for each pass), and
// MarkRolledBack forgets it.
func (s *Snapshot) RolledBack() (string, bool, error) {
	if m := s.rolledBack; m != nil {
		return m.time, m.ok, m.err
	}
	m := &rolledBackMark{}
	b, err := readRegular(filepath.Join(s.Dir, rolledBackName))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		m.err = fmt.Errorf("snapshot %s: its %s mark: %w", s.ID, rolledBackName, err)
	default:
		m.time, m.ok = strings.TrimSpace(string(b)), true
	}
	s.rolledBack = m
	return m.time, m.ok, m.err
}

// Check finds, before anything is written, what would make a restore
// fail half-way: a path that leaves the postoffice, a missing or damaged
// copy, an entry without one.
func (s *Snapshot) Check(root string) error { return s.check(root, s.pathsIn(root).stat) }

// CheckDirs is Check for a caller that opens every final name next,
// without following a link (ChangedSeen): only the directories on the
// way are looked at here, and the open refuses a link as the final name
// (explained then by its lstat), so that each file costs one call.
func (s *Snapshot) CheckDirs(root string) error { return s.check(root, s.pathsIn(root).dirsOf) }

// check is Check, looking at each manifest path with look.
func (s *Snapshot) check(root string, look func(rel string) (string, fs.FileInfo, error)) error {
	var errs []error
	for _, e := range s.Entries {
		if _, _, err := look(e.File); err != nil {
			errs = append(errs, err)
		}
		if e.MovedTo != "" {
			if _, _, err := look(e.MovedTo); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if e.Existed && e.Copy == "" {
			errs = append(errs, fmt.Errorf("%s: the manifest names no copy", e.File))
		}
	}
	if err := s.Verify(); err != nil {
		errs = append(errs, err)
	}
	return errlist.Join(errs...)
}

// Verify checks that every copy is present and holds its recorded bytes.
// A copy small enough for a restore to read whole (copyMax) is read whole
// and kept (copies), so that the restore writes those bytes back with no
// second read; a larger one is streamed through the hash.
func (s *Snapshot) Verify() error {
	var errs []error
	for _, e := range s.Entries {
		if e.Copy == "" {
			continue
		}
		if err := validID(e.Copy); err != nil {
			errs = append(errs, err)
			continue
		}
		if _, ok := s.copies[e.Copy]; ok {
			continue // verified, and kept, by this Snapshot or the one it took them from (Reuse)
		}
		if err := s.verifyCopy(e); err != nil {
			errs = append(errs, err)
		}
	}
	return errlist.Join(errs...)
}

// Reuse takes the copies prev verified when prev is this snapshot as read
// a moment ago: the same directory and the same manifest. A rollback
// checks the snapshot before it locks the postoffice and again under the
// lock; the copies, porepair's own files, written once and never changed,
// need not be read twice, and the restore then writes back the very bytes
// that were verified.
func (s *Snapshot) Reuse(prev *Snapshot) {
	if prev == nil || prev == s || prev.Dir != s.Dir || len(prev.copies) == 0 || !reflect.DeepEqual(prev.Manifest, s.Manifest) {
		return
	}
	s.copies = prev.copies
}

// copyMax is the largest copy a restore reads whole (readRegular's cap).
const copyMax = 16 << 20

func (s *Snapshot) verifyCopy(e Entry) error {
	file := filepath.Join(s.Dir, e.Copy)
	if e.Size > copyMax {
		size, sum, err := HashFile(file)
		if err != nil {
			return fmt.Errorf("%s: %w", e.File, err)
		}
		if size != e.Size || sum != e.SHA256 {
			return fmt.Errorf("%s: copy %s does not match its SHA-256", e.File, e.Copy)
		}
		return nil
	}
	b, err := osfs.ReadRegular(file, copyMax)
	if err != nil {
		return fmt.Errorf("%s: %w", e.File, err)
	}
	if int64(len(b)) != e.Size || postoffice.SumHex(b) != e.SHA256 {
		return fmt.Errorf("%s: copy %s does not match its SHA-256", e.File, e.Copy)
	}
	if s.copies == nil {
		s.copies = map[string][]byte{}
	}
	s.copies[e.Copy] = b
	return nil
}

// CopyBytes returns the bytes of e's copy, read whole (at most max): as
// Verify read them when it did, else from the copy. The caller checks
// them against the manifest's SHA-256 where it matters.
func (s *Snapshot) CopyBytes(e Entry, max int64) ([]byte, error) {
	if b, ok := s.copies[e.Copy]; ok && int64(len(b)) <= max {
		return b, nil
	}
	return osfs.ReadRegular(filepath.Join(s.Dir, e.Copy), max)
}

// paths checks manifest paths under root for one pass over a snapshot's
// entries: a directory met on the way is lstat'ed once per pass, not once
// per entry (the entries of a snapshot share three or four), and the
// final name's lstat is returned, so that the caller need not make its own.
type paths struct {
	root string
	dirs map[string]bool // absolute directories seen to be real ones
	// finals are stat's answers by manifest path, kept while nothing is
	// written (a rollback's checks, before its restore, which calls
	// stopFinals): its checks look at the same names more than once.
	finals map[string]finalStat
}

type finalStat struct {
	full string
	fi   fs.FileInfo
}

// stopFinals makes stat look at every final name again from now on: the
// restore is about to write them.
func (p *paths) stopFinals() { p.finals = nil }

func newPaths(root string) *paths { return &paths{root: root, dirs: map[string]bool{}} }

// TrustDirs makes the checks of the snapshot's names at root take dirs
// (absolute) as the real directories they are, without an lstat each (a
// round trip on a share): the caller has just seen them listed as
// directories, not links, under the lock it holds.
func (s *Snapshot) TrustDirs(root string, dirs []string) { s.pathsIn(root).trust(dirs) }

func (p *paths) trust(dirs []string) {
	for _, d := range dirs {
		p.dirs[filepath.Clean(d)] = true
	}
}

// pathsIn is the Snapshot's paths for root, made on first use. The
// directories it found real stay so while the Snapshot is in use: a
// rollback checks and restores under the postoffice's lock, and porepair
// never replaces a directory of the postoffice.
func (s *Snapshot) pathsIn(root string) *paths {
	if s.ps == nil || s.ps.root != root {
		s.ps = newPaths(root)
		s.ps.finals = map[string]finalStat{}
	}
	return s.ps
}

// explain is err, from an open of rel made without following a link,
// told as stat tells it when it can (a symbolic link, a path that leaves
// root): the lstat is made only on this path.
func (p *paths) explain(rel string, err error) error {
	if _, _, serr := p.stat(rel); serr != nil {
		return serr
	}
	return err
}

// stat is safePath that also returns the final name's Lstat: nil when
// it does not exist.
func (p *paths) stat(rel string) (string, fs.FileInfo, error) {
	clean, err := postoffice.CleanRel(rel)
	if err != nil {
		return "", nil, fmt.Errorf("snapshot path: %w", err)
	}
	if v, ok := p.finals[clean]; ok {
		return v.full, v.fi, nil
	}
	full, fi, err := p.lstatPath(rel, clean)
	if err == nil && p.finals != nil {
		p.finals[clean] = finalStat{full, fi}
	}
	return full, fi, err
}

// lstatPath is stat's walk of clean, rel's cleaned form.
func (p *paths) lstatPath(rel, clean string) (string, fs.FileInfo, error) {
	parts := strings.Split(clean, "/")
	cur := p.root
	for i, part := range parts {
		cur = filepath.Join(cur, part)
		last := i == len(parts)-1
		if !last && p.dirs[cur] {
			continue
		}
		fi, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return filepath.Join(p.root, filepath.FromSlash(clean)), nil, nil
		}
		if err != nil {
			return "", nil, err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return "", nil, fmt.Errorf("snapshot path %q passes through a symbolic link", rel)
		}
		if last {
			return cur, fi, nil
		}
		if fi.IsDir() {
			p.dirs[cur] = true
		}
	}
	return cur, nil, nil
}

// dirsOf is parent in stat's shape (no final FileInfo), for check.
func (p *paths) dirsOf(rel string) (string, fs.FileInfo, error) {
	full, _, err := p.parent(rel)
	return full, nil, err
}

// parent is safePath for rel's directories only: it checks each one on
// the way (once per pass) and returns rel's full path, and exists false
// when a directory is missing. The caller opens the final name itself
// without following a link, which makes its lstat needless.
func (p *paths) parent(rel string) (string, bool, error) {
	clean, err := postoffice.CleanRel(rel)
	if err != nil {
		return "", false, fmt.Errorf("snapshot path: %w", err)
	}
	full := filepath.Join(p.root, filepath.FromSlash(clean))
	if dir := path.Dir(clean); dir != "." && !p.dirs[filepath.Dir(full)] {
		_, fi, err := p.stat(dir)
		if err != nil {
			return "", false, err
		}
		if fi == nil {
			return full, false, nil
		}
		if !fi.IsDir() {
			return "", false, fmt.Errorf("snapshot path %q: %s is not a directory", rel, dir)
		}
		p.dirs[filepath.Dir(full)] = true
	}
	return full, true, nil
}

// idPattern is the shape of the ids NewID makes.
var idPattern = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}-[0-9a-f]{6}$`)

// copyName is the shape of the copies Create makes, and of their temp files.
var copyName = regexp.MustCompile(`^[0-9]{3}-[^/\\]+$`)

// Leftover reports whether sdir is an incomplete snapshot that porepair
// made and a crash left: a real directory named like a snapshot id, with
// no manifest, holding nothing but copies and temp files. Only such a
// directory may be removed on the word of a journal, which a damaged or
// edited file could make name any directory at all.
func Leftover(sdir string) bool {
	if fi, err := os.Lstat(sdir); err != nil || !fi.IsDir() || !idPattern.MatchString(filepath.Base(sdir)) {
		return false
	}
	ents, err := os.ReadDir(sdir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if !e.Type().IsRegular() || e.Name() == ManifestName || !copyName.MatchString(e.Name()) {
			return false
		}
	}
	return true
}

// Swept is what a crash can leave in a directory of snapshots.
type Swept struct {
	// Temps are the temp files (*.PPT) in the directory and in its
	// snapshots, these after the directory's own, by name.
	Temps []string
	// Incomplete are the snapshot directories without a manifest, which
	// List calls incomplete.
	Incomplete []string
	// Complete holds the snapshot directories seen with a manifest.
	Complete map[string]bool
}

// Sweep lists dir and each snapshot directory in it once: what List with
// incomplete and a look for temp files in each would find of leftovers,
// without reading a manifest or a mark.
func Sweep(dir string) Swept {
	sw := Swept{Complete: map[string]bool{}}
	ents, _ := os.ReadDir(dir)
	var snaps []string
	for _, e := range ents {
		switch {
		case e.IsDir() && validID(e.Name()) == nil:
			snaps = append(snaps, filepath.Join(dir, e.Name()))
		case e.Type().IsRegular() && isTemp(e.Name()):
			sw.Temps = append(sw.Temps, filepath.Join(dir, e.Name()))
		}
	}
	for _, sdir := range snaps {
		ents, err := os.ReadDir(sdir)
		if err != nil {
			continue
		}
		manifest := false
		var temps []string
		for _, e := range ents {
			manifest = manifest || e.Name() == ManifestName
			if e.Type().IsRegular() && isTemp(e.Name()) {
				temps = append(temps, filepath.Join(sdir, e.Name()))
			}
		}
		if !manifest {
			sw.Incomplete = append(sw.Incomplete, sdir)
			continue
		}
		sw.Complete[sdir] = true
		sw.Temps = append(sw.Temps, temps...)
	}
	return sw
}

func isTemp(name string) bool { return strings.EqualFold(filepath.Ext(name), durable.TempExt) }

// RemoveDir deletes a snapshot directory by its path, as listed in Info.
func RemoveDir(sdir string) error {
	if err := validID(filepath.Base(sdir)); err != nil {
		return err
	}
	return os.RemoveAll(sdir)
}
