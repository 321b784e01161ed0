package plan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/errlist"
	"github.com/porepair/porepair/postoffice"
)

// build lists the logical steps of INSTALL -R and INSTALL, each applied to
// the buffers of the files it changes, then turns the buffers into changes.
func (b *builder) build() error {
	net, err := b.buf(postoffice.NetworkPath)
	if err != nil {
		return err
	}
	master, err := b.buf(postoffice.MasterPath)
	if err != nil {
		return err
	}
	hubs := b.m.Hubs(b.gw.Gateway())
	carried, err := b.remove(net, master, &hubs)
	if err != nil {
		return err
	}
	if err := b.install(net, master, hubs, carried); err != nil {
		return err
	}
	b.verifySteps()
	b.finish()
	return b.describeActions()
}

// describeActions gives every action its description and KB articles
// (describe), as a saved plan's are checked.
func (b *builder) describeActions() error {
	for i := range b.plan.Actions {
		a := &b.plan.Actions[i]
		desc, kb, err := b.plan.describe(*a, a.src)
		if err != nil {
			return err
		}
		a.KB = kb
		if a.Kind != KindVerify {
			a.Description = desc
		}
	}
	return nil
}

// remove is the phase INSTALL -R does (Q264265, Q107097, Q148666), steps 1
// to 4. It returns the component files' bytes, kept to put back, and
// leaves in hubs the references through the gateway postoffice that
// remain once C's records are gone.
func (b *builder) remove(net, master *buffer, hubs *int) (map[string][]byte, error) {
	for _, i := range b.recs {
		rec := netRecord(net, i)
		b.setField(fieldStep{phase: PhaseRemove, buf: net, off: recOff(i, postoffice.NetStatus), n: postoffice.NetStatus.Len, field: b.c.Record + ".status",
			before: sp(rec.Status().String()), after: postoffice.Deleted.String()},
			func() { rec.SetStatus(postoffice.Deleted) })
		if rec.Indirect() {
			if rt := rec.Route(); diagnose.GatewayOf(rt.Network, rt.PO) == b.gw.Gateway() {
				*hubs--
			}
			if err := b.unregister(rec); err != nil {
				return nil, err
			}
		}
	}
	mm := (*postoffice.Master)(master.cur)
	if len(b.recs) > 0 && mm.Bit(b.c.InstalledBit) {
		b.setInstalled(PhaseRemove, master, false)
	}
	if len(b.recs) == 0 {
		return b.leftFiles()
	}
	return b.deleteFiles()
}

// unregister is step 2: a removed record whose route was really
// registered (names and mailbag id match a live XTN record) gives back its
// hub count. A stale route decrements nothing and is not listed.
func (b *builder) unregister(rec *postoffice.NetRecord) error {
	rt := rec.Route()
	h := b.m.Resolve(rt.Network, rt.PO)
	if !h.Found() || h.Stale(rt.Mailbag) {
		return nil
	}
	xb, err := b.buf(h.XTN().Path)
	if err != nil {
		return err
	}
	xr := xtnRecord(xb, h.Index())
	hub := xr.Hub()
	b.setField(fieldStep{phase: PhaseRemove, buf: xb, off: xtnOff(h.Index(), postoffice.XtnHub), n: postoffice.XtnHub.Len, field: xr.Name() + ".hub",
		before: sp(fmt.Sprint(hub)), after: fmt.Sprint(max(int(hub)-1, 0))},
		func() {
			if hub > 0 {
				xr.SetHub(hub - 1)
			}
		})
	return nil
}

// deleteFiles is step 4: the component's files go, their bytes kept.
func (b *builder) deleteFiles() (map[string][]byte, error) { return b.componentFiles(true) }

// leftFiles reads, for a fresh install, the component's files that are
// already on the postoffice (left by an earlier install): a keep file
// (the address list) is kept as it is, a media file replaced by the disk's.
func (b *builder) leftFiles() (map[string][]byte, error) { return b.componentFiles(false) }

// componentFiles reads the component's files that exist, keyed by their
// manifest path in upper case; with remove, each is listed as deleted.
func (b *builder) componentFiles(remove bool) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, f := range b.c.Files {
		data, actual, err := b.p.ReadFile(f.Path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		files[strings.ToUpper(f.Path)] = data
		b.read(actual, data)
		if remove {
			b.act(Action{Phase: PhaseRemove, Kind: KindDeleteFile, File: sp(actual)})
		}
	}
	return files, nil
}

// install is the phase INSTALL does (Q87028, Q87030, Q86933), steps 5 to 10.
func (b *builder) install(net, master *buffer, hubs int, carried map[string][]byte) error {
	newQ, err := b.allocate()
	if err != nil {
		return err
	}
	if err := b.moveQueue(newQ); err != nil {
		return err
	}
	if err := b.writeRecord(net, newQ); err != nil {
		return err
	}
	if err := b.countHub(hubs + 1); err != nil {
		return err
	}
	b.setInstalled(PhaseInstall, master, true)
	return b.putFiles(carried)
}

// allocate is step 5: a new mailbag id from CONTROL.GLB.
func (b *builder) allocate() (postoffice.ID, error) {
	ctl, err := b.buf(postoffice.ControlPath)
	if err != nil {
		return 0, err
	}
	cc := (*postoffice.Control)(ctl.cur)
	newQ := postoffice.ID(cc.NMailbag())
	if uint32(newQ) == 0xFFFFFFFF {
		return 0, refuse("CONTROL.GLB's nmailbag is exhausted (FFFFFFFF)")
	}
	b.setField(fieldStep{phase: PhaseInstall, kind: KindAllocateID, buf: ctl, off: int64(postoffice.CtlNMailbag.Off), n: postoffice.CtlNMailbag.Len, field: "nmailbag",
		before: sp(newQ.String()), after: (newQ + 1).String()},
		func() { cc.SetNMailbag(uint32(newQ) + 1) })
	b.plan.NewQueue = newQ.String()
	return newQ, nil
}

// writeRecord is step 7: the new record, in the removed one's slot (or
// appended), a copy of it with the component's type and name, the new
// queue and the route through the gateway postoffice's current mailbag.
// Every other byte is the old record's.
func (b *builder) writeRecord(net *buffer, newQ postoffice.ID) error {
	slot, appended := len(net.cur)/postoffice.NetRecordSize, true
	if len(b.recs) > 0 {
		slot, appended = b.recs[0], false
	} else {
		net.cur = append(net.cur, make([]byte, postoffice.NetRecordSize)...)
	}
	rec := netRecord(net, slot)
	gw := b.gw.Record()
	gwMbg, _, _ := gw.Mailbag()
	text := func(f postoffice.Field) func() string { return func() string { return postoffice.Text(f.Of(rec[:])) } }
	var errs []error
	for _, w := range []struct {
		f     postoffice.Field
		spell func() string
		after string
		set   func() error
	}{
		{postoffice.NetStatus, func() string { return rec.Status().String() }, postoffice.Active.String(),
			func() error { rec.SetStatus(postoffice.Active); return nil }},
		{postoffice.NetTypeByte, func() string { return typeName(rec.Type()) }, typeName(b.c.NetType()),
			func() error { rec.SetType(b.c.NetType()); return nil }},
		{postoffice.NetName, text(postoffice.NetName), b.c.Record, func() error { return rec.SetName(b.c.Record) }},
		{postoffice.NetMailbag, text(postoffice.NetMailbag), newQ.String(), func() error { return rec.SetMailbag(newQ) }},
		{postoffice.NetIndirect, func() string { return indirectName(rec.Indirect(), postoffice.NetIndirect.Of(rec[:])[0]) }, "indirect",
			func() error { rec.SetIndirectFlag(true); return nil }},
		{postoffice.NetIndNetwork, text(postoffice.NetIndNetwork), b.gw.Network(), func() error { return rec.SetIndNetwork(b.gw.Network()) }},
		{postoffice.NetIndPO, text(postoffice.NetIndPO), gw.Name(), func() error { return rec.SetIndPO(gw.Name()) }},
		{postoffice.NetIndMailbag, text(postoffice.NetIndMailbag), gwMbg.String(), func() error { return rec.SetIndMailbag(gwMbg) }},
	} {
		var before *string
		if !appended {
			before = sp(w.spell())
		}
		var err error
		b.setField(fieldStep{phase: PhaseInstall, buf: net, off: recOff(slot, w.f), n: w.f.Len, field: b.c.Record + "." + w.f.Name,
			before: before, after: w.after},
			func() { err = w.set() })
		errs = append(errs, err)
	}
	if err := errlist.Join(errs...); err != nil {
		return refuse("cannot write the new record: %v", err)
	}
	return nil
}

func typeName(t postoffice.NetType) string { return fmt.Sprintf("%s (%d)", t, uint8(t)) }

func indirectName(on bool, v byte) string {
	switch {
	case !on:
		return "direct"
	case v == 0x01:
		return "indirect"
	}
	return fmt.Sprintf("indirect (0x%02X)", v)
}

// countHub is step 8: the gateway postoffice's hub counter set to the
// active references through it, the new record included. INSTALL adds
// one; counting also mends a counter that was wrong for other reasons.
func (b *builder) countHub(want int) error {
	xb, err := b.buf(b.gw.XTN().Path)
	if err != nil {
		return err
	}
	xr := xtnRecord(xb, b.gw.Index())
	want = max(want, 0)
	b.setField(fieldStep{phase: PhaseInstall, buf: xb, off: xtnOff(b.gw.Index(), postoffice.XtnHub), n: postoffice.XtnHub.Len, field: xr.Name() + ".hub",
		before: sp(fmt.Sprint(xr.Hub())), after: fmt.Sprint(want)},
		func() { xr.SetHub(uint16(min(want, 0xFFFF))) })
	return nil
}

// setInstalled is steps 3 and 9: C's bit of MASTER.GLB's installed field.
func (b *builder) setInstalled(phase Phase, master *buffer, on bool) {
	mm := (*postoffice.Master)(master.cur)
	before := fmt.Sprintf("%08X", mm.Installed())
	after := mm.Installed() &^ b.c.InstalledBit
	if on {
		after |= b.c.InstalledBit
	}
	b.setField(fieldStep{phase: phase, buf: master, off: int64(postoffice.MstInstalled.Off), n: postoffice.MstInstalled.Len, field: postoffice.MstInstalled.Name,
		before: sp(before), after: fmt.Sprintf("%08X", after)},
		func() { mm.SetBit(b.c.InstalledBit, on) })
}

// moveQueue is step 6: the queue pair moves to the new id, bytes intact;
// with --discard-queue a new empty pair replaces it.
func (b *builder) moveQueue(newQ postoffice.ID) error {
	for _, pair := range []struct{ old, new string }{
		{postoffice.MBGPath(b.queue), postoffice.MBGPath(newQ)},
		{postoffice.KeyPath(b.queue), postoffice.KeyPath(newQ)},
	} {
		if err := b.moveOne(pair.old, pair.new); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) moveOne(old, new string) error {
	to, exists, err := b.p.Resolve(new)
	if err != nil {
		return err
	}
	if exists {
		return refuse("%s already exists; CONTROL.GLB's nmailbag is behind (Q87388)", to)
	}
	from, fromOK := "", false
	if b.hasQ {
		from, fromOK, _ = b.p.Resolve(old)
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
			b.act(Action{Phase: PhaseInstall, Kind: KindMoveFile, File: sp(from), To: sp(to)})
			b.plan.Changes = append(b.plan.Changes, Change{Op: OpMove, File: from, To: to,
				Before: fp, AfterSize: fp.Size, AfterSHA256: fp.SHA256})
			return nil
		}
		b.act(Action{Phase: PhaseInstall, Kind: KindDeleteFile, File: sp(from)})
		b.plan.Changes = append(b.plan.Changes, Change{Op: OpDelete, File: from, Before: fp})
	}
	var data []byte // a new mailbag is empty (Q104279)
	if strings.HasSuffix(new, ".KEY") {
		var k postoffice.Key // a new KEY is 560 zero bytes (Q104279)
		data = k[:]
	}
	b.act(Action{Phase: PhaseInstall, Kind: KindCreateFile, File: sp(to)})
	b.plan.Changes = append(b.plan.Changes, b.write(to, nil, data))
	return nil
}

// putFiles is step 10: media files from --media or the carried copies,
// keep files always from the carried copies (or empty when there were none).
func (b *builder) putFiles(carried map[string][]byte) error {
	for _, f := range b.c.Files {
		old, had := carried[strings.ToUpper(f.Path)]
		data, src := old, fromCarried
		if len(b.recs) == 0 {
			src = fromLeft
		}
		if f.Kind == diagnose.Media {
			if file, ok := b.media(f.Path); ok {
				d, err := os.ReadFile(file)
				if err != nil {
					return refuse("read media: %v", err)
				}
				data, src = d, file
			}
		} else if !had {
			data, src = []byte{}, fromEmpty
		}
		actual, _, err := b.p.Resolve(f.Path)
		if err != nil {
			return err
		}
		kind := KindPutFile
		if !had && f.Kind == diagnose.Keep {
			kind = KindCreateFile
		}
		b.act(Action{Phase: PhaseInstall, Kind: kind, File: sp(actual), src: src})
		if had && string(old) == string(data) {
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

// verifySteps lists what the executor checks after the changes.
func (b *builder) verifySteps() {
	for _, v := range verifyLines(b.c.Name) {
		b.act(Action{Phase: PhaseVerify, Kind: KindVerify, Description: v})
	}
}
