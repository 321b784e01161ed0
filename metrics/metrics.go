package metrics

import (
	"fmt"
	"time"

	"github.com/porepair/porepair/diagnose"
	"github.com/prometheus/client_golang/prometheus"
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

type gauges struct {
	pending, bytes, age, findings, success, timestamp *prometheus.GaugeVec
}

func newGauges(reg *prometheus.Registry) *gauges {
	vec := func(name, help string, extra ...string) *prometheus.GaugeVec {
		v := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "porepair", Name: name, Help: help},
			append(append([]string{}, poLabels...), extra...))
		reg.MustRegister(v)
		return v
	}
	return &gauges{
		pending:   vec("queue_pending_messages", "Messages waiting in an outbound queue (KEY bit clear).", queueLabels...),
		bytes:     vec("queue_pending_bytes", "Total size of the messages waiting in an outbound queue (MBG size field).", queueLabels...),
		age:       vec("queue_oldest_age_seconds", "Age of the oldest message waiting in an outbound queue; 0 when empty, absent when its date cannot be a date.", queueLabels...),
		findings:  vec("findings", "Findings of the last diagnosis, by code and severity.", "code", "severity"),
		success:   vec("diagnose_success", "1 when the last diagnosis read the postoffice, 0 when it could not.", []string{}...),
		timestamp: vec("diagnose_timestamp_seconds", "When the last diagnosis ran, in seconds since the epoch.", []string{}...),
	}
}

// Gather builds a registry holding the metrics of runs made at time at.
func Gather(at time.Time, runs []Run) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	g := newGauges(reg)
	for _, run := range runs {
		g.add(at, run)
	}
	return reg
}

func (g *gauges) add(at time.Time, run Run) {
	r := run.Report
	if r == nil {
		g.success.WithLabelValues(run.PO, "", "").Set(0)
		g.timestamp.WithLabelValues(run.PO, "", "").Set(unix(at))
		return
	}
	po := []string{run.PO, r.Network, r.Postoffice}
	g.success.WithLabelValues(po...).Set(1)
	g.timestamp.WithLabelValues(po...).Set(unix(at))
	// Every code, 0 when absent: an alert on a code then has a series to
	// compare, not a missing one.
	n := map[diagnose.Code]int{}
	for _, f := range r.Findings {
		n[f.Code]++
	}
	for _, c := range diagnose.Codes() {
		g.findings.WithLabelValues(append(po, c.String(), c.Severity().String())...).Set(float64(n[c]))
	}
	for _, q := range r.Queues {
		l := append(append([]string{}, po...), q.ID, q.Owner, q.Route)
		g.pending.WithLabelValues(l...).Set(float64(q.Pending))
		g.bytes.WithLabelValues(l...).Set(float64(q.PendingBytes))
		if q.AgeSeconds != nil {
			g.age.WithLabelValues(l...).Set(*q.AgeSeconds)
		}
	}
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// Write writes the metrics of runs to file atomically: a temporary file in
// the same directory, renamed over file, so that node_exporter's textfile
// collector never reads half a file.
func Write(file string, at time.Time, runs []Run) error {
	if err := prometheus.WriteToTextfile(file, Gather(at, runs)); err != nil {
		return fmt.Errorf("write metrics to %s: %w", file, err)
	}
	return nil
}
