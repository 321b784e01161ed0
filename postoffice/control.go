package postoffice

import "encoding/binary"

// CONTROL.GLB layout [KB Q87388, Q112894]: the whole file is one record.
const ControlSize = 8 // [KB Q87388, Q112894]

var (
	CtlNMailbag = Field{"nmailbag", 0, 4, "KB Q87388"} // next mailbag/XTN/USR number
	CtlNLetter  = Field{"nletter", 4, 4, "KB Q87388"}  // next MAI/ATT/P1 number
)

// ControlLayout lists CONTROL.GLB's fields in file order.
var ControlLayout = []Field{CtlNMailbag, CtlNLetter}

// Control is GLB/CONTROL.GLB.
type Control [ControlSize]byte

// DecodeControl copies b into a Control; b must be exactly 8 bytes.
func DecodeControl(b []byte) (Control, error) { return whole[Control]("CONTROL.GLB", b) }

func (c *Control) NMailbag() uint32 { return binary.LittleEndian.Uint32(CtlNMailbag.Of(c[:])) }
func (c *Control) NLetter() uint32  { return binary.LittleEndian.Uint32(CtlNLetter.Of(c[:])) }

// SetNMailbag patches the next-mailbag counter in place.
func (c *Control) SetNMailbag(v uint32) { binary.LittleEndian.PutUint32(CtlNMailbag.Of(c[:]), v) }
