package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/postoffice"
)

// The text view of inspect: each document as an aligned table, names as
// postoffice.Printable shows them, DEBUG addresses when asked for.

// writeText prints any inspect document as an aligned table.
func (v inspected) writeText(w io.Writer) {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	defer tw.Flush()
	switch d := v.doc.(type) {
	case *routesDoc:
		writeRoutes(tw, d)
	case *recordsDoc[netJSON]:
		writeNetwork(tw, d, v.debug)
	case *recordsDoc[xtnJSON]:
		writeXTN(tw, d, v.debug)
	case *recordsDoc[mbgJSON]:
		writeMailbag(tw, d, v.debug)
	case *masterDoc:
		writeMaster(tw, d)
	case *controlDoc:
		fmt.Fprintf(tw, "nmailbag\t%08X%s\nnletter\t%08X%s\n", d.NMailbag, one(d.Debug, "nmailbag"), d.NLetter, one(d.Debug, "nletter"))
	}
}

// String is a route as the text shows it: direct, or via NET/PO/MBG.
func (r *routeJSON) String() string {
	if r == nil {
		return "direct"
	}
	p := postoffice.Printable
	return "via " + p(r.Network) + "/" + p(r.PO) + "/" + p(r.Mailbag)
}

// debugTitle heads the column of DEBUG addresses, when they are shown.
func debugTitle(debug bool) string {
	if debug {
		return "\tDEBUG ADDRESSES (0x100 + offset)"
	}
	return ""
}

// dbg lists a record's DEBUG addresses in layout order ("" without them).
func dbg(m map[string]string, layout []postoffice.Field) string {
	if m == nil {
		return ""
	}
	var parts []string
	for _, f := range layout {
		if a, ok := m[f.Name]; ok {
			parts = append(parts, f.Name+"@"+a)
		}
	}
	return "\t" + strings.Join(parts, " ")
}

func writeRoutes(tw io.Writer, d *routesDoc) {
	p := postoffice.Printable
	fmt.Fprintln(tw, "KIND\tNETWORK\tNAME\tTYPE\tMAILBAG\tROUTE\tHUB")
	for _, r := range d.Routes {
		hub := ""
		if r.Hub != nil {
			hub = fmt.Sprint(*r.Hub)
		}
		mbg := p(r.Mailbag)
		if r.XTN != "" {
			mbg = "XTN " + p(r.XTN)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Kind, p(r.Network), p(r.Name), r.Type, mbg, r.Indirect, hub)
	}
}

func writeNetwork(tw io.Writer, d *recordsDoc[netJSON], debug bool) {
	p := postoffice.Printable
	fmt.Fprintf(tw, "%s: %s of %d bytes\n", d.File, textfmt.Plural(len(d.Records), "record"), postoffice.NetRecordSize)
	fmt.Fprintln(tw, "#\tSTATUS\tTYPE\tNAME\tXTN\tPO\tMAILBAG\tROUTE"+debugTitle(debug))
	for _, r := range d.Records {
		fmt.Fprintf(tw, "%d\t%s\t%d %s\t%s\t%s\t%s\t%s\t%s%s\n", r.Index, r.Status, r.Type, r.TypeName,
			p(r.Name), p(r.XTN), p(r.PO), p(r.Mailbag), r.Indirect, dbg(r.Debug, postoffice.NetworkLayout))
	}
	tail(tw, d.Tail)
}

func writeXTN(tw io.Writer, d *recordsDoc[xtnJSON], debug bool) {
	p := postoffice.Printable
	fmt.Fprintf(tw, "%s: %s of %d bytes\n", d.File, textfmt.Plural(len(d.Records), "record"), postoffice.XTNRecordSize)
	fmt.Fprintln(tw, "#\tSTATUS\tNAME\tMAILBAG\tROUTE\tHUB"+debugTitle(debug))
	for _, r := range d.Records {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d%s\n", r.Index, r.Status, p(r.Name), p(r.Mailbag), r.Indirect, r.Hub,
			dbg(r.Debug, postoffice.XTNLayout))
	}
	tail(tw, d.Tail)
}

func writeMailbag(tw io.Writer, d *recordsDoc[mbgJSON], debug bool) {
	p := postoffice.Printable
	fmt.Fprintf(tw, "%s: %s\n", d.File, textfmt.Plural(len(d.Records), "header"))
	fmt.Fprintln(tw, "#\tSENDER\tDATE\tPRI\tSIZE\tATT\tTRIES\tMAI\tDELETED\tSUBJECT"+debugTitle(debug))
	for _, r := range d.Records {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%v\t%s%s\n", r.Index, p(r.Sender), r.Date, r.Priority, r.Size,
			r.Attachments, r.Retries, p(r.MAI), r.Deleted, p(r.Subject), dbg(r.Debug, postoffice.MBGLayout))
	}
	tail(tw, d.Tail)
}

func writeMaster(tw io.Writer, d *masterDoc) {
	p := postoffice.Printable
	kind := "gateway bits"
	if d.Workgroup {
		kind = "workgroup postoffice: no gateway bits"
	}
	at := func(name string) string { return one(d.Debug, name) }
	fmt.Fprintf(tw, "network\t%s%s\npostoffice\t%s%s\ninstalled\t%08X (%s)%s\nversion\t%d%s\n",
		p(d.Network), at("network"), p(d.Postoffice), at("postoffice"), d.Installed, kind, at("installed"), d.Version, at("version"))
}

// one is a field's DEBUG address on its own row ("" without --debug-offsets).
func one(debug map[string]string, name string) string {
	if a, ok := debug[name]; ok {
		return "\t" + name + "@" + a
	}
	return ""
}

func tail(w io.Writer, n int) {
	if n > 0 {
		fmt.Fprintf(w, "ragged tail: %s after the last whole record (not parsed)\n", textfmt.Plural(n, "byte"))
	}
}
