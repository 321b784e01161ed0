package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/porepair/porepair/diagnose"
)

// Run is one postoffice's diagnosis.
type Run struct {
	PO string // the postoffice's path as given
	// Report is nil when the postoffice could not be diagnosed (not a
	// postoffice, unreadable): the run failed.
	Report *diagnose.Report
}

// Labels of every series about a postoffice: its path, and its network
// and postoffice names from MASTER.GLB.
var poLabels = []string{"po", "network", "postoffice"}

// Labels of a queue's series, beside poLabels.
var queueLabels = []string{"queue", "owner", "route"}

// Family is one gauge metric: its name, help text, label names, and its
// series by label values (one value per label name). Every porepair
// metric is a gauge.
type Family struct {
	Name, Help string
	Labels     []string
	Series     []Series
}

// Series is one sample of a Family.
type Series struct {
	Values []string // in the order of Family.Labels
	Value  float64
}

// family builds a Family, keeping the last value set for a label set (as
// a Prometheus client's gauge does when set twice).
type family struct {
	Family
	at map[string]int // label values joined → index in Series
}

func newFamily(name, help string, extra ...string) *family {
	return &family{Family: Family{Name: "porepair_" + name, Help: help, Labels: append(append([]string{}, poLabels...), extra...)},
		at: map[string]int{}}
}

func (f *family) set(v float64, values ...string) {
	values = slices.Clone(values)
	for i, s := range values {
		values[i] = validLabel(s)
	}
	key := strings.Join(values, "\x00")
	if i, ok := f.at[key]; ok {
		f.Series[i].Value = v
		return
	}
	f.at[key] = len(f.Series)
	f.Series = append(f.Series, Series{Values: values, Value: v})
}

type gauges struct {
	pending, bytes, age, findings, success, timestamp *family
}

func newGauges() *gauges {
	return &gauges{
		pending:   newFamily("queue_pending_messages", "Messages waiting in an outbound queue (KEY bit clear).", queueLabels...),
		bytes:     newFamily("queue_pending_bytes", "Total size of the messages waiting in an outbound queue (MBG size field).", queueLabels...),
		age:       newFamily("queue_oldest_age_seconds", "Age of the oldest message waiting in an outbound queue; 0 when empty, absent when its date cannot be a date.", queueLabels...),
		findings:  newFamily("findings", "Findings of the last diagnosis, by code and severity.", "code", "severity"),
		success:   newFamily("diagnose_success", "1 when the last diagnosis read the postoffice, 0 when it could not."),
		timestamp: newFamily("diagnose_timestamp_seconds", "When the last diagnosis ran, in seconds since the epoch."),
	}
}

// Gather is the metrics of runs made at time at, families sorted by name.
func Gather(at time.Time, runs []Run) []Family {
	g := newGauges()
	for _, run := range runs {
		g.add(at, run)
	}
	var out []Family
	for _, f := range []*family{g.pending, g.bytes, g.age, g.findings, g.success, g.timestamp} {
		out = append(out, f.Family)
	}
	slices.SortFunc(out, func(a, b Family) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (g *gauges) add(at time.Time, run Run) {
	r := run.Report
	if r == nil {
		g.success.set(0, run.PO, "", "")
		g.timestamp.set(unix(at), run.PO, "", "")
		return
	}
	po := []string{run.PO, r.Network, r.Postoffice}
	g.success.set(1, po...)
	g.timestamp.set(unix(at), po...)
	// Every code, 0 when absent: an alert on a code then has a series to
	// compare, not a missing one.
	n := map[diagnose.Code]int{}
	for _, f := range r.Findings {
		n[f.Code]++
	}
	for _, c := range diagnose.Codes() {
		g.findings.set(float64(n[c]), append(slices.Clone(po), c.String(), c.Severity().String())...)
	}
	for _, q := range r.Queues {
		l := append(slices.Clone(po), q.ID, q.Owner, q.Route)
		g.pending.set(float64(q.Pending), l...)
		g.bytes.set(float64(q.PendingBytes), l...)
		if q.AgeSeconds != nil {
			g.age.set(*q.AgeSeconds, l...)
		}
	}
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// Write writes the metrics of runs to file atomically: a temporary file in
// the same directory, renamed over file, so that node_exporter's textfile
// collector never reads half a file.
func Write(file string, at time.Time, runs []Run) error {
	if err := writeFile(file, Gather(at, runs)); err != nil {
		return fmt.Errorf("write metrics to %s: %w", file, err)
	}
	return nil
}

func writeFile(file string, fams []Family) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), filepath.Base(file)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	err = WriteText(w, fams)
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// node_exporter runs as its own user.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}

// WriteText writes fams in Prometheus's text exposition format (version
// 0.0.4), as its client library writes a registry: each family's HELP and
// TYPE, then its series sorted by label values. Written here rather than
// by the client library, whose package initialisation (its default
// registry's process collector, protobuf's hash of the executable) costs
// every porepair command file-system calls, of no use to one that writes
// no metrics.
func WriteText(w io.Writer, fams []Family) error {
	for _, f := range fams {
		if len(f.Series) == 0 {
			continue
		}
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n", f.Name, escapeHelp(f.Help), f.Name)
		series := slices.Clone(f.Series)
		slices.SortFunc(series, func(a, b Series) int {
			return slices.Compare(sortedValues(f.Labels, a.Values), sortedValues(f.Labels, b.Values))
		})
		for _, s := range series {
			if _, err := fmt.Fprintf(w, "%s%s %s\n", f.Name, labelText(f.Labels, s.Values), formatValue(s.Value)); err != nil {
				return err
			}
		}
	}
	return nil
}

// sortedValues are a series' label values in the order of the label
// names sorted, the order its labels are written (and the client library
// sorts series) in.
func sortedValues(names, values []string) []string {
	idx := make([]int, len(names))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(names[a], names[b]) })
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = values[j]
	}
	return out
}

func labelText(names, values []string) string {
	if len(names) == 0 {
		return ""
	}
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	byName := map[string]string{}
	for i, n := range names {
		byName[n] = values[i]
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range sorted {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=\"%s\"", n, escapeLabel(byName[n]))
	}
	b.WriteByte('}')
	return b.String()
}

// validLabel is s as a label value, which must be UTF-8: a byte that is
// not (a path on Linux may hold one) is spelled \xNN, so that two paths
// differing only there stay two series (the client library refuses such
// a value).
func validLabel(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && n == 1 {
			fmt.Fprintf(&b, `\x%02x`, s[0])
		} else {
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}

// A label value may hold any UTF-8 text, with backslash, double quote and
// line feed escaped.
var labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }

var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

func escapeHelp(s string) string { return helpEscaper.Replace(s) }

func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
