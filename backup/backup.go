// Package backup makes and restores snapshots: copies of the files a
// repair changes, creates or deletes, with a manifest of their sizes and
// SHA-256. It knows copies and hashes; the order of a repair
// and its durability are package repair's.
package backup

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	cp "github.com/otiai10/copy"

	"github.com/porepair/porepair/durable"
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
}

// Manifest describes a snapshot.
type Manifest struct {
	ID         string  `json:"id"`
	Time       string  `json:"time"`
	PO         string  `json:"po"`
	Component  string  `json:"component"`
	PlanDigest string  `json:"plan_digest"`
	Entries    []Entry `json:"entries"`
}

// Snapshot is a snapshot directory and its manifest.
type Snapshot struct {
	Dir string
	Manifest
}

// DefaultDir is where a PO's snapshots live unless --snapshot-dir says otherwise.
func DefaultDir(root string) string { return filepath.Join(root, "POREPAIR", "SNAPSHOT") }

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

// HashFile streams a file through SHA-256.
func HashFile(file string) (size int64, sum string, err error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	size, sum, err = postoffice.Hash(f)
	if err != nil {
		return 0, "", fmt.Errorf("%s: %w", file, err)
	}
	return size, sum, nil
}

// Create makes the snapshot dir/<m.ID>: a copy of every entry that has
// one, then the manifest. Each copy and the manifest are counted durable
// writes. Entries must carry File, Existed, MovedTo and After*; Create
// fills in sizes, hashes and copy names from the files themselves.
func Create(root, dir string, m Manifest) (*Snapshot, error) {
	if err := validID(m.ID); err != nil {
		return nil, err
	}
	sdir := filepath.Join(dir, m.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if err := os.Mkdir(sdir, 0o755); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	for i := range m.Entries {
		e := &m.Entries[i]
		full, err := safePath(root, e.File)
		if err != nil {
			return nil, err
		}
		if !e.Existed {
			continue
		}
		size, sum, err := HashFile(full)
		if err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", e.File, err)
		}
		e.Size, e.SHA256 = size, sum
		if e.MovedTo != "" {
			continue
		}
		e.Copy = fmt.Sprintf("%03d-%s", i, strings.ReplaceAll(e.File, "/", "_"))
		dst := filepath.Join(sdir, e.Copy)
		if err := durable.Copy(full, dst, func(src, dst string) error {
			return cp.Copy(src, dst, cp.Options{Sync: true, PreserveTimes: true})
		}); err != nil {
			return nil, err
		}
		// The copy must hold what was hashed: a file changed under us would
		// make a snapshot that cannot restore.
		if _, got, err := HashFile(dst); err != nil || got != sum {
			return nil, fmt.Errorf("snapshot %s: copy does not match (changed while copying?)", e.File)
		}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := durable.Create(filepath.Join(sdir, ManifestName), append(b, '\n')); err != nil {
		return nil, err
	}
	return &Snapshot{Dir: sdir, Manifest: m}, nil
}

// Open reads the snapshot dir/id.
func Open(dir, id string) (*Snapshot, error) {
	if err := validID(id); err != nil {
		return nil, err
	}
	sdir := filepath.Join(dir, id)
	b, err := os.ReadFile(filepath.Join(sdir, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("snapshot %s: manifest: %w", id, err)
	}
	if m.ID != id {
		return nil, fmt.Errorf("snapshot %s: manifest names %q", id, m.ID)
	}
	return &Snapshot{Dir: sdir, Manifest: m}, nil
}

// Info is a snapshot as listed.
type Info struct {
	ID        string `json:"id"`
	Time      string `json:"time"`
	PO        string `json:"po"`
	Component string `json:"component"`
	Complete  bool   `json:"complete"`
}

// List returns the snapshots in dir that belong to po (all when po is
// ""), oldest first. A directory without a manifest is listed incomplete.
func List(dir, po string) ([]Info, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []Info{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	out := []Info{}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		s, err := Open(dir, e.Name())
		if err != nil {
			if po == "" {
				out = append(out, Info{ID: e.Name()})
			}
			continue
		}
		if po != "" && s.PO != po {
			continue
		}
		out = append(out, Info{ID: s.ID, Time: s.Time, PO: s.PO, Component: s.Component, Complete: true})
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

// Verify checks that every copy is present and holds its recorded bytes.
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
		size, sum, err := HashFile(filepath.Join(s.Dir, e.Copy))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.File, err))
		} else if size != e.Size || sum != e.SHA256 {
			errs = append(errs, fmt.Errorf("%s: copy %s does not match its SHA-256", e.File, e.Copy))
		}
	}
	return errors.Join(errs...)
}

// safePath turns a manifest path into an absolute one inside root,
// refusing paths that leave root or pass through a symbolic link.
func safePath(root, rel string) (string, error) {
	clean := path.Clean(rel)
	if rel == "" || clean != rel || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") ||
		strings.ContainsAny(clean, "\\\x00") {
		return "", fmt.Errorf("snapshot path %q leaves the postoffice", rel)
	}
	cur := root
	for _, part := range strings.Split(clean, "/") {
		cur = filepath.Join(cur, part)
		fi, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return "", fmt.Errorf("snapshot path %q passes through a symbolic link", rel)
		}
	}
	return cur, nil
}

// variants lists the names in full's directory that equal its base name
// without regard to case.
func variants(full string) ([]string, error) {
	dir, base := filepath.Split(full)
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if strings.EqualFold(e.Name(), base) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out, nil
}

// Changed reports the entries whose files no longer hold what the repair
// left there: a rollback of a completed repair would destroy later work.
func (s *Snapshot) Changed(root string) ([]string, error) {
	var out []string
	for _, e := range s.Entries {
		target := e.File
		if e.MovedTo != "" {
			target = e.MovedTo
		}
		full, err := safePath(root, target)
		if err != nil {
			return nil, err
		}
		size, sum, err := HashFile(full)
		exists := err == nil
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if exists != e.AfterExists || exists && (size != e.AfterSize || sum != e.AfterSHA256) {
			out = append(out, target)
		}
	}
	return out, nil
}

// Restore puts every entry back: copies under their recorded names
// (removing a variant that differs only in case), moved files moved back,
// created files deleted; then checks every SHA-256. It can be interrupted
// and run again: an entry already restored is left alone.
func (s *Snapshot) Restore(root string) error {
	var errs []error
	for i := len(s.Entries) - 1; i >= 0; i-- {
		if err := s.restore(root, s.Entries[i]); err != nil {
			errs = append(errs, fmt.Errorf("restore %s: %w", s.Entries[i].File, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Snapshot) restore(root string, e Entry) error {
	full, err := safePath(root, e.File)
	if err != nil {
		return err
	}
	if e.MovedTo != "" {
		moved, err := safePath(root, e.MovedTo)
		if err != nil {
			return err
		}
		if size, sum, err := HashFile(full); err == nil && size == e.Size && sum == e.SHA256 {
			return nil // already back
		}
		size, sum, err := HashFile(moved)
		if err != nil {
			return fmt.Errorf("moved file %s: %w", e.MovedTo, err)
		}
		if size != e.Size || sum != e.SHA256 {
			return fmt.Errorf("moved file %s no longer holds the original bytes", e.MovedTo)
		}
		return durable.Move(moved, full)
	}
	vs, err := variants(full)
	if err != nil {
		return err
	}
	if !e.Existed {
		for _, v := range vs {
			if err := durable.Remove(v); err != nil {
				return err
			}
		}
		return nil
	}
	if e.Copy == "" || validID(e.Copy) != nil {
		return fmt.Errorf("snapshot entry has no valid copy")
	}
	for _, v := range vs {
		if v == full {
			continue
		}
		if err := durable.Remove(v); err != nil {
			return err
		}
	}
	if size, sum, err := HashFile(full); err == nil && size == e.Size && sum == e.SHA256 {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(s.Dir, e.Copy))
	if err != nil {
		return err
	}
	if postoffice.SumHex(data) != e.SHA256 {
		return fmt.Errorf("snapshot copy %s is damaged (SHA-256 differs)", e.Copy)
	}
	if err := durable.WriteFile(full, data); err != nil {
		return err
	}
	if _, sum, err := HashFile(full); err != nil || sum != e.SHA256 {
		return fmt.Errorf("restored file does not match its SHA-256")
	}
	return nil
}

// Remove deletes a snapshot directory.
func Remove(dir, id string) error {
	if err := validID(id); err != nil {
		return err
	}
	return os.RemoveAll(filepath.Join(dir, id))
}
