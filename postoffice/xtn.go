package postoffice

import "encoding/binary"

// XTN layout [KB Q77926, Q128243, Q86625]: records of 698 bytes, one per
// external postoffice of a network. DEBUG shows record n at 0x100 + n*0x2BA.
const XTNRecordSize = 698 // [KB Q86625] "offset by 2BAh and 698 (decimal)"

var (
	XtnStatus = Field{"status", 0x000, 1, "KB Q86625"}        // "Delete Bit" 100, 3BA, ...
	XtnName   = Field{"name", 0x001, 11, "KB Q86625"}         // "Postoffice Name" 101, 3BB, ...
	XtnMbg    = Field{"mbg", 0x00C, 9, "KB Q148666"}          // "-d10C ... the first eight characters"
	XtnRoute  = Field{"route", 0x015, 1, "convention"}        // 0 direct, 1 indirect, 2 modem, 3 X.25
	XtnViaNet = Field{"via_network", 0x016, 11, "convention"} // if indirect
	XtnViaPO  = Field{"via_po", 0x021, 11, "convention"}      // if indirect
	XtnHub    = Field{"hub", 0x289, 2, "KB Q86625"}           // "Indirect PO Counter" 389, 643, ...
)

// XTNLayout lists the XTN fields in record order.
var XTNLayout = []Field{XtnStatus, XtnName, XtnMbg, XtnRoute, XtnViaNet, XtnViaPO, XtnHub}

// XTNRecord is one external postoffice.
type XTNRecord [XTNRecordSize]byte

// DecodeXTN splits b into whole records and returns the ragged tail's length.
func DecodeXTN(b []byte) (recs []XTNRecord, tail int) { return split[XTNRecord](b) }

func (r *XTNRecord) Status() Status { return Status(XtnStatus.Of(r[:])[0]) }
func (r *XTNRecord) Active() bool   { return r.Status() == Active }
func (r *XTNRecord) Name() string   { return Text(XtnName.Of(r[:])) }
func (r *XTNRecord) Route() Route   { return Route(XtnRoute.Of(r[:])[0]) }
func (r *XTNRecord) ViaNet() string { return Text(XtnViaNet.Of(r[:])) }
func (r *XTNRecord) ViaPO() string  { return Text(XtnViaPO.Of(r[:])) }
func (r *XTNRecord) Hub() uint16    { return binary.LittleEndian.Uint16(XtnHub.Of(r[:])) }

// Mbg is the external postoffice's outbound mailbag id.
func (r *XTNRecord) Mbg() (ID, bool, error) { return IDOf(XtnMbg.Of(r[:])) }

// Indirect reports whether the postoffice is reached through another one;
// modem and X.25 postoffices count as direct for Q123825's purpose.
func (r *XTNRecord) Indirect() bool { return r.Route() == RouteIndirect }

func (r *XTNRecord) SetStatus(s Status)       { XtnStatus.Of(r[:])[0] = byte(s) }
func (r *XTNRecord) SetName(s string) error   { return putText(XtnName.Of(r[:]), s) }
func (r *XTNRecord) SetMbg(id ID) error       { return putID(XtnMbg.Of(r[:]), id) }
func (r *XTNRecord) SetRoute(v Route)         { XtnRoute.Of(r[:])[0] = byte(v) }
func (r *XTNRecord) SetViaNet(s string) error { return putText(XtnViaNet.Of(r[:]), s) }
func (r *XTNRecord) SetViaPO(s string) error  { return putText(XtnViaPO.Of(r[:]), s) }
func (r *XTNRecord) SetHub(v uint16)          { binary.LittleEndian.PutUint16(XtnHub.Of(r[:]), v) }
