package plan

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/postoffice"
)

// Action is one logical step, as INSTALL -R and INSTALL would take it.
// Values are spelled as an administrator reads them; null where a field
// or file does not exist.
type Action struct {
	Phase       Phase    `json:"phase"`
	Kind        Kind     `json:"kind"`
	File        *string  `json:"file"`
	To          *string  `json:"to"`
	Offset      *int64   `json:"offset"`
	Field       *string  `json:"field"`
	Before      *string  `json:"before"`
	After       *string  `json:"after"`
	KB          []string `json:"kb"`
	Description string   `json:"description"`

	// src is where a file put back comes from (step 10), as the builder
	// knows it; a loaded plan's is in its description (describe).
	src string
}

// Effect is a field whose final value differs from today's.
type Effect struct {
	File   string  `json:"file"`
	Field  string  `json:"field"`
	Before *string `json:"before"`
	After  *string `json:"after"`
}

// Fingerprint identifies a file's bytes.
type Fingerprint struct {
	File   string `json:"file"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Patch is a run of bytes to write at an offset (at most the file's end,
// which appends).
type Patch struct {
	Offset int64    `json:"offset"`
	Data   HexBytes `json:"data"`
}

// HexBytes is shown in hex in a saved plan, so it reads in a review.
type HexBytes []byte

func (h HexBytes) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(h)) }
func (h *HexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(s)
	*h = v
	return err
}

// Change is one file's change. Before is its state today (nil for a new
// file); AfterSHA256 the hash of what it will hold (empty for a delete).
type Change struct {
	Op          Op           `json:"op"`
	File        string       `json:"file"`
	To          string       `json:"to,omitempty"`
	Patches     []Patch      `json:"patches,omitempty"`
	Data        HexBytes     `json:"data,omitempty"`
	Before      *Fingerprint `json:"before"`
	AfterSize   int64        `json:"after_size"`
	AfterSHA256 string       `json:"after_sha256,omitempty"`
}

// Plan is a repair as data: what will change and why. It is printable,
// serialisable and diffable; package repair only carries it out. The same
// postoffice gives the same plan, byte for byte.
type Plan struct {
	// Version is the plan's format: a plan saved by a porepair that read
	// other offsets is refused (see FormatVersion).
	Version int    `json:"version"`
	PO      string `json:"po"`
	// POID is the postoffice's identity (POREPAIR/ID) when it has one: a
	// saved plan is carried out on that PO, at whatever path it is now.
	POID        string                 `json:"po_id,omitempty"`
	Component   diagnose.ComponentName `json:"component"`
	Gateway     string                 `json:"gateway"`
	NothingToDo bool                   `json:"nothing_to_do"`
	Actions     []Action               `json:"actions"`
	NetEffect   []Effect               `json:"net_effect"`
	Next        []string               `json:"next"`

	Manifest     diagnose.Manifest `json:"manifest"`
	DiscardQueue bool              `json:"discard_queue"`
	OldQueue     string            `json:"old_queue,omitempty"`
	NewQueue     string            `json:"new_queue,omitempty"`
	Reads        []Fingerprint     `json:"reads"`
	Changes      []Change          `json:"changes"`
}

// FormatVersion is the format of the plans this porepair writes and
// carries out. Version 2 reads the route at NETWORK.GLB 0x4B-0x6A and the
// queue at 0x21; a version 1 plan (routes at 0x2A-0x48) must never be
// applied.
const FormatVersion = 2

// GatewayKey is the plan's gateway postoffice as a diagnosis names it:
// the findings about it are the plan's too (diagnose.Report.About).
func (p *Plan) GatewayKey() diagnose.Gateway {
	net, po, ok := strings.Cut(p.Gateway, "/")
	if !ok {
		return ""
	}
	return diagnose.GatewayOf(net, po)
}

// CheckVersion refuses a plan of another format.
func (p *Plan) CheckVersion() error {
	if p.Version == 0 {
		return fmt.Errorf("the plan was saved by an older porepair, which read NETWORK.GLB at other offsets; it must never be applied: plan again")
	}
	if p.Version != FormatVersion {
		return fmt.Errorf("the plan is of format %d; this porepair carries out format %d only: plan again", p.Version, FormatVersion)
	}
	return nil
}

// Digest is the SHA-256 of the plan's JSON, naming it in snapshots.
func (p *Plan) Digest() string {
	b, _ := json.Marshal(p)
	return postoffice.SumHex(b)
}

// Options select what to plan.
type Options struct {
	Component    diagnose.Manifest
	Manifests    []diagnose.Manifest // all known, for diagnosis
	Gateway      string              // "NET/PO", or "" for the record's own route
	MediaDir     string
	DiscardQueue bool
	Force        bool
}

// Refusal is a precondition that failed: exit 2, nothing written. Codes
// are the findings that caused it, when findings did: the log names them,
// and only them, so that a search for a code finds the refusals it made.
type Refusal struct {
	Reason string
	Codes  []diagnose.Code
}

func (r *Refusal) Error() string { return r.Reason }

func refuse(format string, args ...any) error { return &Refusal{Reason: fmt.Sprintf(format, args...)} }

// refuseFor is a refusal that finding code c caused.
func refuseFor(c diagnose.Code, format string, args ...any) error {
	return &Refusal{Reason: fmt.Sprintf(format, args...), Codes: []diagnose.Code{c}}
}

// RefusalOf is the refusal that finding code c, met outside the planner
// (an unfinished journal), causes.
func RefusalOf(c diagnose.Code, err error) error {
	return &Refusal{Reason: err.Error(), Codes: []diagnose.Code{c}}
}

// RefusalCodes are the finding codes behind err's refusal, if any.
func RefusalCodes(err error) []diagnose.Code {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Codes
	}
	return nil
}

// IsRefusal reports whether err is a failed precondition.
func IsRefusal(err error) bool {
	var r *Refusal
	return errors.As(err, &r)
}

// Next is what the administrator must do after a repair.
var Next = []string{
	"Restart EXTERNAL.EXE on every machine that serves this postoffice so it reloads its routing tables (Q118561).",
	"Check that the gateway postoffice's administrator sees this postoffice under Gateway, SMTP, Postoffices (Q87030).",
}

// Build plans the reinstall of opt.Component on p.
func Build(p *postoffice.PO, opt Options) (*Plan, error) {
	if err := opt.Component.Validate(); err != nil {
		return nil, refuse("%v", err)
	}
	ms := opt.Manifests
	if ms == nil {
		ms = diagnose.Manifests(opt.Component)
	}
	poID, err := postoffice.ReadIdentity(p.Root)
	if err != nil {
		return nil, refuse("%v", err)
	}
	var gw diagnose.Gateway
	if net, po, ok := strings.Cut(opt.Gateway, "/"); ok {
		gw = diagnose.GatewayOf(net, po) // checked when the gateway is located
	}
	report, model := diagnose.ForPlan(p, ms, gw)
	c := opt.Component
	b := &builder{p: p, m: model, c: c, opt: opt, report: report, bufs: map[string]*buffer{},
		plan: &Plan{Version: FormatVersion, PO: p.Root, POID: poID, Component: c.Name, Manifest: c, DiscardQueue: opt.DiscardQueue,
			Actions: []Action{}, NetEffect: []Effect{}, Next: Next, Reads: []Fingerprint{}, Changes: []Change{}}}
	if err := b.preconditions(); err != nil {
		return nil, err
	}
	if err := b.locate(); err != nil {
		return nil, err
	}
	if !b.needed() {
		b.plan.NothingToDo = true
		b.plan.Next = []string{}
		return b.plan, nil
	}
	if err := b.build(); err != nil {
		if !IsRefusal(err) {
			// A file that cannot be read now (it could when diagnosed) is
			// a reason not to plan, like any other.
			err = refuse("%v", err)
		}
		return nil, err
	}
	return b.plan, nil
}

// Workgroup refuses a workgroup postoffice: the first precondition of
// every plan, whatever else is wrong and whatever --force says.
func Workgroup(p *postoffice.PO) error {
	m, _, err := p.Master()
	if err == nil && m.Workgroup() {
		return refuseFor(diagnose.WorkgroupPostoffice, "%s/%s is a workgroup postoffice: it has no gateway bits; upgrade it to a Microsoft Mail 3.x postoffice first (Q110225)",
			postoffice.Printable(m.Network()), postoffice.Printable(m.Postoffice()))
	}
	return nil
}

type builder struct {
	p    *postoffice.PO
	m    *diagnose.Model
	c    diagnose.Manifest
	opt  Options
	plan *Plan

	report *diagnose.Report
	recs   []int        // indexes of C's active records
	gw     diagnose.Hop // the gateway postoffice's record
	queue  postoffice.ID
	hasQ   bool

	bufs  map[string]*buffer
	order []string
}

// preconditions checks, in order, what must hold before anything is
// planned; each refusal says why and what to do.
func (b *builder) preconditions() error {
	if err := Workgroup(b.p); err != nil {
		return err
	}
	for _, check := range []func() error{b.readableFiles, b.counterAhead, b.typeMatches, b.oneRecord, b.downstream} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// readsFile reports whether the plan reads file: a BAD_FILE_SIZE or
// UNREADABLE_FILE finding on one of them refuses the plan.
func (b *builder) readsFile(file string) bool {
	u := strings.ToUpper(file)
	switch {
	case u == postoffice.MasterPath, u == postoffice.NetworkPath, u == postoffice.ControlPath,
		strings.HasPrefix(u, "XTN/"):
		return true
	}
	for _, f := range b.c.Files {
		if strings.EqualFold(f.Path, file) {
			return true
		}
	}
	return false
}

func (b *builder) readableFiles() error {
	for _, f := range b.report.Findings {
		if (f.Code == diagnose.BadFileSize || f.Code == diagnose.UnreadableFile) && b.readsFile(f.File) {
			if errors.Is(f.Err, osfs.ErrHeldOpen) {
				return f.Err // busy, not damaged: nothing to restore from a backup
			}
			return refuseFor(f.Code, "%s (the plan depends on it; Q77926)", f.Message)
		}
	}
	if b.m.Master == nil {
		return refuse("GLB/MASTER.GLB cannot be read")
	}
	if b.m.Network == nil {
		return refuse("GLB/NETWORK.GLB cannot be read")
	}
	return nil
}

func (b *builder) counterAhead() error {
	if f := b.report.First(diagnose.CounterBehind, ""); f != nil {
		return refuseFor(f.Code, "%s", f.Message)
	}
	return nil
}

func (b *builder) typeMatches() error {
	if f := b.report.First(diagnose.ComponentTypeMismatch, b.c.Name); f != nil {
		return refuseFor(f.Code, "%s", f.Message)
	}
	return nil
}

func (b *builder) oneRecord() error {
	for i := range b.m.Network.Records {
		if b.c.Matches(&b.m.Network.Records[i]) {
			b.recs = append(b.recs, i)
		}
	}
	switch {
	case len(b.recs) > 1:
		return refuse("NETWORK.GLB holds %d active %s records (%v); porepair will not guess which is real: resolve them by hand (Q141583)",
			len(b.recs), b.c.Record, b.recs)
	case len(b.recs) == 1:
		return nil
	case b.opt.Gateway == "":
		if f := b.report.First(diagnose.ComponentRecordMissing, b.c.Name); f != nil {
			return refuseFor(f.Code, "%s. porepair reinstalls it given --gateway NET/PO and --media DIR", f.Message)
		}
		return refuse("the %s access component is not installed on this postoffice; to install it, give --gateway NET/PO and --media DIR", b.c.Name)
	case b.opt.MediaDir == "":
		return refuse("a fresh install of %s needs --media DIR (the Access disk)", b.c.Name)
	}
	return nil
}

// downstream refuses a component whose gateway runs on this postoffice.
func (b *builder) downstream() error {
	if len(b.recs) == 1 && !b.m.Network.Records[b.recs[0]].Indirect() {
		return refuse("the %s record (NETWORK.GLB record %d) is direct: the gateway runs on this postoffice; porepair reinstalls access components of downstream postoffices only",
			b.c.Record, b.recs[0])
	}
	return nil
}

// locate finds the queue and the gateway postoffice, and checks both.
func (b *builder) locate() error {
	if err := b.locateQueue(); err != nil {
		return err
	}
	if err := b.locateGateway(); err != nil {
		return err
	}
	return b.mediaPresent()
}

func (b *builder) locateQueue() error {
	if len(b.recs) != 1 {
		return nil
	}
	r := &b.m.Network.Records[b.recs[0]]
	id, ok, err := r.Mailbag()
	b.queue, b.hasQ = id, ok && err == nil
	if b.opt.DiscardQueue {
		return nil
	}
	if !b.hasQ {
		return refuse("the %s record's queue id %q is not valid; --discard-queue creates a new, empty queue",
			b.c.Record, postoffice.Printable(r.Raw(postoffice.NetMailbag)))
	}
	for _, rel := range []string{postoffice.MBGPath(b.queue), postoffice.KeyPath(b.queue)} {
		actual, ok, _ := b.p.Resolve(rel)
		if !ok {
			return refuse("the %s queue is incomplete: %s is missing. --discard-queue recreates an empty queue, losing what the other file holds", b.c.Name, actual)
		}
		for _, f := range b.report.Findings {
			if (f.Code == diagnose.BadFileSize || f.Code == diagnose.UnreadableFile || f.Code == diagnose.MailbagOverfull) && f.File == actual {
				return refuseFor(f.Code, "%s; the queue would be carried damaged: repair it (Q104279) or give --discard-queue", f.Message)
			}
		}
	}
	return nil
}

func (b *builder) locateGateway() error {
	var net, po string
	if b.opt.Gateway != "" {
		var ok bool
		net, po, ok = strings.Cut(b.opt.Gateway, "/")
		if !ok || net == "" || po == "" || strings.Contains(po, "/") {
			return refuse("--gateway %q: want NET/PO", b.opt.Gateway)
		}
	} else {
		rt := b.m.Network.Records[b.recs[0]].Route()
		net, po = rt.Network, rt.PO
	}
	h := b.m.Resolve(net, po)
	if !h.Found() {
		return refuseFor(diagnose.GatewayPOMissing, "the gateway route names %s/%s, but %s. Re-create it in ADMIN (External-Admin, Create) or name a direct postoffice that reaches the gateway with --gateway NET/PO%s",
			postoffice.Printable(net), postoffice.Printable(po), h.Why(), b.candidates())
	}
	b.gw = h
	gw := h.Record()
	b.plan.Gateway = h.Network() + "/" + gw.Name()
	if ind, how := h.Indirect(); ind {
		return refuseFor(diagnose.GatewayPOIndirect, "the gateway postoffice %s is itself reached indirectly (%s): \"Can not use indirect postoffice to forward mail\". Make it direct in ADMIN (External-Admin, Modify) or name a direct forwarding postoffice with --gateway NET/PO (Q123825)%s",
			b.plan.Gateway, how, b.candidates())
	}
	if _, ok, err := gw.Mailbag(); err != nil || !ok {
		return refuse("the gateway postoffice %s has no valid mailbag id in %s", b.plan.Gateway, h.XTN().Path)
	}
	for _, f := range b.report.Findings {
		if f.Code == diagnose.QueueMissing && f.Gateway == b.gw.Gateway() {
			return refuseFor(f.Code, "%s: mail to the gateway postoffice cannot be queued, and reinstalling the component cannot mend that; re-create the postoffice in ADMIN (External-Admin) first", f.Message)
		}
	}
	return nil
}

func (b *builder) mediaPresent() error {
	for _, f := range b.c.Files {
		if f.Kind != diagnose.Media {
			continue
		}
		if _, ok := b.media(f.Path); ok {
			continue
		}
		if len(b.recs) == 1 && b.p.Exists(f.Path) {
			continue
		}
		if b.opt.MediaDir != "" {
			return refuseFor(diagnose.ComponentFilesMissing, "%s is neither on the postoffice nor on the disk in --media %s (looked for %s there)", f.Path, b.opt.MediaDir, path.Base(f.Path))
		}
		return refuseFor(diagnose.ComponentFilesMissing, "%s is missing from the postoffice; give --media DIR (the Access disk) to put it back", f.Path)
	}
	return nil
}

// candidates lists the direct postoffices --gateway could name.
func (b *builder) candidates() string {
	out := b.m.Direct()
	if len(out) == 0 {
		return " (this postoffice knows no direct postoffice)"
	}
	return ". Direct postoffices: " + strings.Join(out, ", ")
}

// needed reports whether C has an error or warning finding (or --force).
func (b *builder) needed() bool {
	return b.opt.Force || len(b.recs) == 0 || len(b.report.About(b.c.Name, b.gw.Gateway())) > 0
}

// media finds a component file on the --media disk: by its base name (the
// disk is flat, Q134677) or by its path, in any case.
func (b *builder) media(rel string) (string, bool) {
	if b.opt.MediaDir == "" {
		return "", false
	}
	ents, err := os.ReadDir(b.opt.MediaDir)
	if err != nil {
		return "", false
	}
	for _, e := range ents {
		if e.Type().IsRegular() && strings.EqualFold(e.Name(), path.Base(rel)) {
			return filepath.Join(b.opt.MediaDir, e.Name()), true
		}
	}
	full := filepath.Join(b.opt.MediaDir, filepath.FromSlash(rel))
	if fi, err := os.Lstat(full); err == nil && fi.Mode().IsRegular() {
		return full, true
	}
	return "", false
}
