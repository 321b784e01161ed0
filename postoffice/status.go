package postoffice

import "fmt"

// Status is the first byte of a NETWORK.GLB or XTN record [KB Q148666, Q86625].
type Status uint8

const (
	Deleted Status = 0x00
	Active  Status = 0x01
)

func (s Status) String() string {
	switch s {
	case Deleted:
		return "deleted"
	case Active:
		return "active"
	}
	return fmt.Sprintf("0x%02X", uint8(s))
}

// NetType is the type byte of a NETWORK.GLB record.
type NetType uint8

const (
	TypeMSMail     NetType = 0x01 // MS Mail network [convention]
	TypeSMTP       NetType = 0x05 // [convention]
	TypeFax        NetType = 0x06 // [convention]
	TypeX400       NetType = 0x07 // [convention]
	TypeMHS        NetType = 0x08 // [convention]
	TypeConnection NetType = 0x10 // MS Mail Connection [KB Q148666]
	TypeFFAPI      NetType = 0x64 // FFAPI gateway [KB Q148666, Q103820]
)

var netTypeNames = map[NetType]string{
	TypeMSMail: "network", TypeSMTP: "smtp", TypeFax: "fax", TypeX400: "x400",
	TypeMHS: "mhs", TypeConnection: "msmail-connection", TypeFFAPI: "ffapi",
}

// String names a known type and shows an unknown one as its hex value.
func (t NetType) String() string {
	if s, ok := netTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("0x%02X", uint8(t))
}

// Queue says where a record of this type keeps its outbound queue's
// mailbag id, per SPEC §2's type table. ok is false for types that have
// none (networks, FFAPI gateways) and for unknown types, about which
// nothing is checked.
func (t NetType) Queue() (f Field, ok bool) {
	switch t {
	case TypeSMTP, TypeFax, TypeX400, TypeMHS:
		return NetPointer, true
	case TypeConnection:
		return NetMbg2, true
	}
	return Field{}, false
}

// Route is the route byte of an XTN record [convention].
type Route uint8

const (
	RouteDirect   Route = 0
	RouteIndirect Route = 1
	RouteModem    Route = 2
	RouteX25      Route = 3
)

func (r Route) String() string {
	switch r {
	case RouteDirect:
		return "direct"
	case RouteIndirect:
		return "indirect"
	case RouteModem:
		return "modem"
	case RouteX25:
		return "x.25"
	}
	return fmt.Sprintf("0x%02X", uint8(r))
}
