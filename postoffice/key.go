package postoffice

import "encoding/binary"

// KEY/<id>.KEY: 560 bytes, the index of the MBG with the same id [KB
// Q77926, Q104279, Q123319, MS]. A new KEY is 560 zero bytes (Q104279).
const KeySize = 560 // [KB Q77926, Q104279] "-rcx 230", "560 bytes (fixed size)"

var (
	KeyNew      = Field{Name: "new", Off: 0, Len: 2, Source: "MS"}
	KeyUnread   = Field{Name: "unread", Off: 2, Len: 2, Source: "MS"}
	KeyDeleted  = Field{Name: "deleted", Off: 4, Len: 512, Source: "MS"} // header i: bit 0x80>>(i%8) of byte 4+i/8
	KeyCounters = keep("counters", 516, 4, "MS")
	KeyLast     = Field{Name: "last", Off: 520, Len: 2, Source: "MS"} // index of the last header inserted
	KeyPadding  = keep("padding", 522, 38, "MS")
	KeyLayout   = []Field{KeyNew, KeyUnread, KeyDeleted, KeyCounters, KeyLast, KeyPadding}
)

// Key is a KEY file.
type Key [KeySize]byte

// DecodeKey copies b into a Key; b must be exactly 560 bytes.
func DecodeKey(b []byte) (Key, error) { return whole[Key]("KEY", b) }

func (k *Key) New() uint16    { return binary.LittleEndian.Uint16(KeyNew.Of(k[:])) }
func (k *Key) Unread() uint16 { return binary.LittleEndian.Uint16(KeyUnread.Of(k[:])) }
func (k *Key) Last() uint16   { return binary.LittleEndian.Uint16(KeyLast.Of(k[:])) }

// Deleted reports whether header i (0-based) of the mailbag is deleted.
// A header beyond what the KEY can index (i >= 4096) is never deleted.
func (k *Key) Deleted(i int) bool {
	if i < 0 || i >= MaxHeaders {
		return false
	}
	return KeyDeleted.Of(k[:])[i/8]&(0x80>>(i%8)) != 0
}

// SetDeleted marks header i deleted or not.
func (k *Key) SetDeleted(i int, on bool) {
	if i < 0 || i >= MaxHeaders {
		return
	}
	b := &KeyDeleted.Of(k[:])[i/8]
	if on {
		*b |= 0x80 >> (i % 8)
	} else {
		*b &^= 0x80 >> (i % 8)
	}
}

// Pending counts the headers of an n-header mailbag whose deleted bit is clear.
func (k *Key) Pending(n int) int {
	p := 0
	for i := 0; i < n; i++ {
		if !k.Deleted(i) {
			p++
		}
	}
	return p
}

// Flag is GLB/FLAG.GLB [KB Q77926, Q131670, Q131864]. Its bytes mean
// nothing to porepair: ADMIN, IMPORT and EXTERNAL hold the file open (and
// locked) to say the database is in use, and porepair locks it the same
// way; it never writes, creates or deletes it.
type Flag [FlagSize]byte

// FlagSize is FLAG.GLB's fixed size [KB Q77926].
const FlagSize = 2

// DecodeFlag copies b into a Flag; b must be exactly 2 bytes.
func DecodeFlag(b []byte) (Flag, error) { return whole[Flag]("FLAG.GLB", b) }
