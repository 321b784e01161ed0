package postoffice

import (
	"bytes"
	"fmt"
	"strings"
)

// Field is one entry of a layout table: a named run of bytes inside a
// record, with the source that documents it.
type Field struct {
	Name   string
	Off    int
	Len    int
	Source string
	// Preserved marks bytes porepair never interprets or writes: it
	// carries them over exactly.
	Preserved bool
}

// keep declares a run of preserved bytes in a layout table.
func keep(name string, off, n int, source string) Field {
	return Field{Name: name, Off: off, Len: n, Source: source, Preserved: true}
}

// Of returns the field's bytes inside record b.
func (f Field) Of(b []byte) []byte { return b[f.Off:][:f.Len] }

// End is the offset just past the field.
func (f Field) End() int { return f.Off + f.Len }

// Text returns the NUL-terminated ASCII text at the start of b. A field
// filled to its end without a NUL yields all of its bytes.
func Text(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// Printable spells s for a terminal or log: printable ASCII as it is,
// everything else (control bytes from a damaged file, code page 850
// letters) as \xNN, so that a damaged name can never move the cursor or
// forge a line.
func Printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '\\' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "\\x%02X", c)
		}
	}
	return b.String()
}

// putText writes s into field bytes dst, NUL-padded to the field's width.
// The last byte always stays NUL: an 11-byte name field holds at most 10
// characters, the MS Mail limit.
func putText(dst []byte, s string) error {
	if len(s) > len(dst)-1 {
		return fmt.Errorf("%q is longer than %d characters", s, len(dst)-1)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return fmt.Errorf("%q holds a control character", s)
		}
	}
	copy(dst, s)
	clear(dst[len(s):])
	return nil
}

// EqualName compares two MS Mail names the way MS Mail does: without
// regard to case.
func EqualName(a, b string) bool { return strings.EqualFold(a, b) }

// Route is an indirect route as a record spells it: the network, the
// postoffice on it, and that postoffice's mailbag id as the record carries
// it (text, because a damaged record may carry anything).
type Route struct {
	Network, PO, Mailbag string
}

// String spells a route NET/PO/MAILBAG, printable.
func (r Route) String() string {
	return Printable(r.Network) + "/" + Printable(r.PO) + "/" + Printable(r.Mailbag)
}

// Via spells the route's hop NET/PO, printable.
func (r Route) Via() string { return Printable(r.Network) + "/" + Printable(r.PO) }
