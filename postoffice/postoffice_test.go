package postoffice_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

func TestParseID(t *testing.T) {
	for _, ok := range []string{"0000002E", "0000002e", "FFFFFFFF", "00000000"} {
		if _, err := postoffice.ParseID(ok); err != nil {
			t.Errorf("ParseID(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "2E", "0000002E0", "../../x", "0000/02E", "0000002G", "+0000002", " 0000002", "0x00002E", "0000\x002E"} {
		if _, err := postoffice.ParseID(bad); !errors.Is(err, postoffice.ErrBadID) {
			t.Errorf("ParseID(%q) accepted", bad)
		}
	}
	if id, _ := postoffice.ParseID("0000002e"); id.String() != "0000002E" {
		t.Errorf("ids are written upper case, got %s", id)
	}
}

func TestSettersPreserveBytes(t *testing.T) {
	var r postoffice.NetRecord
	for i := range r {
		r[i] = byte(i*31 + 7)
	}
	orig := r
	if err := r.SetViaMbg(0x30); err != nil {
		t.Fatal(err)
	}
	f := postoffice.NetViaMbg
	if !bytes.Equal(r[:f.Off], orig[:f.Off]) || !bytes.Equal(r[f.Off+f.Len:], orig[f.Off+f.Len:]) {
		t.Error("SetViaMbg changed bytes outside its field")
	}
	if got := string(f.Of(r[:])); got != "00000030\x00" {
		t.Errorf("via_mbg = %q", got)
	}
	if err := r.SetName("ELEVENCHARS"); err == nil {
		t.Error("an 11-character name fit an 11-byte field")
	}
	if err := r.SetName("BAD\x01"); err == nil {
		t.Error("a name with a control byte was written")
	}
	if err := r.SetName("SMTP"); err != nil || r.Name() != "SMTP" || string(postoffice.NetName.Of(r[:])) != "SMTP\x00\x00\x00\x00\x00\x00\x00" {
		t.Errorf("SetName = %v %q", err, postoffice.NetName.Of(r[:]))
	}
}

func TestLayoutsInsideRecords(t *testing.T) {
	for name, l := range map[string]struct {
		fields []postoffice.Field
		size   int
	}{
		"network": {postoffice.NetworkLayout, postoffice.NetRecordSize},
		"xtn":     {postoffice.XTNLayout, postoffice.XTNRecordSize},
		"mbg":     {postoffice.MBGLayout, postoffice.MBGRecordSize},
		"master":  {postoffice.MasterLayout, postoffice.MasterSize},
		"control": {postoffice.ControlLayout, postoffice.ControlSize},
	} {
		end := 0
		for _, f := range l.fields {
			if f.Off < end || f.Off+f.Len > l.size || f.Source == "" {
				t.Errorf("%s: field %s at %d+%d overlaps or overruns (size %d) or has no source", name, f.Name, f.Off, f.Len, l.size)
			}
			end = f.Off + f.Len
		}
	}
}

func TestOpenLowerCaseAndLazy(t *testing.T) {
	dir := t.TempDir()
	if err := fixture.BuildSpec(dir, fixture.Spec{Scenario: "stale", Lower: true}); err != nil {
		t.Fatal(err)
	}
	p, err := postoffice.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	n, err := p.Network()
	if err != nil || n.Path != "glb/network.glb" || len(n.Records) != 12 {
		t.Fatalf("network = %v %v", err, n)
	}
	actual, ok, err := p.Resolve("MBG/0000000A.MBG")
	if err != nil || !ok || actual != "mbg/0000000a.mbg" {
		t.Errorf("Resolve = %q %v %v", actual, ok, err)
	}
	// A new file keeps the directory's spelling and takes an upper-case name.
	actual, ok, _ = p.Resolve("mbg/00000031.mbg")
	if ok || actual != "mbg/00000031.MBG" {
		t.Errorf("new file = %q %v", actual, ok)
	}
}

func TestOpenNotAPostoffice(t *testing.T) {
	dir := t.TempDir()
	if _, err := postoffice.Open(dir); !errors.Is(err, postoffice.ErrNotPostoffice) {
		t.Errorf("empty dir: %v", err)
	}
	if _, err := postoffice.Open(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing dir opened")
	}
}

func TestSymlinkedFileRefused(t *testing.T) {
	dir := t.TempDir()
	if err := fixture.Build(dir, "healthy"); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "elsewhere")
	os.WriteFile(target, make([]byte, 122), 0o644)
	os.Remove(filepath.Join(dir, "GLB/NETWORK.GLB"))
	if err := os.Symlink(target, filepath.Join(dir, "GLB/NETWORK.GLB")); err != nil {
		t.Fatal(err)
	}
	p, err := postoffice.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Network(); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("read through a symlink: %v", err)
	}
}

func TestSizeRules(t *testing.T) {
	cases := []struct {
		file string
		size int64
		ok   bool
	}{
		{"GLB/CONTROL.GLB", 8, true}, {"glb/control.glb", 9, false}, {"GLB/NETWORK.GLB", 0x5B8, true},
		{"GLB/NETWORK.GLB", 0x5B8 + 7, false}, {"XTN/00000001.XTN", 0, true}, {"XTN/00000001.XTN", 698 * 3, true},
		{"KEY/00000008.KEY", 500, false}, {"MBG/0000000A.MBG", 116 * 2, true}, {"GLB/GROUP.GLB", 4 + 51, true},
		{"GLB/GROUP.GLB", 3, false}, {"GLB/PROCESS.GLB", 512 + 197, true}, {"NME/SMTP.NME", 45 * 3, true},
	}
	for _, c := range cases {
		r, found := postoffice.SizeRuleFor(c.file)
		if !found || r.Check(c.size) != c.ok {
			t.Errorf("%s of %d: found=%v ok=%v, want %v", c.file, c.size, found, r.Check(c.size), c.ok)
		}
	}
	if _, found := postoffice.SizeRuleFor("GLB/SMTP.GLB"); found {
		t.Error("SMTP.GLB has no documented size")
	}
}
