package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/postoffice"
)

func inspectCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "show routes (default), network, xtn ID, mailbag ID, master or control",
		ArgsUsage: "[routes|network|xtn ID|mailbag ID|master|control]",
		UsageText: `porepair --po DIR inspect
porepair --po DIR inspect --json network
porepair --po DIR inspect --debug-offsets xtn 00000001
porepair --po DIR inspect mailbag 0000000A`,
		Description: "--debug-offsets prints DEBUG-style addresses (0x100 + file offset), so a line can be checked against the tables of KB Q86625 and Q148666.",
		Flags:       []cli.Flag{jsonFlag(), &cli.BoolFlag{Name: "debug-offsets", Usage: "print DEBUG addresses (0x100 + offset)"}},
		Action: func(c *cli.Context) error {
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
			var doc any
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
			if jsonOut(c) {
				return writeJSON(e.stdout, doc)
			}
			in.text(e.stdout, doc)
			return nil
		},
	}
}

type inspector struct {
	p     *postoffice.PO
	debug bool
}

// debugAddr is where DEBUG shows a file offset.
func debugAddr(off int) string { return fmt.Sprintf("%04X", off+0x100) }

// offsets maps each field of a record to its DEBUG address.
func offsets(layout []postoffice.Field, recOff int) map[string]string {
	m := map[string]string{}
	for _, f := range layout {
		m[f.Name] = debugAddr(recOff + f.Off)
	}
	return m
}

type netJSON struct {
	Index      int               `json:"index"`
	Status     string            `json:"status"`
	Type       uint8             `json:"type"`
	Name       string            `json:"name"`
	Pointer    string            `json:"pointer"`
	Mbg2       string            `json:"mbg2"`
	ViaNetwork string            `json:"via_network"`
	ViaPO      string            `json:"via_po"`
	ViaMbg     string            `json:"via_mbg"`
	Debug      map[string]string `json:"debug_offsets,omitempty"`
}

// recordsDoc is the view of a file of records: one row per whole record,
// and the length of a ragged tail.
type recordsDoc[J any] struct {
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
			return netJSON{Index: i, Status: r.Status().String(), Type: uint8(r.Type()), Name: r.Name(),
				Pointer: r.Raw(postoffice.NetPointer), Mbg2: r.Raw(postoffice.NetMbg2), ViaNetwork: r.ViaNet(),
				ViaPO: r.ViaPO(), ViaMbg: r.Raw(postoffice.NetViaMbg), Debug: debug}
		}), nil
}

type xtnJSON struct {
	Index      int               `json:"index"`
	Status     string            `json:"status"`
	Name       string            `json:"name"`
	Mbg        string            `json:"mbg"`
	Route      uint8             `json:"route"`
	ViaNetwork string            `json:"via_network"`
	ViaPO      string            `json:"via_po"`
	Hub        uint16            `json:"hub"`
	Debug      map[string]string `json:"debug_offsets,omitempty"`
}

func (in *inspector) xtn(id postoffice.ID) (*recordsDoc[xtnJSON], error) {
	x, err := in.p.XTN(id)
	if err != nil {
		return nil, err
	}
	return rows(in, x.Path, x.Records, x.Tail, postoffice.XTNLayout, postoffice.XTNRecordSize,
		func(i int, r *postoffice.XTNRecord, debug map[string]string) xtnJSON {
			return xtnJSON{Index: i, Status: r.Status().String(), Name: r.Name(), Mbg: postoffice.Text(postoffice.XtnMbg.Of(r[:])),
				Route: uint8(r.Route()), ViaNetwork: r.ViaNet(), ViaPO: r.ViaPO(), Hub: r.Hub(), Debug: debug}
		}), nil
}

type mbgJSON struct {
	Index   int               `json:"index"`
	Sender  string            `json:"sender"`
	Subject string            `json:"subject"`
	Date    string            `json:"date"`
	MAI     string            `json:"mai"`
	Debug   map[string]string `json:"debug_offsets,omitempty"`
}

func (in *inspector) mailbag(id postoffice.ID) (*recordsDoc[mbgJSON], error) {
	m, err := in.p.Mailbag(id)
	if err != nil {
		return nil, err
	}
	return rows(in, m.Path, m.Records, m.Tail, postoffice.MBGLayout, postoffice.MBGRecordSize,
		func(i int, r *postoffice.MBGRecord, debug map[string]string) mbgJSON {
			return mbgJSON{Index: i, Sender: r.Sender(), Subject: r.Subject(), Date: r.Date().String(), MAI: r.MAIRaw(), Debug: debug}
		}), nil
}

type masterDoc struct {
	Network      string            `json:"network"`
	Postoffice   string            `json:"postoffice"`
	GatewayFlags uint8             `json:"gateway_flags"`
	Debug        map[string]string `json:"debug_offsets,omitempty"`
}

func (in *inspector) master() (*masterDoc, error) {
	m, _, err := in.p.Master()
	if err != nil {
		return nil, err
	}
	d := &masterDoc{Network: m.Network(), Postoffice: m.Postoffice(), GatewayFlags: m.GatewayFlags()}
	if in.debug {
		d.Debug = offsets(postoffice.MasterLayout, 0)
	}
	return d, nil
}

type controlDoc struct {
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
	Kind     string `json:"kind"` // network, postoffice, gateway
	Network  string `json:"network"`
	Name     string `json:"name"`
	Mailbag  string `json:"mailbag"`
	Indirect bool   `json:"indirect"`
	Via      string `json:"via"`
	Hub      *int   `json:"hub"`
	Status   string `json:"status"`
}

type routesDoc struct {
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
		if r.Type() == postoffice.TypeMSMail {
			d.Routes = append(d.Routes, route{Kind: "network", Name: r.Name(), Mailbag: "XTN " + r.Raw(postoffice.NetPointer), Status: "active"})
			id, ok, err := r.Pointer()
			if !ok || err != nil {
				continue
			}
			x, err := in.p.XTN(id)
			if err != nil {
				d.Routes = append(d.Routes, route{Kind: "postoffice", Network: r.Name(), Status: "XTN missing"})
				continue
			}
			for j := range x.Records {
				xr := &x.Records[j]
				if !xr.Active() {
					continue
				}
				hub := int(xr.Hub())
				rt := route{Kind: "postoffice", Network: r.Name(), Name: xr.Name(), Mailbag: postoffice.Text(postoffice.XtnMbg.Of(xr[:])),
					Indirect: xr.Indirect(), Hub: &hub, Status: xr.Route().String()}
				if xr.Indirect() {
					rt.Via = xr.ViaNet() + "/" + xr.ViaPO()
				}
				d.Routes = append(d.Routes, rt)
			}
			continue
		}
		q := r.Raw(postoffice.NetPointer)
		if f, ok := r.Type().Queue(); ok {
			q = r.Raw(f)
		}
		rt := route{Kind: "gateway", Name: r.Name(), Mailbag: q, Status: r.Type().String()}
		if r.HasRoute() {
			rt.Indirect = true
			rt.Via = r.ViaNet() + "/" + r.ViaPO() + "/" + r.Raw(postoffice.NetViaMbg)
		}
		d.Routes = append(d.Routes, rt)
	}
	return d, nil
}

// text prints any inspect document as an aligned table.
func (in *inspector) text(w io.Writer, doc any) {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	defer tw.Flush()
	p := postoffice.Printable
	debugTitle := ""
	if in.debug {
		debugTitle = "\tDEBUG ADDRESSES (0x100 + offset)"
	}
	dbg := func(m map[string]string, names ...string) string {
		if m == nil {
			return ""
		}
		var parts []string
		for _, n := range names {
			parts = append(parts, n+"@"+m[n])
		}
		return "\t" + strings.Join(parts, " ")
	}
	switch d := doc.(type) {
	case *routesDoc:
		fmt.Fprintln(tw, "KIND\tNETWORK\tNAME\tMAILBAG\tROUTE\tVIA\tHUB")
		for _, r := range d.Routes {
			hub := ""
			if r.Hub != nil {
				hub = fmt.Sprint(*r.Hub)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Kind, p(r.Network), p(r.Name), p(r.Mailbag), r.Status, p(r.Via), hub)
		}
	case *recordsDoc[netJSON]:
		fmt.Fprintf(tw, "%s: %d records of %d bytes\n", d.File, len(d.Records), postoffice.NetRecordSize)
		fmt.Fprintln(tw, "#\tSTATUS\tTYPE\tNAME\tPOINTER\tMBG2\tVIA NETWORK\tVIA PO\tVIA MBG"+debugTitle)
		for _, r := range d.Records {
			fmt.Fprintf(tw, "%d\t%s\t0x%02X %s\t%s\t%s\t%s\t%s\t%s\t%s%s\n", r.Index, r.Status, r.Type, postoffice.NetType(r.Type),
				p(r.Name), p(r.Pointer), p(r.Mbg2), p(r.ViaNetwork), p(r.ViaPO), p(r.ViaMbg),
				dbg(r.Debug, "status", "type", "name", "pointer", "mbg2", "via_network", "via_po", "via_mbg"))
		}
		tail(tw, d.Tail)
	case *recordsDoc[xtnJSON]:
		fmt.Fprintf(tw, "%s: %d records of %d bytes\n", d.File, len(d.Records), postoffice.XTNRecordSize)
		fmt.Fprintln(tw, "#\tSTATUS\tNAME\tMBG\tROUTE\tVIA\tHUB"+debugTitle)
		for _, r := range d.Records {
			via := ""
			if r.ViaNetwork != "" {
				via = p(r.ViaNetwork) + "/" + p(r.ViaPO)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d%s\n", r.Index, r.Status, p(r.Name), p(r.Mbg), postoffice.Route(r.Route), via, r.Hub,
				dbg(r.Debug, "status", "name", "mbg", "route", "hub"))
		}
		tail(tw, d.Tail)
	case *recordsDoc[mbgJSON]:
		fmt.Fprintf(tw, "%s: %d headers (delivered ones included)\n", d.File, len(d.Records))
		fmt.Fprintln(tw, "#\tSENDER\tDATE\tMAI\tSUBJECT"+debugTitle)
		for _, r := range d.Records {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s%s\n", r.Index, p(r.Sender), r.Date, p(r.MAI), p(r.Subject),
				dbg(r.Debug, "sender", "subject", "date", "mai"))
		}
		tail(tw, d.Tail)
	case *masterDoc:
		fmt.Fprintf(tw, "network\t%s%s\npostoffice\t%s\ngateway flags\t0x%02X\n", p(d.Network), dbg(d.Debug, "network", "postoffice", "gateway_flags"), p(d.Postoffice), d.GatewayFlags)
	case *controlDoc:
		fmt.Fprintf(tw, "nmailbag\t%08X%s\nnletter\t%08X\n", d.NMailbag, dbg(d.Debug, "nmailbag", "nletter"), d.NLetter)
	}
}

func tail(w io.Writer, n int) {
	if n > 0 {
		fmt.Fprintf(w, "ragged tail: %d bytes after the last whole record (not parsed)\n", n)
	}
}
