package postoffice

import (
	"errors"
	"fmt"
	"strconv"
)

// ID is a hex id: the number in the name of a mailbag, KEY, XTN, USR, INF
// or NME file (0000002E → MBG/0000002E.MBG).
type ID uint32

// ErrBadID is returned for anything that is not exactly 8 hex digits.
var ErrBadID = errors.New("not a hex id (exactly 8 hexadecimal digits)")

// ParseID accepts exactly 8 hexadecimal digits in either case. Ids come
// from files that may be damaged, and become file names: anything else (a
// path separator, "..", a short or long string) is refused here, before a
// path is ever built from it.
func ParseID(s string) (ID, error) {
	if len(s) != 8 {
		return 0, fmt.Errorf("%q: %w", Printable(s), ErrBadID)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return 0, fmt.Errorf("%q: %w", Printable(s), ErrBadID)
		}
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", Printable(s), ErrBadID)
	}
	return ID(v), nil
}

// String spells the id as MS Mail writes it: 8 upper-case hex digits.
func (id ID) String() string { return fmt.Sprintf("%08X", uint32(id)) }

// IDOf reads an id field: empty (first byte NUL) gives ok=false and no
// error; anything else must be a valid hex id.
func IDOf(b []byte) (id ID, ok bool, err error) {
	t := Text(b)
	if t == "" {
		return 0, false, nil
	}
	id, err = ParseID(t)
	if err != nil {
		return 0, false, err
	}
	return id, true, nil
}

// putID writes id into an id field, upper case, NUL-padded.
func putID(dst []byte, id ID) error { return putText(dst, id.String()) }
