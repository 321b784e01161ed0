package plan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/porepair/porepair/postoffice"
)

// sizedDirs are the directories whose files MAILINT size-checks, besides GLB.
var sizedDirs = []string{"GLB", "KEY", "MBG", "XTN", "NME", "USR"}

// idDirs are the directories of hex-named files that CONTROL.GLB's
// nmailbag numbers (SPEC §2).
var idDirs = []struct{ dir, ext string }{
	{"MBG", "MBG"}, {"KEY", "KEY"}, {"XTN", "XTN"}, {"USR", "USR"}, {"INF", "INF"}, {"NME", "NME"},
}

// network is an active MS Mail network record and its XTN, once read.
type network struct {
	name  string // as spelled in NETWORK.GLB
	index int
	xtn   *postoffice.XTNFile // nil when missing or unreadable
}

// Model is what a diagnosis learned of a postoffice, kept so that the
// planner reads each file once.
type Model struct {
	PO       *postoffice.PO
	Network  *postoffice.NetworkFile
	networks map[string]*network // upper-case name → first active record of that name
	hubs     map[string]int      // "NET/PO" upper case → routes naming it
}

// poKey is the key of an external PO in Model.hubs and Finding.PO.
func poKey(net, po string) string { return strings.ToUpper(net) + "/" + strings.ToUpper(po) }

// Diagnose checks a postoffice against SPEC §2 and returns its findings
// sorted by file and code. It never writes. A damaged file yields a
// finding, and the checks that do not depend on it still run.
func Diagnose(p *postoffice.PO, ms []Manifest) *Report {
	r, _ := diagnose(p, ms)
	return r
}

func diagnose(p *postoffice.PO, ms []Manifest) (*Report, *Model) {
	d := &diag{p: p, ms: ms, r: &Report{PO: p.Root, Findings: []Finding{}},
		m: &Model{PO: p, networks: map[string]*network{}, hubs: map[string]int{}}}
	d.sizes()
	d.counter()
	d.networks()
	d.xtnRecords()
	d.pairs()
	d.components()
	d.r.Sort()
	return d.r, d.m
}

type diag struct {
	p  *postoffice.PO
	ms []Manifest
	r  *Report
	m  *Model
}

func (d *diag) add(f Finding) { d.r.Findings = append(d.r.Findings, f) }

// unreadable turns a read error into a finding (a missing file is the
// caller's business).
func (d *diag) unreadable(file string, err error) {
	for _, f := range d.r.Findings {
		if f.Code == UnreadableFile && f.File == file {
			return // once per file, from whichever check met it first
		}
	}
	d.add(NewFinding(UnreadableFile, file, "%s cannot be read: %v", file, err))
}

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
		for _, e := range ents {
			rel := path.Join(actualDir, e.Name)
			rule, ok := postoffice.SizeRuleFor(rel)
			if !ok || e.Mode.IsDir() {
				continue
			}
			if e.Mode&fs.ModeSymlink != 0 {
				d.unreadable(rel, postoffice.ErrSymlink)
				continue
			}
			fi, err := os.Lstat(d.p.Abs(rel))
			if err != nil {
				d.unreadable(rel, err)
				continue
			}
			size := fi.Size()
			if !rule.Check(size) {
				f := NewFinding(BadFileSize, rel, "%s is %d bytes; it must be %s", rel, size, rule)
				if strings.EqualFold(rel, postoffice.ControlPath) {
					f.KB = append([]string{"Q87388", "Q112894"}, f.KB...)
				}
				d.add(f)
			}
		}
	}
}

func (d *diag) counter() {
	ctl, file, err := d.p.Control()
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

func (d *diag) networks() {
	n, err := d.p.Network()
	if err != nil {
		d.unreadable(postoffice.NetworkPath, err)
		return
	}
	d.m.Network = n
	for i := range n.Records {
		r := &n.Records[i]
		if !r.Active() {
			continue
		}
		switch r.Type() {
		case postoffice.TypeMSMail:
			key := strings.ToUpper(r.Name())
			if _, dup := d.m.networks[key]; dup {
				continue
			}
			nw := &network{name: r.Name(), index: i}
			d.m.networks[key] = nw
			nw.xtn = d.xtn(n.Path, r, true)
		case postoffice.TypeFFAPI:
			d.xtn(n.Path, r, false)
		}
	}
	// Gateway records: their queues and routes.
	for i := range n.Records {
		r := &n.Records[i]
		if !r.Active() || r.Type() == postoffice.TypeMSMail {
			continue
		}
		comp := d.componentOf(r)
		if q, ok := d.queueField(r); ok {
			d.queue(r, q, comp)
		}
		if r.HasRoute() {
			d.route(n.Path, i, r, comp)
			d.m.hubs[poKey(r.ViaNet(), r.ViaPO())]++
		}
	}
}

// xtn loads the XTN a record points to; required says whether an empty
// pointer is itself a problem (network records) or allowed (FFAPI).
func (d *diag) xtn(file string, r *postoffice.NetRecord, required bool) *postoffice.XTNFile {
	id, ok, err := r.Pointer()
	if err != nil {
		d.add(NewFinding(XTNMissing, file, "%s record %s: XTN pointer %q is not a hex id",
			r.Type(), postoffice.Printable(r.Name()), postoffice.Printable(r.Raw(postoffice.NetPointer))))
		return nil
	}
	if !ok {
		if required {
			d.add(NewFinding(XTNMissing, file, "network %s has no XTN id", postoffice.Printable(r.Name())))
		}
		return nil
	}
	x, err := d.p.XTN(id)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.add(NewFinding(XTNMissing, postoffice.XTNPath(id), "%s %s: %s is missing; its postoffices cannot be addressed (Q112906)",
			r.Type(), postoffice.Printable(r.Name()), postoffice.XTNPath(id)))
		return nil
	case err != nil:
		d.unreadable(postoffice.XTNPath(id), err)
		return nil
	}
	return x
}

func (d *diag) componentOf(r *postoffice.NetRecord) string {
	for _, m := range d.ms {
		if m.Matches(r) {
			return m.Name
		}
	}
	return ""
}

// queueField says where a gateway record keeps its queue: per the type
// table, or per a manifest for a type the table does not know.
func (d *diag) queueField(r *postoffice.NetRecord) (postoffice.Field, bool) {
	if f, ok := r.Type().Queue(); ok {
		return f, true
	}
	for _, m := range d.ms {
		if m.Matches(r) {
			return m.QueueField(), true
		}
	}
	return postoffice.Field{}, false
}

func (d *diag) queue(r *postoffice.NetRecord, f postoffice.Field, comp string) {
	name := postoffice.Printable(r.Name())
	id, ok, err := postoffice.IDOf(f.Of(r[:]))
	if err != nil || !ok {
		fd := NewFinding(QueueMissing, d.m.Network.Path, "gateway %s has no valid queue id (%s %q)", name, f.Name, postoffice.Printable(postoffice.Text(f.Of(r[:]))))
		fd.Component = comp
		d.add(fd)
		return
	}
	d.pairPresent(id, "gateway "+name, comp)
	var oldest postoffice.Date
	mbg, n, _, err := d.p.ScanMailbag(id, func(i int, r *postoffice.MBGRecord) {
		if dt := r.Date(); i == 0 || dt.Before(oldest) {
			oldest = dt
		}
	})
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			d.unreadable(mbg, err)
		}
		return
	}
	if n == 0 {
		return
	}
	fd := NewFinding(QueuePending, mbg, "gateway %s: %d headers in the mailbag (delivered ones included), the oldest of %s",
		name, n, oldest)
	fd.Component = comp
	d.add(fd)
}

// pairPresent reports a queue whose MBG or KEY is missing.
func (d *diag) pairPresent(id postoffice.ID, owner, comp string) {
	for _, rel := range []string{postoffice.MBGPath(id), postoffice.KeyPath(id)} {
		actual, ok, err := d.p.Resolve(rel)
		if err != nil {
			d.unreadable(actual, err)
			continue
		}
		if !ok {
			f := NewFinding(QueueMissing, actual, "%s: queue file %s is missing", owner, actual)
			f.Component = comp
			d.add(f)
		}
	}
}

// route checks the indirect route of a NETWORK.GLB gateway record.
func (d *diag) route(file string, i int, r *postoffice.NetRecord, comp string) {
	name := postoffice.Printable(r.Name())
	via := postoffice.Printable(r.ViaNet()) + "/" + postoffice.Printable(r.ViaPO())
	x, idx, why := d.lookup(r.ViaNet(), r.ViaPO())
	if idx < 0 {
		f := NewFinding(GatewayPOMissing, file, "%s (record %d) routes via %s, but %s", name, i, via, why)
		f.Component = comp
		d.add(f)
		return
	}
	po := &x.Records[idx]
	cur, _, _ := po.Mbg()
	got, ok, err := r.ViaMbg()
	if err != nil || !ok || got != cur {
		f := NewFinding(StaleGatewayRoute, file,
			"%s (record %d) routes via %s with mailbag id %q, but that PO's XTN record carries %s: EXTERNAL ignores the queue (Q135031); reinstall the access component",
			name, i, via, postoffice.Printable(r.Raw(postoffice.NetViaMbg)), cur)
		f.Component = comp
		d.add(f)
	}
	if po.Indirect() {
		f := NewFinding(GatewayPOIndirect, file,
			"%s (record %d) routes via %s, which is itself reached indirectly via %s/%s; the gateway PO must be direct (Q123825)",
			name, i, via, postoffice.Printable(po.ViaNet()), postoffice.Printable(po.ViaPO()))
		f.Component = comp
		d.add(f)
	}
}

// lookup finds an external PO by network and PO name; idx < 0 means it
// does not exist, and why says what is missing.
func (d *diag) lookup(net, po string) (x *postoffice.XTNFile, idx int, why string) {
	nw := d.m.networks[strings.ToUpper(net)]
	if nw == nil {
		return nil, -1, fmt.Sprintf("network %s no longer exists", postoffice.Printable(net))
	}
	if nw.xtn == nil {
		return nil, -1, fmt.Sprintf("the XTN of network %s is missing or unreadable", postoffice.Printable(nw.name))
	}
	idx = nw.xtn.Find(po)
	if idx < 0 {
		return nw.xtn, -1, fmt.Sprintf("%s has no active postoffice %s (deleted in External-Admin?)", postoffice.Printable(nw.name), postoffice.Printable(po))
	}
	return nw.xtn, idx, ""
}

// xtnRecords checks every active external PO: its queue, its route, and
// its hub counter against the routes that name it.
func (d *diag) xtnRecords() {
	type entry struct {
		net string
		x   *postoffice.XTNFile
		i   int
	}
	var all []entry
	for _, nw := range d.sortedNetworks() {
		if nw.xtn == nil {
			continue
		}
		for i := range nw.xtn.Records {
			r := &nw.xtn.Records[i]
			if !r.Active() || nw.xtn.Find(r.Name()) != i {
				continue
			}
			all = append(all, entry{nw.name, nw.xtn, i})
			if r.Indirect() {
				d.m.hubs[poKey(r.ViaNet(), r.ViaPO())]++
			}
		}
	}
	for _, e := range all {
		r := &e.x.Records[e.i]
		name := postoffice.Printable(e.net) + "/" + postoffice.Printable(r.Name())
		if id, ok, err := r.Mbg(); err != nil || !ok {
			d.add(NewFinding(QueueMissing, e.x.Path, "%s has no valid mailbag id (%q)", name, postoffice.Printable(postoffice.Text(postoffice.XtnMbg.Of(r[:])))))
		} else {
			d.pairPresent(id, "postoffice "+name, "")
		}
		if r.Indirect() {
			if _, idx, why := d.lookup(r.ViaNet(), r.ViaPO()); idx < 0 {
				d.add(NewFinding(GatewayPOMissing, e.x.Path, "%s is reached via %s/%s, but %s", name,
					postoffice.Printable(r.ViaNet()), postoffice.Printable(r.ViaPO()), why))
			}
		}
		key := poKey(e.net, r.Name())
		if want := d.m.hubs[key]; int(r.Hub()) != want {
			f := NewFinding(HubCountMismatch, e.x.Path, "%s: hub counter is %d, but %d routes name it (Q86625)", name, r.Hub(), want)
			f.PO = key
			d.add(f)
		}
	}
}

func (d *diag) sortedNetworks() []*network {
	out := make([]*network, 0, len(d.m.networks))
	for _, nw := range d.m.networks {
		out = append(out, nw)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].index < out[j-1].index; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// pairs reports KEY files without their MBG and the reverse (Q132744).
func (d *diag) pairs() {
	names := func(dir, ext string) (map[string]string, string) {
		actual, _, _ := d.p.Resolve(dir)
		ents, _ := d.p.List(dir)
		m := map[string]string{}
		for _, e := range ents {
			if base, ok := strings.CutSuffix(strings.ToUpper(e.Name), "."+ext); ok && !e.Mode.IsDir() {
				m[base] = path.Join(actual, e.Name)
			}
		}
		return m, actual
	}
	mbgs, mdir := names("MBG", "MBG")
	keys, kdir := names("KEY", "KEY")
	for base, file := range keys {
		if _, ok := mbgs[base]; !ok {
			d.add(NewFinding(KeyMBGUnpaired, file, "%s has no %s", file, path.Join(mdir, base+".MBG")))
		}
	}
	for base, file := range mbgs {
		if _, ok := keys[base]; !ok {
			d.add(NewFinding(KeyMBGUnpaired, file, "%s has no %s", file, path.Join(kdir, base+".KEY")))
		}
	}
}

// components checks each known component's files and MASTER.GLB bit.
func (d *diag) components() {
	master, mfile, merr := d.p.Master()
	for _, m := range d.ms {
		installed := false
		if d.m.Network != nil {
			for i := range d.m.Network.Records {
				installed = installed || m.Matches(&d.m.Network.Records[i])
			}
		}
		if installed {
			for _, f := range m.Files {
				actual, ok, err := d.p.Resolve(f.Path)
				if err != nil {
					d.unreadable(actual, err)
					continue
				}
				if !ok {
					fd := NewFinding(ComponentFilesMissing, actual, "%s access component: %s file %s is missing", m.Name, f.Kind, actual)
					fd.KB = append([]string{}, m.KB...)
					fd.Component = m.Name
					d.add(fd)
				}
			}
		}
		if merr == nil && master.Bit(m.MasterBit) != installed {
			state := map[bool]string{true: "set", false: "clear"}
			f := NewFinding(MasterFlagMismatch, mfile, "%s: MASTER.GLB bit 0x%02X is %s but the component is %sinstalled in NETWORK.GLB",
				m.Name, m.MasterBit, state[master.Bit(m.MasterBit)], map[bool]string{true: "", false: "not "}[installed])
			f.Component = m.Name
			d.add(f)
		}
	}
}
