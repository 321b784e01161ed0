package postoffice

import "encoding/binary"

// GLB/CONTROL.GLB: 8 bytes, one record [KB Q87388, Q112894, MS].
const ControlSize = 8 // [KB Q87388, Q112894]

var (
	CtlNMailbag   = Field{Name: "nmailbag", Off: 0, Len: 4, Source: "KB Q87388, MS"} // next mailbag/XTN/USR number
	CtlNLetter    = Field{Name: "nletter", Off: 4, Len: 4, Source: "KB Q87388, MS"}  // next MAI/ATT/P1 number
	ControlLayout = []Field{CtlNMailbag, CtlNLetter}
)

// Control is GLB/CONTROL.GLB.
type Control [ControlSize]byte

// DecodeControl copies b into a Control; b must be exactly 8 bytes.
func DecodeControl(b []byte) (Control, error) { return whole[Control]("CONTROL.GLB", b) }

func (c *Control) NMailbag() uint32 { return binary.LittleEndian.Uint32(CtlNMailbag.Of(c[:])) }
func (c *Control) NLetter() uint32  { return binary.LittleEndian.Uint32(CtlNLetter.Of(c[:])) }

// SetNMailbag patches the next-mailbag counter in place.
func (c *Control) SetNMailbag(v uint32) { binary.LittleEndian.PutUint32(CtlNMailbag.Of(c[:]), v) }

// SetNLetter patches the next-letter counter in place.
func (c *Control) SetNLetter(v uint32) { binary.LittleEndian.PutUint32(CtlNLetter.Of(c[:]), v) }
