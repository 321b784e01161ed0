package postoffice_test

import (
	"bytes"
	"testing"

	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

// The record-12 dump of KB Q148666: NETWORK.GLB of 0x5B8 bytes, record 12
// (index 11) at DEBUG 0x63E: 01 10 "MSMAIL", mailbag 0000002E at 0x21,
// no XTN: a Connection record keeps its queue, not an XTN.
func TestQ148666NetworkRecord12(t *testing.T) {
	t.Parallel()
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
	if id, ok, err := r.Mailbag(); err != nil || !ok || id != 0x2E {
		t.Errorf("mailbag = %v %v %v, want 0000002E (step 6: the KEY and MBG of the outgoing queue)", id, ok, err)
	}
	if _, ok, err := r.XTN(); ok || err != nil {
		t.Errorf("XTN should be empty for a Connection record")
	}
	if r.Type().KeepsXTN() || !r.Type().HasQueue() {
		t.Errorf("type 0x10 keeps an XTN or no queue")
	}
	if r.Indirect() || r.Type().String() != "MS Mail Connection (Macintosh)" {
		t.Errorf("indirect %v, type %q", r.Indirect(), r.Type())
	}
	// The article's own table: record 12's Delete Bit 63E, Type 63F, Name 640, XTN 64B, MBG 65F.
	for f, addr := range map[postoffice.Field]int{postoffice.NetStatus: 0x63E, postoffice.NetTypeByte: 0x63F,
		postoffice.NetName: 0x640, postoffice.NetXTN: 0x64B, postoffice.NetMailbag: 0x65F} {
		if got := 11*postoffice.NetRecordSize + f.Off + 0x100; got != addr {
			t.Errorf("%s at DEBUG %X, the KB table says %X", f.Name, got, addr)
		}
	}
	// Step 7: 01 64 is an active FFAPI record, which keeps an XTN (step 8).
	if t64 := postoffice.NetType(0x64); !t64.FFAPI() || !t64.KeepsXTN() {
		t.Error("type 0x64 is not an FFAPI gateway with an XTN")
	}
	// The DEBUG edit of step 5: -e63e 01.00 marks it deleted, nothing else moves.
	before := bytes.Clone(file)
	r.SetStatus(postoffice.Deleted)
	if file[0x53E] != 0 || !bytes.Equal(file[:0x53E], before[:0x53E]) || !bytes.Equal(file[0x53F:], before[0x53F:]) {
		t.Error("setting the status changed other bytes")
	}
}

// KB Q108027: two mailbag headers from "Martian", MAI 00000062 and
// 00000063, 1993-10-08 16:25 and 16:26.
func TestQ108027MailbagHeaders(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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

// Q148666 step 2: -e193 71.61 clears bit 0x10 of MASTER.GLB's byte 0x93,
// the second byte of the 32-bit `installed` field at 0x92: bit 0x1000.
func TestMasterQ148666(t *testing.T) {
	t.Parallel()
	var m postoffice.Master
	m[0x93] = 0x71
	if !m.Bit(0x1000) || m.Installed() != 0x7100 {
		t.Fatalf("installed = %08X", m.Installed())
	}
	m.SetBit(0x1000, false)
	if m[0x93] != 0x61 {
		t.Errorf("0x71 - 0x10 = %02X, want 61", m[0x93])
	}
	if postoffice.MstInstalled.Off+1+0x100 != 0x193 {
		t.Error("the installed field's second byte is not at DEBUG 193")
	}
}

// A workgroup postoffice holds 0x14955E5B where the gateway bits would be:
// read as bits, its byte 0x93 (0x5E) would claim SMTP (0x0200) and FAX
// (0x0400), which is what Q110225's tool reported.
func TestMasterWorkgroup(t *testing.T) {
	t.Parallel()
	var m postoffice.Master
	m.SetInstalled(postoffice.Workgroup)
	if m[0x92] != 0x5B || m[0x93] != 0x5E || m[0x94] != 0x95 || m[0x95] != 0x14 {
		t.Fatalf("installed bytes % X", m[0x92:0x96])
	}
	if !m.Workgroup() || m.Bit(0x0200) || m.Bit(0x0400) {
		t.Error("a workgroup postoffice reads as gateway bits")
	}
	m.SetInstalled(0x0600)
	if m.Workgroup() || !m.Bit(0x0200) || !m.Bit(0x0400) || m.Bit(0x1000) {
		t.Error("gateway bits misread")
	}
}

// The Q108027 headers' other fields: size at 78, lifetime at 88, priority unset.
func TestQ108027Fields(t *testing.T) {
	t.Parallel()
	b, err := fixture.DumpBytes("Q108027.dump", 0x100, 0x100+2*116)
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := postoffice.DecodeMBG(b)
	for i, want := range []uint32{0x228, 0x22A} {
		r := &recs[i]
		if r.Size() != want || r.Lifetime() != 24 || r.Priority() != "unset" || r.Attachments() != 0 || r.Retries() != 0 || r.ReadFlags() != 0 {
			t.Errorf("header %d: size %#x lifetime %d priority %q attachments %d retries %d read %d", i,
				r.Size(), r.Lifetime(), r.Priority(), r.Attachments(), r.Retries(), r.ReadFlags())
		}
		if !r.Date().Valid() {
			t.Errorf("header %d date %s not valid", i, r.Date())
		}
	}
}

// The KEY's deleted bits: header i is bit 0x80 >> (i % 8) of byte 4 + i/8.
func TestKeyDeletedBits(t *testing.T) {
	t.Parallel()
	var k postoffice.Key
	k[4] = 0x80 | 0x01 // headers 0 and 7
	k[4+511] = 0x01    // header 4095
	for i, want := range map[int]bool{0: true, 1: false, 7: true, 8: false, 4095: true, 4094: false, 4096: false} {
		if k.Deleted(i) != want {
			t.Errorf("Deleted(%d) = %v", i, !want)
		}
	}
	if p := k.Pending(10); p != 8 {
		t.Errorf("pending of 10 = %d, want 8", p)
	}
	k.SetDeleted(1, true)
	if k[4] != 0xC1 {
		t.Errorf("SetDeleted(1): byte 4 = %02X", k[4])
	}
	k.SetDeleted(0, false)
	if k[4] != 0x41 {
		t.Errorf("SetDeleted(0, false): byte 4 = %02X", k[4])
	}
}
