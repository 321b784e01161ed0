package postoffice

import (
	"encoding/binary"
	"fmt"
	"time"
)

// MBG/<id>.MBG: records of 116 bytes, one message header each [KB Q77926,
// Q108027, MS]. Which headers are deleted lives in the KEY of the same id.
const (
	MBGRecordSize = 116  // [KB Q77926] "divisible by 116"; second header of the Q108027 dump starts at 0x74
	MaxHeaders    = 4096 // [MS] what a KEY's deleted bits can index: 512 bytes of 8 bits
)

var (
	MbgZero        = keep("zero", 0, 2, "MS")
	MbgSender      = Field{Name: "sender", Off: 2, Len: 11, Source: "KB Q108027, MS"}   // "Martian" at 0x02
	MbgSubject     = Field{Name: "subject", Off: 13, Len: 41, Source: "KB Q108027, MS"} // "This is the subject" at 0x0D
	MbgPriority    = Field{Name: "priority", Off: 54, Len: 2, Source: "MS"}             // '1'-'5', R, C, T, F; two NULs: unset
	MbgDate        = Field{Name: "date", Off: 56, Len: 10, Source: "KB Q108027, MS"}    // minute, hour, day, month, year
	MbgReadFlags   = Field{Name: "read_flags", Off: 66, Len: 1, Source: "MS"}           // bit 0 registered, bit 1 read
	MbgMAI         = Field{Name: "mai", Off: 67, Len: 9, Source: "KB Q108027, MS"}      // "54 bytes after the first character of the subject"
	MbgAttachments = Field{Name: "attachments", Off: 76, Len: 2, Source: "MS"}
	MbgSize        = Field{Name: "size", Off: 78, Len: 4, Source: "MS"} // message and attachments, bytes
	MbgType        = Field{Name: "type", Off: 82, Len: 1, Source: "MS"} // bit 0: from a remote PO
	MbgGap1        = keep("reserved1", 83, 4, "MS")
	MbgRetries     = Field{Name: "retries", Off: 87, Len: 1, Source: "MS"}  // failed send attempts
	MbgLifetime    = Field{Name: "lifetime", Off: 88, Len: 2, Source: "MS"} // hours
	MbgGap2        = keep("reserved2", 90, 18, "MS")
	MbgChecksum    = keep("checksum", 108, 4, "MS") // of the MAI file
	MbgShadow      = keep("shadow", 112, 4, "MS")
	MBGLayout      = []Field{MbgZero, MbgSender, MbgSubject, MbgPriority, MbgDate, MbgReadFlags, MbgMAI, MbgAttachments, MbgSize, MbgType, MbgGap1, MbgRetries, MbgLifetime, MbgGap2, MbgChecksum, MbgShadow}
)

// MBGRecord is one message header.
type MBGRecord [MBGRecordSize]byte

// DecodeMBG splits b into whole headers and returns the ragged tail's length.
func DecodeMBG(b []byte) (recs []MBGRecord, tail int) { return split[MBGRecord](b) }

// Date is a header's time stamp: five little-endian uint16 in the order
// minute, hour, day, month, year, as read from the Q108027 dump. It
// carries no time zone.
type Date struct{ Minute, Hour, Day, Month, Year uint16 }

// String spells the date as YYYY-MM-DDTHH:MM (the values as stored, even
// when they cannot be a date).
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d", d.Year, d.Month, d.Day, d.Hour, d.Minute)
}

// Valid reports whether the stored values can be a date and time.
func (d Date) Valid() bool {
	if d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Hour > 23 || d.Minute > 59 || d.Year < 1980 || d.Year > 2107 {
		return false
	}
	days := [13]uint16{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[d.Month]
	if d.Month == 2 && !(d.Year%4 == 0 && (d.Year%100 != 0 || d.Year%400 == 0)) {
		days = 28
	}
	return d.Day <= days
}

// Time is the date as a time in loc: MS Mail stores no zone, so the
// caller says which one the postoffice's machines keep. ok is false when
// the values cannot be a date.
func (d Date) Time(loc *time.Location) (t time.Time, ok bool) {
	if !d.Valid() {
		return time.Time{}, false
	}
	return time.Date(int(d.Year), time.Month(d.Month), int(d.Day), int(d.Hour), int(d.Minute), 0, 0, loc), true
}

// DateOf is t as a header stores it, to the minute, in t's own zone.
func DateOf(t time.Time) Date {
	return Date{Minute: uint16(t.Minute()), Hour: uint16(t.Hour()), Day: uint16(t.Day()), Month: uint16(t.Month()), Year: uint16(t.Year())}
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

// Priority spells the priority field: its text, or "unset" for two NULs.
func (r *MBGRecord) Priority() string {
	b := MbgPriority.Of(r[:])
	if b[0] == 0 && b[1] == 0 {
		return "unset"
	}
	return Printable(Text(b))
}

func (r *MBGRecord) ReadFlags() uint8 { return MbgReadFlags.Of(r[:])[0] }
func (r *MBGRecord) Attachments() uint16 {
	return binary.LittleEndian.Uint16(MbgAttachments.Of(r[:]))
}
func (r *MBGRecord) Size() uint32     { return binary.LittleEndian.Uint32(MbgSize.Of(r[:])) }
func (r *MBGRecord) Remote() bool     { return MbgType.Of(r[:])[0]&0x01 != 0 }
func (r *MBGRecord) Retries() uint8   { return MbgRetries.Of(r[:])[0] }
func (r *MBGRecord) Lifetime() uint16 { return binary.LittleEndian.Uint16(MbgLifetime.Of(r[:])) }

// MAI is the message body's file id; the file is MAI/MA<last digit>/<id>.MAI.
func (r *MBGRecord) MAI() (ID, bool, error) { return IDOf(MbgMAI.Of(r[:])) }

// MAIRaw is the MAI field as text, for showing a damaged value.
func (r *MBGRecord) MAIRaw() string { return Text(MbgMAI.Of(r[:])) }

func (r *MBGRecord) SetSender(s string) error  { return putText(MbgSender.Of(r[:]), s) }
func (r *MBGRecord) SetSubject(s string) error { return putText(MbgSubject.Of(r[:]), s) }
func (r *MBGRecord) SetMAI(id ID) error        { return putID(MbgMAI.Of(r[:]), id) }
func (r *MBGRecord) SetSize(n uint32)          { binary.LittleEndian.PutUint32(MbgSize.Of(r[:]), n) }
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
