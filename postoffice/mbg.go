package postoffice

import (
	"encoding/binary"
	"fmt"
)

// MBG layout [KB Q77926, Q108027]: records of 116 bytes, one message header
// each. Which records are deleted lives in the KEY file, which porepair
// treats as opaque.
const (
	MBGRecordSize = 116 // [KB Q77926] "divisible by 116"; second header of the Q108027 dump starts at 0x74
	KeySize       = 560 // [KB Q77926, Q104279] "-rcx 230", "560 bytes (fixed size)"
	FlagSize      = 2   // [KB Q77926] FLAG.GLB
)

var (
	MbgSender  = Field{"sender", 2, 11, "KB Q108027"}   // "Martian" at 0x02
	MbgSubject = Field{"subject", 13, 43, "KB Q108027"} // "This is the subject" at 0x0D
	MbgDate    = Field{"date", 56, 10, "KB Q108027"}    // 19 00 10 00 08 00 0A 00 C9 07: 25 min, 16 h, 8th, Oct, 1993
	MbgMAI     = Field{"mai", 67, 9, "KB Q108027"}      // "54 bytes after the first character of the subject"
)

// MBGLayout lists the MBG fields in record order.
var MBGLayout = []Field{MbgSender, MbgSubject, MbgDate, MbgMAI}

// MBGRecord is one message header.
type MBGRecord [MBGRecordSize]byte

// DecodeMBG splits b into whole headers and returns the ragged tail's length.
func DecodeMBG(b []byte) (recs []MBGRecord, tail int) { return split[MBGRecord](b) }

// Date is a header's time stamp: five little-endian uint16 in the order
// minute, hour, day, month, year, as read from the Q108027 dump.
type Date struct{ Minute, Hour, Day, Month, Year uint16 }

// String spells the date as YYYY-MM-DDTHH:MM.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d", d.Year, d.Month, d.Day, d.Hour, d.Minute)
}

// Before orders dates chronologically.
func (d Date) Before(e Date) bool {
	a := [5]uint16{d.Year, d.Month, d.Day, d.Hour, d.Minute}
	b := [5]uint16{e.Year, e.Month, e.Day, e.Hour, e.Minute}
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

func (r *MBGRecord) Sender() string  { return Text(MbgSender.Of(r[:])) }
func (r *MBGRecord) Subject() string { return Text(MbgSubject.Of(r[:])) }

func (r *MBGRecord) Date() Date {
	b := MbgDate.Of(r[:])
	u := func(i int) uint16 { return binary.LittleEndian.Uint16(b[2*i:]) }
	return Date{Minute: u(0), Hour: u(1), Day: u(2), Month: u(3), Year: u(4)}
}

// MAI is the message body's file id; the file is MAI/MA<last digit>/<id>.MAI.
func (r *MBGRecord) MAI() (ID, bool, error) { return IDOf(MbgMAI.Of(r[:])) }

// MAIRaw is the MAI field as text, for showing a damaged value.
func (r *MBGRecord) MAIRaw() string { return Text(MbgMAI.Of(r[:])) }

func (r *MBGRecord) SetSender(s string) error  { return putText(MbgSender.Of(r[:]), s) }
func (r *MBGRecord) SetSubject(s string) error { return putText(MbgSubject.Of(r[:]), s) }
func (r *MBGRecord) SetMAI(id ID) error        { return putID(MbgMAI.Of(r[:]), id) }
func (r *MBGRecord) SetDate(d Date) {
	b := MbgDate.Of(r[:])
	for i, v := range []uint16{d.Minute, d.Hour, d.Day, d.Month, d.Year} {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
}

// MAIPath is the relative path of a message body, per Q108027.
func MAIPath(id ID) string {
	s := id.String()
	return "MAI/MA" + s[7:] + "/" + s + ".MAI"
}
