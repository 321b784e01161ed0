package postoffice_test

import (
	"bytes"
	"testing"

	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

// The record-12 dump of KB Q148666: NETWORK.GLB of 0x5B8 bytes, record 12
// (index 11) at DEBUG 0x63E: 01 10 "MSMAIL", second mailbag 0000002E.
func TestQ148666NetworkRecord12(t *testing.T) {
	rec, err := fixture.DumpBytes("Q148666.dump", 0x63E, 0x6B8)
	if err != nil {
		t.Fatal(err)
	}
	file := make([]byte, 0x5B8)
	copy(file[11*postoffice.NetRecordSize:], rec)
	recs, tail := postoffice.DecodeNetwork(file)
	if len(recs) != 12 || tail != 0 {
		t.Fatalf("records = %d, tail = %d; want 12, 0 (\"a 5,490 byte NETWORK.GLB file contains 45 records\" arithmetic)", len(recs), tail)
	}
	r := &recs[11]
	if r.Status() != postoffice.Active || r.Type() != postoffice.TypeConnection || r.Name() != "MSMAIL" {
		t.Errorf("record 12 = %s %s %q", r.Status(), r.Type(), r.Name())
	}
	if id, ok, err := r.Mbg2(); err != nil || !ok || id != 0x2E {
		t.Errorf("mbg2 = %v %v %v, want 0000002E", id, ok, err)
	}
	if _, ok, err := r.Pointer(); ok || err != nil {
		t.Errorf("pointer should be empty for a Connection record")
	}
	if f, ok := r.Type().Queue(); !ok || f != postoffice.NetMbg2 {
		t.Errorf("Connection queue field = %v", f)
	}
	// The article's own table: record 12's Delete Bit 63E, Type 63F, Name 640, XTN 64B, MBG 65F.
	for f, addr := range map[postoffice.Field]int{postoffice.NetStatus: 0x63E, postoffice.NetTypeByte: 0x63F,
		postoffice.NetName: 0x640, postoffice.NetPointer: 0x64B, postoffice.NetMbg2: 0x65F} {
		if got := 11*postoffice.NetRecordSize + f.Off + 0x100; got != addr {
			t.Errorf("%s at DEBUG %X, the KB table says %X", f.Name, got, addr)
		}
	}
	// The DEBUG edit of step 5: -e63e 01.00 marks it deleted, nothing else moves.
	before := bytes.Clone(file)
	r.SetStatus(postoffice.Deleted)
	copy(file[11*postoffice.NetRecordSize:], r[:])
	if file[0x53E] != 0 || !bytes.Equal(file[:0x53E], before[:0x53E]) || !bytes.Equal(file[0x53F:], before[0x53F:]) {
		t.Error("setting the status changed other bytes")
	}
}

// KB Q108027: two mailbag headers from "Martian", MAI 00000062 and
// 00000063, 1993-10-08 16:25 and 16:26.
func TestQ108027MailbagHeaders(t *testing.T) {
	b, err := fixture.DumpBytes("Q108027.dump", 0x100, 0x200)
	if err != nil {
		t.Fatal(err)
	}
	recs, tail := postoffice.DecodeMBG(b)
	if len(recs) != 2 || tail != 256-2*116 {
		t.Fatalf("records = %d, tail = %d", len(recs), tail)
	}
	want := []struct {
		subject, date string
		mai           postoffice.ID
	}{
		{"This is the subject", "1993-10-08T16:25", 0x62},
		{"This is the next subject", "1993-10-08T16:26", 0x63},
	}
	for i, w := range want {
		r := &recs[i]
		if r.Sender() != "Martian" || r.Subject() != w.subject || r.Date().String() != w.date {
			t.Errorf("header %d = %q %q %s", i, r.Sender(), r.Subject(), r.Date())
		}
		if id, ok, err := r.MAI(); err != nil || !ok || id != w.mai {
			t.Errorf("header %d MAI = %v %v %v", i, id, ok, err)
		}
		// "54 bytes after the first character of the subject".
		if postoffice.MbgMAI.Off-postoffice.MbgSubject.Off != 54 {
			t.Error("MAI field is not 54 bytes after the subject")
		}
	}
	if got := postoffice.MAIPath(0x62); got != "MAI/MA2/00000062.MAI" {
		t.Errorf("MAIPath = %s", got)
	}
	if !recs[0].Date().Before(recs[1].Date()) || recs[1].Date().Before(recs[0].Date()) {
		t.Error("Before does not order 16:25 before 16:26")
	}
}

// KB Q86625's table: delete bit, name and indirect PO counter of the first
// 20 XTN records.
func TestQ86625XTNOffsets(t *testing.T) {
	table := [][3]int{
		{0x100, 0x101, 0x389}, {0x3BA, 0x3BB, 0x643}, {0x674, 0x675, 0x8FD}, {0x92E, 0x92F, 0xBB7},
		{0xBE8, 0xBE9, 0xE71}, {0xEA2, 0xEA3, 0x112B}, {0x115C, 0x115D, 0x13E5}, {0x1416, 0x1417, 0x169F},
		{0x16D0, 0x16D1, 0x1959}, {0x198A, 0x198B, 0x1C13}, {0x1C44, 0x1C45, 0x1ECD}, {0x1EFE, 0x1EFF, 0x2187},
		{0x21B8, 0x21B9, 0x2441}, {0x2472, 0x2473, 0x26FB}, {0x272C, 0x272D, 0x29B5}, {0x29E6, 0x29E7, 0x2C6F},
		{0x2CA0, 0x2CA1, 0x2F29}, {0x2F5A, 0x2F5B, 0x31E3}, {0x3214, 0x3215, 0x349D}, {0x34CE, 0x34CF, 0x3757},
	}
	for i, row := range table {
		base := i*postoffice.XTNRecordSize + 0x100
		got := [3]int{base + postoffice.XtnStatus.Off, base + postoffice.XtnName.Off, base + postoffice.XtnHub.Off}
		if got != row {
			t.Errorf("record %d at %X, KB says %X", i+1, got, row)
		}
	}
	// "-E389 ... 00 00" zeroes the counter: two bytes, little-endian.
	var r postoffice.XTNRecord
	r[0x289], r[0x28A] = 0x01, 0x01
	if r.Hub() != 0x0101 {
		t.Errorf("hub = %d", r.Hub())
	}
	r.SetHub(0)
	if r[0x289] != 0 || r[0x28A] != 0 {
		t.Error("SetHub(0) did not zero 389H and 38AH")
	}
}

// Q87388: CONTROL.GLB is nmailbag then nletter, both little-endian longs.
func TestControlQ87388(t *testing.T) {
	c, err := postoffice.DecodeControl([]byte{0x31, 0, 0, 0, 0x65, 0x01, 0, 0})
	if err != nil || c.NMailbag() != 0x31 || c.NLetter() != 0x165 {
		t.Fatalf("control = %v %x %x", err, c.NMailbag(), c.NLetter())
	}
	c.SetNMailbag(0x32)
	if c != (postoffice.Control{0x32, 0, 0, 0, 0x65, 0x01, 0, 0}) {
		t.Errorf("SetNMailbag touched nletter: % x", c)
	}
	if _, err := postoffice.DecodeControl(make([]byte, 9)); err == nil {
		t.Error("a 9-byte CONTROL.GLB decoded")
	}
}

// Q148666 step 2: -e193 71.61 clears bit 0x10 of MASTER.GLB offset 0x93.
func TestMasterQ148666(t *testing.T) {
	var m postoffice.Master
	m[0x93] = 0x71
	if !m.Bit(0x10) {
		t.Fatal("bit 0x10 of 0x71 not set")
	}
	m.SetBit(0x10, false)
	if m[0x93] != 0x61 {
		t.Errorf("0x71 - 0x10 = %02X, want 61", m[0x93])
	}
	if postoffice.MstGatewayFlags.Off+0x100 != 0x193 {
		t.Error("gateway flags are not at DEBUG 193")
	}
}
