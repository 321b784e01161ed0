package postoffice_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/porepair/porepair/internal/osfs/winetest"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

func TestParseID(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
	var r postoffice.NetRecord
	for i := range r {
		r[i] = byte(i*31 + 7)
	}
	orig := r
	if err := r.SetIndMailbag(0x30); err != nil {
		t.Fatal(err)
	}
	f := postoffice.NetIndMailbag
	if !bytes.Equal(r[:f.Off], orig[:f.Off]) || !bytes.Equal(r[f.Off+f.Len:], orig[f.Off+f.Len:]) {
		t.Error("SetIndMailbag changed bytes outside its field")
	}
	if got := string(f.Of(r[:])); got != "00000030\x00" {
		t.Errorf("indirect_mailbag = %q", got)
	}
	// SetRoute writes 0x4B-0x6A and nothing else.
	orig = r
	if err := r.SetRoute("ACME", "HQ", 0x31); err != nil {
		t.Fatal(err)
	}
	for i := range r {
		if r[i] != orig[i] && (i < postoffice.NetIndirect.Off || i >= postoffice.NetIndMailbag.End()) {
			t.Errorf("SetRoute changed byte 0x%02X", i)
		}
	}
	if !r.Indirect() || r.Route() != (postoffice.Route{Network: "ACME", PO: "HQ", Mailbag: "00000031"}) {
		t.Errorf("route = %v %+v", r.Indirect(), r.Route())
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

// Every layout table covers its record exactly: in offset order, no two
// fields overlap, no byte is left unaccounted for (a field porepair reads,
// or a run it marks preserved), and every entry names its source.
func TestLayoutsCoverRecords(t *testing.T) {
	t.Parallel()
	for name, l := range map[string]struct {
		fields []postoffice.Field
		size   int
	}{
		"network": {postoffice.NetworkLayout, postoffice.NetRecordSize},
		"xtn":     {postoffice.XTNLayout, postoffice.XTNRecordSize},
		"mbg":     {postoffice.MBGLayout, postoffice.MBGRecordSize},
		"key":     {postoffice.KeyLayout, postoffice.KeySize},
		"master":  {postoffice.MasterLayout, postoffice.MasterSize},
		"control": {postoffice.ControlLayout, postoffice.ControlSize},
	} {
		next := 0
		names := map[string]bool{}
		for _, f := range l.fields {
			if f.Off != next {
				t.Errorf("%s: field %s starts at 0x%X; the byte after the previous field is 0x%X", name, f.Name, f.Off, next)
			}
			if f.Len <= 0 || f.Source == "" || names[f.Name] {
				t.Errorf("%s: field %s has no length, no source or a name used twice", name, f.Name)
			}
			names[f.Name] = true
			next = f.End()
		}
		if next != l.size {
			t.Errorf("%s: fields end at 0x%X, the record is 0x%X bytes", name, next, l.size)
		}
	}
}

// The offsets every KB article and Microsoft's definitions agree on.
func TestLayoutOffsets(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		f        postoffice.Field
		off, len int
	}{
		{postoffice.NetXTN, 0x0D, 9}, {postoffice.NetPO, 0x16, 11}, {postoffice.NetMailbag, 0x21, 9},
		{postoffice.NetIndirect, 0x4B, 1}, {postoffice.NetIndNetwork, 0x4C, 11}, {postoffice.NetIndPO, 0x57, 11},
		{postoffice.NetIndMailbag, 0x62, 9}, {postoffice.XtnMailbag, 0x0C, 9}, {postoffice.XtnRouteText, 0x74, 501},
		{postoffice.XtnIndirect, 0x269, 1}, {postoffice.XtnIndNetwork, 0x26A, 11}, {postoffice.XtnIndPO, 0x275, 11},
		{postoffice.XtnIndMailbag, 0x280, 9}, {postoffice.XtnHub, 0x289, 2}, {postoffice.MstNetwork, 0x46, 11},
		{postoffice.MstPostoffice, 0x51, 11}, {postoffice.MstInstalled, 0x92, 4}, {postoffice.MstVersion, 0xAA, 1},
		{postoffice.MbgPriority, 54, 2}, {postoffice.MbgSize, 78, 4}, {postoffice.MbgRetries, 87, 1},
		{postoffice.KeyDeleted, 4, 512},
	} {
		if c.f.Off != c.off || c.f.Len != c.len {
			t.Errorf("%s at 0x%X+%d, want 0x%X+%d", c.f.Name, c.f.Off, c.f.Len, c.off, c.len)
		}
	}
}

func TestNetTypes(t *testing.T) {
	t.Parallel()
	for typ, want := range map[postoffice.NetType][3]any{
		0: {"MS Mail network", true, false}, 12: {"SMTP", false, true}, 5: {"SNADS", true, false},
		10: {"FAX", false, true}, 16: {"MS Mail Connection (Macintosh)", false, true}, 15: {"OfficeVision", true, false},
		100: {"FFAPI gateway (100)", true, false}, 17: {"type 17", false, false}, 86: {"Xenix", false, true},
	} {
		if typ.String() != want[0] || typ.KeepsXTN() != want[1] || typ.HasQueue() != want[2] {
			t.Errorf("type %d: %q xtn %v queue %v, want %v", uint8(typ), typ, typ.KeepsXTN(), typ.HasQueue(), want)
		}
	}
}

func TestOpenLowerCaseAndLazy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := fixture.BuildSpec(dir, fixture.Spec{Scenario: "stale", Lower: true}); err != nil {
		t.Fatal(err)
	}
	p, err := postoffice.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	n, err := p.Network()
	if err != nil || n.Path != "glb/network.glb" || len(n.Records) != 12 || n.Records[3].Type() != postoffice.TypeSMTP {
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
	t.Parallel()
	dir := t.TempDir()
	if _, err := postoffice.Open(dir); !errors.Is(err, postoffice.ErrNotPostoffice) {
		t.Errorf("empty dir: %v", err)
	}
	if _, err := postoffice.Open(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing dir opened")
	}
}

func TestSymlinkedFileRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := fixture.Build(dir, "healthy"); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "elsewhere")
	os.WriteFile(target, make([]byte, 122), 0o644)
	os.Remove(filepath.Join(dir, "GLB/NETWORK.GLB"))
	winetest.Symlink(t, target, filepath.Join(dir, "GLB/NETWORK.GLB"))
	p, err := postoffice.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Network(); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("read through a symlink: %v", err)
	}
}

func TestSizeRules(t *testing.T) {
	t.Parallel()
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

func TestCleanRel(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"GLB/NETWORK.GLB", "mbg/0000000a.mbg", "POREPAIR/JOURNAL", "X"} {
		if _, err := postoffice.CleanRel(ok); err != nil {
			t.Errorf("CleanRel(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "/etc/passwd", "../x", "..", ".", "GLB/../../x", "GLB//X", "GLB/./X", "GLB\\X", "C:/x", "GLB/X\x00", "GLB/"} {
		if _, err := postoffice.CleanRel(bad); err == nil {
			t.Errorf("CleanRel(%q) accepted", bad)
		}
	}
}

// TestReadFileOnce: a PO reads a file once; a second ReadFile, any case,
// returns the first one's bytes (a PO does not see writes), a copy the
// caller may change, and Cached has them only once read.
func TestReadFileOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := fixture.Build(dir, "stale"); err != nil {
		t.Fatal(err)
	}
	p, err := postoffice.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Cached(postoffice.ControlPath); ok {
		t.Fatal("Cached before any read")
	}
	first, _, err := p.ReadFile(postoffice.ControlPath)
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Clone(first)
	first[0] ^= 0xFF
	if err := os.WriteFile(filepath.Join(dir, "GLB", "CONTROL.GLB"), []byte("changed!"), 0o644); err != nil {
		t.Fatal(err)
	}
	again, actual, err := p.ReadFile("glb/control.glb")
	if err != nil || actual != postoffice.ControlPath || !bytes.Equal(again, want) {
		t.Errorf("second read = %q %q %v, want the first read's %q", again, actual, err, want)
	}
	if c, ok := p.Cached("GLB/control.GLB"); !ok || !bytes.Equal(c, want) {
		t.Errorf("Cached = %q %v", c, ok)
	}
	fresh, err := postoffice.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, _, err := fresh.ReadFile(postoffice.ControlPath); err != nil || string(b) != "changed!" {
		t.Errorf("a new PO reads the disk: %q %v", b, err)
	}
}

// A gateway queue counted with ReadQueueHashed is fingerprinted as it is
// read, ragged tail and all: Hashed and Hash then give the file's size
// and SHA-256 without reading it again (the disk changed after the read
// does not show), and a plain ReadQueue keeps nothing.
func TestQueueHashedOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := fixture.Build(dir, "stale"); err != nil {
		t.Fatal(err)
	}
	mbg := filepath.Join(dir, "MBG", "0000000A.MBG")
	data, err := os.ReadFile(mbg)
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, "ragged"...)
	if err := os.WriteFile(mbg, data, 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := postoffice.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.ReadQueue(0x0A); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := p.Hashed("MBG/0000000A.MBG"); ok {
		t.Fatal("a plain ReadQueue kept a hash")
	}
	q, err := p.ReadQueueHashed(0x0A)
	if err != nil || q.Tail != int64(len("ragged")) {
		t.Fatalf("ReadQueueHashed: %+v %v", q, err)
	}
	if err := os.WriteFile(mbg, []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	size, sum, ok := p.Hashed("mbg/0000000a.mbg")
	if !ok || size != int64(len(data)) || sum != postoffice.SumHex(data) {
		t.Errorf("Hashed = %d %s %v, want %d %s", size, sum, ok, len(data), postoffice.SumHex(data))
	}
	if size, sum, actual, err := p.Hash("MBG/0000000A.MBG"); err != nil || size != int64(len(data)) || sum != postoffice.SumHex(data) || actual != "MBG/0000000A.MBG" {
		t.Errorf("Hash = %d %s %s %v", size, sum, actual, err)
	}
	fresh, _ := postoffice.Open(dir)
	if size, _, _, err := fresh.Hash("MBG/0000000A.MBG"); err != nil || size != int64(len("changed")) {
		t.Errorf("a new PO hashes the disk: %d %v", size, err)
	}
}
