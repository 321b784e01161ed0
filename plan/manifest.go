// Package plan knows what should change in a postoffice: it diagnoses one
// (findings with KB references) and plans the repair of an access
// component as data, the equivalent of INSTALL -R then INSTALL. It reads
// through package postoffice and writes nothing; package repair carries a
// plan out.
package plan

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/porepair/porepair/postoffice"
)

// FileKind says where a component file comes from on reinstall.
type FileKind string

const (
	// Media files come from the install disk (templates, help).
	Media FileKind = "media"
	// Keep files are created on the postoffice and hold the site's data
	// (address list, settings); a reinstall always carries them over.
	Keep FileKind = "keep"
)

// ManifestFile is one file of a component, relative to the PO root.
type ManifestFile struct {
	Path string   `json:"path"`
	Kind FileKind `json:"kind"`
}

// Manifest describes an access component as data (SPEC §4). A user file
// for --manifest is JSON of this shape, for example:
//
//	{"name": "x400", "record": "X400", "type": 7, "master_bit": 8,
//	 "kb": ["Q264265"],
//	 "files": [{"path": "TPL/X400.TPL", "kind": "media"},
//	           {"path": "NME/X400.NME", "kind": "keep"}]}
type Manifest struct {
	Name      string         `json:"name"`       // what --component takes
	Record    string         `json:"record"`     // NETWORK.GLB record name
	Type      uint8          `json:"type"`       // NETWORK.GLB type code
	MasterBit uint8          `json:"master_bit"` // MASTER.GLB 0x93 bit [convention]
	KB        []string       `json:"kb,omitempty"`
	Files     []ManifestFile `json:"files"`
}

// NetType is the manifest's record type.
func (m Manifest) NetType() postoffice.NetType { return postoffice.NetType(m.Type) }

// Matches reports whether a NETWORK.GLB record is one of this component's.
func (m Manifest) Matches(r *postoffice.NetRecord) bool {
	return r.Active() && r.Type() == m.NetType() && postoffice.EqualName(r.Name(), m.Record)
}

// QueueField is where records of the component keep their queue id: the
// second mailbag for MS Mail Connection records, the pointer otherwise.
func (m Manifest) QueueField() postoffice.Field {
	if f, ok := m.NetType().Queue(); ok {
		return f
	}
	return postoffice.NetPointer
}

// Builtin are the manifests porepair knows without --manifest, from the
// disk layouts in the KB.
var Builtin = []Manifest{
	{
		Name: "smtp", Record: "SMTP", Type: uint8(postoffice.TypeSMTP), MasterBit: 0x02,
		KB: []string{"Q86933", "Q86954", "Q134677", "Q99172"},
		Files: []ManifestFile{
			{"TPL/SMTP.TPL", Media}, {"TPL/SMTPSTD.TPL", Media}, {"TPL/SMTPABT.TPL", Media},
			{"TPL/SMTPCFG.TPL", Media}, {"HLP/SMTP.HLP", Media},
			{"GLB/SMTP.GLB", Keep}, {"NME/SMTP.NME", Keep},
		},
	},
	{
		Name: "fax", Record: "FAX", Type: uint8(postoffice.TypeFax), MasterBit: 0x04,
		KB: []string{"Q85349"},
		Files: []ManifestFile{
			{"TPL/FAX.TPL", Media}, {"TPL/FAXSTD.TPL", Media}, {"HLP/FAX.HLP", Media},
			{"GLB/FAX.GLB", Keep}, {"NME/FAX.NME", Keep},
		},
	},
}

// Validate checks a manifest before it is used to build paths.
func (m Manifest) Validate() error {
	if m.Name == "" || strings.ContainsAny(m.Name, "/\\ ") {
		return fmt.Errorf("manifest: name %q must be a single word", m.Name)
	}
	if m.Record == "" || len(m.Record) > postoffice.NetName.Len-1 {
		return fmt.Errorf("manifest %s: record name %q must have 1 to %d characters", m.Name, m.Record, postoffice.NetName.Len-1)
	}
	if m.Type == uint8(postoffice.TypeMSMail) || m.Type == 0 {
		return fmt.Errorf("manifest %s: type 0x%02X is not a gateway type", m.Name, m.Type)
	}
	if m.MasterBit == 0 || m.MasterBit&(m.MasterBit-1) != 0 {
		return fmt.Errorf("manifest %s: master_bit 0x%02X must be a single bit", m.Name, m.MasterBit)
	}
	seen := map[string]bool{}
	for _, f := range m.Files {
		clean := path.Clean(f.Path)
		if f.Path == "" || clean != f.Path || path.IsAbs(clean) || strings.HasPrefix(clean, "..") ||
			strings.Count(clean, "/") != 1 || strings.ContainsRune(clean, '\\') {
			return fmt.Errorf("manifest %s: file %q must be DIR/NAME inside the postoffice", m.Name, f.Path)
		}
		if f.Kind != Media && f.Kind != Keep {
			return fmt.Errorf("manifest %s: file %s: kind %q must be media or keep", m.Name, f.Path, f.Kind)
		}
		if seen[strings.ToUpper(clean)] {
			return fmt.Errorf("manifest %s: file %s listed twice", m.Name, f.Path)
		}
		seen[strings.ToUpper(clean)] = true
	}
	return nil
}

// LoadManifest reads a user manifest file (JSON, see Manifest).
func LoadManifest(file string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(file)
	if err != nil {
		return m, fmt.Errorf("read manifest: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("manifest %s: %w", file, err)
	}
	if err := m.Validate(); err != nil {
		return m, fmt.Errorf("%s: %w", file, err)
	}
	return m, nil
}

// Manifests returns the built-in manifests plus extra ones; an extra
// manifest replaces a built-in one of the same name.
func Manifests(extra ...Manifest) []Manifest {
	byName := map[string]Manifest{}
	for _, m := range Builtin {
		byName[m.Name] = m
	}
	for _, m := range extra {
		byName[m.Name] = m
	}
	out := make([]Manifest, 0, len(byName))
	for _, m := range byName {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Find returns the manifest called name.
func Find(ms []Manifest, name string) (Manifest, bool) {
	for _, m := range ms {
		if strings.EqualFold(m.Name, name) {
			return m, true
		}
	}
	return Manifest{}, false
}
