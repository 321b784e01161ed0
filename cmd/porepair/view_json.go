package main

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"

	"github.com/porepair/porepair/backup"
	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/errlist"
	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/repair"
)

// The JSON view. Every document about a postoffice leads with lead's
// fields: the postoffice as given, as resolved, and the exit code. The
// documents are typed structs, so that encoding/json writes their keys in
// declaration order; where a domain value has a "po" of its own (the
// resolved root), the view declares the lead's fields beside the embedded
// value, and encoding/json lets the outer field hide the embedded one.

// lead is the head of a document whose body has no field of the same
// names: embedded first, its fields come first.
type lead struct {
	PO         string `json:"po"`
	POResolved string `json:"po_resolved"`
	ExitCode   int    `json:"exit_code"`
}

// setLead lets a document that embeds lead be given it after it is made.
func (l *lead) setLead(x lead) { *l = x }

// leader is a document that embeds lead.
type leader interface{ setLead(lead) }

// reportJSON is diagnose's document; its status, like plan's, is the
// result's (healthy or problems), beside the exit code.
type reportJSON struct {
	PO         string        `json:"po"`
	POResolved string        `json:"po_resolved"`
	ExitCode   int           `json:"exit_code"`
	Status     repair.Status `json:"status"`
	*diagnose.Report
}

// planJSON is plan's document.
type planJSON struct {
	PO         string        `json:"po"`
	POResolved string        `json:"po_resolved"`
	ExitCode   int           `json:"exit_code"`
	Status     repair.Status `json:"status"`
	*plan.Plan
}

// outcomeJSON is repair's and rollback's document.
type outcomeJSON struct {
	PO         string `json:"po"`
	POResolved string `json:"po_resolved"`
	ExitCode   int    `json:"exit_code"`
	repair.Result
}

// failureJSON is the document of a postoffice that could not be worked
// on. Findings is there (empty) for diagnose, whose documents always
// have it.
type failureJSON struct {
	lead
	Errors   []string            `json:"errors"`
	Findings *[]diagnose.Finding `json:"findings,omitempty"`
	Status   repair.Status       `json:"status"`
}

// resultJSON is the document of one postoffice's result: its domain value
// (r.doc) under the lead.
func resultJSON(r result) any {
	root := r.root
	if root == "" {
		root = resolved(r.po)
	}
	l := lead{PO: r.po, POResolved: root, ExitCode: r.code}
	switch d := r.doc.(type) {
	case *diagnose.Report:
		return reportJSON{l.PO, l.POResolved, l.ExitCode, r.status, d}
	case *plan.Plan:
		return planJSON{l.PO, l.POResolved, l.ExitCode, r.status, d}
	case repair.Result:
		return outcomeJSON{l.PO, l.POResolved, l.ExitCode, d}
	case leader:
		d.setLead(l)
		return d
	}
	// Every command's result is one of the above; a new one without a
	// view says so (its command's JSON tests fail on it).
	return &failureJSON{lead: l, Errors: []string{"porepair has no JSON view for this result"}, Status: repair.StatusError}
}

// fleetJSON is the document of a run over several postoffices.
type fleetJSON struct {
	Results []any `json:"results"`
}

// snapshotListJSON is snapshots list's document.
type snapshotListJSON struct {
	lead
	Snapshots []backup.Info `json:"snapshots"`
	LookedIn  []string      `json:"looked_in"`
}

// snapshotShowJSON is snapshots show's document: the manifest as stored,
// and the snapshot as listed.
type snapshotShowJSON struct {
	lead
	Manifest backup.Manifest `json:"manifest"`
	Info     backup.Info     `json:"info"`
}

// snapshotVerifyJSON is snapshots verify's document.
type snapshotVerifyJSON struct {
	lead
	ID      string   `json:"id"`
	Entries int      `json:"entries"`
	OK      bool     `json:"ok"`
	Errors  []string `json:"errors"`
}

// stamped is a listing with its times in porepair's one format: a
// manifest keeps nanoseconds, to order snapshots made within a second.
func stamped(list []backup.Info) []backup.Info {
	out := slices.Clone(list)
	for i := range out {
		out[i].Time = textfmt.Stamp(out[i].Time)
	}
	return out
}

func (l snapshotListing) document(head lead) any {
	return snapshotListJSON{head, stamped(l.snapshots), l.lookedIn}
}

func (s snapshotShown) document(head lead) any {
	return snapshotShowJSON{head, s.Manifest, stamped([]backup.Info{s.Info()})[0]}
}

// document lists every copy that does not match, one string each.
func (v snapshotVerified) document(head lead) any {
	errs := []string{}
	for _, err := range errlist.Errors(v.err) {
		errs = append(errs, err.Error())
	}
	return snapshotVerifyJSON{head, v.id, v.entries, v.err == nil, errs}
}

// pruneJSON is snapshots prune's document: what was removed, or with
// --dry-run what would be.
type pruneJSON struct {
	lead
	DryRun      bool      `json:"dry_run"`
	Removed     *[]string `json:"removed,omitempty"`
	WouldRemove *[]string `json:"would_remove,omitempty"`
}

func (p pruned) document(head lead) any {
	ids := []string{}
	for _, s := range p.snapshots {
		ids = append(ids, s.ID)
	}
	doc := pruneJSON{lead: head, DryRun: p.dryRun, Removed: &ids}
	if p.dryRun {
		doc.Removed, doc.WouldRemove = nil, &ids
	}
	return doc
}

// unlockJSON is unlock's document.
type unlockJSON struct {
	lead
	Holder  *journal.Holder `json:"holder"`
	Message string          `json:"message"`
}

func (u unlocked) document(head lead) any { return unlockJSON{head, u.holder, u.message} }

// demoJSON is demo's document: each step's command, exit code and its
// own document as it printed it.
type demoJSON struct {
	PO       string         `json:"po"`
	Steps    []demoStepJSON `json:"steps"`
	ExitCode int            `json:"exit_code"`
}

type demoStepJSON struct {
	Command  string          `json:"command"`
	ExitCode int             `json:"exit_code"`
	Output   json.RawMessage `json:"output"`
}

// writeJSON prints v indented, without HTML escapes: "→" and "<" stay as
// typed.
func writeJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// demoStepDoc is a demo step's entry; out must be the step's JSON document.
func demoStepDoc(command string, code int, out []byte) (demoStepJSON, bool) {
	return demoStepJSON{command, code, json.RawMessage(out)}, json.Valid(out)
}

// document is inspect's document, led by head.
func (v inspected) document(head lead) any {
	v.doc.setLead(head)
	return v.doc
}
