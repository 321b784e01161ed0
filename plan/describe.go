package plan

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/postoffice"
)

// What a plan says of each action (its description and KB articles) is
// made here from the action's own fields and the plan's (component,
// manifest, gateway, changes), for the builder and for a saved plan's
// check alike: an edited description ("keep TPL/SMTP.TPL untouched" over
// a delete) or article list is refused when the plan is loaded (agree).
// The one part no other field holds is where a file put back comes from
// (step 10): a media path, or the carried copy; it is taken as written.

// putBackFrom is step 10's description up to its source.
func putBackFrom(file string, kind diagnose.FileKind) string {
	return fmt.Sprintf("Step 10: put back %s (%s) from ", file, kind)
}

// The sources of a file put back when no --media replaces it.
const (
	fromCarried = "the carried copy"
	fromLeft    = "the file already on the postoffice, kept as it is"
	fromEmpty   = "an empty file, as INSTALL creates it"
)

// describe is action a as the plan shows it. src is step 10's source; ""
// takes it from a's own description (a loaded plan).
func (p *Plan) describe(a Action, src string) (string, []string, error) {
	switch a.Kind {
	case KindSetField, KindAllocateID:
		return p.describeField(a)
	case KindVerify:
		return "", []string{"Q135031", "Q118561"}, nil // its text is verifyLines'
	}
	file := *a.File
	if queueFile(file) {
		return p.describeQueue(a)
	}
	kind, ok := p.fileKind(file)
	if !ok {
		return "", nil, fmt.Errorf("%s is not a file of component %s", file, p.Component)
	}
	switch {
	case a.Kind == KindDeleteFile && a.Phase == PhaseRemove:
		return fmt.Sprintf("Step 4: delete %s (%s file; its bytes are kept to put back)", file, kind), kbs([]string{"Q107097"}, p.Manifest.KB), nil
	case a.Kind == KindPutFile || a.Kind == KindCreateFile:
		prefix := putBackFrom(file, kind)
		if src == "" {
			src = strings.TrimPrefix(a.Description, prefix)
			if src == a.Description || src == "" || strings.ContainsAny(src, "\r\n") {
				return "", nil, fmt.Errorf("%s of %s does not say where the file comes from (%q)", a.Kind, file, a.Description)
			}
		}
		return prefix + src, kbs([]string{"Q86933"}, p.Manifest.KB), nil
	}
	return "", nil, fmt.Errorf("no step of a reinstall is a %s of %s in phase %s", a.Kind, file, a.Phase)
}

// queueFile reports whether file is a mailbag or KEY: the queue pair,
// which step 6 moves, creates or deletes.
func queueFile(file string) bool {
	dir := strings.ToUpper(path.Dir(file))
	return dir == "MBG" || dir == "KEY"
}

// fileKind is the manifest's kind of one of the component's files.
func (p *Plan) fileKind(file string) (diagnose.FileKind, bool) {
	for _, f := range p.Manifest.Files {
		if strings.EqualFold(f.Path, file) {
			return f.Kind, true
		}
	}
	return "", false
}

// describeQueue is step 6: the queue pair moved, or (--discard-queue)
// deleted and created empty.
func (p *Plan) describeQueue(a Action) (string, []string, error) {
	kb := []string{"Q87028", "Q104279"}
	file := *a.File
	switch a.Kind {
	case KindMoveFile:
		return fmt.Sprintf("Step 6: move %s to %s: the queued mail keeps its bytes", file, *a.To), kb, nil
	case KindDeleteFile:
		return fmt.Sprintf("Step 6: delete %s (--discard-queue)", file), kb, nil
	case KindCreateFile:
		for _, c := range p.Changes {
			if c.Op == OpWrite && c.File == file {
				return fmt.Sprintf("Step 6: create an empty %s (%d bytes), as INSTALL does", file, c.AfterSize), kb, nil
			}
		}
	}
	return "", nil, fmt.Errorf("no step of a reinstall is a %s of %s", a.Kind, file)
}

// describeField is steps 1, 2, 3, 5, 7, 8 and 9: a field set.
func (p *Plan) describeField(a Action) (string, []string, error) {
	s, err := spanOf(a)
	if err != nil {
		return "", nil, err
	}
	remove := a.Phase == PhaseRemove
	switch {
	case s.ff == networkGLB && remove && s.field == postoffice.NetStatus:
		return fmt.Sprintf("Step 1: mark NETWORK.GLB record %d (%s) deleted", s.index(), s.record), []string{"Q264265", "Q107097", "Q148666"}, nil
	case s.ff == xtnFile && remove:
		return fmt.Sprintf("Step 2: give back the route's count on %s's hub counter", s.record), []string{"Q86625"}, nil
	case s.ff == masterGLB && remove:
		return fmt.Sprintf("Step 3: clear the %s bit in MASTER.GLB", p.Component), []string{"Q264265", "Q148666"}, nil
	case s.ff == controlGLB && !remove && a.Kind == KindAllocateID && a.Before != nil:
		return fmt.Sprintf("Step 5: take mailbag id %s for the new %s queue", *a.Before, p.Component), []string{"Q87028", "Q87388"}, nil
	case s.ff == networkGLB && !remove:
		return fmt.Sprintf("Step 7: write %s of the %s record (NETWORK.GLB record %d)", s.field.Name, s.record, s.index()),
			[]string{"Q87028", "Q118561", "Q135031"}, nil
	case s.ff == xtnFile && !remove:
		net, po, _ := strings.Cut(p.Gateway, "/")
		if !strings.EqualFold(s.record, po) {
			return "", nil, fmt.Errorf("step 8 sets the hub counter of %s, but the plan's gateway is %s", s.record, p.Gateway)
		}
		return fmt.Sprintf("Step 8: set %s/%s's hub counter to the active references through it (%s)", net, s.record, *a.After),
			[]string{"Q86625"}, nil
	case s.ff == masterGLB && !remove:
		return fmt.Sprintf("Step 9: set the %s bit in MASTER.GLB", p.Component), []string{"Q87028"}, nil
	}
	return "", nil, fmt.Errorf("no step of a reinstall sets %s in phase %s", *a.Field, a.Phase)
}

// index is the number of the record a span is in.
func (s span) index() int64 { return s.off / int64(s.ff.record) }

// verifyLines are what the executor checks after the changes.
func verifyLines(comp diagnose.ComponentName) []string {
	return []string{
		fmt.Sprintf("Diagnose again: no error or warning finding about %s remains", comp),
		"The new queue holds exactly the carried bytes",
		"Every file the plan read but did not change still matches its fingerprint",
	}
}

// describedAsShown checks every action's description and articles, the
// verify steps and the plan's next steps against what the plan's own
// fields make of them.
func (p *Plan) describedAsShown() error {
	var verify []string
	for i, a := range p.Actions {
		desc, kb, err := p.describe(a, "")
		if err != nil {
			return fmt.Errorf("action %d: %w", i+1, err)
		}
		if a.Kind == KindVerify {
			verify, desc = append(verify, a.Description), a.Description
		}
		if desc != a.Description || !slices.Equal(kb, a.KB) {
			return fmt.Errorf("action %d says %q (%s), but is %q (%s)", i+1, a.Description, strings.Join(a.KB, ", "), desc, strings.Join(kb, ", "))
		}
	}
	if !slices.Equal(verify, verifyLines(p.Component)) {
		return fmt.Errorf("its verify steps %q are not the checks a repair makes", verify)
	}
	if !slices.Equal(p.Next, Next) {
		return fmt.Errorf("its next steps %q are not what follows a repair", p.Next)
	}
	return nil
}
