package postoffice

// NETWORK.GLB layout [KB Q77926, Q95961, Q148666]: records of 122 bytes, one
// per network or gateway this postoffice can address [KB Q87467]. Offsets
// are from the start of a record; DEBUG shows them at 0x100 + file offset.
const NetRecordSize = 122 // [KB Q148666] "122 bytes per record"

var (
	NetStatus   = Field{"status", 0x00, 1, "KB Q148666"}       // "Delete Bit" column, 01 active / 00 deleted
	NetTypeByte = Field{"type", 0x01, 1, "KB Q148666"}         // "Type" column
	NetName     = Field{"name", 0x02, 11, "KB Q148666"}        // "Name" column
	NetPointer  = Field{"pointer", 0x0D, 20, "KB Q148666"}     // "XTN" column: XTN id or queue mailbag id
	NetMbg2     = Field{"mbg2", 0x21, 9, "KB Q148666"}         // "MBG" column: 0000002E in the record 12 dump
	NetViaNet   = Field{"via_network", 0x2A, 11, "convention"} // order from KB Q118561
	NetViaPO    = Field{"via_po", 0x35, 11, "convention"}      // order from KB Q118561
	NetViaMbg   = Field{"via_mbg", 0x40, 9, "convention"}      // order from KB Q118561
	NetReserve  = Field{"reserved", 0x49, 49, "preserved"}     // never written
)

// NetworkLayout lists NETWORK.GLB's fields in record order.
var NetworkLayout = []Field{NetStatus, NetTypeByte, NetName, NetPointer, NetMbg2, NetViaNet, NetViaPO, NetViaMbg, NetReserve}

// NetRecord is one NETWORK.GLB record.
type NetRecord [NetRecordSize]byte

// DecodeNetwork splits b into whole records. A ragged tail is not parsed;
// its length is returned so that it can be reported.
func DecodeNetwork(b []byte) (recs []NetRecord, tail int) { return split[NetRecord](b) }

func (r *NetRecord) Status() Status { return Status(NetStatus.Of(r[:])[0]) }
func (r *NetRecord) Type() NetType  { return NetType(NetTypeByte.Of(r[:])[0]) }
func (r *NetRecord) Name() string   { return Text(NetName.Of(r[:])) }
func (r *NetRecord) ViaNet() string { return Text(NetViaNet.Of(r[:])) }
func (r *NetRecord) ViaPO() string  { return Text(NetViaPO.Of(r[:])) }

// Active reports whether the record is in use.
func (r *NetRecord) Active() bool { return r.Status() == Active }

// Pointer is the XTN id or queue mailbag id at 0x0D; ok is false when empty.
func (r *NetRecord) Pointer() (ID, bool, error) { return IDOf(NetPointer.Of(r[:])) }

// Mbg2 is the second mailbag id at 0x21 (MS Mail Connection, SNADS/PROFS).
func (r *NetRecord) Mbg2() (ID, bool, error) { return IDOf(NetMbg2.Of(r[:])) }

// ViaMbg is the mailbag id the indirect route carries.
func (r *NetRecord) ViaMbg() (ID, bool, error) { return IDOf(NetViaMbg.Of(r[:])) }

// HasRoute reports whether the record names an indirect route; a record
// whose via-network is empty is a gateway on this postoffice itself.
func (r *NetRecord) HasRoute() bool { return r.ViaNet() != "" }

// Raw returns the text of a field, for display of damaged values.
func (r *NetRecord) Raw(f Field) string { return Text(f.Of(r[:])) }

func (r *NetRecord) SetStatus(s Status)               { NetStatus.Of(r[:])[0] = byte(s) }
func (r *NetRecord) SetType(t NetType)                { NetTypeByte.Of(r[:])[0] = byte(t) }
func (r *NetRecord) SetName(s string) error           { return putText(NetName.Of(r[:]), s) }
func (r *NetRecord) SetPointer(id ID) error           { return putID(NetPointer.Of(r[:]), id) }
func (r *NetRecord) SetMbg2(id ID) error              { return putID(NetMbg2.Of(r[:]), id) }
func (r *NetRecord) SetViaNet(s string) error         { return putText(NetViaNet.Of(r[:]), s) }
func (r *NetRecord) SetViaPO(s string) error          { return putText(NetViaPO.Of(r[:]), s) }
func (r *NetRecord) SetViaMbg(id ID) error            { return putID(NetViaMbg.Of(r[:]), id) }
func (r *NetRecord) SetField(f Field, s string) error { return putText(f.Of(r[:]), s) }
