package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/porepair/porepair/internal/errlist"
	"github.com/porepair/porepair/postoffice"
)

// Load reads a saved plan and validates it: unknown fields, unknown ops,
// paths that leave the postoffice and malformed hashes or ids are refused
// before anything is locked or written.
func Load(r io.Reader) (*Plan, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("not a porepair plan: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not a porepair plan: data after the plan")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Validate checks everything a plan says before it is carried out; a plan
// is the whole decision, so a damaged or edited one must not be half-obeyed.
func (p *Plan) Validate() error {
	if err := p.CheckVersion(); err != nil {
		return err
	}
	if p.PO == "" || !filepath.IsAbs(p.PO) {
		return fmt.Errorf("plan: postoffice %q is not an absolute path", p.PO)
	}
	if p.NothingToDo {
		if len(p.Changes) > 0 {
			return errors.New("plan: says nothing to do but lists changes")
		}
		return nil
	}
	if err := p.Manifest.Validate(); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	for _, q := range []string{p.OldQueue, p.NewQueue} {
		if _, err := postoffice.ParseID(q); q != "" && err != nil {
			return fmt.Errorf("plan: queue id: %w", err)
		}
	}
	var errs []error
	for i, a := range p.Actions {
		if err := a.validate(); err != nil {
			errs = append(errs, fmt.Errorf("action %d: %w", i+1, err))
		}
	}
	for _, r := range p.Reads {
		errs = append(errs, r.validate("read"))
	}
	for i, c := range p.Changes {
		if err := c.validate(); err != nil {
			errs = append(errs, fmt.Errorf("change %d: %w", i+1, err))
		}
	}
	if err := errlist.Join(errs...); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	if err := p.agree(); err != nil {
		return fmt.Errorf("plan: its actions do not show what its changes do (was it edited?): %w; plan again", err)
	}
	return nil
}

func (f Fingerprint) validate(what string) error {
	if _, err := postoffice.CleanRel(f.File); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if f.Size < 0 || !isSHA256(f.SHA256) {
		return fmt.Errorf("%s %s: size %d or SHA-256 %q is not valid", what, f.File, f.Size, f.SHA256)
	}
	return nil
}

func (c Change) validate() error {
	if _, err := postoffice.CleanRel(c.File); err != nil {
		return err
	}
	if c.Before != nil {
		if err := c.Before.validate("before"); err != nil {
			return err
		}
		if !strings.EqualFold(c.Before.File, c.File) {
			return fmt.Errorf("%s: its fingerprint names %s", c.File, c.Before.File)
		}
	}
	switch c.Op {
	case OpPatch:
		return c.validatePatch()
	case OpWrite:
		if int64(len(c.Data)) != c.AfterSize || postoffice.SumHex(c.Data) != c.AfterSHA256 {
			return fmt.Errorf("write %s: its data does not match its size and SHA-256", c.File)
		}
	case OpDelete:
		if c.Before == nil {
			return fmt.Errorf("delete %s: no fingerprint of what is deleted", c.File)
		}
	case OpMove:
		if _, err := postoffice.CleanRel(c.To); err != nil {
			return fmt.Errorf("move %s: %w", c.File, err)
		}
		if c.Before == nil || c.AfterSHA256 != c.Before.SHA256 || c.AfterSize != c.Before.Size {
			return fmt.Errorf("move %s: a move carries the bytes it moves", c.File)
		}
	default:
		return fmt.Errorf("%s: unknown op %q", c.File, c.Op)
	}
	return nil
}

func (c Change) validatePatch() error {
	if c.Before == nil || !isSHA256(c.AfterSHA256) || len(c.Patches) == 0 {
		return fmt.Errorf("patch %s: needs the file's fingerprint, its SHA-256 after and at least one patch", c.File)
	}
	for _, pt := range c.Patches {
		if pt.Offset < 0 || pt.Offset > c.Before.Size || len(pt.Data) == 0 {
			return fmt.Errorf("patch %s: a patch at %d is outside the file (%d bytes)", c.File, pt.Offset, c.Before.Size)
		}
	}
	return nil
}

// phaseKinds are the kinds of action each phase takes (steps.go).
var phaseKinds = map[Phase][]Kind{
	PhaseRemove:  {KindSetField, KindDeleteFile},
	PhaseInstall: {KindAllocateID, KindSetField, KindMoveFile, KindDeleteFile, KindCreateFile, KindPutFile},
	PhaseVerify:  {KindVerify},
}

func (a Action) validate() error {
	if !slices.Contains(phaseKinds[a.Phase], a.Kind) {
		return fmt.Errorf("a %s action in phase %s", a.Kind, a.Phase)
	}
	field := a.Offset != nil || a.Field != nil || a.Before != nil || a.After != nil
	switch {
	case isField(a) && a.To != nil, !isField(a) && field:
		return fmt.Errorf("a %s action with the parts of another kind", a.Kind)
	case a.Kind == KindVerify && a.File != nil, a.Kind != KindVerify && a.File == nil:
		return fmt.Errorf("a %s action with a file where it takes none, or none where it takes one", a.Kind)
	case (a.Kind == KindMoveFile) != (a.To != nil):
		return fmt.Errorf("a %s action with a destination where it takes none, or none where it takes one", a.Kind)
	}
	for _, f := range []*string{a.File, a.To} {
		if f == nil {
			continue
		}
		if _, err := postoffice.CleanRel(*f); err != nil {
			return err
		}
	}
	return nil
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := fmt.Sscanf(s, "%x", new([]byte))
	return err == nil && s == strings.ToLower(s)
}

// Encode writes the plan as a saved plan (indented JSON).
func (p *Plan) Encode(w io.Writer) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	_, err = io.Copy(w, bytes.NewReader(append(b, '\n')))
	return err
}
