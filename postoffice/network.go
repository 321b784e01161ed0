package postoffice

// NETWORK.GLB: records of 122 bytes, one per network or gateway this
// postoffice can address [KB Q87467]. Every record, network or gateway,
// has the same layout [MS]; Q118561 lists the same fields in the same
// order for both. Offsets are from the start of a record; DEBUG shows them
// at 0x100 + file offset.
const NetRecordSize = 122 // [KB Q148666] "122 bytes per record"; [MS]

var (
	NetStatus     = Field{Name: "status", Off: 0x00, Len: 1, Source: "KB Q148666, MS"} // 01 active, 00 deleted
	NetTypeByte   = Field{Name: "type", Off: 0x01, Len: 1, Source: "KB Q148666, MS"}
	NetName       = Field{Name: "name", Off: 0x02, Len: 11, Source: "KB Q148666, Q118561, MS"}
	NetXTN        = Field{Name: "xtn", Off: 0x0D, Len: 9, Source: "KB Q148666, Q118561, Q87467, MS"}     // types that keep an XTN
	NetPO         = Field{Name: "po", Off: 0x16, Len: 11, Source: "MS"}                                  // shown, never written
	NetMailbag    = Field{Name: "mailbag", Off: 0x21, Len: 9, Source: "KB Q148666, Q118561, Q87028, MS"} // a gateway's queue
	NetMaxSize    = keep("max_size", 0x2A, 2, "MS")
	NetCounters   = keep("counters", 0x2C, 0x1F, "MS") // schedule, retry, delays, flags, month/year, message and cost counters
	NetIndirect   = Field{Name: "indirect", Off: 0x4B, Len: 1, Source: "KB Q118561, MS"}
	NetIndNetwork = Field{Name: "indirect_network", Off: 0x4C, Len: 11, Source: "KB Q118561, MS"}
	NetIndPO      = Field{Name: "indirect_po", Off: 0x57, Len: 11, Source: "KB Q118561, MS"}
	NetIndMailbag = Field{Name: "indirect_mailbag", Off: 0x62, Len: 9, Source: "KB Q118561, MS"}
	NetIndCount   = keep("indirect_count", 0x6B, 2, "MS")
	NetConnect    = keep("connect", 0x6D, 1, "MS")
	NetPadding    = keep("padding", 0x6E, 12, "MS")
	NetworkLayout = []Field{NetStatus, NetTypeByte, NetName, NetXTN, NetPO, NetMailbag, NetMaxSize, NetCounters, NetIndirect, NetIndNetwork, NetIndPO, NetIndMailbag, NetIndCount, NetConnect, NetPadding}
)

// NetRecord is one NETWORK.GLB record.
type NetRecord [NetRecordSize]byte

// DecodeNetwork splits b into whole records. A ragged tail is not parsed;
// its length is returned so that it can be reported.
func DecodeNetwork(b []byte) (recs []NetRecord, tail int) { return split[NetRecord](b) }

func (r *NetRecord) Status() Status { return Status(NetStatus.Of(r[:])[0]) }
func (r *NetRecord) Type() NetType  { return NetType(NetTypeByte.Of(r[:])[0]) }
func (r *NetRecord) Name() string   { return Text(NetName.Of(r[:])) }
func (r *NetRecord) PO() string     { return Text(NetPO.Of(r[:])) }

// Active reports whether the record is in use: status 0x01, or any value
// but 0x00 (the client skips only deleted records).
func (r *NetRecord) Active() bool { return r.Status().Active() }

// XTN is the id of the record's XTN file; ok is false when empty.
func (r *NetRecord) XTN() (ID, bool, error) { return IDOf(NetXTN.Of(r[:])) }

// Mailbag is the mailbag id at 0x21: a gateway's queue on this PO.
func (r *NetRecord) Mailbag() (ID, bool, error) { return IDOf(NetMailbag.Of(r[:])) }

// Indirect reports whether the record is reached through another PO.
func (r *NetRecord) Indirect() bool { return NetIndirect.Of(r[:])[0] != 0 }

// Route is the record's indirect route as it spells it (meaningful only
// when Indirect).
func (r *NetRecord) Route() Route {
	return Route{Network: Text(NetIndNetwork.Of(r[:])), PO: Text(NetIndPO.Of(r[:])), Mailbag: Text(NetIndMailbag.Of(r[:]))}
}

// Raw returns the text of a field, for display of damaged values.
func (r *NetRecord) Raw(f Field) string { return Text(f.Of(r[:])) }

func (r *NetRecord) SetStatus(s Status)           { NetStatus.Of(r[:])[0] = byte(s) }
func (r *NetRecord) SetType(t NetType)            { NetTypeByte.Of(r[:])[0] = byte(t) }
func (r *NetRecord) SetName(s string) error       { return putText(NetName.Of(r[:]), s) }
func (r *NetRecord) SetXTN(id ID) error           { return putID(NetXTN.Of(r[:]), id) }
func (r *NetRecord) SetPO(s string) error         { return putText(NetPO.Of(r[:]), s) }
func (r *NetRecord) SetMailbag(id ID) error       { return putID(NetMailbag.Of(r[:]), id) }
func (r *NetRecord) SetIndirectFlag(on bool)      { NetIndirect.Of(r[:])[0] = flag(on) }
func (r *NetRecord) SetIndNetwork(s string) error { return putText(NetIndNetwork.Of(r[:]), s) }
func (r *NetRecord) SetIndPO(s string) error      { return putText(NetIndPO.Of(r[:]), s) }
func (r *NetRecord) SetIndMailbag(id ID) error    { return putID(NetIndMailbag.Of(r[:]), id) }

// SetRoute makes the record indirect via net/po/mbg, each field rewritten
// whole and NUL-padded.
func (r *NetRecord) SetRoute(net, po string, mbg ID) error {
	r.SetIndirectFlag(true)
	if err := r.SetIndNetwork(net); err != nil {
		return err
	}
	if err := r.SetIndPO(po); err != nil {
		return err
	}
	return r.SetIndMailbag(mbg)
}

func flag(on bool) byte {
	if on {
		return 0x01
	}
	return 0x00
}
