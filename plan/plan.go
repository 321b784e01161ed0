package plan

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/porepair/porepair/postoffice"
)

// Phases and kinds of actions (SPEC §3).
const (
	PhaseRemove  = "remove"
	PhaseInstall = "install"
	PhaseVerify  = "verify"

	KindSetField   = "set-field"
	KindAllocateID = "allocate-id"
	KindDeleteFile = "delete-file"
	KindPutFile    = "put-file"
	KindCreateFile = "create-file"
	KindMoveFile   = "move-file"
	KindVerify     = "verify"
)

// Action is one logical step, as INSTALL -R and INSTALL would take it.
// Values are spelled as an administrator reads them; null where a field
// or file does not exist.
type Action struct {
	Phase       string   `json:"phase"`
	Kind        string   `json:"kind"`
	File        *string  `json:"file"`
	To          *string  `json:"to"`
	Offset      *int64   `json:"offset"`
	Field       *string  `json:"field"`
	Before      *string  `json:"before"`
	After       *string  `json:"after"`
	KB          []string `json:"kb"`
	Description string   `json:"description"`
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

// Change operations: the combined effect the executor carries out, each
// file at most once with its final bytes.
const (
	OpPatch  = "patch"  // write Patches over the current bytes
	OpWrite  = "write"  // write Data whole (a new file or other bytes)
	OpDelete = "delete" // remove the file
	OpMove   = "move"   // rename File to To, never replacing a file
)

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
	Op          string       `json:"op"`
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
	PO          string   `json:"po"`
	Component   string   `json:"component"`
	Gateway     string   `json:"gateway"`
	NothingToDo bool     `json:"nothing_to_do"`
	Actions     []Action `json:"actions"`
	NetEffect   []Effect `json:"net_effect"`
	Next        []string `json:"next"`

	Manifest     Manifest      `json:"manifest"`
	DiscardQueue bool          `json:"discard_queue"`
	OldQueue     string        `json:"old_queue,omitempty"`
	NewQueue     string        `json:"new_queue,omitempty"`
	Reads        []Fingerprint `json:"reads"`
	Changes      []Change      `json:"changes"`
}

// Digest is the SHA-256 of the plan's JSON, naming it in snapshots.
func (p *Plan) Digest() string {
	b, _ := json.Marshal(p)
	return postoffice.SumHex(b)
}

// Options select what to plan.
type Options struct {
	Component    Manifest
	Manifests    []Manifest // all known, for diagnosis
	Gateway      string     // "NET/PO", or "" for the record's own route
	MediaDir     string
	DiscardQueue bool
	Force        bool
}

// Refusal is a precondition that failed: exit 2, nothing written.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return r.Reason }

func refuse(format string, args ...any) error { return &Refusal{Reason: fmt.Sprintf(format, args...)} }

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
		ms = Manifests(opt.Component)
	}
	report, model := diagnose(p, ms)
	c := opt.Component
	b := &builder{p: p, m: model, c: c, opt: opt, report: report, bufs: map[string]*buffer{},
		plan: &Plan{PO: p.Root, Component: c.Name, Manifest: c, DiscardQueue: opt.DiscardQueue,
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

type builder struct {
	p    *postoffice.PO
	m    *Model
	c    Manifest
	opt  Options
	plan *Plan

	report  *Report
	recs    []int // indexes of C's active records
	gwNet   *network
	gwIndex int // gateway PO's record in gwNet.xtn
	queue   postoffice.ID
	hasQ    bool

	bufs  map[string]*buffer
	order []string
}

func (b *builder) preconditions() error {
	for _, f := range b.report.Findings {
		if (f.Code == BadFileSize || f.Code == UnreadableFile) && b.readsFile(f.File) {
			return refuse("%s: %s; the plan depends on it: restore it from a backup first (Q77926)", f.File, f.Message)
		}
	}
	for _, f := range b.report.Findings {
		if f.Code == CounterBehind {
			return refuse("%s; a new mailbag id could overwrite a live mailbag (Q87388)", f.Message)
		}
	}
	if _, _, err := b.p.Master(); err != nil {
		return refuse("%v", err)
	}
	if b.m.Network == nil {
		return refuse("GLB/NETWORK.GLB cannot be read")
	}
	for i := range b.m.Network.Records {
		if b.c.Matches(&b.m.Network.Records[i]) {
			b.recs = append(b.recs, i)
		}
	}
	if len(b.recs) > 1 {
		return refuse("NETWORK.GLB holds %d active %s records (%v); porepair will not guess which is real: resolve them by hand (Q141583)",
			len(b.recs), b.c.Record, b.recs)
	}
	if len(b.recs) == 0 {
		if b.opt.Gateway == "" {
			return refuse("the %s access component is not installed on this postoffice; to install it, give --gateway NET/PO and --media DIR", b.c.Name)
		}
		if b.opt.MediaDir == "" {
			return refuse("a fresh install of %s needs --media DIR (the Access disk)", b.c.Name)
		}
	}
	return nil
}

// locate finds the gateway PO and the queue.
func (b *builder) locate() error {
	net, po := "", ""
	if b.opt.Gateway != "" {
		var ok bool
		net, po, ok = strings.Cut(b.opt.Gateway, "/")
		if !ok || net == "" || po == "" || strings.Contains(po, "/") {
			return refuse("--gateway %q: want NET/PO", b.opt.Gateway)
		}
	} else {
		r := &b.m.Network.Records[b.recs[0]]
		if !r.HasRoute() {
			return refuse("the %s record names no gateway postoffice; give --gateway NET/PO%s", b.c.Record, b.candidates())
		}
		net, po = r.ViaNet(), r.ViaPO()
	}
	x, idx, why := (&diag{m: b.m}).lookup(net, po)
	if idx < 0 {
		return refuse("the gateway route names %s/%s, but %s. Re-create it in ADMIN (External-Admin, Create) or name a direct postoffice that reaches the gateway with --gateway NET/PO%s",
			postoffice.Printable(net), postoffice.Printable(po), why, b.candidates())
	}
	b.gwNet = b.m.networks[strings.ToUpper(net)]
	b.gwIndex = idx
	gw := &x.Records[idx]
	b.plan.Gateway = b.gwNet.name + "/" + gw.Name()
	if gw.Indirect() {
		return refuse("the gateway postoffice %s is itself reached indirectly (via %s/%s): \"Can not use indirect postoffice to forward mail\". Make it direct in ADMIN (External-Admin, Modify) or name a direct forwarding postoffice with --gateway NET/PO (Q123825)%s",
			b.plan.Gateway, postoffice.Printable(gw.ViaNet()), postoffice.Printable(gw.ViaPO()), b.candidates())
	}
	if _, ok, err := gw.Mbg(); err != nil || !ok {
		return refuse("the gateway postoffice %s has no valid mailbag id in %s", b.plan.Gateway, x.Path)
	}
	if len(b.recs) == 1 {
		r := &b.m.Network.Records[b.recs[0]]
		id, ok, err := postoffice.IDOf(b.c.QueueField().Of(r[:]))
		b.queue, b.hasQ = id, ok && err == nil
		if !b.opt.DiscardQueue {
			if !b.hasQ {
				return refuse("the %s record's queue id %q is not valid; --discard-queue creates a new, empty queue",
					b.c.Record, postoffice.Printable(postoffice.Text(b.c.QueueField().Of(r[:]))))
			}
			for _, rel := range []string{postoffice.MBGPath(b.queue), postoffice.KeyPath(b.queue)} {
				actual, ok, _ := b.p.Resolve(rel)
				if !ok {
					return refuse("the %s queue is incomplete: %s is missing. --discard-queue recreates an empty queue, losing what the other file holds", b.c.Name, actual)
				}
				for _, f := range b.report.Findings {
					if (f.Code == BadFileSize || f.Code == UnreadableFile) && f.File == actual {
						return refuse("%s; the queue would be carried damaged: repair it (Q104279) or give --discard-queue", f.Message)
					}
				}
			}
		}
	}
	for _, f := range b.c.Files {
		if f.Kind != Media {
			continue
		}
		if _, ok := b.media(f.Path); ok {
			continue
		}
		if len(b.recs) == 1 && b.p.Exists(f.Path) {
			continue
		}
		return refuse("%s is missing from the postoffice; give --media DIR (the Access disk) to put it back", f.Path)
	}
	return nil
}

// candidates lists the direct postoffices --gateway could name.
func (b *builder) candidates() string {
	var out []string
	for _, nw := range (&diag{m: b.m}).sortedNetworks() {
		if nw.xtn == nil {
			continue
		}
		for i := range nw.xtn.Records {
			r := &nw.xtn.Records[i]
			if r.Active() && !r.Indirect() && nw.xtn.Find(r.Name()) == i {
				out = append(out, postoffice.Printable(nw.name)+"/"+postoffice.Printable(r.Name()))
			}
		}
	}
	if len(out) == 0 {
		return " (this postoffice knows no direct postoffice)"
	}
	return ". Direct postoffices: " + strings.Join(out, ", ")
}

// needed reports whether C has an error or warning finding (or --force).
func (b *builder) needed() bool {
	if b.opt.Force || len(b.recs) == 0 {
		return true
	}
	gw := poKey(b.gwNet.name, b.gwNet.xtn.Records[b.gwIndex].Name())
	for _, f := range b.report.Findings {
		if f.Severity >= Warning && (f.Component == b.c.Name || f.PO == gw) {
			return true
		}
	}
	return false
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

// buffer is a file's bytes as the plan goes, and as they were.
type buffer struct {
	file    string
	orig    []byte
	cur     []byte
	existed bool
}

func (b *builder) buf(rel string) (*buffer, error) {
	key := strings.ToUpper(rel)
	if bf, ok := b.bufs[key]; ok {
		return bf, nil
	}
	data, actual, err := b.p.ReadFile(rel)
	if err != nil {
		return nil, err
	}
	bf := &buffer{file: actual, orig: data, cur: bytes.Clone(data), existed: true}
	b.bufs[key] = bf
	b.order = append(b.order, key)
	return bf, nil
}

func sp(s string) *string { return &s }

func (b *builder) act(a Action) { b.plan.Actions = append(b.plan.Actions, a) }

// fieldStep is one field a logical step writes, spelled for the plan.
type fieldStep struct {
	phase, kind string // kind defaults to set-field
	buf         *buffer
	off         int64 // file offset
	field       string
	before      *string // nil: the field did not exist (an appended record)
	after       string
	kb          []string
	desc        string
}

// setField applies a step to its buffer and lists it; a step that changes
// nothing is not listed (SPEC §3), though it is applied.
func (b *builder) setField(s fieldStep, apply func()) {
	apply()
	if s.before != nil && *s.before == s.after {
		return
	}
	if s.kind == "" {
		s.kind = KindSetField
	}
	b.act(Action{Phase: s.phase, Kind: s.kind, File: sp(s.buf.file), Offset: &s.off, Field: sp(s.field),
		Before: s.before, After: sp(s.after), KB: s.kb, Description: s.desc})
}

var onOff = map[bool]string{true: "set", false: "clear"}

func (b *builder) build() error {
	c := b.c
	net, err := b.buf(postoffice.NetworkPath)
	if err != nil {
		return err
	}
	master, err := b.buf(postoffice.MasterPath)
	if err != nil {
		return err
	}
	gwX := b.gwNet.xtn
	gwRec := gwX.Records[b.gwIndex]
	gwName := b.gwNet.name + "/" + gwRec.Name()
	gwKey := poKey(b.gwNet.name, gwRec.Name())
	hubCount := b.m.hubs[gwKey]

	// Phase remove: what INSTALL -R does (Q264265, Q107097, Q148666).
	for _, i := range b.recs {
		off := int64(i * postoffice.NetRecordSize)
		rec := (*postoffice.NetRecord)(net.cur[off:][:postoffice.NetRecordSize])
		b.setField(fieldStep{phase: PhaseRemove, buf: net, off: off + int64(postoffice.NetStatus.Off), field: c.Record + ".status",
			before: sp("active"), after: "deleted", kb: []string{"Q264265", "Q107097", "Q148666"},
			desc: fmt.Sprintf("Mark NETWORK.GLB record %d (%s) deleted", i, c.Record)},
			func() { rec.SetStatus(postoffice.Deleted) })
		if rec.HasRoute() {
			if poKey(rec.ViaNet(), rec.ViaPO()) == gwKey {
				hubCount--
			}
			if err := b.unregister(rec); err != nil {
				return err
			}
		}
	}
	mm := (*postoffice.Master)(master.cur)
	bitField := fmt.Sprintf("gateway_flags bit 0x%02X", c.MasterBit)
	if len(b.recs) > 0 && mm.Bit(c.MasterBit) {
		b.setField(fieldStep{phase: PhaseRemove, buf: master, off: int64(postoffice.MstGatewayFlags.Off), field: bitField,
			before: sp("set"), after: "clear", kb: []string{"Q264265", "Q148666"}, desc: fmt.Sprintf("Clear the %s bit in MASTER.GLB", c.Name)},
			func() { mm.SetBit(c.MasterBit, false) })
	}
	carried := map[string][]byte{}
	if len(b.recs) > 0 {
		for _, f := range c.Files {
			data, actual, err := b.p.ReadFile(f.Path)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			carried[strings.ToUpper(f.Path)] = data
			b.read(actual, data)
			b.act(Action{Phase: PhaseRemove, Kind: KindDeleteFile, File: sp(actual), KB: kbs([]string{"Q107097"}, c.KB),
				Description: fmt.Sprintf("Delete %s (%s file; its bytes are kept to put back)", actual, f.Kind)})
		}
	}

	// Phase install: what INSTALL does (Q87028, Q87030, Q86933).
	ctl, err := b.buf(postoffice.ControlPath)
	if err != nil {
		return err
	}
	cc := (*postoffice.Control)(ctl.cur)
	newQ := postoffice.ID(cc.NMailbag())
	if uint32(newQ) == 0xFFFFFFFF {
		return refuse("CONTROL.GLB's nmailbag is exhausted (FFFFFFFF)")
	}
	b.setField(fieldStep{phase: PhaseInstall, kind: KindAllocateID, buf: ctl, off: int64(postoffice.CtlNMailbag.Off), field: "nmailbag",
		before: sp(newQ.String()), after: (newQ + 1).String(), kb: []string{"Q87028", "Q87388"},
		desc: fmt.Sprintf("Take mailbag id %s for the new %s queue", newQ, c.Name)},
		func() { cc.SetNMailbag(uint32(newQ) + 1) })
	b.plan.NewQueue = newQ.String()
	if err := b.moveQueue(newQ); err != nil {
		return err
	}

	// Step 7: the new record, in the old one's slot or appended.
	slot, appended := len(net.cur)/postoffice.NetRecordSize, true
	if len(b.recs) > 0 {
		slot, appended = b.recs[0], false
	} else {
		net.cur = append(net.cur, make([]byte, postoffice.NetRecordSize)...)
	}
	off := int64(slot * postoffice.NetRecordSize)
	rec := (*postoffice.NetRecord)(net.cur[off:][:postoffice.NetRecordSize])
	kb7 := []string{"Q87028", "Q118561", "Q135031"}
	text := func(f postoffice.Field) func() string { return func() string { return postoffice.Text(f.Of(rec[:])) } }
	field := func(f postoffice.Field, spell func() string, after string, set func() error) error {
		var before *string
		if !appended {
			before = sp(spell())
		}
		var serr error
		b.setField(fieldStep{phase: PhaseInstall, buf: net, off: off + int64(f.Off), field: c.Record + "." + f.Name,
			before: before, after: after, kb: kb7, desc: fmt.Sprintf("Write %s of the %s record (NETWORK.GLB record %d)", f.Name, c.Record, slot)},
			func() { serr = set() })
		return serr
	}
	gwMbg, _, _ := gwRec.Mbg()
	if err := errors.Join(
		field(postoffice.NetStatus, func() string { return rec.Status().String() }, postoffice.Active.String(),
			func() error { rec.SetStatus(postoffice.Active); return nil }),
		field(postoffice.NetTypeByte, func() string { return rec.Type().String() }, c.NetType().String(),
			func() error { rec.SetType(c.NetType()); return nil }),
		field(postoffice.NetName, text(postoffice.NetName), c.Record, func() error { return rec.SetName(c.Record) }),
		field(c.QueueField(), text(c.QueueField()), newQ.String(), func() error { return rec.SetField(c.QueueField(), newQ.String()) }),
		field(postoffice.NetViaNet, text(postoffice.NetViaNet), b.gwNet.name, func() error { return rec.SetViaNet(b.gwNet.name) }),
		field(postoffice.NetViaPO, text(postoffice.NetViaPO), gwRec.Name(), func() error { return rec.SetViaPO(gwRec.Name()) }),
		field(postoffice.NetViaMbg, text(postoffice.NetViaMbg), gwMbg.String(), func() error { return rec.SetViaMbg(gwMbg) }),
	); err != nil {
		return refuse("cannot write the new record: %v", err)
	}

	// Step 8: the hub counter, counted (the new record included).
	xb, err := b.buf(gwX.Path)
	if err != nil {
		return err
	}
	hoff := int64(b.gwIndex*postoffice.XTNRecordSize + postoffice.XtnHub.Off)
	xr := (*postoffice.XTNRecord)(xb.cur[b.gwIndex*postoffice.XTNRecordSize:][:postoffice.XTNRecordSize])
	want := max(hubCount+1, 0)
	b.setField(fieldStep{phase: PhaseInstall, buf: xb, off: hoff, field: gwRec.Name() + ".hub", before: sp(fmt.Sprint(xr.Hub())),
		after: fmt.Sprint(want), kb: []string{"Q86625"}, desc: fmt.Sprintf("Set %s's hub counter to the %d routes that name it", gwName, want)},
		func() { xr.SetHub(uint16(min(want, 0xFFFF))) })

	// Step 9: the MASTER.GLB bit.
	b.setField(fieldStep{phase: PhaseInstall, buf: master, off: int64(postoffice.MstGatewayFlags.Off), field: bitField,
		before: sp(onOff[mm.Bit(c.MasterBit)]), after: "set", kb: []string{"Q87028"}, desc: fmt.Sprintf("Set the %s bit in MASTER.GLB", c.Name)},
		func() { mm.SetBit(c.MasterBit, true) })

	// Step 10: the component's files.
	if err := b.putFiles(carried); err != nil {
		return err
	}

	// Verify.
	for _, v := range []string{
		fmt.Sprintf("Diagnose again: no error or warning finding about %s remains", c.Name),
		"The new queue holds exactly the carried bytes",
		"Every file the plan read but did not change still matches its fingerprint",
	} {
		b.act(Action{Phase: PhaseVerify, Kind: KindVerify, KB: []string{"Q135031", "Q118561"}, Description: v})
	}
	b.finish()
	return nil
}

// unregister is step 2: a removed record whose route was really
// registered (names and mailbag id match a live XTN record) gives back its
// hub count. A stale route decrements nothing and is not listed.
func (b *builder) unregister(rec *postoffice.NetRecord) error {
	x, idx, _ := (&diag{m: b.m}).lookup(rec.ViaNet(), rec.ViaPO())
	if idx < 0 {
		return nil
	}
	cur, _, _ := x.Records[idx].Mbg()
	if got, ok, err := rec.ViaMbg(); err != nil || !ok || got != cur {
		return nil
	}
	xb, err := b.buf(x.Path)
	if err != nil {
		return err
	}
	xr := (*postoffice.XTNRecord)(xb.cur[idx*postoffice.XTNRecordSize:][:postoffice.XTNRecordSize])
	hub := xr.Hub()
	b.setField(fieldStep{phase: PhaseRemove, buf: xb, off: int64(idx*postoffice.XTNRecordSize + postoffice.XtnHub.Off), field: xr.Name() + ".hub",
		before: sp(fmt.Sprint(hub)), after: fmt.Sprint(max(int(hub)-1, 0)), kb: []string{"Q86625"},
		desc: fmt.Sprintf("Give back the route's count on %s's hub counter", xr.Name())},
		func() {
			if hub > 0 {
				xr.SetHub(hub - 1)
			}
		})
	return nil
}

// moveQueue is step 6: the queue pair moves to the new id, bytes intact;
// with --discard-queue a new empty pair replaces it.
func (b *builder) moveQueue(newQ postoffice.ID) error {
	kb := []string{"Q87028", "Q104279"}
	for _, pair := range []struct{ old, new string }{
		{postoffice.MBGPath(b.queue), postoffice.MBGPath(newQ)},
		{postoffice.KeyPath(b.queue), postoffice.KeyPath(newQ)},
	} {
		to, exists, err := b.p.Resolve(pair.new)
		if err != nil {
			return err
		}
		if exists {
			return refuse("%s already exists; CONTROL.GLB's nmailbag is behind (Q87388)", to)
		}
		from, fromOK := "", false
		if b.hasQ {
			from, fromOK, _ = b.p.Resolve(pair.old)
		}
		if fromOK {
			// Streamed: a queue may be larger than anything read whole.
			fp, err := b.streamFP(from)
			if err != nil {
				return err
			}
			b.addRead(*fp)
			if !b.opt.DiscardQueue {
				b.plan.OldQueue = b.queue.String()
				b.act(Action{Phase: PhaseInstall, Kind: KindMoveFile, File: sp(from), To: sp(to), KB: kb,
					Description: fmt.Sprintf("Move %s to %s: the queued mail keeps its bytes", from, to)})
				b.plan.Changes = append(b.plan.Changes, Change{Op: OpMove, File: from, To: to,
					Before: fp, AfterSize: fp.Size, AfterSHA256: fp.SHA256})
				continue
			}
			b.act(Action{Phase: PhaseInstall, Kind: KindDeleteFile, File: sp(from), KB: kb,
				Description: fmt.Sprintf("Delete %s (--discard-queue)", from)})
			b.plan.Changes = append(b.plan.Changes, Change{Op: OpDelete, File: from, Before: fp})
		}
		var data []byte // a new mailbag is empty (Q104279)
		if strings.HasSuffix(pair.new, ".KEY") {
			var k postoffice.Key // a new KEY is 560 zero bytes (Q104279)
			data = k[:]
		}
		b.act(Action{Phase: PhaseInstall, Kind: KindCreateFile, File: sp(to), KB: kb,
			Description: fmt.Sprintf("Create an empty %s (%d bytes), as INSTALL does", to, len(data))})
		b.plan.Changes = append(b.plan.Changes, b.write(to, nil, data))
	}
	return nil
}

// putFiles is step 10: media files from --media or the carried copies,
// keep files always from the carried copies (or empty when there were none).
func (b *builder) putFiles(carried map[string][]byte) error {
	for _, f := range b.c.Files {
		old, had := carried[strings.ToUpper(f.Path)]
		data, src := old, "the carried copy"
		if f.Kind == Media {
			if file, ok := b.media(f.Path); ok {
				d, err := os.ReadFile(file)
				if err != nil {
					return refuse("read media: %v", err)
				}
				data, src = d, file
			}
		} else if !had {
			data, src = []byte{}, "an empty file, as INSTALL creates it"
		}
		actual, _, err := b.p.Resolve(f.Path)
		if err != nil {
			return err
		}
		kind := KindPutFile
		if !had && f.Kind == Keep {
			kind = KindCreateFile
		}
		b.act(Action{Phase: PhaseInstall, Kind: kind, File: sp(actual), KB: kbs([]string{"Q86933"}, b.c.KB),
			Description: fmt.Sprintf("Put back %s (%s) from %s", actual, f.Kind, src)})
		if had && bytes.Equal(old, data) {
			continue
		}
		var before *Fingerprint
		if had {
			before = b.fp(actual, old)
		}
		b.plan.Changes = append(b.plan.Changes, b.write(actual, before, data))
	}
	return nil
}

func (b *builder) write(file string, before *Fingerprint, data []byte) Change {
	return Change{Op: OpWrite, File: file, Data: HexBytes(data), Before: before,
		AfterSize: int64(len(data)), AfterSHA256: postoffice.SumHex(data)}
}

func (b *builder) fp(file string, data []byte) *Fingerprint {
	return &Fingerprint{File: file, Size: int64(len(data)), SHA256: postoffice.SumHex(data)}
}

// read records a file the plan read.
func (b *builder) read(file string, data []byte) { b.addRead(*b.fp(file, data)) }

func (b *builder) addRead(fp Fingerprint) {
	for _, r := range b.plan.Reads {
		if r.File == fp.File {
			return
		}
	}
	b.plan.Reads = append(b.plan.Reads, fp)
}

// streamFP fingerprints a file without reading it whole.
func (b *builder) streamFP(file string) (*Fingerprint, error) {
	f, actual, _, err := b.p.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	n, sum, err := postoffice.Hash(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", actual, err)
	}
	return &Fingerprint{File: actual, Size: n, SHA256: sum}, nil
}

// finish turns the buffers into changes, records what was read, and
// computes the net effect.
func (b *builder) finish() {
	// Every XTN the diagnosis read feeds the hub count: fingerprint them all.
	for _, nw := range (&diag{m: b.m}).sortedNetworks() {
		if nw.xtn != nil {
			b.read(nw.xtn.Path, nw.xtn.Data)
		}
	}
	for _, key := range b.order {
		bf := b.bufs[key]
		b.read(bf.file, bf.orig)
		if bytes.Equal(bf.orig, bf.cur) {
			continue
		}
		b.plan.Changes = append(b.plan.Changes, Change{Op: OpPatch, File: bf.file, Patches: diff(bf.orig, bf.cur),
			Before: b.fp(bf.file, bf.orig), AfterSize: int64(len(bf.cur)), AfterSHA256: postoffice.SumHex(bf.cur)})
	}
	slices.SortFunc(b.plan.Reads, func(a, c Fingerprint) int { return strings.Compare(a.File, c.File) })
	slices.SortStableFunc(b.plan.Changes, func(a, c Change) int { return strings.Compare(a.File, c.File) })

	type key struct{ file, field string }
	first := map[key]*string{}
	last := map[key]*string{}
	var keys []key
	for _, a := range b.plan.Actions {
		if a.Kind != KindSetField && a.Kind != KindAllocateID {
			continue
		}
		k := key{*a.File, *a.Field}
		if _, ok := first[k]; !ok {
			first[k] = a.Before
			keys = append(keys, k)
		}
		last[k] = a.After
	}
	for _, k := range keys {
		bv, av := first[k], last[k]
		if bv != nil && av != nil && *bv == *av {
			continue
		}
		b.plan.NetEffect = append(b.plan.NetEffect, Effect{File: k.file, Field: k.field, Before: bv, After: av})
	}
}

// diff returns the runs of bytes where cur differs from orig, plus any
// appended tail.
func diff(orig, cur []byte) []Patch {
	var out []Patch
	for i := 0; i < len(cur); {
		if i < len(orig) && orig[i] == cur[i] {
			i++
			continue
		}
		j := i
		for j < len(cur) && (j >= len(orig) || orig[j] != cur[j]) {
			j++
		}
		out = append(out, Patch{Offset: int64(i), Data: HexBytes(bytes.Clone(cur[i:j]))})
		i = j
	}
	return out
}

// kbs joins KB lists without repeating an article.
func kbs(lists ...[]string) []string {
	out := []string{}
	for _, l := range lists {
		for _, q := range l {
			if !slices.Contains(out, q) {
				out = append(out, q)
			}
		}
	}
	return out
}
