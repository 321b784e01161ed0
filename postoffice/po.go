package postoffice

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/porepair/porepair/internal/osfs"
)

// The three files that make a directory a postoffice.
const (
	MasterPath  = "GLB/MASTER.GLB"
	NetworkPath = "GLB/NETWORK.GLB"
	ControlPath = "GLB/CONTROL.GLB"
	FlagPath    = "GLB/FLAG.GLB"
)

// StandardDirs are the fixed subdirectories of MAILDATA [KB Q77926, Q132744, Q135868].
var StandardDirs = func() []string {
	d := []string{"GLB", "XTN", "MBG", "KEY", "NME", "TPL", "HLP", "USR", "INF", "MAI", "ATT",
		"P1", "LOG", "INI", "MEM", "GRP", "MMF", "CAL", "FOLDERS"}
	for _, c := range "0123456789ABCDEF" {
		d = append(d, "MAI/MA"+string(c), "ATT/AT"+string(c))
	}
	return d
}()

// ErrNotPostoffice is returned by Open for a directory without the GLB files.
var ErrNotPostoffice = errors.New("not a postoffice (GLB/MASTER.GLB, GLB/NETWORK.GLB and GLB/CONTROL.GLB must exist)")

// ErrSymlink is returned for a path that passes through a symbolic link
// inside the postoffice: porepair neither reads nor writes through one.
var ErrSymlink = errors.New("is a symbolic link")

// PO is an open postoffice. It reads lazily: opening it lists nothing and
// reads nothing but the three GLB files' existence; every file and
// directory listing is read on first use and cached. A PO is not meant to
// see its own writes: after a change, open it again.
type PO struct {
	Root string // absolute, symbolic links resolved

	mu      sync.Mutex
	dirs    map[string]map[string]DirEntry // upper-case rel dir → upper-case name → entry
	sorted  map[string][]DirEntry          // upper-case rel dir → its entries as List returns them
	network *NetworkFile
	xtns    map[ID]*XTNFile
	read    map[string]readFile // upper-case rel → what ReadFile read
	sums    map[string]fileSum  // upper-case rel → a file streamed whole (Hash, ReadQueueHashed)
	opened  map[string]int64    // upper-case rel → its size when Open last opened it
}

// fileSum is the size and SHA-256 of a file this PO streamed whole.
type fileSum struct {
	size int64
	sum  string
}

// readFile is a file ReadFile read whole, kept so that a second read of it
// in the same PO costs no call and the bytes can be fingerprinted.
type readFile struct {
	data   []byte
	actual string
}

// DirEntry is a name in a directory, as spelled on disk.
type DirEntry struct {
	Name string
	Mode fs.FileMode // type bits only
}

// Open opens the postoffice at root. Its Root is root made absolute with
// its symbolic links resolved: a postoffice is known by that path (its
// lock, its journal, a fleet naming it twice), however it was reached.
func Open(root string) (*PO, error) {
	abs, err := osfs.AbsPath(root)
	if err != nil {
		return nil, fmt.Errorf("open postoffice %s: %w", root, err)
	}
	// The root's listing resolves its links too (osfs.ListResolved): the
	// postoffice is opened by listing it, so knowing its real path costs
	// no call more.
	ents, real, err := osfs.ListResolved(abs)
	if err != nil {
		// Listing the root is what shows it is a directory; only when
		// that fails is it worth a stat to say that it is a file.
		if fi, serr := os.Stat(abs); serr == nil && !fi.IsDir() {
			return nil, fmt.Errorf("%s: %w", root, ErrNotPostoffice)
		}
		return nil, fmt.Errorf("open postoffice %s: %w", root, err)
	}
	p := newPO(real)
	p.dirs[dirKey("")] = entryMap(ents)
	return p.checkGLB(root)
}

func newPO(real string) *PO {
	return &PO{Root: real, dirs: map[string]map[string]DirEntry{}, sorted: map[string][]DirEntry{}, xtns: map[ID]*XTNFile{}, read: map[string]readFile{}, sums: map[string]fileSum{},
		opened: map[string]int64{}}
}

// checkGLB refuses a directory without the three GLB files every
// postoffice has (root is how the caller named it).
func (p *PO) checkGLB(root string) (*PO, error) {
	for _, f := range []string{MasterPath, NetworkPath, ControlPath} {
		_, ok, err := p.Resolve(f)
		if err != nil && !errors.Is(err, ErrSymlink) {
			return nil, fmt.Errorf("open postoffice %s: %w", root, err)
		}
		if !ok {
			return nil, fmt.Errorf("%s: %w", root, ErrNotPostoffice)
		}
	}
	return p, nil
}

// Reopen opens p's postoffice again, to see what was written since: a
// new PO that lists and reads everything anew, at the same Root (resolved
// when p was opened, so not resolved again), and that checks again that
// the three GLB files exist.
func (p *PO) Reopen() (*PO, error) { return newPO(p.Root).checkGLB(p.Root) }

// List returns the entries of a directory relative to the root (any case),
// sorted by name; a missing directory lists as empty. It is sorted once
// per PO: a diagnosis lists MBG and KEY, thousands of names on a hub,
// several times.
func (p *PO) List(dir string) ([]DirEntry, error) {
	key := dirKey(dir)
	p.mu.Lock()
	out, ok := p.sorted[key]
	p.mu.Unlock()
	if ok {
		return slices.Clone(out), nil
	}
	m, err := p.listing(dir)
	if err != nil {
		return nil, err
	}
	out = make([]DirEntry, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	p.mu.Lock()
	p.sorted[key] = out
	p.mu.Unlock()
	return slices.Clone(out), nil
}

// dirKey is how a PO keeps a directory's listing, in any case.
func dirKey(dir string) string { return strings.ToUpper(path.Clean("/" + dir))[1:] }

func (p *PO) listing(dir string) (map[string]DirEntry, error) {
	key := dirKey(dir)
	p.mu.Lock()
	m, ok := p.dirs[key]
	p.mu.Unlock()
	if ok {
		return m, nil
	}
	m = map[string]DirEntry{}
	actual, exists, err := p.Resolve(dir)
	if err != nil {
		return nil, err
	}
	if exists {
		// One getdents64 for a directory of thousands (osfs.ReadDir).
		ents, err := osfs.ReadDir(filepath.Join(p.Root, actual))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("list %s: %w", actual, err)
		}
		m = entryMap(ents)
	}
	p.mu.Lock()
	p.dirs[key] = m
	p.mu.Unlock()
	return m, nil
}

// entryMap is a listing by upper-case name. Of two names differing only
// in case it keeps the upper-case spelling, the one MS Mail itself would
// have written.
func entryMap(ents []osfs.DirEntry) map[string]DirEntry {
	m := make(map[string]DirEntry, len(ents))
	for _, e := range ents {
		u := strings.ToUpper(e.Name)
		if old, dup := m[u]; dup && old.Name == u {
			continue
		}
		m[u] = DirEntry{Name: e.Name, Mode: e.Type}
	}
	return m
}

// Resolve spells a relative path as it is on disk, looking up every
// component without regard to case. When the file does not exist, the
// existing directories keep their spelling and the rest is upper case, as
// MS Mail would create it. A symbolic link on the way is an error.
func (p *PO) Resolve(rel string) (actual string, exists bool, err error) {
	clean := path.Clean("/" + filepath.ToSlash(rel))[1:]
	if clean == "" {
		return "", true, nil
	}
	parts := strings.Split(clean, "/")
	done := ""
	for i, part := range parts {
		m, err := p.listing(done)
		if err != nil {
			return "", false, err
		}
		e, ok := m[strings.ToUpper(part)]
		if !ok {
			rest := strings.ToUpper(strings.Join(parts[i:], "/"))
			return path.Join(done, rest), false, nil
		}
		done = path.Join(done, e.Name)
		if e.Mode&fs.ModeSymlink != 0 {
			return done, true, fmt.Errorf("%s: %w", done, ErrSymlink)
		}
	}
	return done, true, nil
}

// Entry returns the listed entry of a relative path (any case), from the
// cached listing of its directory; ok is false when it is not there.
func (p *PO) Entry(rel string) (e DirEntry, ok bool) {
	actual, exists, err := p.Resolve(rel)
	if err != nil || !exists {
		return DirEntry{}, false
	}
	m, err := p.listing(path.Dir(actual))
	if err != nil {
		return DirEntry{}, false
	}
	e, ok = m[strings.ToUpper(path.Base(actual))]
	return e, ok
}

// RelistRoot lists the postoffice's root again, for what is there now:
// the listings of its directories are kept.
func (p *PO) RelistRoot() error {
	ents, err := osfs.ReadDir(p.Root)
	if err != nil {
		return fmt.Errorf("list %s: %w", p.Root, err)
	}
	m := entryMap(ents)
	key := dirKey("")
	p.mu.Lock()
	p.dirs[key] = m
	delete(p.sorted, key)
	p.mu.Unlock()
	return nil
}

// ListedDirs are the postoffice's top directories (absolute, as spelled
// on disk) that its last listing of the root (when it was opened, or
// RelistRoot) has as directories: not links, which Resolve refuses to
// pass through.
func (p *PO) ListedDirs() []string {
	p.mu.Lock()
	m := p.dirs[dirKey("")]
	p.mu.Unlock()
	var out []string
	for _, e := range m {
		if e.Mode.IsDir() {
			out = append(out, p.Abs(e.Name))
		}
	}
	return out
}

// Abs turns a path as spelled on disk into an absolute one.
func (p *PO) Abs(actual string) string { return filepath.Join(p.Root, filepath.FromSlash(actual)) }

// MaxReadSize bounds the files porepair reads whole (GLB, XTN and
// component files): the largest real ones are kilobytes, so a bigger one is
// damage, and reading it must not exhaust memory. Mailbags are streamed.
const MaxReadSize = 64 << 20

// Open opens a regular file by its relative path in any case; it returns
// the file, its spelling on disk and its size. A missing file wraps
// fs.ErrNotExist; a symbolic link or a device is refused.
func (p *PO) Open(rel string) (f *os.File, actual string, size int64, err error) {
	actual, ok, err := p.Resolve(rel)
	if err != nil {
		return nil, actual, 0, fmt.Errorf("read %s: %w", rel, err)
	}
	if !ok {
		return nil, actual, 0, fmt.Errorf("read %s: %w", actual, fs.ErrNotExist)
	}
	// The size is the open file's, from the handle's regular-file check.
	f, fi, err := osfs.OpenNoFollowInfo(p.Abs(actual), os.O_RDONLY, 0)
	if err != nil {
		// Listed a moment ago, so an EIO now is a client's sharing
		// violation, not the disk's (osfs.RefusedOpen).
		if osfs.RefusedOpen(err, true) {
			return nil, actual, 0, fmt.Errorf("read: %w", osfs.Held(actual, err))
		}
		return nil, actual, 0, fmt.Errorf("read %s: %w", actual, err)
	}
	p.mu.Lock()
	p.opened[cacheKey(actual)] = fi.Size()
	p.mu.Unlock()
	return f, actual, fi.Size(), nil
}

// OpenedSize returns the size of rel (any case) as this PO last opened it
// (Open, and every read through it), from the fstat of the handle that
// refused a non-regular file; ok is false when it opened none. MAILINT's
// size check takes it for a file read anyway rather than lstat it again.
func (p *PO) OpenedSize(rel string) (size int64, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	size, ok = p.opened[cacheKey(rel)]
	return size, ok
}

// cacheKey is how a PO keeps what it read of a relative path, in any case.
func cacheKey(rel string) string { return strings.ToUpper(path.Clean("/" + filepath.ToSlash(rel))) }

// Hashed returns the size and SHA-256 of rel as this PO read it, streamed
// (Hash, ReadQueueHashed) or whole (ReadFile); ok is false when it read
// none of it. Like Cached it costs no call, and the same care applies.
func (p *PO) Hashed(rel string) (size int64, sum string, ok bool) {
	key := cacheKey(rel)
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.sums[key]; ok {
		return s.size, s.sum, true
	}
	if r, ok := p.read[key]; ok {
		return int64(len(r.data)), SumHex(r.data), true
	}
	return 0, "", false
}

// Hash returns the size, SHA-256 and spelling on disk of rel, streamed
// without reading it whole (a queue may be larger than anything read
// whole). A file this PO read already is not read again (Hashed).
func (p *PO) Hash(rel string) (size int64, sum, actual string, err error) {
	if size, sum, ok := p.Hashed(rel); ok {
		actual, _, err := p.Resolve(rel)
		return size, sum, actual, err
	}
	f, actual, _, err := p.Open(rel)
	if err != nil {
		return 0, "", actual, err
	}
	defer f.Close()
	size, sum, err = Hash(f)
	if err != nil {
		return 0, "", actual, fmt.Errorf("read %s: %w", actual, err)
	}
	p.keepSum(rel, size, sum)
	return size, sum, actual, nil
}

func (p *PO) keepSum(rel string, size int64, sum string) {
	p.mu.Lock()
	p.sums[cacheKey(rel)] = fileSum{size, sum}
	p.mu.Unlock()
}

// ReadFile reads a file by its relative path in any case and returns its
// bytes and its spelling on disk. A missing file wraps fs.ErrNotExist.
// A file is read once per PO: a second ReadFile returns a copy of the
// bytes the first one read (a PO does not see writes, its own or others').
func (p *PO) ReadFile(rel string) (data []byte, actual string, err error) {
	key := cacheKey(rel)
	p.mu.Lock()
	r, ok := p.read[key]
	p.mu.Unlock()
	if ok {
		return bytes.Clone(r.data), r.actual, nil
	}
	data, actual, err = p.readFile(rel)
	if err != nil {
		return nil, actual, err
	}
	p.mu.Lock()
	p.read[key] = readFile{data: bytes.Clone(data), actual: actual}
	p.mu.Unlock()
	return data, actual, nil
}

// Cached returns a copy of the bytes ReadFile read of rel in this PO; ok
// is false when it read none. It costs no call: a check that a file still
// holds what a plan recorded may use it only where the file as this PO
// read it is the state to check.
func (p *PO) Cached(rel string) (data []byte, ok bool) {
	key := cacheKey(rel)
	p.mu.Lock()
	r, ok := p.read[key]
	p.mu.Unlock()
	return bytes.Clone(r.data), ok
}

// readFile reads a file whole, uncached.
func (p *PO) readFile(rel string) (data []byte, actual string, err error) {
	f, actual, size, err := p.Open(rel)
	if err != nil {
		return nil, actual, err
	}
	defer f.Close()
	if size > MaxReadSize {
		return nil, actual, fmt.Errorf("read %s: %d bytes is more than a real one holds (%d MiB at most); the file is damaged", actual, size, MaxReadSize>>20)
	}
	data, err = osfs.ReadSized(io.LimitReader(f, MaxReadSize+1), size)
	if err != nil {
		return nil, actual, fmt.Errorf("read %s: %w", actual, err)
	}
	return data, actual, nil
}

// Exists reports whether a relative path exists (any case).
func (p *PO) Exists(rel string) bool {
	_, ok, err := p.Resolve(rel)
	return ok && err == nil
}

// Control reads GLB/CONTROL.GLB.
func (p *PO) Control() (Control, string, error) {
	b, actual, err := p.ReadFile(ControlPath)
	if err != nil {
		return Control{}, actual, err
	}
	c, err := DecodeControl(b)
	if err != nil {
		return c, actual, fmt.Errorf("%s: %w", actual, err)
	}
	return c, actual, nil
}

// Master reads GLB/MASTER.GLB.
func (p *PO) Master() (Master, string, error) {
	b, actual, err := p.ReadFile(MasterPath)
	if err != nil {
		return Master{}, actual, err
	}
	m, err := DecodeMaster(b)
	if err != nil {
		return m, actual, fmt.Errorf("%s: %w", actual, err)
	}
	return m, actual, nil
}

// NetworkFile is GLB/NETWORK.GLB as read: its bytes, whole records and the
// length of a ragged tail.
type NetworkFile struct {
	Path    string
	Data    []byte
	Records []NetRecord
	Tail    int
}

// Network reads GLB/NETWORK.GLB once.
func (p *PO) Network() (*NetworkFile, error) {
	p.mu.Lock()
	n := p.network
	p.mu.Unlock()
	if n != nil {
		return n, nil
	}
	b, actual, err := p.ReadFile(NetworkPath)
	if err != nil {
		return nil, err
	}
	recs, tail := DecodeNetwork(b)
	n = &NetworkFile{Path: actual, Data: b, Records: recs, Tail: tail}
	p.mu.Lock()
	p.network = n
	p.mu.Unlock()
	return n, nil
}

// XTNFile is one XTN file as read.
type XTNFile struct {
	ID      ID
	Path    string
	Data    []byte
	Records []XTNRecord
	Tail    int
}

// Find returns the index of the first active record named name; when two
// active records carry one name, the first counts.
func (x *XTNFile) Find(name string) int {
	for i := range x.Records {
		if x.Records[i].Active() && EqualName(x.Records[i].Name(), name) {
			return i
		}
	}
	return -1
}

// XTNPath is the relative path of an XTN file.
func XTNPath(id ID) string { return "XTN/" + id.String() + ".XTN" }

// MBGPath and KeyPath are the relative paths of a mailbag pair.
func MBGPath(id ID) string { return "MBG/" + id.String() + ".MBG" }
func KeyPath(id ID) string { return "KEY/" + id.String() + ".KEY" }

// XTN reads XTN/<id>.XTN once.
func (p *PO) XTN(id ID) (*XTNFile, error) {
	p.mu.Lock()
	x := p.xtns[id]
	p.mu.Unlock()
	if x != nil {
		return x, nil
	}
	b, actual, err := p.ReadFile(XTNPath(id))
	if err != nil {
		return nil, err
	}
	recs, tail := DecodeXTN(b)
	x = &XTNFile{ID: id, Path: actual, Data: b, Records: recs, Tail: tail}
	p.mu.Lock()
	p.xtns[id] = x
	p.mu.Unlock()
	return x, nil
}

// ScanMailbag streams MBG/<id>.MBG header by header, so that a queue of
// any size is read in constant memory; it returns the file's spelling, the
// number of headers and the length of a ragged tail.
func (p *PO) ScanMailbag(id ID, fn func(i int, r *MBGRecord)) (actual string, n int, tail int64, err error) {
	return p.scanMailbag(id, fn, false)
}

// scanMailbag is ScanMailbag; hashed also keeps the file's SHA-256, taken
// as it is scanned, for Hashed: a queue a plan carries is then read once
// to count it and to fingerprint it.
func (p *PO) scanMailbag(id ID, fn func(i int, r *MBGRecord), hashed bool) (actual string, n int, tail int64, err error) {
	f, actual, size, err := p.Open(MBGPath(id))
	if err != nil {
		return actual, 0, 0, err
	}
	defer f.Close()
	var in io.Reader = f
	if hashed {
		h := sha256.New()
		in = io.TeeReader(f, h)
		defer func() {
			if err == nil {
				p.keepSum(actual, int64(n)*MBGRecordSize+tail, hex.EncodeToString(h.Sum(nil)))
			}
		}()
	}
	// A buffer no larger than the file: diagnose scans every external
	// postoffice's mailbag, and most of them are empty or nearly.
	br := bufio.NewReaderSize(in, int(min(max(size, MBGRecordSize), 256*MBGRecordSize)))
	var r MBGRecord
	for {
		k, err := io.ReadFull(br, r[:])
		switch {
		case err == nil:
			fn(n, &r)
			n++
		case errors.Is(err, io.EOF):
			return actual, n, 0, nil
		case errors.Is(err, io.ErrUnexpectedEOF):
			return actual, n, int64(k), nil
		default:
			return actual, n, 0, fmt.Errorf("read %s: %w", actual, err)
		}
	}
}

// Mailbag is one MBG file as read.
type Mailbag struct {
	ID      ID
	Path    string
	Records []MBGRecord
	Tail    int
}

// Mailbag reads MBG/<id>.MBG. It is not cached: a queue can be large and
// is read once per diagnosis.
func (p *PO) Mailbag(id ID) (*Mailbag, error) {
	b, actual, err := p.readFile(MBGPath(id))
	if err != nil {
		return nil, err
	}
	recs, tail := DecodeMBG(b)
	return &Mailbag{ID: id, Path: actual, Records: recs, Tail: tail}, nil
}

// HexIDs returns the ids of the hex-named files with extension ext in dir
// (names such as INQUEUE.MBG or ADMIN.NME are not ids).
func (p *PO) HexIDs(dir, ext string) ([]ID, error) {
	ents, err := p.List(dir)
	if err != nil {
		return nil, err
	}
	var ids []ID
	for _, e := range ents {
		base, found := strings.CutSuffix(strings.ToUpper(e.Name), "."+ext)
		if !found {
			continue
		}
		if id, err := ParseID(base); err == nil {
			ids = append(ids, id)
		}
	}
	return ids, nil
}
