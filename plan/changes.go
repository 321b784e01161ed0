package plan

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/porepair/porepair/postoffice"
)

// buffer is a file's bytes as the plan goes, and as they were.
type buffer struct {
	file string
	orig []byte
	cur  []byte
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
	bf := &buffer{file: actual, orig: data, cur: bytes.Clone(data)}
	b.bufs[key] = bf
	b.order = append(b.order, key)
	return bf, nil
}

// netRecord and xtnRecord view record i of a buffer.
func netRecord(bf *buffer, i int) *postoffice.NetRecord {
	return (*postoffice.NetRecord)(bf.cur[i*postoffice.NetRecordSize:][:postoffice.NetRecordSize])
}

func xtnRecord(bf *buffer, i int) *postoffice.XTNRecord {
	return (*postoffice.XTNRecord)(bf.cur[i*postoffice.XTNRecordSize:][:postoffice.XTNRecordSize])
}

// recOff and xtnOff are the file offsets of a field of record i.
func recOff(i int, f postoffice.Field) int64 { return int64(i*postoffice.NetRecordSize + f.Off) }
func xtnOff(i int, f postoffice.Field) int64 { return int64(i*postoffice.XTNRecordSize + f.Off) }

func sp(s string) *string { return &s }

func (b *builder) act(a Action) { b.plan.Actions = append(b.plan.Actions, a) }

// fieldStep is one field a logical step writes, spelled for the plan.
type fieldStep struct {
	phase  Phase
	kind   Kind // defaults to set-field
	buf    *buffer
	off    int64 // file offset
	n      int   // the field's width in bytes
	field  string
	before *string // nil: the field did not exist (an appended record)
	after  string
}

// setField applies a step to its buffer and lists it. A step that changes
// no byte is not listed, though it is applied; a step that changes bytes
// its spelling does not show (text after a field's NUL, cleared because a
// field is rewritten whole) is listed with those bytes.
func (b *builder) setField(s fieldStep, apply func()) {
	var old []byte
	if s.before != nil {
		old = bytes.Clone(s.buf.cur[s.off:][:s.n])
	}
	apply()
	if s.before != nil {
		if bytes.Equal(old, s.buf.cur[s.off:][:s.n]) {
			return
		}
		if *s.before == s.after {
			s.before = sp(fmt.Sprintf("%s"+hiddenBytes+"% X", *s.before, old))
		}
	}
	if s.kind == 0 {
		s.kind = KindSetField
	}
	b.act(Action{Phase: s.phase, Kind: s.kind, File: sp(s.buf.file), Offset: &s.off, Field: sp(s.field),
		Before: s.before, After: sp(s.after)})
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

// streamFP fingerprints a file without reading it whole; the queue the
// diagnosis counted is not read again (postoffice.PO.Hash).
func (b *builder) streamFP(file string) (*Fingerprint, error) {
	n, sum, actual, err := b.p.Hash(file)
	if err != nil {
		return nil, err
	}
	return &Fingerprint{File: actual, Size: n, SHA256: sum}, nil
}

// finish turns the buffers into changes, records what was read, and
// computes the net effect.
func (b *builder) finish() {
	// Every XTN the diagnosis read feeds the hub count: fingerprint them all.
	for _, x := range b.m.XTNs() {
		b.read(x.Path, x.Data)
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
	b.plan.NetEffect = netEffect(b.plan.Actions)
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

// Patched is what a patch change makes of data, the file's bytes before
// it: an error when data is not the file the change was planned on, a
// patch falls outside it, or the result is not the bytes the change
// promises. The executor writes only what this returns, and a repair
// calls it on every patch before anything is locked, so that an edited
// plan is refused before a snapshot is made.
func (c Change) Patched(data []byte) ([]byte, error) {
	if c.Before == nil || postoffice.SumHex(data) != c.Before.SHA256 {
		return nil, fmt.Errorf("%s changed since the plan", c.File)
	}
	out := append([]byte{}, data...)
	for _, pt := range c.Patches {
		if pt.Offset < 0 || pt.Offset > int64(len(out)) {
			return nil, fmt.Errorf("patch at %d is outside %s", pt.Offset, c.File)
		}
		end := pt.Offset + int64(len(pt.Data))
		if end > int64(len(out)) {
			out = append(out, make([]byte, end-int64(len(out)))...)
		}
		copy(out[pt.Offset:], pt.Data)
	}
	if postoffice.SumHex(out) != c.AfterSHA256 {
		return nil, fmt.Errorf("the patches of %s do not make the bytes the plan promises (SHA-256 after differs): the plan was edited", c.File)
	}
	return out, nil
}
