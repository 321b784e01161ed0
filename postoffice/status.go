package postoffice

import "fmt"

// Status is the first byte of a NETWORK.GLB or XTN record [KB Q148666,
// Q86625, MS]: 0x01 active, 0x00 deleted; the client treats any other
// value as active, and porepair shows it as 0xNN.
type Status uint8

const (
	Deleted Status = 0x00
	Active  Status = 0x01
)

// Active reports whether a record of this status is in use.
func (s Status) Active() bool { return s != Deleted }

func (s Status) String() string {
	switch s {
	case Deleted:
		return "deleted"
	case Active:
		return "active"
	}
	return fmt.Sprintf("0x%02X", uint8(s))
}

// NetType is the type byte of a NETWORK.GLB record [MS]; Q148666 confirms
// 0x10 and 0x64.
type NetType uint8

const (
	TypeNetwork       NetType = 0   // MS Mail network
	TypeMCI           NetType = 1   // MCI Mail
	TypePROFS         NetType = 2   // PROFS
	TypeATT           NetType = 3   // AT&T Mail
	TypePROFSBackbone NetType = 4   // PROFS backbone
	TypeSNADS         NetType = 5   // SNADS
	TypeSNADSBackbone NetType = 6   // SNADS backbone
	TypeMCIBackbone   NetType = 7   // MCI backbone
	TypeX400          NetType = 8   // X.400
	TypeX400Backbone  NetType = 9   // X.400 backbone
	TypeFax           NetType = 10  // FAX
	TypeAllIn1        NetType = 11  // DEC All-In-1
	TypeSMTP          NetType = 12  // SMTP
	TypeUNIX          NetType = 13  // UNIX
	TypeMHS           NetType = 14  // MHS
	TypeOfficeVision  NetType = 15  // OfficeVision
	TypeConnection    NetType = 16  // MS Mail Connection (Macintosh) [KB Q148666]
	TypeXenix         NetType = 86  // Xenix
	TypeFFAPI         NetType = 100 // FFAPI gateways: 100 and up [KB Q148666, Q103820]
)

var netTypeNames = map[NetType]string{
	TypeNetwork: "MS Mail network", TypeMCI: "MCI Mail", TypePROFS: "PROFS", TypeATT: "AT&T Mail",
	TypePROFSBackbone: "PROFS backbone", TypeSNADS: "SNADS", TypeSNADSBackbone: "SNADS backbone",
	TypeMCIBackbone: "MCI backbone", TypeX400: "X.400", TypeX400Backbone: "X.400 backbone", TypeFax: "FAX",
	TypeAllIn1: "DEC All-In-1", TypeSMTP: "SMTP", TypeUNIX: "UNIX", TypeMHS: "MHS", TypeOfficeVision: "OfficeVision",
	TypeConnection: "MS Mail Connection (Macintosh)", TypeXenix: "Xenix",
}

// String names the type as Microsoft does; an FFAPI type as "FFAPI
// gateway (N)"; an unknown one as "type N".
func (t NetType) String() string {
	if s, ok := netTypeNames[t]; ok {
		return s
	}
	if t.FFAPI() {
		return fmt.Sprintf("FFAPI gateway (%d)", uint8(t))
	}
	return fmt.Sprintf("type %d", uint8(t))
}

// FFAPI reports whether the type is an FFAPI gateway (100 and up).
func (t NetType) FFAPI() bool { return t >= TypeFFAPI }

// Known reports whether the type is in Microsoft's table; porepair checks
// nothing about a record of an unknown type.
func (t NetType) Known() bool {
	_, ok := netTypeNames[t]
	return ok || t.FFAPI()
}

// KeepsXTN reports whether records of this type name an XTN file at 0x0D
// [MS, KB Q87467, Q148666 step 8]: networks, PROFS, the backbones of
// PROFS and SNADS, SNADS, OfficeVision and FFAPI gateways. Every other
// known gateway type keeps its queue at 0x21 instead.
func (t NetType) KeepsXTN() bool {
	switch t {
	case TypeNetwork, TypePROFS, TypePROFSBackbone, TypeSNADS, TypeSNADSBackbone, TypeOfficeVision:
		return true
	}
	return t.FFAPI()
}

// HasQueue reports whether records of this type keep their outbound
// queue's mailbag id at 0x21: the known gateway types without an XTN.
func (t NetType) HasQueue() bool { return t.Known() && !t.KeepsXTN() }
