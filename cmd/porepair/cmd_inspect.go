package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/postoffice"
)

// inspectViews are inspect's views, routes the default; xtn and mailbag
// take an ID.
var inspectViews = []string{"routes", "network", "xtn", "mailbag", "master", "control"}

func inspectCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "show routes (default), network, xtn ID, mailbag ID, master or control",
		ArgsUsage: "[routes|network|xtn ID|mailbag ID|master|control]",
		UsageText: `porepair --po DIR inspect
porepair --po DIR inspect --json network
porepair --po DIR inspect --debug-offsets xtn 00000001
porepair --po DIR inspect mailbag 0000000A`,
		Description:  "--debug-offsets prints DEBUG-style addresses (0x100 + file offset), so a line can be checked against the tables of KB Q86625 and Q148666.",
		Flags:        []cli.Flag{jsonFlag(), &cli.BoolFlag{Name: "debug-offsets", Usage: "print DEBUG addresses (0x100 + offset)"}},
		Action:       func(c *cli.Context) error { return e.inspect(c) },
		BashComplete: completeWith(inspectViewWords, nil),
	}
}

// inspect prints one view of one postoffice's files.
func (e *env) inspect(c *cli.Context) error {
	if err := oneOnly(c, "inspect"); err != nil {
		return err
	}
	pos, err := poPaths(c)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("inspect works on one postoffice")
	}
	p, err := openPO(pos[0])
	if err != nil {
		return err
	}
	what := c.Args().First()
	if what == "" {
		what = "routes"
	}
	var id postoffice.ID
	switch what {
	case "xtn", "mailbag":
		if c.NArg() != 2 {
			return usagef("inspect %s needs an ID (8 hex digits)", what)
		}
		if id, err = postoffice.ParseID(c.Args().Get(1)); err != nil {
			return usagef("inspect %s: %v", what, err)
		}
	default:
		if c.NArg() > 1 {
			return usagef("inspect %s takes no ID", what)
		}
	}
	in := &inspector{p: p, debug: c.Bool("debug-offsets")}
	var doc leader
	switch what {
	case "routes":
		doc, err = in.routes()
	case "network":
		doc, err = in.network()
	case "xtn":
		doc, err = in.xtn(id)
	case "mailbag":
		doc, err = in.mailbag(id)
	case "master":
		doc, err = in.master()
	case "control":
		doc, err = in.control()
	default:
		return usagef("inspect: unknown view %q (routes, network, xtn ID, mailbag ID, master, control)", what)
	}
	if err != nil {
		return exit(exitUsage, err)
	}
	// Led by the postoffice and exit code, as every result is.
	return e.render(c, lead{PO: pos[0], POResolved: p.Root, ExitCode: exitOK}, inspected{doc: doc, debug: in.debug})
}

// inspected is one view of a postoffice's files: its document, and
// whether the DEBUG addresses are shown (a column even when no record
// has any).
type inspected struct {
	doc   leader
	debug bool
}

type inspector struct {
	p     *postoffice.PO
	debug bool
}

// debugAddr is where DEBUG shows a file offset.
func debugAddr(off int) string { return fmt.Sprintf("%04X", off+0x100) }

// offsets maps each field porepair reads of a record to its DEBUG address.
func offsets(layout []postoffice.Field, recOff int) map[string]string {
	m := map[string]string{}
	for _, f := range layout {
		if !f.Preserved {
			m[f.Name] = debugAddr(recOff + f.Off)
		}
	}
	return m
}

// routeJSON is an indirect route as inspect shows it; null when direct.
type routeJSON struct {
	Network string `json:"network"`
	PO      string `json:"po"`
	Mailbag string `json:"mailbag"`
}

func routeOf(indirect bool, r postoffice.Route) *routeJSON {
	if !indirect {
		return nil
	}
	return &routeJSON{Network: r.Network, PO: r.PO, Mailbag: r.Mailbag}
}

type netJSON struct {
	Index    int               `json:"index"`
	Status   string            `json:"status"`
	Type     uint8             `json:"type"`
	TypeName string            `json:"type_name"`
	Name     string            `json:"name"`
	XTN      string            `json:"xtn"`
	PO       string            `json:"po"`
	Mailbag  string            `json:"mailbag"`
	Indirect *routeJSON        `json:"indirect"`
	Debug    map[string]string `json:"debug_offsets,omitempty"`
}

// recordsDoc is the view of a file of records: one row per whole record,
// and the length of a ragged tail.
type recordsDoc[J any] struct {
	lead
	File    string `json:"file"`
	Records []J    `json:"records"`
	Tail    int    `json:"tail_bytes"`
}

// rows turns a file's records into rows, each given its DEBUG addresses
// when --debug-offsets asks for them.
func rows[R, J any](in *inspector, file string, recs []R, tail int, layout []postoffice.Field, size int,
	row func(i int, r *R, debug map[string]string) J) *recordsDoc[J] {
	d := &recordsDoc[J]{File: file, Records: []J{}, Tail: tail}
	for i := range recs {
		var debug map[string]string
		if in.debug {
			debug = offsets(layout, i*size)
		}
		d.Records = append(d.Records, row(i, &recs[i], debug))
	}
	return d
}

func (in *inspector) network() (*recordsDoc[netJSON], error) {
	n, err := in.p.Network()
	if err != nil {
		return nil, err
	}
	return rows(in, n.Path, n.Records, n.Tail, postoffice.NetworkLayout, postoffice.NetRecordSize,
		func(i int, r *postoffice.NetRecord, debug map[string]string) netJSON {
			return netJSON{Index: i, Status: r.Status().String(), Type: uint8(r.Type()), TypeName: r.Type().String(), Name: r.Name(),
				XTN: r.Raw(postoffice.NetXTN), PO: r.PO(), Mailbag: r.Raw(postoffice.NetMailbag),
				Indirect: routeOf(r.Indirect(), r.Route()), Debug: debug}
		}), nil
}

type xtnJSON struct {
	Index    int               `json:"index"`
	Status   string            `json:"status"`
	Name     string            `json:"name"`
	Mailbag  string            `json:"mailbag"`
	Indirect *routeJSON        `json:"indirect"`
	Hub      uint16            `json:"hub"`
	Debug    map[string]string `json:"debug_offsets,omitempty"`
}

func (in *inspector) xtn(id postoffice.ID) (*recordsDoc[xtnJSON], error) {
	x, err := in.p.XTN(id)
	if err != nil {
		return nil, err
	}
	return rows(in, x.Path, x.Records, x.Tail, postoffice.XTNLayout, postoffice.XTNRecordSize,
		func(i int, r *postoffice.XTNRecord, debug map[string]string) xtnJSON {
			return xtnJSON{Index: i, Status: r.Status().String(), Name: r.Name(), Mailbag: r.Raw(postoffice.XtnMailbag),
				Indirect: routeOf(r.Indirect(), r.Route()), Hub: r.Hub(), Debug: debug}
		}), nil
}

type mbgJSON struct {
	Index       int               `json:"index"`
	Sender      string            `json:"sender"`
	Subject     string            `json:"subject"`
	Priority    string            `json:"priority"`
	Date        string            `json:"date"`
	MAI         string            `json:"mai"`
	Size        uint32            `json:"size"`
	Attachments uint16            `json:"attachments"`
	Retries     uint8             `json:"retries"`
	Deleted     bool              `json:"deleted"`
	Debug       map[string]string `json:"debug_offsets,omitempty"`
}

func (in *inspector) mailbag(id postoffice.ID) (*recordsDoc[mbgJSON], error) {
	m, err := in.p.Mailbag(id)
	if err != nil {
		return nil, err
	}
	var key *postoffice.Key // none, or not 560 bytes: nothing is known deleted
	if b, _, err := in.p.ReadFile(postoffice.KeyPath(id)); err == nil {
		if k, err := postoffice.DecodeKey(b); err == nil {
			key = &k
		}
	}
	return rows(in, m.Path, m.Records, m.Tail, postoffice.MBGLayout, postoffice.MBGRecordSize,
		func(i int, r *postoffice.MBGRecord, debug map[string]string) mbgJSON {
			return mbgJSON{Index: i, Sender: r.Sender(), Subject: r.Subject(), Priority: r.Priority(), Date: r.Date().String(),
				MAI: r.MAIRaw(), Size: r.Size(), Attachments: r.Attachments(), Retries: r.Retries(),
				Deleted: key != nil && key.Deleted(i), Debug: debug}
		}), nil
}

// masterDoc never carries the password.
type masterDoc struct {
	lead
	Network    string            `json:"network"`
	Postoffice string            `json:"postoffice"`
	Installed  uint32            `json:"installed"`
	Workgroup  bool              `json:"workgroup"`
	Version    uint8             `json:"version"`
	Debug      map[string]string `json:"debug_offsets,omitempty"`
}

func (in *inspector) master() (*masterDoc, error) {
	m, _, err := in.p.Master()
	if err != nil {
		return nil, err
	}
	d := &masterDoc{Network: m.Network(), Postoffice: m.Postoffice(), Installed: m.Installed(), Workgroup: m.Workgroup(), Version: m.Version()}
	if in.debug {
		d.Debug = offsets(postoffice.MasterLayout, 0)
	}
	return d, nil
}

type controlDoc struct {
	lead
	NMailbag uint32            `json:"nmailbag"`
	NLetter  uint32            `json:"nletter"`
	Debug    map[string]string `json:"debug_offsets,omitempty"`
}

func (in *inspector) control() (*controlDoc, error) {
	c, _, err := in.p.Control()
	if err != nil {
		return nil, err
	}
	d := &controlDoc{NMailbag: c.NMailbag(), NLetter: c.NLetter()}
	if in.debug {
		d.Debug = offsets(postoffice.ControlLayout, 0)
	}
	return d, nil
}

// route is one line of the NETDUMP-like routes view.
type route struct {
	Kind     string     `json:"kind"` // network, postoffice, gateway
	Network  string     `json:"network"`
	Name     string     `json:"name"`
	Type     string     `json:"type"`
	XTN      string     `json:"xtn"`     // a network's, or a gateway's that keeps one
	Mailbag  string     `json:"mailbag"` // an external postoffice's mailbag, or a gateway's queue
	Indirect *routeJSON `json:"indirect"`
	Hub      *int       `json:"hub"`
}

type routesDoc struct {
	lead
	Routes []route `json:"routes"`
}

func (in *inspector) routes() (*routesDoc, error) {
	n, err := in.p.Network()
	if err != nil {
		return nil, err
	}
	d := &routesDoc{Routes: []route{}}
	for i := range n.Records {
		r := &n.Records[i]
		if !r.Active() {
			continue
		}
		rt := route{Kind: "gateway", Name: r.Name(), Type: r.Type().String(), Mailbag: r.Raw(postoffice.NetMailbag),
			Indirect: routeOf(r.Indirect(), r.Route())}
		if r.Type().KeepsXTN() {
			rt.XTN, rt.Mailbag = r.Raw(postoffice.NetXTN), ""
		}
		if r.Type() != postoffice.TypeNetwork {
			d.Routes = append(d.Routes, rt)
			continue
		}
		rt.Kind = "network"
		d.Routes = append(d.Routes, rt)
		d.Routes = append(d.Routes, in.postoffices(r)...)
	}
	return d, nil
}

// postoffices lists the active external postoffices of a network record.
func (in *inspector) postoffices(r *postoffice.NetRecord) []route {
	id, ok, err := r.XTN()
	if !ok || err != nil {
		return nil
	}
	x, err := in.p.XTN(id)
	if err != nil {
		return []route{{Kind: "postoffice", Network: r.Name(), Type: "XTN missing"}}
	}
	var out []route
	for j := range x.Records {
		xr := &x.Records[j]
		if !xr.Active() {
			continue
		}
		hub := int(xr.Hub())
		out = append(out, route{Kind: "postoffice", Network: r.Name(), Name: xr.Name(), Mailbag: xr.Raw(postoffice.XtnMailbag),
			Indirect: routeOf(xr.Indirect(), xr.Route()), Hub: &hub})
	}
	return out
}
