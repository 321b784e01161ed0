package plan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/porepair/porepair/internal/errlist"
	"github.com/porepair/porepair/postoffice"
)

// A saved plan shows its actions and net effect, and carries its changes
// out: an edited actions list (an offset moved, a value changed) would
// show one repair and make another. So a plan's actions must agree with
// its changes: Load checks what the plan alone can tell (agree), and a
// repair checks the values against the files' bytes before anything is
// locked (CheckFields).

// fieldFile is a file whose fields a plan sets: its layout, the size of
// its records (0: the file is one record), and how the plan spells each
// field it sets (the builder's spellings: steps.go).
type fieldFile struct {
	layout []postoffice.Field
	record int
	name   postoffice.Field // the field naming a record
	spell  map[string]func([]byte) string
}

var (
	asText     = postoffice.Text
	networkGLB = &fieldFile{layout: postoffice.NetworkLayout, record: postoffice.NetRecordSize, name: postoffice.NetName, spell: map[string]func([]byte) string{
		postoffice.NetStatus.Name:     func(b []byte) string { return postoffice.Status(b[0]).String() },
		postoffice.NetTypeByte.Name:   func(b []byte) string { return typeName(postoffice.NetType(b[0])) },
		postoffice.NetName.Name:       asText,
		postoffice.NetMailbag.Name:    asText,
		postoffice.NetIndirect.Name:   func(b []byte) string { return indirectName(b[0] != 0, b[0]) },
		postoffice.NetIndNetwork.Name: asText,
		postoffice.NetIndPO.Name:      asText,
		postoffice.NetIndMailbag.Name: asText,
	}}
	xtnFile = &fieldFile{layout: postoffice.XTNLayout, record: postoffice.XTNRecordSize, name: postoffice.XtnName, spell: map[string]func([]byte) string{
		postoffice.XtnHub.Name: func(b []byte) string { return fmt.Sprint(binary.LittleEndian.Uint16(b)) },
	}}
	masterGLB = &fieldFile{layout: postoffice.MasterLayout, spell: map[string]func([]byte) string{
		postoffice.MstInstalled.Name: func(b []byte) string { return fmt.Sprintf("%08X", binary.LittleEndian.Uint32(b)) },
	}}
	controlGLB = &fieldFile{layout: postoffice.ControlLayout, spell: map[string]func([]byte) string{
		postoffice.CtlNMailbag.Name: func(b []byte) string { return postoffice.ID(binary.LittleEndian.Uint32(b)).String() },
	}}
)

// fieldFileOf is the layout of a file a plan may set fields of.
func fieldFileOf(file string) (*fieldFile, bool) {
	switch {
	case strings.EqualFold(file, postoffice.NetworkPath):
		return networkGLB, true
	case strings.EqualFold(file, postoffice.MasterPath):
		return masterGLB, true
	case strings.EqualFold(file, postoffice.ControlPath):
		return controlGLB, true
	case strings.EqualFold(path.Dir(file), "XTN") && strings.EqualFold(path.Ext(file), ".XTN"):
		return xtnFile, true
	}
	return nil, false
}

// span is where a field action writes: its file's bytes [off, end), the
// field's layout entry, and the record name the action gives (NAME.field;
// "" in a file of one record).
type span struct {
	file     string
	off, end int64
	field    postoffice.Field
	ff       *fieldFile
	record   string
	shown    string // the field as the action names it (NAME.field)
}

// spanOf checks that a field action names a field the plan may set, at
// that field's place in its file.
func spanOf(a Action) (span, error) {
	if a.File == nil || a.Offset == nil || a.Field == nil || a.After == nil {
		return span{}, errors.New("a field action needs its file, offset, field and value after")
	}
	ff, ok := fieldFileOf(*a.File)
	if !ok {
		return span{}, fmt.Errorf("%s: no field of that file is ever set", *a.File)
	}
	record, name := "", *a.Field
	if ff.record > 0 {
		i := strings.LastIndexByte(name, '.')
		if i < 0 {
			return span{}, fmt.Errorf("%s: field %q names no record (NAME.field)", *a.File, name)
		}
		record, name = name[:i], name[i+1:]
	}
	s := span{file: *a.File, off: *a.Offset, ff: ff, record: record, shown: *a.Field}
	for _, f := range ff.layout {
		if f.Name == name {
			s.field = f
		}
	}
	if _, ok := ff.spell[name]; !ok {
		return span{}, fmt.Errorf("%s: field %q is not one a repair sets", *a.File, *a.Field)
	}
	at := s.off
	if ff.record > 0 {
		at = s.off % int64(ff.record)
	}
	if s.off < 0 || at != int64(s.field.Off) {
		return span{}, fmt.Errorf("%s: offset %d is not the place of field %s", *a.File, s.off, *a.Field)
	}
	s.end = s.off + int64(s.field.Len)
	return s, nil
}

// isField reports whether an action sets a field (the rest are whole
// files or checks).
func isField(a Action) bool { return a.Kind == KindSetField || a.Kind == KindAllocateID }

// fieldKey is how the net effect names a field: file and field.
type fieldKey struct{ file, field string }

// netEffect lists the fields whose final value differs from the first,
// in the order the actions first set them.
func netEffect(actions []Action) []Effect {
	first := map[fieldKey]*string{}
	last := map[fieldKey]*string{}
	var keys []fieldKey
	for _, a := range actions {
		if !isField(a) || a.File == nil || a.Field == nil {
			continue
		}
		k := fieldKey{*a.File, *a.Field}
		if _, ok := first[k]; !ok {
			first[k] = a.Before
			keys = append(keys, k)
		}
		last[k] = a.After
	}
	out := []Effect{}
	for _, k := range keys {
		bv, av := first[k], last[k]
		if bv != nil && av != nil && *bv == *av {
			continue
		}
		out = append(out, Effect{File: k.file, Field: k.field, Before: bv, After: av})
	}
	return out
}

// agree checks what a plan can tell alone: every field action names a
// field a repair sets, at its place; the actions on one field follow on
// from each other at one offset; the net effect is the actions'; every
// byte a patch changes is in a field an action shows; and every whole-file
// action is a change of that file, and the reverse.
func (p *Plan) agree() error {
	spans, err := p.fieldSpans()
	if err != nil {
		return err
	}
	if !sameEffects(netEffect(p.Actions), p.NetEffect) {
		return errors.New("its net_effect is not what its actions do")
	}
	var errs []error
	for _, c := range p.Changes {
		if c.Op == OpPatch {
			errs = append(errs, covered(c, spans))
		}
	}
	errs = append(errs, p.wholeFilesAgree(), p.describedAsShown())
	if err := errlist.Join(errs...); err != nil {
		return err
	}
	// The whole list, once each action is known to be one a reinstall
	// takes (describe): its order, each file's steps, the queue's ids.
	return errlist.Join(p.stepsInOrder(), p.filesShown(), p.movesTo())
}

// fieldSpans checks every field action (spanOf) and that the actions on
// one field are at one place, each taking the field as the one before it
// left it; it returns the spans of each field by key.
func (p *Plan) fieldSpans() (map[fieldKey]span, error) {
	spans := map[fieldKey]span{}
	lastAfter := map[fieldKey]string{}
	for i, a := range p.Actions {
		if !isField(a) {
			continue
		}
		s, err := spanOf(a)
		if err != nil {
			return nil, fmt.Errorf("action %d: %w", i+1, err)
		}
		k := fieldKey{*a.File, *a.Field}
		if prev, ok := spans[k]; ok {
			if prev.off != s.off {
				return nil, fmt.Errorf("action %d: %s of %s is at %d, but an earlier action put it at %d", i+1, *a.Field, *a.File, s.off, prev.off)
			}
			if a.Before == nil || !spelledFrom(*a.Before, lastAfter[k]) {
				return nil, fmt.Errorf("action %d: %s of %s was %q before it, not %s", i+1, *a.Field, *a.File, lastAfter[k], spelled(a.Before))
			}
		}
		spans[k] = s
		lastAfter[k] = *a.After
	}
	return spans, nil
}

// spelledFrom reports whether before spells value: as it is, or with the
// bytes a field's spelling hides (setField's "+ hidden bytes").
func spelledFrom(before, value string) bool {
	return before == value || strings.HasPrefix(before, value+hiddenBytes)
}

const hiddenBytes = " + hidden bytes "

func spelled(s *string) string {
	if s == nil {
		return "absent"
	}
	return fmt.Sprintf("%q", *s)
}

func sameEffects(a, b []Effect) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].File != b[i].File || a[i].Field != b[i].Field || spelled(a[i].Before) != spelled(b[i].Before) || spelled(a[i].After) != spelled(b[i].After) {
			return false
		}
	}
	return true
}

// covered checks that every byte a patch change writes is in a field an
// action on that file shows; an appended tail (a new record) is covered
// when an action writes a field of each record in it.
func covered(c Change, spans map[fieldKey]span) error {
	var mine []span
	for _, s := range spans {
		if strings.EqualFold(s.file, c.File) {
			mine = append(mine, s)
		}
	}
	for _, pt := range c.Patches {
		for at := pt.Offset; at < pt.Offset+int64(len(pt.Data)); at++ {
			if !inSpan(mine, at, c.Before) {
				return fmt.Errorf("%s: the change writes byte %d, which no action shows", c.File, at)
			}
		}
	}
	return nil
}

func inSpan(spans []span, at int64, before *Fingerprint) bool {
	for _, s := range spans {
		if at >= s.off && at < s.end {
			return true
		}
		if before != nil && at >= before.Size && s.ff.record > 0 && s.off >= before.Size &&
			at/int64(s.ff.record) == s.off/int64(s.ff.record) {
			return true
		}
	}
	return false
}

// wholeFilesAgree checks whole-file actions against whole-file changes:
// what the last action on a file does is what its change does (a file
// put back as it was needs none), and no such change goes unshown.
func (p *Plan) wholeFilesAgree() error {
	last := map[string]Action{}
	for _, a := range p.Actions {
		switch a.Kind {
		case KindDeleteFile, KindPutFile, KindCreateFile, KindMoveFile:
			if a.File == nil {
				return fmt.Errorf("a %s action names no file", a.Kind)
			}
			last[strings.ToUpper(*a.File)] = a
		}
	}
	changed := map[string]bool{}
	for _, c := range p.Changes {
		if c.Op == OpPatch {
			continue
		}
		key := strings.ToUpper(c.File)
		changed[key] = true
		if err := sameWholeFile(last[key], c); err != nil {
			return err
		}
	}
	for key, a := range last {
		if !changed[key] && a.Kind != KindPutFile {
			return fmt.Errorf("the plan shows %s %s, but no change does it", a.Kind, *a.File)
		}
	}
	return nil
}

// sameWholeFile checks that action a (zero when none) does what change c
// does.
func sameWholeFile(a Action, c Change) error {
	want := map[Op][]Kind{OpDelete: {KindDeleteFile}, OpWrite: {KindPutFile, KindCreateFile}, OpMove: {KindMoveFile}}[c.Op]
	ok := false
	for _, k := range want {
		ok = ok || a.Kind == k
	}
	if ok && c.Op == OpMove {
		ok = a.To != nil && *a.To == c.To
	}
	if !ok {
		return fmt.Errorf("the plan's change %s %s is not what its actions show", c.Op, c.File)
	}
	return nil
}

// FieldFiles lists the files whose fields the plan's actions set, each
// once, as the actions spell them.
func (p *Plan) FieldFiles() []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range p.Actions {
		if isField(a) && a.File != nil && !seen[strings.ToUpper(*a.File)] {
			seen[strings.ToUpper(*a.File)] = true
			out = append(out, *a.File)
		}
	}
	return out
}

// CheckFields checks the field actions on file against its bytes before
// the repair (orig) and after its change (final; orig when it has none):
// the first action on each field says what the field holds today, the
// last what it will hold, and each names the record the field is in.
func (p *Plan) CheckFields(file string, orig, final []byte) error {
	first := map[fieldKey]bool{}
	last := map[fieldKey]Action{}
	var keys []fieldKey // in the actions' order, for a stable message
	var errs []error
	for _, a := range p.Actions {
		if !isField(a) || a.File == nil || !strings.EqualFold(*a.File, file) {
			continue
		}
		s, err := spanOf(a)
		if err != nil {
			return err
		}
		k := fieldKey{*a.File, *a.Field}
		if !first[k] {
			first[k] = true
			keys = append(keys, k)
			errs = append(errs, s.checkBefore(a.Before, orig))
		}
		last[k] = a
		errs = append(errs, s.checkRecord(orig, final))
	}
	for _, k := range keys {
		a := last[k]
		s, _ := spanOf(a)
		if got, ok := s.value(final); !ok || got != *a.After {
			errs = append(errs, fmt.Errorf("%s: the plan says %s becomes %q, but its change makes it %q", file, *a.Field, *a.After, got))
		}
	}
	if strings.EqualFold(file, postoffice.NetworkPath) {
		errs = append(errs, p.recordWritten(final))
	}
	return errlist.Join(errs...)
}

// recordWritten checks the component's record as step 7 leaves it in
// NETWORK.GLB (final) against what the plan says of it elsewhere: its
// route is the plan's gateway, its queue the plan's new_queue (verify
// and the log take both from there).
func (p *Plan) recordWritten(final []byte) error {
	for _, a := range p.Actions {
		if a.Phase != PhaseInstall || !isField(a) || !strings.EqualFold(*a.File, postoffice.NetworkPath) {
			continue
		}
		s, err := spanOf(a)
		if err != nil {
			return err
		}
		end := (s.index() + 1) * postoffice.NetRecordSize
		if end > int64(len(final)) {
			return fmt.Errorf("the record the plan writes, %d, is past NETWORK.GLB's end", s.index())
		}
		rec := final[end-postoffice.NetRecordSize : end]
		route := asText(postoffice.NetIndNetwork.Of(rec)) + "/" + asText(postoffice.NetIndPO.Of(rec))
		switch {
		case route != p.Gateway:
			return fmt.Errorf("the plan's gateway is %s, but the record it writes routes via %s", p.Gateway, route)
		case asText(postoffice.NetMailbag.Of(rec)) != p.NewQueue:
			return fmt.Errorf("the plan's new_queue is %s, but the record it writes names %s", p.NewQueue, asText(postoffice.NetMailbag.Of(rec)))
		}
		return nil
	}
	return errors.New("the plan writes no record of its component in NETWORK.GLB")
}

// value is the field as the plan spells it in data; false when data
// ends before it.
func (s span) value(data []byte) (string, bool) {
	if s.end > int64(len(data)) {
		return "", false
	}
	return s.ff.spell[s.field.Name](data[s.off:s.end]), true
}

// checkBefore checks what the plan says a field holds today.
func (s span) checkBefore(before *string, orig []byte) error {
	got, ok := s.value(orig)
	switch {
	case before == nil && !ok:
		return nil // an appended record's field
	case before == nil:
		return fmt.Errorf("%s: the plan says %s does not exist, but it holds %q", s.file, s.shown, got)
	case !ok:
		return fmt.Errorf("%s: the plan says %s holds %q, but the file ends before it", s.file, s.shown, *before)
	case *before == got, *before == got+hiddenBytes+fmt.Sprintf("% X", orig[s.off:s.end]):
		return nil
	}
	return fmt.Errorf("%s: the plan says %s holds %q, but it holds %q", s.file, s.shown, *before, got)
}

// checkRecord checks that the record a field is in has the name the
// action gives it, before or after the change (a new record has it only
// after).
func (s span) checkRecord(orig, final []byte) error {
	if s.ff.record == 0 {
		return nil
	}
	start := s.off - s.off%int64(s.ff.record)
	for _, data := range [][]byte{orig, final} {
		if start+int64(s.ff.record) <= int64(len(data)) && strings.EqualFold(asText(s.ff.name.Of(data[start:])), s.record) {
			return nil
		}
	}
	return fmt.Errorf("%s: the record at %d is not named %s", s.file, start, s.record)
}
