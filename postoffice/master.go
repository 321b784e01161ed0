package postoffice

// MASTER.GLB layout [KB Q77926]. Only the fields porepair needs are named;
// all other bytes are preserved.
const MasterSize = 176 // [KB Q77926] "176 bytes fixed size"

var (
	MstNetwork      = Field{"network", 0x00, 11, "convention"}      // local network name
	MstPostoffice   = Field{"postoffice", 0x0B, 11, "convention"}   // local postoffice name
	MstGatewayFlags = Field{"gateway_flags", 0x93, 1, "KB Q148666"} // DEBUG -d193: one bit per installed gateway
)

// MasterLayout lists MASTER.GLB's named fields in file order.
var MasterLayout = []Field{MstNetwork, MstPostoffice, MstGatewayFlags}

// Master is GLB/MASTER.GLB.
type Master [MasterSize]byte

// DecodeMaster copies b into a Master; b must be exactly 176 bytes.
func DecodeMaster(b []byte) (Master, error) { return whole[Master]("MASTER.GLB", b) }

func (m *Master) Network() string    { return Text(MstNetwork.Of(m[:])) }
func (m *Master) Postoffice() string { return Text(MstPostoffice.Of(m[:])) }
func (m *Master) GatewayFlags() byte { return MstGatewayFlags.Of(m[:])[0] }

// Bit reports whether every bit of mask is set in the gateway flags.
func (m *Master) Bit(mask byte) bool { return mask != 0 && m.GatewayFlags()&mask == mask }

// SetBit sets or clears the bits of mask, leaving the other bits alone.
func (m *Master) SetBit(mask byte, on bool) {
	f := MstGatewayFlags.Of(m[:])
	if on {
		f[0] |= mask
	} else {
		f[0] &^= mask
	}
}
