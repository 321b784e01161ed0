package diagnose

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/postoffice"
)

// sizedDirs are the directories whose files MAILINT size-checks, besides GLB.
var sizedDirs = []string{"GLB", "KEY", "MBG", "XTN", "NME", "USR"}

// idDirs are the directories of hex-named files that CONTROL.GLB's
// nmailbag numbers.
var idDirs = []struct{ dir, ext string }{
	{"MBG", "MBG"}, {"KEY", "KEY"}, {"XTN", "XTN"}, {"USR", "USR"}, {"INF", "INF"}, {"NME", "NME"},
}

// network is the first active type-0 record of a name, and its XTN.
type network struct {
	name  string // as spelled in NETWORK.GLB
	index int
	rec   *postoffice.NetRecord
	xtn   *postoffice.XTNFile // nil when missing or unreadable
}

// Model is what a diagnosis learned of a postoffice, kept so that the
// planner reads each file once.
type Model struct {
	PO       *postoffice.PO
	Network  *postoffice.NetworkFile
	Master   *postoffice.Master  // nil when unreadable
	networks map[string]*network // upper-case name → first active record of that name
	hubs     map[Gateway]int     // active references through each gateway postoffice
}

// Gateway names an external postoffice as a key: "NET/PO" in upper case,
// as MS Mail compares names. A finding about a postoffice a component's
// mail goes through carries it, and so does the question which findings
// a reinstall through that postoffice mends (Report.About).
type Gateway string

// GatewayOf is the key of postoffice po of network net.
func GatewayOf(net, po string) Gateway {
	return Gateway(strings.ToUpper(net) + "/" + strings.ToUpper(po))
}

// Files checks a postoffice's files and returns its findings sorted by
// file and code. It never writes. A damaged file yields a finding, and
// the checks that do not depend on it still run. It ages nothing and
// does not look at porepair's own records: that is Run.
func Files(p *postoffice.PO, ms []Manifest) *Report {
	r, _ := Read(p, ms)
	return r
}

// Read is Files that also returns what the diagnosis learned, so that a
// planner reads each file once and builds no diagnosis of its own.
func Read(p *postoffice.PO, ms []Manifest) (*Report, *Model) {
	d := newDiag(p, ms)
	return d.run(), d.m
}

// Changed is Files after a repair that changed files (plan paths, any
// case) through gateway postoffice gw, for verifying it: every finding
// about a component or gw comes as Files finds it, but MAILINT's size
// sweep covers only the changed files, the GLB and XTN files the checks
// read and the queues they count; the postoffice's other files were
// swept by the diagnosis the plan was made from. Its calls do not grow
// with the number of users or of external postoffices.
func Changed(p *postoffice.PO, ms []Manifest, changed []string, gw Gateway) *Report {
	r, _ := scoped(p, ms, changed, gw)
	return r
}

// ForPlan is Read for a planner of a component whose gateway postoffice
// is gw ("": the one its record routes through): every finding a plan
// depends on comes as Read finds it (about the components, their queues
// and files, the gateway postoffice and its queue, and the size of every
// GLB and XTN file the checks read), but MAILINT's size sweep leaves out
// the GLB files no check reads and the users' mailbags, KEYs and USRs,
// which no plan reads, and only the gateway postoffices' outbound queues
// are counted: planning does not grow with the number of users or of
// external postoffices.
func ForPlan(p *postoffice.PO, ms []Manifest, gw Gateway) (*Report, *Model) {
	var files []string
	for _, m := range ms {
		for _, f := range m.Files {
			files = append(files, f.Path)
		}
	}
	return scoped(p, ms, files, gw)
}

// scoped is Read with MAILINT's size sweep limited to the files named
// (plan paths, any case) and the GLB and XTN files the checks read (a
// queue is then size-checked when counted, sizeQueue), and the external
// postoffices' queues counted only for gw and the components' routes.
func scoped(p *postoffice.PO, ms []Manifest, files []string, gw Gateway) (*Report, *Model) {
	sweep := map[string]bool{}
	for _, f := range files {
		sweep[strings.ToUpper(f)] = true
	}
	d := newDiag(p, ms)
	d.sweep = func(rel string) bool {
		u := strings.ToUpper(rel)
		return sweep[u] || strings.HasPrefix(u, "GLB/") || strings.HasPrefix(u, "XTN/")
	}
	d.ifRead = func(rel string) bool { return !sweep[strings.ToUpper(rel)] }
	d.counted = map[Gateway]bool{}
	if gw != "" {
		d.counted[gw] = true
	}
	return d.run(), d.m
}

func newDiag(p *postoffice.PO, ms []Manifest) *diag {
	return &diag{p: p, ms: ms, empty: map[string]bool{}, sized: map[string]bool{}, pending: map[string]bool{},
		r: &Report{PO: p.Root, Findings: []Finding{}, Queues: []Queue{}},
		m: &Model{PO: p, networks: map[string]*network{}, hubs: map[Gateway]int{}}}
}

func (d *diag) run() *Report {
	d.sizes()
	d.counter()
	d.master()
	d.networks()
	d.gateways()
	d.xtnRecords()
	d.hubCounters()
	d.pairs()
	d.components()
	d.sizeRest()
	d.r.Sort()
	return d.r
}

type diag struct {
	p          *postoffice.PO
	ms         []Manifest
	r          *Report
	m          *Model
	externals  []xtnEntry // every effective active external PO
	masterFile string     // MASTER.GLB as spelled on disk
	// empty holds the 0-byte files the size check met (as spelled on
	// disk): a hub's thousands of empty mailbags need not be opened again.
	empty map[string]bool
	// lost holds the unclaimed mailbags once read (nil before): every
	// component whose record is missing shares them.
	lost *[]Queue
	// sized holds the files the size check met; sweep, when not nil,
	// limits the sweep to the files it accepts (Changed), and a
	// queue is then size-checked when counted (sizeQueue).
	sized map[string]bool
	sweep func(rel string) bool
	// ifRead, when not nil, says which swept files are sized only when a
	// check read them (scoped: the GLB and XTN files the plan does not
	// name); counted, when not nil, holds the external postoffices whose
	// outbound queues are counted, besides those a component's record
	// routes through (scoped).
	ifRead  func(rel string) bool
	counted map[Gateway]bool
	// pending holds the swept files not sized yet (as spelled on disk),
	// and batches them by directory in listing order: a file the
	// diagnosis reads is sized from the fstat of the handle it was read
	// through (postoffice.PO.OpenedSize), and only the rest are lstat'ed,
	// at the end (sizeRest).
	pending map[string]bool
	batches []sizeBatch
}

// sizeBatch is the swept files of one directory, as spelled on disk.
type sizeBatch struct {
	dir   string
	names []string
}

// xtnEntry is an active external PO: the first active record of its name
// in its network's XTN.
type xtnEntry struct {
	nw *network
	i  int
}

func (e xtnEntry) rec() *postoffice.XTNRecord { return &e.nw.xtn.Records[e.i] }

func (d *diag) add(f Finding) { d.r.Findings = append(d.r.Findings, f) }

// addFor adds a finding about component comp ("" for none).
func (d *diag) addFor(comp ComponentName, f Finding) {
	f.Component = comp
	d.add(f)
}

// unreadable turns a read error into a finding (a missing file is the
// caller's business).
func (d *diag) unreadable(file string, err error) {
	for _, f := range d.r.Findings {
		if f.Code == UnreadableFile && f.File == file {
			return // once per file, from whichever check met it first
		}
	}
	f := NewFinding(UnreadableFile, file, "%s cannot be read: %v; restore it from a backup", file, err)
	if errors.Is(err, osfs.ErrHeldOpen) {
		f = NewFinding(UnreadableFile, file, "%s cannot be read now: %v", file, err)
	}
	f.Err = err
	d.add(f)
}

// sizes is MAILINT's File Integrity Check of every listed file. It lists
// the directories and sizes the mailbags, whose sizes steer the reads (an
// empty one is not opened); every other file waits until the diagnosis has
// read what it reads (pend, sizeRest): a file read is sized from its read,
// the rest by one lstat each. In a directory of many files (a hub has
// thousands of mailbags, KEYs and USRs) the lstats go through the
// directory opened once (osfs.DirStat: no walk of its path per file) and
// run a few at a time: on a share each is a round trip or three that
// others can overlap. The findings are made afterwards, in listing order,
// as one lstat at a time would make them.
func (d *diag) sizes() {
	for _, dir := range sizedDirs {
		actualDir, _, err := d.p.Resolve(dir)
		if err != nil {
			d.unreadable(dir, err)
			continue
		}
		ents, err := d.p.List(dir)
		if err != nil {
			d.unreadable(dir, err)
			continue
		}
		b := sizeBatch{dir: actualDir}
		for _, e := range ents {
			if rel := path.Join(actualDir, e.Name); (d.sweep == nil || d.sweep(rel)) && d.sizable(rel, e) {
				b.names = append(b.names, e.Name)
			}
		}
		if dir == "MBG" {
			d.sizeDir(b.dir, b.names)
			continue
		}
		d.pend(b)
	}
}

// pend keeps a batch of files to size once the diagnosis has read what it
// reads.
func (d *diag) pend(b sizeBatch) {
	for _, n := range b.names {
		d.pending[path.Join(b.dir, n)] = true
	}
	d.batches = append(d.batches, b)
}

// sizeRead sizes a swept file the diagnosis just tried to read (rel as
// spelled on disk), before a check that depends on its size: from the
// read's handle when it was opened, else by lstat.
func (d *diag) sizeRead(rel string) {
	if !d.pending[rel] || d.sizedFromRead(rel) {
		return
	}
	st, err := osfs.LstatPath(d.p.Abs(rel))
	d.checkSize(rel, st, err)
}

// sizedFromRead takes a pending file off the list and, when the
// diagnosis opened it, sizes it from that handle's fstat; it reports
// whether it did.
func (d *diag) sizedFromRead(rel string) bool {
	delete(d.pending, rel)
	size, ok := d.p.OpenedSize(rel)
	if ok {
		d.checkSize(rel, osfs.NameStat{Size: size}, nil)
	}
	return ok
}

// sizeRest sizes the swept files still pending, in listing order: those
// the diagnosis opened from their handle's fstat, the others by lstat.
func (d *diag) sizeRest() {
	for _, b := range d.batches {
		var unread []string
		for _, n := range b.names {
			rel := path.Join(b.dir, n)
			if !d.pending[rel] || d.sizedFromRead(rel) || (d.ifRead != nil && d.ifRead(rel)) {
				continue
			}
			unread = append(unread, n)
		}
		d.sizeDir(b.dir, unread)
	}
}

// lstatWorkers bounds the lstats in flight; a directory of fewer files
// than lstatBatch is lstat'ed by path, one at a time: opening it would
// cost more than it saves.
const (
	lstatWorkers = 8
	lstatBatch   = 64
)

type lstatResult struct {
	st  osfs.NameStat
	err error
}

// sizeDir size-checks the listed files names of dir.
func (d *diag) sizeDir(dir string, names []string) {
	out := make([]lstatResult, len(names))
	if len(names) < lstatBatch {
		for i, n := range names {
			out[i].st, out[i].err = osfs.LstatPath(d.p.Abs(path.Join(dir, n)))
		}
	} else {
		ds, err := osfs.OpenDirStat(d.p.Abs(dir))
		if err != nil {
			d.unreadable(dir, err)
			return
		}
		lstatAll(ds, names, out)
		ds.Close()
	}
	for i, n := range names {
		d.checkSize(path.Join(dir, n), out[i].st, out[i].err)
	}
}

// lstatAll lstats every name through ds, lstatWorkers at a time.
func lstatAll(ds *osfs.DirStat, names []string, out []lstatResult) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range lstatWorkers {
		wg.Go(func() {
			for i := range next {
				out[i].st, out[i].err = ds.Lstat(names[i])
			}
		})
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
}

// ruled reports whether a listed file has a size rule (MAILINT's).
func ruled(rel string, e postoffice.DirEntry) bool {
	_, ok := postoffice.SizeRuleFor(rel)
	return ok && !e.Mode.IsDir()
}

// Swept is the files the size sweep of Files and Read sizes, as spelled
// on disk: every listed file with a size rule in GLB, KEY, MBG, XTN, NME
// and USR but a symbolic link (reported, never followed). Each costs a
// diagnosis one stat at least: what syscount.Minimum counts for diagnose.
func Swept(p *postoffice.PO) []string {
	var out []string
	for _, dir := range sizedDirs {
		actualDir, _, err := p.Resolve(dir)
		if err != nil {
			continue
		}
		ents, err := p.List(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if rel := path.Join(actualDir, e.Name); ruled(rel, e) && e.Mode&fs.ModeSymlink == 0 {
				out = append(out, rel)
			}
		}
	}
	return out
}

// sizable reports whether a listed file is one MAILINT sizes, and
// reports a symbolic link in its place (never followed).
func (d *diag) sizable(rel string, e postoffice.DirEntry) bool {
	if !ruled(rel, e) {
		return false
	}
	d.sized[rel] = true
	if e.Mode&fs.ModeSymlink != 0 {
		d.unreadable(rel, postoffice.ErrSymlink)
		return false
	}
	return true
}

// checkSize judges a file's lstat by MAILINT's rule for it.
func (d *diag) checkSize(rel string, st osfs.NameStat, err error) {
	if err != nil {
		d.unreadable(rel, err)
		return
	}
	rule, _ := postoffice.SizeRuleFor(rel)
	size := st.Size
	if size == 0 && st.Type == 0 {
		d.empty[rel] = true
	}
	if !rule.Check(size) {
		f := NewFinding(BadFileSize, rel, "%s is %d bytes; it must be %s: restore it from a backup", rel, size, rule)
		if strings.EqualFold(rel, postoffice.ControlPath) {
			f.KB = append([]string{"Q87388", "Q112894"}, f.KB...)
		}
		d.add(f)
	}
	if rule.Record == postoffice.MBGRecordSize && size/postoffice.MBGRecordSize > postoffice.MaxHeaders {
		d.add(NewFinding(MailbagOverfull, rel, "%s holds %d headers; its KEY can index only %d, so the ones past that cannot be told apart",
			rel, size/postoffice.MBGRecordSize, postoffice.MaxHeaders))
	}
}

// sizeQueue size-checks a queue's mailbag the sweep left out, before it
// is counted: the checks that follow (MAILBAG_OVERFULL, an empty queue
// not opened) see it as a full sweep would.
func (d *diag) sizeQueue(id postoffice.ID) { d.sizeLeftOut(postoffice.MBGPath(id)) }

// sizeLeftOut size-checks a file a scoped sweep left out (a gateway
// queue's KEY, which a plan carries; a counted queue's mailbag), once: a
// mailbag now, since its size steers its read, any other with the files
// pending (it may be read first).
func (d *diag) sizeLeftOut(rel string) {
	if d.sweep == nil {
		return
	}
	actual, ok, err := d.p.Resolve(rel)
	if err != nil || !ok || d.sized[actual] {
		return
	}
	if e, ok := d.p.Entry(actual); !ok || !d.sizable(actual, e) {
		return
	}
	b := sizeBatch{dir: path.Dir(actual), names: []string{path.Base(actual)}}
	if strings.EqualFold(b.dir, "MBG") {
		d.sizeDir(b.dir, b.names)
		return
	}
	d.pend(b)
}

func (d *diag) counter() {
	ctl, file, err := d.p.Control()
	d.sizeRead(file) // before sizeOK
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) && d.sizeOK(postoffice.ControlPath) {
			d.unreadable(file, err)
		}
		return
	}
	var maxID postoffice.ID
	var maxFile string
	for _, x := range idDirs {
		ids, err := d.p.HexIDs(x.dir, x.ext)
		if err != nil {
			d.unreadable(x.dir, err)
			continue
		}
		for _, id := range ids {
			if maxFile == "" || id > maxID {
				maxID, maxFile = id, x.dir+"/"+id.String()+"."+x.ext
			}
		}
	}
	if maxFile != "" && ctl.NMailbag() <= uint32(maxID) {
		d.add(NewFinding(CounterBehind, file,
			"nmailbag is %08X but %s is in use: a new mailbag could overwrite a live one; set nmailbag above %08X (Q87388)",
			ctl.NMailbag(), maxFile, uint32(maxID)))
	}
}

// sizeOK reports whether a file has no BAD_FILE_SIZE finding, so that a
// file of the wrong size is reported once, not again as unreadable.
func (d *diag) sizeOK(rel string) bool {
	for _, f := range d.r.Findings {
		if f.Code == BadFileSize && strings.EqualFold(f.File, rel) {
			return false
		}
	}
	return true
}

// master reads MASTER.GLB: the postoffice's own names, and whether it is a
// workgroup postoffice.
func (d *diag) master() {
	m, file, err := d.p.Master()
	d.sizeRead(file) // before sizeOK
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) && d.sizeOK(postoffice.MasterPath) {
			d.unreadable(file, err)
		}
		return
	}
	d.m.Master, d.masterFile = &m, file
	d.r.Network, d.r.Postoffice = m.Network(), m.Postoffice()
	if m.Workgroup() {
		d.add(NewFinding(WorkgroupPostoffice, file,
			"%s/%s is a workgroup postoffice (MASTER.GLB installed = %08X): it has no gateway bits and takes no access components; upgrade it to a Microsoft Mail 3.x postoffice first",
			postoffice.Printable(m.Network()), postoffice.Printable(m.Postoffice()), m.Installed()))
	}
}

// networks loads every active network record (the first of each name) and
// its XTN.
func (d *diag) networks() {
	n, err := d.p.Network()
	if err != nil {
		d.unreadable(postoffice.NetworkPath, err)
		return
	}
	d.m.Network = n
	for i := range n.Records {
		r := &n.Records[i]
		if !r.Active() || r.Type() != postoffice.TypeNetwork {
			continue
		}
		key := strings.ToUpper(r.Name())
		if _, dup := d.m.networks[key]; dup {
			continue
		}
		nw := &network{name: r.Name(), index: i, rec: r}
		d.m.networks[key] = nw
		nw.xtn = d.xtn(n.Path, i, r)
	}
	for _, nw := range d.m.sortedNetworks() {
		if nw.xtn == nil {
			continue
		}
		for i := range nw.xtn.Records {
			r := &nw.xtn.Records[i]
			if r.Active() && nw.xtn.Find(r.Name()) == i {
				d.externals = append(d.externals, xtnEntry{nw, i})
			}
		}
	}
}

// xtn loads the XTN a record names; XTN_MISSING when it cannot. An FFAPI
// gateway need not have one, and a missing one is a warning (Q148666
// deletes it "if it exists").
func (d *diag) xtn(file string, i int, r *postoffice.NetRecord) *postoffice.XTNFile {
	what := describeRecord(i, r)
	miss := func(file, format string, args ...any) {
		f := NewFinding(XTNMissing, file, format, args...)
		if r.Type().FFAPI() {
			f.Severity = Warning
		}
		d.add(f)
	}
	id, ok, err := r.XTN()
	switch {
	case err != nil:
		miss(file, "%s: XTN id %q is not a hex id; its postoffices cannot be addressed", what, postoffice.Printable(r.Raw(postoffice.NetXTN)))
		return nil
	case !ok:
		if !r.Type().FFAPI() {
			miss(file, "%s names no XTN file; its postoffices cannot be addressed", what)
		}
		return nil
	}
	x, err := d.p.XTN(id)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		miss(postoffice.XTNPath(id), "%s: %s is missing; its postoffices cannot be addressed (Q112906): re-create the network in ADMIN or restore the file", what, postoffice.XTNPath(id))
		return nil
	case err != nil:
		d.unreadable(postoffice.XTNPath(id), err)
		return nil
	}
	return x
}

// describeRecord names a NETWORK.GLB record for a message: "SMTP (record
// 3, type 12 SMTP)".
func describeRecord(i int, r *postoffice.NetRecord) string {
	return fmt.Sprintf("%s (record %d, type %d %s)", postoffice.Printable(r.Name()), i, uint8(r.Type()), r.Type())
}

// gateways checks every active record but the networks: its XTN or its
// queue, its name against the components, and its route.
func (d *diag) gateways() {
	n := d.m.Network
	if n == nil {
		return
	}
	for i := range n.Records {
		r := &n.Records[i]
		if !r.Active() {
			continue
		}
		comp := d.componentOf(r)
		d.typeMismatch(n.Path, i, r)
		if r.Type() != postoffice.TypeNetwork {
			switch {
			case r.Type().KeepsXTN():
				d.xtn(n.Path, i, r)
			case r.Type().HasQueue() || comp != "":
				d.queue(n.Path, i, r, comp)
			}
		}
		if r.Indirect() {
			// Every active reference counts toward a hub, but a route of a
			// type porepair does not know is not checked.
			d.m.hubs[GatewayOf(r.Route().Network, r.Route().PO)]++
			if r.Type().Known() || comp != "" {
				d.route(n.Path, i, r, comp)
			}
		}
	}
}

func (d *diag) componentOf(r *postoffice.NetRecord) ComponentName {
	for _, m := range d.ms {
		if m.Matches(r) {
			return m.Name
		}
	}
	return ""
}

// typeMismatch reports an active record that carries a component's name
// but another type: the client finds gateways by name.
func (d *diag) typeMismatch(file string, i int, r *postoffice.NetRecord) {
	for _, m := range d.ms {
		if postoffice.EqualName(r.Name(), m.Record) && r.Type() != m.NetType() {
			d.addFor(m.Name, NewFinding(ComponentTypeMismatch, file,
				"record %d is named %s but is a %s (type %d), not the %s access component's %s (type %d): mail addressed to %s goes there; resolve the record by hand in ADMIN before reinstalling",
				i, postoffice.Printable(r.Name()), r.Type(), uint8(r.Type()), m.Name, m.NetType(), m.Type, m.Record))
		}
	}
}

// queue checks a gateway's queue at 0x21 and reports the mail waiting in it.
func (d *diag) queue(file string, i int, r *postoffice.NetRecord, comp ComponentName) {
	name := postoffice.Printable(r.Name())
	id, ok, err := r.Mailbag()
	if err != nil || !ok {
		d.addFor(comp, NewFinding(QueueMissing, file, "gateway %s has no valid queue id at 0x21 (%q)",
			describeRecord(i, r), postoffice.Printable(r.Raw(postoffice.NetMailbag))))
		return
	}
	d.pairPresent(id, "gateway "+name, comp)
	d.sizeLeftOut(postoffice.KeyPath(id))
	route := RouteHere
	if r.Indirect() {
		route = routeOf(r.Route())
	}
	q := d.countQueue(id, "gateway "+name, route, true)
	if q == nil {
		return
	}
	d.tag(MailbagOverfull, q.MBG, comp)
	if q.Pending == 0 {
		return
	}
	d.addFor(comp, NewFinding(QueuePending, q.MBG, "gateway %s: %s", name, describeQueue(q)))
}

// describeQueue says what waits in a queue: "3 messages waiting, the
// oldest from 1993-10-08T16:25; 1 header deleted".
func describeQueue(q *postoffice.Queue) string {
	s := fmt.Sprintf("%s waiting, the oldest from %s", textfmt.Plural(q.Pending, "message"), q.Oldest.Date())
	if q.KeyProblem != "" {
		return s + fmt.Sprintf(" (%s: every header counted as waiting)", q.KeyProblem)
	}
	if q.Deleted > 0 {
		s += fmt.Sprintf("; %s deleted", textfmt.Plural(q.Deleted, "header"))
	}
	return s
}

// tag marks an existing finding as being about component comp.
func (d *diag) tag(code Code, file string, comp ComponentName) {
	for i, f := range d.r.Findings {
		if f.Code == code && f.File == file && comp != "" {
			d.r.Findings[i].Component = comp
		}
	}
}

// pairPresent reports a queue whose MBG or KEY is missing.
func (d *diag) pairPresent(id postoffice.ID, owner string, comp ComponentName) {
	for _, rel := range []string{postoffice.MBGPath(id), postoffice.KeyPath(id)} {
		actual, ok, err := d.p.Resolve(rel)
		if err != nil {
			d.unreadable(actual, err)
			continue
		}
		if !ok {
			d.addFor(comp, NewFinding(QueueMissing, actual, "%s: queue file %s is missing", owner, actual))
		}
	}
}
