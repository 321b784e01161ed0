package postoffice

import "encoding/binary"

// GLB/MASTER.GLB: 176 bytes, one record [KB Q77926, MS]. The password is
// never shown, logged or copied into output: no accessor returns it.
const MasterSize = 176 // [KB Q77926] "176 bytes fixed size"; [MS]

// Workgroup is the value a workgroup postoffice (made by Windows for
// Workgroups or Windows NT) holds in `installed` instead of gateway bits
// [MS]; tools that read it as bits list gateways that are not there (Q110225).
const Workgroup uint32 = 0x14955E5B

var (
	MstCopyright   = keep("copyright", 0x00, 40, "MS") // "Copyright 1991-1992 Microsoft Corp.", CR LF, 0x1A
	MstProgram     = keep("program", 0x28, 30, "MS")   // "Microsoft Mail" and a serial
	MstNetwork     = Field{Name: "network", Off: 0x46, Len: 11, Source: "MS"}
	MstPostoffice  = Field{Name: "postoffice", Off: 0x51, Len: 11, Source: "MS"}
	MstAdmin       = keep("admin", 0x5C, 11, "MS")
	MstPassword    = keep("password", 0x67, 9, "MS") // encrypted; never shown
	MstGap1        = keep("reserved1", 0x70, 3, "MS")
	MstHops        = keep("hops", 0x73, 2, "MS")
	MstGap2        = keep("reserved2", 0x75, 0x1D, "MS")
	MstInstalled   = Field{Name: "installed", Off: 0x92, Len: 4, Source: "MS, KB Q148666"} // DEBUG -d193 is its second byte
	MstNetSoftware = keep("network_software", 0x96, 1, "MS")
	MstGap3        = keep("reserved3", 0x97, 0x12, "MS")
	MstDBVersion   = keep("db_version", 0xA9, 1, "MS")
	MstVersion     = Field{Name: "version", Off: 0xAA, Len: 1, Source: "MS"} // 0 = 2.0, 1 = 2.1, 2 = 3.0
	MstGap4        = keep("reserved4", 0xAB, 5, "MS")
	MasterLayout   = []Field{MstCopyright, MstProgram, MstNetwork, MstPostoffice, MstAdmin, MstPassword, MstGap1, MstHops, MstGap2, MstInstalled, MstNetSoftware, MstGap3, MstDBVersion, MstVersion, MstGap4}
)

// Master is GLB/MASTER.GLB.
type Master [MasterSize]byte

// DecodeMaster copies b into a Master; b must be exactly 176 bytes.
func DecodeMaster(b []byte) (Master, error) { return whole[Master]("MASTER.GLB", b) }

func (m *Master) Network() string    { return Text(MstNetwork.Of(m[:])) }
func (m *Master) Postoffice() string { return Text(MstPostoffice.Of(m[:])) }
func (m *Master) Version() uint8     { return MstVersion.Of(m[:])[0] }

// Installed is the 32-bit field of gateway bits, raw.
func (m *Master) Installed() uint32 { return binary.LittleEndian.Uint32(MstInstalled.Of(m[:])) }

// Workgroup reports whether this is a workgroup postoffice: no gateway
// bits at all.
func (m *Master) Workgroup() bool { return m.Installed() == Workgroup }

// Bit reports whether every bit of mask is set in `installed`; never on a
// workgroup postoffice, whose value is not bits.
func (m *Master) Bit(mask uint32) bool {
	return mask != 0 && !m.Workgroup() && m.Installed()&mask == mask
}

// SetInstalled writes the whole 32-bit field.
func (m *Master) SetInstalled(v uint32) { binary.LittleEndian.PutUint32(MstInstalled.Of(m[:]), v) }

// SetBit sets or clears the bits of mask, leaving the other bits alone.
func (m *Master) SetBit(mask uint32, on bool) {
	v := m.Installed()
	if on {
		v |= mask
	} else {
		v &^= mask
	}
	m.SetInstalled(v)
}

// SetNames writes the local network and postoffice names.
func (m *Master) SetNames(network, po string) error {
	if err := putText(MstNetwork.Of(m[:]), network); err != nil {
		return err
	}
	return putText(MstPostoffice.Of(m[:]), po)
}
