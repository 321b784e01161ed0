package postoffice

import "encoding/binary"

// XTN/<id>.XTN: records of 698 bytes, one per external postoffice of a
// network [KB Q77926, Q128243, Q86625, MS]. DEBUG shows record n at
// 0x100 + n*0x2BA.
const XTNRecordSize = 698 // [KB Q86625] "offset by 2BAh and 698 (decimal)"; [MS]

var (
	XtnStatus     = Field{Name: "status", Off: 0x000, Len: 1, Source: "KB Q86625, MS"}   // "Delete Bit" 100, 3BA, ...
	XtnName       = Field{Name: "name", Off: 0x001, Len: 11, Source: "KB Q86625, MS"}    // "Postoffice Name" 101, 3BB, ...
	XtnMailbag    = Field{Name: "mailbag", Off: 0x00C, Len: 9, Source: "KB Q148666, MS"} // "-d10C ... the first eight characters"
	XtnMaxSize    = keep("max_size", 0x015, 2, "MS")
	XtnSettings   = keep("settings", 0x017, 0x5D, "MS")  // schedule, dial times, costs, retry, delays, flags, counters
	XtnRouteText  = keep("route_text", 0x074, 501, "MS") // modem / X.25 dialling
	XtnIndirect   = Field{Name: "indirect", Off: 0x269, Len: 1, Source: "MS"}
	XtnIndNetwork = Field{Name: "indirect_network", Off: 0x26A, Len: 11, Source: "MS"}
	XtnIndPO      = Field{Name: "indirect_po", Off: 0x275, Len: 11, Source: "MS"}
	XtnIndMailbag = Field{Name: "indirect_mailbag", Off: 0x280, Len: 9, Source: "MS"}
	XtnHub        = Field{Name: "hub", Off: 0x289, Len: 2, Source: "KB Q86625, MS"} // "Indirect PO Counter" 389, 643, ...
	XtnConnect    = keep("connect", 0x28B, 1, "MS")
	XtnRest       = keep("rest", 0x28C, 46, "MS")
	XTNLayout     = []Field{XtnStatus, XtnName, XtnMailbag, XtnMaxSize, XtnSettings, XtnRouteText, XtnIndirect, XtnIndNetwork, XtnIndPO, XtnIndMailbag, XtnHub, XtnConnect, XtnRest}
)

// XTNRecord is one external postoffice.
type XTNRecord [XTNRecordSize]byte

// DecodeXTN splits b into whole records and returns the ragged tail's length.
func DecodeXTN(b []byte) (recs []XTNRecord, tail int) { return split[XTNRecord](b) }

func (r *XTNRecord) Status() Status { return Status(XtnStatus.Of(r[:])[0]) }
func (r *XTNRecord) Active() bool   { return r.Status().Active() }
func (r *XTNRecord) Name() string   { return Text(XtnName.Of(r[:])) }
func (r *XTNRecord) Hub() uint16    { return binary.LittleEndian.Uint16(XtnHub.Of(r[:])) }

// Mailbag is the external postoffice's mailbag id: the queue of mail to it.
func (r *XTNRecord) Mailbag() (ID, bool, error) { return IDOf(XtnMailbag.Of(r[:])) }

// Indirect reports whether the postoffice is reached through a hub.
func (r *XTNRecord) Indirect() bool { return XtnIndirect.Of(r[:])[0] != 0 }

// Route is the hub the record names (meaningful only when Indirect).
func (r *XTNRecord) Route() Route {
	return Route{Network: Text(XtnIndNetwork.Of(r[:])), PO: Text(XtnIndPO.Of(r[:])), Mailbag: Text(XtnIndMailbag.Of(r[:]))}
}

// Raw returns the text of a field, for display of damaged values.
func (r *XTNRecord) Raw(f Field) string { return Text(f.Of(r[:])) }

func (r *XTNRecord) SetStatus(s Status)      { XtnStatus.Of(r[:])[0] = byte(s) }
func (r *XTNRecord) SetName(s string) error  { return putText(XtnName.Of(r[:]), s) }
func (r *XTNRecord) SetMailbag(id ID) error  { return putID(XtnMailbag.Of(r[:]), id) }
func (r *XTNRecord) SetHub(v uint16)         { binary.LittleEndian.PutUint16(XtnHub.Of(r[:]), v) }
func (r *XTNRecord) SetIndirectFlag(on bool) { XtnIndirect.Of(r[:])[0] = flag(on) }

// SetRoute makes the record indirect via the hub net/po/mbg, or direct
// (flag and names cleared) when net is "".
func (r *XTNRecord) SetRoute(net, po string, mbg ID) error {
	if net == "" {
		r.SetIndirectFlag(false)
		clear(XtnIndNetwork.Of(r[:]))
		clear(XtnIndPO.Of(r[:]))
		clear(XtnIndMailbag.Of(r[:]))
		return nil
	}
	r.SetIndirectFlag(true)
	if err := putText(XtnIndNetwork.Of(r[:]), net); err != nil {
		return err
	}
	if err := putText(XtnIndPO.Of(r[:]), po); err != nil {
		return err
	}
	return putID(XtnIndMailbag.Of(r[:]), mbg)
}
