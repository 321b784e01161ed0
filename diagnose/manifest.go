package diagnose

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

// ComponentName names a component, as a manifest does and --component
// takes ("smtp"): the key of the findings about it.
type ComponentName string

// Manifest describes an access component as data: the type and name of
// its NETWORK.GLB record, its bit of MASTER.GLB's 32-bit `installed`
// field, and its files. A user file for --manifest is JSON of this shape,
// for example:
//
//	{"name": "x400", "record": "X400", "type": 8, "installed_bit": 2048,
//	 "kb": ["Q264265"],
//	 "files": [{"path": "TPL/X400.TPL", "kind": "media"},
//	           {"path": "NME/X400.NME", "kind": "keep"}]}
//
// porepair handles components of one record whose queue is at 0x21: the
// type must be 1 to 99 and not one that keeps an XTN (2, 4, 5, 6, 15).
type Manifest struct {
	Name         ComponentName  `json:"name"`          // what --component takes
	Record       string         `json:"record"`        // NETWORK.GLB record name
	Type         uint8          `json:"type"`          // NETWORK.GLB type code
	InstalledBit uint32         `json:"installed_bit"` // one bit of MASTER.GLB installed [convention]
	KB           []string       `json:"kb,omitempty"`
	Files        []ManifestFile `json:"files"`
}

// NetType is the manifest's record type.
func (m Manifest) NetType() postoffice.NetType { return postoffice.NetType(m.Type) }

// Matches reports whether a NETWORK.GLB record is one of this component's.
func (m Manifest) Matches(r *postoffice.NetRecord) bool {
	return r.Active() && r.Type() == m.NetType() && postoffice.EqualName(r.Name(), m.Record)
}

// Builtin are the manifests porepair knows without --manifest, from the
// disk layouts in the KB.
var Builtin = []Manifest{
	{
		Name: "smtp", Record: "SMTP", Type: uint8(postoffice.TypeSMTP), InstalledBit: 0x0200,
		KB: []string{"Q86933", "Q86954", "Q134677", "Q99172"},
		Files: []ManifestFile{
			{"TPL/SMTP.TPL", Media}, {"TPL/SMTPSTD.TPL", Media}, {"TPL/SMTPABT.TPL", Media},
			{"TPL/SMTPCFG.TPL", Media}, {"HLP/SMTP.HLP", Media},
			{"GLB/SMTP.GLB", Keep}, {"NME/SMTP.NME", Keep},
		},
	},
	{
		Name: "fax", Record: "FAX", Type: uint8(postoffice.TypeFax), InstalledBit: 0x0400,
		KB: []string{"Q85349"},
		Files: []ManifestFile{
			{"TPL/FAX.TPL", Media}, {"TPL/FAXSTD.TPL", Media}, {"HLP/FAX.HLP", Media},
			{"GLB/FAX.GLB", Keep}, {"NME/FAX.NME", Keep},
		},
	},
}

// Validate checks a manifest before it is used to build paths.
func (m Manifest) Validate() error {
	if m.Name == "" || strings.ContainsAny(string(m.Name), "/\\ ") {
		return fmt.Errorf("manifest: name %q must be a single word", m.Name)
	}
	if m.Record == "" || len(m.Record) > postoffice.NetName.Len-1 {
		return fmt.Errorf("manifest %s: record name %q must have 1 to %d characters", m.Name, m.Record, postoffice.NetName.Len-1)
	}
	if m.Type < 1 || m.Type > 99 || m.NetType().KeepsXTN() {
		return fmt.Errorf("manifest %s: type %d (%s) cannot be reinstalled by porepair: it must be 1 to 99 and not a type that keeps an XTN (2, 4, 5, 6, 15)",
			m.Name, m.Type, m.NetType())
	}
	if m.InstalledBit == 0 || m.InstalledBit&(m.InstalledBit-1) != 0 {
		return fmt.Errorf("manifest %s: installed_bit 0x%08X must be a single bit of MASTER.GLB's 32-bit installed field", m.Name, m.InstalledBit)
	}
	seen := map[string]bool{}
	for _, f := range m.Files {
		clean, err := postoffice.CleanRel(f.Path)
		if err != nil || strings.Count(clean, "/") != 1 {
			return fmt.Errorf("manifest %s: file %q must be DIR/NAME inside the postoffice", m.Name, f.Path)
		}
		if why := reserved(clean); why != "" {
			return fmt.Errorf("manifest %s: file %s is %s, not a component's file: a reinstall would delete and rewrite it", m.Name, f.Path, why)
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

// reserved says why a path can be no component's file: porepair's own
// directory, the directories of mail and routing data, and the GLB files
// of the postoffice's database (those MAILINT size-checks).
func reserved(rel string) string {
	dir, name := path.Split(strings.ToUpper(rel))
	switch dir {
	case postoffice.OwnDir + "/":
		return "porepair's own file"
	case "XTN/", "MBG/", "KEY/", "USR/", "MAI/", "ATT/", "P1/":
		return "mail or routing data"
	}
	if _, ok := postoffice.SizeRuleFor(rel); ok && dir == "GLB/" {
		return "part of the postoffice's database (" + name + ")"
	}
	return ""
}

// knownBits are the bits of MASTER.GLB's installed field that belong to
// a gateway already: the built-in components' and MS Mail Connection's
// (Q148666). A user manifest taking one would clear it on reinstall.
var knownBits = map[uint32]string{0x1000: "MS Mail Connection (Q148666)"}

// collides refuses a user manifest that claims a built-in component's
// record or another gateway's bit under a name of its own.
func (m Manifest) collides() error {
	for _, b := range Builtin {
		if strings.EqualFold(string(b.Name), string(m.Name)) {
			continue
		}
		if m.InstalledBit == b.InstalledBit || m.Type == b.Type && postoffice.EqualName(m.Record, b.Record) {
			return fmt.Errorf("manifest %s: its record or installed_bit is the built-in %s component's", m.Name, b.Name)
		}
	}
	if who, ok := knownBits[m.InstalledBit]; ok {
		return fmt.Errorf("manifest %s: installed_bit 0x%X is %s's", m.Name, m.InstalledBit, who)
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
	var keys map[string]json.RawMessage
	if json.Unmarshal(b, &keys) == nil {
		if _, old := keys["master_bit"]; old {
			return m, fmt.Errorf("manifest %s: \"master_bit\" (a bit of byte 0x93) is no longer read; give \"installed_bit\", the bit of the 32-bit installed field at 0x92 (byte 0x93 bit 0x02 is 512)", file)
		}
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("manifest %s: %w", file, err)
	}
	if err := m.Validate(); err != nil {
		return m, fmt.Errorf("%s: %w", file, err)
	}
	if err := m.collides(); err != nil {
		return m, fmt.Errorf("%s: %w", file, err)
	}
	return m, nil
}

// Manifests returns the built-in manifests plus extra ones; an extra
// manifest replaces a built-in one of the same name.
func Manifests(extra ...Manifest) []Manifest {
	byName := map[ComponentName]Manifest{}
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
		if strings.EqualFold(string(m.Name), name) {
			return m, true
		}
	}
	return Manifest{}, false
}
