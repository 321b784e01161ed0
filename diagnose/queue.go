package diagnose

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/postoffice"
)

// RouteHere is the route of a gateway that runs on this postoffice: its
// record is direct, EXTERNAL hands the queue to the gateway here.
const RouteHere = "gateway on this postoffice"

// Queue is one outbound queue as diagnose counted it: a gateway's queue
// (NETWORK.GLB 0x21) or an external postoffice's mailbag (its XTN record).
// Mail waiting in one of them is mail EXTERNAL has not moved yet.
type Queue struct {
	ID    string `json:"id"`    // the mailbag's hex id
	File  string `json:"file"`  // the MBG, as spelled on disk
	Owner string `json:"owner"` // "gateway SMTP" or "postoffice ACME/HQ"
	// Route is where the mail goes: NET/PO/MBG, or RouteHere.
	Route   string `json:"route"`
	Pending int    `json:"pending"`
	Deleted int    `json:"deleted"`
	// PendingBytes adds up the size field of the pending headers.
	PendingBytes uint64 `json:"pending_bytes"`
	// Oldest is the oldest pending header's date as stored
	// (YYYY-MM-DDTHH:MM, shown raw when it cannot be a date); "" when
	// nothing waits. Sender and Subject are that header's, printable.
	Oldest  string `json:"oldest"`
	Sender  string `json:"sender"`
	Subject string `json:"subject"`
	// AgeSeconds is how long the oldest pending message has waited. Only
	// Run with a clock sets it; null when its date cannot be a
	// date, 0 when nothing waits.
	AgeSeconds *float64 `json:"oldest_age_seconds"`
	// KeyProblem is set when the KEY cannot tell which headers are
	// deleted: every header then counts as pending.
	KeyProblem string `json:"key_problem,omitempty"`

	oldest postoffice.Date
}

// Clock is what a diagnosis needs to age queued mail. The zero Clock ages
// nothing: planning diagnoses with it, so that a plan depends on the
// postoffice alone and never on when it was made.
type Clock struct {
	Now time.Time
	// Location is the zone MBG dates are read in: MS Mail stores none.
	// nil means the host's local zone.
	Location *time.Location
	// StalledAfter is the age past which a queue is QUEUE_STALLED; 0
	// turns the check off.
	StalledAfter time.Duration
}

// aged is Files that also ages every outbound queue's oldest pending
// message by c, and reports QUEUE_STALLED for the queues that waited
// longer than c.StalledAfter.
func aged(p *postoffice.PO, ms []Manifest, c Clock) *Report {
	r := Files(p, ms)
	if c.Now.IsZero() {
		return r
	}
	loc := c.Location
	if loc == nil {
		loc = time.Local
	}
	for i := range r.Queues {
		q := &r.Queues[i]
		if !q.age(c.Now, loc) || c.StalledAfter <= 0 || *q.AgeSeconds <= c.StalledAfter.Seconds() {
			continue
		}
		// No Component, no PO: a stalled queue is a symptom, not something
		// a reinstall mends (the old mail waits until EXTERNAL moves it),
		// so planning and a repair's verify must not count it.
		r.Findings = append(r.Findings, NewFinding(QueueStalled, q.File, "%s", q.stalled(c.StalledAfter)))
	}
	r.Sort()
	return r
}

// age sets AgeSeconds; false when the oldest date cannot be a date.
func (q *Queue) age(now time.Time, loc *time.Location) bool {
	secs := 0.0
	if q.Pending > 0 {
		t, ok := q.oldest.Time(loc)
		if !ok {
			return false
		}
		// A date in the future (a clock set wrong somewhere) has not
		// waited at all.
		secs = max(now.Sub(t).Truncate(time.Second).Seconds(), 0)
	}
	q.AgeSeconds = &secs
	return true
}

// stalled says what waits and for how long.
func (q *Queue) stalled(after time.Duration) string {
	return fmt.Sprintf("%s (queue %s, route %s): the oldest of %s, from %s, subject %q, has waited %s (since %s), longer than %s: nothing moves this queue; check that EXTERNAL.EXE runs and that the route is right (Q135031)",
		q.Owner, q.ID, q.Route, textfmt.Plural(q.Pending, "pending message"), q.Sender, q.Subject,
		textfmt.Age(time.Duration(*q.AgeSeconds)*time.Second), q.Oldest, textfmt.Threshold(after))
}

// countQueue reads mailbag id and records it among the report's queues;
// nil when it cannot be read (a missing pair is QUEUE_MISSING elsewhere).
//
// hashed keeps the mailbag's SHA-256 in the PO as it is read: a gateway's
// queue, which a plan fingerprints, is then read once.
func (d *diag) countQueue(id postoffice.ID, owner, route string, hashed bool) *postoffice.Queue {
	s, q := d.readQueue(id, owner, route, hashed)
	if q != nil {
		d.r.Queues = append(d.r.Queues, s)
	}
	return q
}

// readQueue reads mailbag id as a report shows it, without recording it.
func (d *diag) readQueue(id postoffice.ID, owner, route string, hashed bool) (Queue, *postoffice.Queue) {
	d.sizeQueue(id)
	if actual, ok, err := d.p.Resolve(postoffice.MBGPath(id)); err == nil && ok && d.empty[actual] {
		return Queue{ID: id.String(), File: actual, Owner: owner, Route: route}, &postoffice.Queue{ID: id, MBG: actual, OldestIndex: -1}
	}
	read := d.p.ReadQueue
	if hashed {
		read = d.p.ReadQueueHashed
	}
	q, err := read(id)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			d.unreadable(q.MBG, err)
		}
		return Queue{}, nil
	}
	s := Queue{ID: id.String(), File: q.MBG, Owner: owner, Route: route, Pending: q.Pending, Deleted: q.Deleted,
		PendingBytes: q.PendingBytes, KeyProblem: q.KeyProblem}
	if q.Pending > 0 {
		s.oldest = q.Oldest.Date()
		s.Oldest = s.oldest.String()
		s.Sender = postoffice.Printable(q.Oldest.Sender())
		s.Subject = postoffice.Printable(q.Oldest.Subject())
	}
	return s, q
}

// routeOf spells an indirect route as NET/PO/MBG.
func routeOf(rt postoffice.Route) string {
	return rt.Via() + "/" + postoffice.Printable(rt.Mailbag)
}
