//go:build unix

package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/porepair/porepair/internal/sharetest"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

// The monitoring chain end to end, with Debian's real parts: porepair
// writes its metrics into node_exporter's textfile directory, node_exporter
// serves them over HTTP, promtool accepts them, and the alerting rules of
// docs/ pass promtool's checks and their unit tests. Run as root, it
// installs the packages when they are missing and fails, never skips,
// when it cannot; without root and without them it is skipped, and make
// test says so before the tests start.
func TestMonitoringIntegration(t *testing.T) {
	t.Parallel()
	ensurePrometheus(t)
	textDir := t.TempDir()
	addr := startNodeExporter(t, textDir)

	stale := monitoredPO(t, "stale", 5*time.Hour)
	healthy := monitoredPO(t, "healthy", 0)
	prom := filepath.Join(textDir, "porepair.prom")
	code, out, errs := porepair(t, nil, "--po", stale, "--po", healthy, "diagnose", "--metrics", prom)
	if code != exitProblems || !strings.Contains(out, "QUEUE_STALLED") {
		t.Fatalf("diagnose: exit %d, want 3 with QUEUE_STALLED\n%s%s", code, out, errs)
	}

	body := scrape(t, addr)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("node_exporter's /metrics does not parse: %v", err)
	}
	if v := metricSample(t, mfs, "node_textfile_scrape_error", nil); v != 0 {
		t.Errorf("node_exporter could not read the textfile (node_textfile_scrape_error %v)", v)
	}
	smtp := func(po string) map[string]string {
		return map[string]string{"po": po, "network": "ACME", "postoffice": "BRANCH", "queue": "0000000A", "owner": "gateway SMTP", "route": "ACME/HQ/00000004"}
	}
	if age := metricSample(t, mfs, "porepair_queue_oldest_age_seconds", smtp(stale)); age < 5*3600 || age > 5*3600+300 {
		t.Errorf("stale queue's age = %v s, want about 18000", age)
	}
	if age := metricSample(t, mfs, "porepair_queue_oldest_age_seconds", smtp(healthy)); age > 300 {
		t.Errorf("healthy queue's age = %v s, want under 300", age)
	}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"porepair_queue_pending_messages", smtp(stale), 3},
		{"porepair_queue_pending_bytes", smtp(stale), 1406},
		{"porepair_findings", map[string]string{"po": stale, "code": "QUEUE_STALLED", "severity": "warning"}, 1},
		{"porepair_findings", map[string]string{"po": stale, "code": "STALE_GATEWAY_ROUTE", "severity": "error"}, 1},
		{"porepair_findings", map[string]string{"po": healthy, "code": "QUEUE_STALLED", "severity": "warning"}, 0},
		{"porepair_diagnose_success", map[string]string{"po": stale}, 1},
		{"porepair_diagnose_success", map[string]string{"po": healthy}, 1},
	}
	for _, c := range checks {
		if got := metricSample(t, mfs, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if ts := metricSample(t, mfs, "porepair_diagnose_timestamp_seconds", map[string]string{"po": stale}); time.Since(time.Unix(int64(ts), 0)) > 5*time.Minute {
		t.Errorf("run time %v is not now", time.Unix(int64(ts), 0))
	}

	ours := porepairLines(body)
	if !bytes.Contains(ours, []byte("# TYPE porepair_queue_oldest_age_seconds gauge\nporepair_queue_oldest_age_seconds{")) {
		t.Fatalf("porepair's families not found in the scrape:\n%s", ours)
	}
	promtool(t, bytes.NewReader(ours), "check", "metrics")
	promtool(t, nil, "check", "rules", "porepair.rules.yml")
	promtool(t, nil, "test", "rules", "porepair.rules.test.yml")
}

// ensurePrometheus installs Debian's prometheus (for promtool) and
// prometheus-node-exporter when either is missing.
func ensurePrometheus(t *testing.T) {
	t.Helper()
	_, e1 := exec.LookPath("promtool")
	_, e2 := exec.LookPath("prometheus-node-exporter")
	if e1 == nil && e2 == nil {
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: promtool or prometheus-node-exporter is missing, and only root may install them: apt-get install prometheus prometheus-node-exporter")
	}
	if err := sharetest.Install("prometheus", "prometheus-node-exporter"); err != nil {
		t.Fatalf("promtool or prometheus-node-exporter is missing (run as root with Debian's package sources): %v", err)
	}
	for _, bin := range []string{"promtool", "prometheus-node-exporter"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("installed Debian's packages, yet %s is not on PATH: %v", bin, err)
		}
	}
}

// startNodeExporter runs node_exporter on a free local port with only the
// textfile collector, reading dir; it is stopped when the test ends.
func startNodeExporter(t *testing.T, dir string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command("prometheus-node-exporter", "--web.listen-address="+addr,
		"--collector.disable-defaults", "--collector.textfile", "--collector.textfile.directory="+dir)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus-node-exporter: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("node_exporter's log:\n%s", log.String())
		}
	})
	return addr
}

// scrape fetches /metrics, waiting for node_exporter to listen.
func scrape(t *testing.T, addr string) []byte {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := client.Get("http://" + addr + "/metrics")
		if err == nil {
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if rerr == nil && resp.StatusCode == http.StatusOK {
				return body
			}
			err = fmt.Errorf("status %s, %v", resp.Status, rerr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("scrape node_exporter at %s: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// monitoredPO builds a scenario whose queued mail was dated ago before now.
func monitoredPO(t *testing.T, scenario string, ago time.Duration) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), scenario)
	d := postoffice.DateOf(time.Now().Add(-ago))
	if err := fixture.BuildSpec(dir, fixture.Spec{Scenario: scenario, QueueDate: &d}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// porepairLines keeps porepair's families of a scrape: promtool lints
// node_exporter's own metrics by its own rules, which are not ours.
func porepairLines(body []byte) []byte {
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(string(body), "\n") {
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "porepair_"),
			len(f) > 2 && f[0] == "#" && strings.HasPrefix(f[2], "porepair_"):
			out.WriteString(line)
		}
	}
	return out.Bytes()
}

// promtool runs promtool in docs/ and fails the test on any complaint.
func promtool(t *testing.T, stdin io.Reader, args ...string) {
	t.Helper()
	cmd := exec.Command("promtool", args...)
	cmd.Dir = filepath.Join("..", "..", "docs")
	cmd.Stdin = stdin
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// metricSample is the value of family name's series whose labels include want.
func metricSample(t *testing.T, mfs map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	mf, ok := mfs[name]
	if !ok {
		t.Fatalf("no %s in the scrape", name)
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
		if m.GetGauge() != nil {
			return m.GetGauge().GetValue()
		}
		return m.GetUntyped().GetValue()
	}
	t.Fatalf("no %s with labels %v in the scrape", name, want)
	return 0
}
