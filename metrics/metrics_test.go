package metrics_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/metrics"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// diagnosed builds a scenario with mail queued ago before now, and
// diagnoses it with a 2h threshold.
func diagnosed(t *testing.T, scenario string, ago time.Duration) metrics.Run {
	t.Helper()
	dir := filepath.Join(t.TempDir(), scenario)
	d := postoffice.DateOf(now.Add(-ago))
	if err := fixture.BuildSpec(dir, fixture.Spec{Scenario: scenario, QueueDate: &d}); err != nil {
		t.Fatal(err)
	}
	p, err := postoffice.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return metrics.Run{PO: dir, Report: diagnose.Run(p, diagnose.Builtin, diagnose.Clock{Now: now, Location: time.UTC, StalledAfter: 2 * time.Hour})}
}

// parse reads a metrics file with Prometheus's own text parser.
func parse(t *testing.T, file string) map[string]*dto.MetricFamily {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("%s does not parse: %v", file, err)
	}
	return mfs
}

// value is the sample of family name whose labels include want.
func value(t *testing.T, mfs map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	mf, ok := mfs[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	if mf.GetType() != dto.MetricType_GAUGE {
		t.Errorf("%s is a %s, want a gauge", name, mf.GetType())
	}
next:
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		return m.GetGauge().GetValue()
	}
	t.Fatalf("no %s with labels %v", name, want)
	return 0
}

func TestWriteStaleAndHealthy(t *testing.T) {
	t.Parallel()
	stale := diagnosed(t, "stale", 5*time.Hour)
	healthy := diagnosed(t, "healthy", 10*time.Minute)
	failed := metrics.Run{PO: "/mnt/gone"}
	file := filepath.Join(t.TempDir(), "porepair.prom")
	if err := metrics.Write(file, now, []metrics.Run{stale, healthy, failed}); err != nil {
		t.Fatal(err)
	}
	mfs := parse(t, file)
	smtp := map[string]string{"po": stale.PO, "network": "ACME", "postoffice": "BRANCH", "queue": "0000000A",
		"owner": "gateway SMTP", "route": "ACME/HQ/00000004"}
	for name, want := range map[string]float64{
		"porepair_queue_pending_messages":   3,
		"porepair_queue_pending_bytes":      552 + 554 + 300,
		"porepair_queue_oldest_age_seconds": 5 * 3600,
	} {
		if got := value(t, mfs, name, smtp); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if got := value(t, mfs, "porepair_queue_oldest_age_seconds", map[string]string{"po": healthy.PO, "queue": "0000000A"}); got != 600 {
		t.Errorf("healthy queue's age = %v, want 600", got)
	}
	empty := map[string]string{"po": stale.PO, "queue": "00000007", "route": "PARTNER/PARTPO/00000007"}
	if value(t, mfs, "porepair_queue_pending_messages", empty) != 0 || value(t, mfs, "porepair_queue_oldest_age_seconds", empty) != 0 {
		t.Error("PARTPO's empty mailbag is not 0 messages, 0 seconds")
	}
	for _, c := range []struct {
		po, code, severity string
		want               float64
	}{
		{stale.PO, "STALE_GATEWAY_ROUTE", "error", 1},
		{stale.PO, "QUEUE_STALLED", "warning", 1},
		{stale.PO, "QUEUE_PENDING", "info", 1},
		{healthy.PO, "QUEUE_STALLED", "warning", 0},
		{healthy.PO, "STALE_GATEWAY_ROUTE", "error", 0},
	} {
		if got := value(t, mfs, "porepair_findings", map[string]string{"po": c.po, "code": c.code, "severity": c.severity}); got != c.want {
			t.Errorf("%s findings of %s = %v, want %v", c.code, c.po, got, c.want)
		}
	}
	for po, want := range map[string]float64{stale.PO: 1, healthy.PO: 1, failed.PO: 0} {
		if got := value(t, mfs, "porepair_diagnose_success", map[string]string{"po": po}); got != want {
			t.Errorf("success of %s = %v, want %v", po, got, want)
		}
		if got := value(t, mfs, "porepair_diagnose_timestamp_seconds", map[string]string{"po": po}); got != float64(now.Unix()) {
			t.Errorf("timestamp of %s = %v, want %d", po, got, now.Unix())
		}
	}
}

// The file is replaced whole, readable by node_exporter's user, and no
// temporary file is left beside it.
func TestWriteAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "porepair.prom")
	if err := os.WriteFile(file, []byte("garbage from an older run\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := metrics.Write(file, now, []metrics.Run{diagnosed(t, "healthy", 0)}); err != nil {
		t.Fatal(err)
	}
	mfs := parse(t, file)
	if _, ok := mfs["porepair_diagnose_success"]; !ok {
		t.Error("the old file was not replaced")
	}
	fi, err := os.Stat(file)
	// Windows has no permission bits, only the read-only attribute: a
	// file anyone may read there is 0666.
	want := fs.FileMode(0o644)
	if runtime.GOOS == "windows" {
		want = 0o666
	}
	if err != nil || fi.Mode().Perm() != want {
		t.Errorf("mode = %v (%v), want %v", fi.Mode(), err, want)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("left in the directory: %v", ents)
	}
	if err := metrics.Write(filepath.Join(dir, "missing", "x.prom"), now, nil); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

// A date that cannot be a date has no age: no series, rather than a
// made-up one.
func TestNoAgeForBadDate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d := postoffice.Date{Year: 1995, Month: 13, Day: 1}
	if err := fixture.BuildSpec(dir, fixture.Spec{Scenario: "healthy", QueueDate: &d}); err != nil {
		t.Fatal(err)
	}
	p, err := postoffice.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	run := metrics.Run{PO: dir, Report: diagnose.Run(p, diagnose.Builtin, diagnose.Clock{Now: now, StalledAfter: time.Hour})}
	file := filepath.Join(t.TempDir(), "m.prom")
	if err := metrics.Write(file, now, []metrics.Run{run}); err != nil {
		t.Fatal(err)
	}
	mfs := parse(t, file)
	if got := value(t, mfs, "porepair_queue_pending_messages", map[string]string{"queue": "0000000A"}); got != 3 {
		t.Errorf("pending = %v, want 3", got)
	}
	for _, m := range mfs["porepair_queue_oldest_age_seconds"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "queue" && l.GetValue() == "0000000A" {
				t.Errorf("a bad date got an age: %v", m)
			}
		}
	}
}

// The text is what Prometheus's client library writes for the same
// series, byte for byte: families and series in its order, labels
// escaped, values formatted as it formats them.
func TestTextAsClientLibraryWritesIt(t *testing.T) {
	t.Parallel()
	runs := []metrics.Run{diagnosed(t, "stale", 5*time.Hour), diagnosed(t, "healthy", time.Minute),
		{PO: "/mnt/a \"quoted\\\" po\nname"}, {PO: "/mnt/gone"}}
	fams := metrics.Gather(now, runs)
	var ours bytes.Buffer
	if err := metrics.WriteText(&ours, fams); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	for _, f := range fams {
		v := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: f.Name, Help: f.Help}, f.Labels)
		reg.MustRegister(v)
		for _, s := range f.Series {
			v.WithLabelValues(s.Values...).Set(s.Value)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var theirs bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&theirs, mf); err != nil {
			t.Fatal(err)
		}
	}
	if ours.String() != theirs.String() {
		t.Errorf("porepair's text differs from the client library's:\n%s\n---- client library:\n%s", ours.String(), theirs.String())
	}
	if !strings.Contains(ours.String(), `po="/mnt/a \"quoted\\\" po\nname"`) {
		t.Errorf("the quoted path's label is not escaped as expected:\n%s", ours.String())
	}
}

// Paths that are not UTF-8 (a Linux path may hold any byte) make valid
// label values, and two that differ only in those bytes stay two series.
func TestLabelsNotUTF8(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "m.prom")
	if err := metrics.Write(file, now, []metrics.Run{{PO: "/mnt/po\xff"}, {PO: "/mnt/po\xfe"}}); err != nil {
		t.Fatal(err)
	}
	mfs := parse(t, file)
	if n := len(mfs["porepair_diagnose_success"].GetMetric()); n != 2 {
		t.Errorf("%d series of porepair_diagnose_success, want 2", n)
	}
	if got := value(t, mfs, "porepair_diagnose_success", map[string]string{"po": `/mnt/po\xff`}); got != 0 {
		t.Errorf("success of /mnt/po\\xff = %v, want 0", got)
	}
}
