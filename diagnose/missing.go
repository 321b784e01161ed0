package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/postoffice"
)

// UnclaimedOwner is the owner of a queue that a COMPONENT_RECORD_MISSING
// finding lists: a mailbag with mail that no record names.
const UnclaimedOwner = "unclaimed mailbag"

// RouteUnknown is the route of an unclaimed mailbag: only the lost record
// said where its mail goes.
const RouteUnknown = "unknown: no record names it"

// shownUnclaimed is how many unclaimed mailbags a finding names; a
// postoffice's users' mailbags are unclaimed too, and it may have
// thousands.
const shownUnclaimed = 5

// recordMissing reports a component whose files are on the postoffice but
// which has no active NETWORK.GLB record. A NETWORK.GLB cut at a record
// boundary, or emptied, passes the size check, and every check that
// starts from a record then has nothing to look at.
func (d *diag) recordMissing(m Manifest) {
	n := d.m.Network
	if n == nil {
		return // NETWORK.GLB unreadable: UNREADABLE_FILE says so
	}
	for i := range n.Records {
		if r := &n.Records[i]; r.Active() && postoffice.EqualName(r.Name(), m.Record) {
			return // installed, or COMPONENT_TYPE_MISMATCH
		}
	}
	found := d.presentFiles(m)
	if len(found) == 0 {
		return // not installed, or removed cleanly (INSTALL -R)
	}
	f := NewFinding(ComponentRecordMissing, n.Path,
		"%s access component: its files are on the postoffice (%s) but %s holds no active %s record (type %d %s): the client cannot address %s and EXTERNAL serves no queue for it. %s Restore %s from a backup if one holds the record (it names the queue); otherwise reinstall the access component (INSTALL -R, then INSTALL)",
		m.Name, strings.Join(found, ", "), n.Path, m.Record, m.Type, m.NetType(), m.Record,
		describeUnclaimed(d.unclaimed()), n.Path)
	f.KB = append([]string{}, m.KB...)
	d.addFor(m.Name, f)
}

// presentFiles lists a component's files that exist, as spelled on disk.
func (d *diag) presentFiles(m Manifest) []string {
	var found []string
	for _, f := range m.Files {
		actual, ok, err := d.p.Resolve(f.Path)
		if err != nil {
			d.unreadable(actual, err)
			continue
		}
		if ok {
			found = append(found, actual)
		}
	}
	return found
}

// unclaimed reads, once, the mailbags that hold mail and that no active
// NETWORK.GLB record and no active record of any XTN file on disk names,
// and records them among the report's queues. The lost record's queue is
// one of them, but every user's mailbag is unclaimed too (Q87416) and
// nothing on disk tells them apart, so porepair lists them and never
// picks one. An empty one is left out: no mail waits in it.
func (d *diag) unclaimed() []Queue {
	if d.lost != nil {
		return *d.lost
	}
	d.lost = &[]Queue{}
	ids, err := d.p.HexIDs("MBG", "MBG")
	if err != nil {
		return nil // the size check met the directory first
	}
	slices.Sort(ids)
	claimed := d.claimed()
	for _, id := range ids {
		if claimed[id] {
			continue
		}
		q, pq := d.readQueue(id, UnclaimedOwner, RouteUnknown, false)
		if pq == nil || q.Pending == 0 {
			continue
		}
		d.r.Queues = append(d.r.Queues, q)
		*d.lost = append(*d.lost, q)
	}
	return *d.lost
}

// claimed holds the mailbag ids an active record names: NETWORK.GLB's
// queues at 0x21, and the external postoffices of every XTN file on disk,
// whether or not a network record still names the file. An id is parsed
// (postoffice.ParseID) before it is used.
func (d *diag) claimed() map[postoffice.ID]bool {
	out := map[postoffice.ID]bool{}
	for i := range d.m.Network.Records {
		r := &d.m.Network.Records[i]
		if id, ok, err := r.Mailbag(); r.Active() && ok && err == nil {
			out[id] = true
		}
	}
	xids, _ := d.p.HexIDs("XTN", "XTN")
	for _, xid := range xids {
		x, err := d.p.XTN(xid)
		if err != nil {
			continue // its mailbags then count as unclaimed: listed, not hidden
		}
		for i := range x.Records {
			r := &x.Records[i]
			if id, ok, err := r.Mailbag(); r.Active() && ok && err == nil {
				out[id] = true
			}
		}
	}
	return out
}

// describeUnclaimed says where the component's queued mail may be.
func describeUnclaimed(qs []Queue) string {
	if len(qs) == 0 {
		return "Its queue's id was only in that record, and no mailbag that no record names holds mail."
	}
	var parts []string
	for _, q := range qs[:min(len(qs), shownUnclaimed)] {
		parts = append(parts, fmt.Sprintf("%s (%s waiting, the oldest from %s)", q.ID, textfmt.Plural(q.Pending, "message"), q.Oldest))
	}
	if len(qs) > shownUnclaimed {
		parts = append(parts, fmt.Sprintf("and %d more", len(qs)-shownUnclaimed))
	}
	which := "the one mailbag"
	if len(qs) > 1 {
		which = "one of the " + textfmt.Plural(len(qs), "mailbag")
	}
	return fmt.Sprintf("Its queue's id was only in that record; it may be %s with mail that no record names (a user's mailbag is one too): %s.",
		which, strings.Join(parts, ", "))
}
