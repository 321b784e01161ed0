package diagnose

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/postoffice"
)

// Hop is where an indirect route leads: the first active network record
// of its network name, and in that network's XTN the first active
// postoffice record of its PO name.
type Hop struct {
	nw  *network
	idx int    // the PO's record in nw.xtn; -1 when not found
	why string // when not found: what is missing, said for a person
	// xtnMissing: the network exists but its XTN cannot be read; that is
	// reported once, as XTN_MISSING or UNREADABLE_FILE, and nothing more.
	xtnMissing bool
}

// Found reports whether the route leads to an active postoffice record.
func (h Hop) Found() bool { return h.idx >= 0 }

// Why says, for a person, what is missing when the hop is not Found.
func (h Hop) Why() string { return h.why }

// Index is the postoffice's record in its network's XTN.
func (h Hop) Index() int { return h.idx }

// XTN is the network's XTN file (nil when its network is not found).
func (h Hop) XTN() *postoffice.XTNFile {
	if h.nw == nil {
		return nil
	}
	return h.nw.xtn
}

// Network is the network's name as NETWORK.GLB spells it.
func (h Hop) Network() string { return h.nw.name }

// Record is the postoffice's XTN record; only for a Found hop.
func (h Hop) Record() *postoffice.XTNRecord { return &h.nw.xtn.Records[h.idx] }

// Gateway is the hop's postoffice as a key; "" when it is not Found.
func (h Hop) Gateway() Gateway {
	if !h.Found() {
		return ""
	}
	return GatewayOf(h.nw.name, h.Record().Name())
}

// Resolve follows net/po.
func (m *Model) Resolve(net, po string) Hop {
	nw := m.networks[strings.ToUpper(net)]
	if nw == nil {
		return Hop{idx: -1, why: fmt.Sprintf("this postoffice has no active network %s", postoffice.Printable(net))}
	}
	if nw.xtn == nil {
		return Hop{nw: nw, idx: -1, xtnMissing: true,
			why: fmt.Sprintf("the XTN of network %s is missing or unreadable", postoffice.Printable(nw.name))}
	}
	if idx := nw.xtn.Find(po); idx >= 0 {
		return Hop{nw: nw, idx: idx}
	}
	why := fmt.Sprintf("network %s has no active postoffice %s", postoffice.Printable(nw.name), postoffice.Printable(po))
	for i := range nw.xtn.Records {
		r := &nw.xtn.Records[i]
		if !r.Active() && postoffice.EqualName(r.Name(), po) {
			why += fmt.Sprintf(" (only a deleted record, with mailbag %s: deleted in External-Admin)", postoffice.Printable(r.Raw(postoffice.XtnMailbag)))
			break
		}
	}
	return Hop{nw: nw, idx: -1, why: why}
}

func (d *diag) resolve(net, po string) Hop { return d.m.Resolve(net, po) }

// Stale reports whether a route's mailbag id differs from the one the
// postoffice's XTN record carries now.
func (h Hop) Stale(mbg string) bool {
	cur, ok, err := h.Record().Mailbag()
	got, gok, gerr := postoffice.IDOf([]byte(mbg))
	return err != nil || !ok || gerr != nil || !gok || got != cur
}

// Indirect reports whether the postoffice a route leads to is itself
// reached indirectly (its XTN record, or its network's record), and how.
func (h Hop) Indirect() (bool, string) {
	if r := h.Record(); r.Indirect() {
		return true, "via " + r.Route().Via()
	}
	if h.nw.rec.Indirect() {
		return true, "its network " + postoffice.Printable(h.nw.name) + " is reached via " + h.nw.rec.Route().Via()
	}
	return false, ""
}

// Direct lists the direct postoffices of the direct networks, as NET/PO,
// in file order: the ones a route to a gateway could name.
func (m *Model) Direct() []string {
	var out []string
	for _, nw := range m.sortedNetworks() {
		if nw.xtn == nil || nw.rec.Indirect() {
			continue
		}
		for i := range nw.xtn.Records {
			r := &nw.xtn.Records[i]
			if r.Active() && !r.Indirect() && nw.xtn.Find(r.Name()) == i {
				out = append(out, postoffice.Printable(nw.name)+"/"+postoffice.Printable(r.Name()))
			}
		}
	}
	return out
}

// XTNs are the XTN files of the active networks, in file order: every
// one feeds a gateway's hub count.
func (m *Model) XTNs() []*postoffice.XTNFile {
	var out []*postoffice.XTNFile
	for _, nw := range m.sortedNetworks() {
		if nw.xtn != nil {
			out = append(out, nw.xtn)
		}
	}
	return out
}

// Hubs is the number of active references through gateway postoffice g.
func (m *Model) Hubs(g Gateway) int { return m.hubs[g] }

// route checks the indirect route of a NETWORK.GLB record: a component's
// (STALE_GATEWAY_ROUTE, GATEWAY_PO_MISSING, GATEWAY_PO_INDIRECT) or any
// other's (INDIRECT_ROUTE_BROKEN).
func (d *diag) route(file string, i int, r *postoffice.NetRecord, comp ComponentName) {
	rt := r.Route()
	what := describeRecord(i, r)
	h := d.resolve(rt.Network, rt.PO)
	if comp == "" {
		d.brokenRoute(file, what, rt, h)
		return
	}
	if d.counted != nil {
		d.counted[GatewayOf(rt.Network, rt.PO)] = true
	}
	switch {
	case h.xtnMissing:
	case h.idx < 0:
		d.addFor(comp, NewFinding(GatewayPOMissing, file,
			"%s routes via %s, but %s; re-create %s in ADMIN (External-Admin) and reinstall, or reinstall through another direct postoffice that reaches the gateway: porepair repair --gateway NET/PO",
			what, rt.Via(), h.why, rt.Via()))
	default:
		if h.Stale(rt.Mailbag) {
			d.addFor(comp, NewFinding(StaleGatewayRoute, file,
				"%s routes via %s with mailbag id %q, but that postoffice's XTN record now carries %s: EXTERNAL ignores the queue and nothing is logged (Q135031); reinstall the access component (porepair repair), do not patch the id",
				what, rt.Via(), postoffice.Printable(rt.Mailbag), postoffice.Printable(h.Record().Raw(postoffice.XtnMailbag))))
		}
		if ind, how := h.Indirect(); ind {
			d.addFor(comp, NewFinding(GatewayPOIndirect, file,
				"%s routes via %s, which is itself reached indirectly (%s): \"Can not use indirect postoffice to forward mail\" (Q123825); make it direct in ADMIN (External-Admin, Modify) or route through a direct postoffice",
				what, rt.Via(), how))
		}
	}
}

// brokenRoute reports an indirect route that is not a component's.
func (d *diag) brokenRoute(file, what string, rt postoffice.Route, h Hop) {
	switch {
	case h.xtnMissing:
	case h.idx < 0:
		d.add(NewFinding(IndirectRouteBroken, file, "%s is reached via %s, but %s; EXTERNAL cannot forward its mail: fix the route in ADMIN",
			what, rt.Via(), h.why))
	case h.Stale(rt.Mailbag):
		d.add(NewFinding(IndirectRouteBroken, file,
			"%s is reached via %s with mailbag id %q, but that postoffice's XTN record carries %s: EXTERNAL ignores its mail (Q118561); re-make the route in ADMIN",
			what, rt.Via(), postoffice.Printable(rt.Mailbag), postoffice.Printable(h.Record().Raw(postoffice.XtnMailbag))))
	}
}

// xtnRecords checks every active external postoffice: its mailbag pair
// and its own route; and counts the references through hubs.
func (d *diag) xtnRecords() {
	for _, e := range d.externals {
		r := e.rec()
		name := postoffice.Printable(e.nw.name) + "/" + postoffice.Printable(r.Name())
		from := len(d.r.Findings)
		if id, ok, err := r.Mailbag(); err != nil || !ok {
			d.add(NewFinding(QueueMissing, e.nw.xtn.Path, "postoffice %s has no valid mailbag id (%q)", name,
				postoffice.Printable(r.Raw(postoffice.XtnMailbag))))
		} else {
			d.pairPresent(id, "postoffice "+name, "")
			route := name + "/" + id.String()
			if r.Indirect() {
				route = routeOf(r.Route())
			}
			if d.counted == nil || d.counted[GatewayOf(e.nw.name, r.Name())] {
				d.countQueue(id, "postoffice "+name, route, false)
			}
		}
		if r.Indirect() {
			rt := r.Route()
			d.m.hubs[GatewayOf(rt.Network, rt.PO)]++
			d.brokenRoute(e.nw.xtn.Path, "postoffice "+name, rt, d.resolve(rt.Network, rt.PO))
		}
		// Findings about an external postoffice's record name it, so that
		// those about a component's gateway postoffice count as the
		// component's.
		for i := from; i < len(d.r.Findings); i++ {
			d.r.Findings[i].Gateway = GatewayOf(e.nw.name, r.Name())
		}
	}
}

// hubCounters compares every external postoffice's hub counter with the
// active references through it, once all are counted.
func (d *diag) hubCounters() {
	for _, e := range d.externals {
		r := e.rec()
		key := GatewayOf(e.nw.name, r.Name())
		if want := d.m.hubs[key]; int(r.Hub()) != want {
			f := NewFinding(HubCountMismatch, e.nw.xtn.Path,
				"%s/%s: hub counter is %d, but %s name it (Q86625); ADMIN will refuse or wrongly allow deleting it",
				postoffice.Printable(e.nw.name), postoffice.Printable(r.Name()), r.Hub(), textfmt.Plural(want, "route"))
			f.Gateway = key
			d.add(f)
		}
	}
}

func (m *Model) sortedNetworks() []*network {
	out := make([]*network, 0, len(m.networks))
	for _, nw := range m.networks {
		out = append(out, nw)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].index < out[j].index })
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
	for _, m := range d.ms {
		installed := false
		if d.m.Network != nil {
			for i := range d.m.Network.Records {
				installed = installed || m.Matches(&d.m.Network.Records[i])
			}
		}
		if installed {
			d.componentFiles(m)
		} else {
			d.recordMissing(m)
		}
		mst := d.m.Master
		if mst == nil || mst.Workgroup() || mst.Bit(m.InstalledBit) == installed {
			continue
		}
		state := map[bool]string{true: "set", false: "clear"}
		d.addFor(m.Name, NewFinding(MasterFlagMismatch, d.masterFile,
			"%s: MASTER.GLB installed bit 0x%08X is %s but the component is %sinstalled in NETWORK.GLB",
			m.Name, m.InstalledBit, state[mst.Bit(m.InstalledBit)], map[bool]string{true: "", false: "not "}[installed]))
	}
}

func (d *diag) componentFiles(m Manifest) {
	for _, f := range m.Files {
		actual, ok, err := d.p.Resolve(f.Path)
		if err != nil {
			d.unreadable(actual, err)
			continue
		}
		if !ok {
			fd := NewFinding(ComponentFilesMissing, actual, "%s access component: %s file %s is missing; a reinstall puts it back (media files need --media DIR)", m.Name, f.Kind, actual)
			fd.KB = append([]string{}, m.KB...)
			d.addFor(m.Name, fd)
		}
	}
}
