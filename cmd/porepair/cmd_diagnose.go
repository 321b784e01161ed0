package main

import (
	"bytes"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/metrics"
	"github.com/porepair/porepair/repair"
)

func diagnoseCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:    "diagnose",
		Aliases: []string{"check"},
		Usage:   fmt.Sprintf("read-only health report, with KB references (exit %d on errors or warnings)", exitProblems),
		UsageText: `porepair --po /mnt/mail/MAILDATA diagnose
porepair --po-list /etc/porepair/fleet.txt --parallel 4 diagnose --json
porepair --po /mnt/mail/MAILDATA diagnose --stalled-after 30m --tz Europe/Berlin
porepair --po-list /etc/porepair/fleet.txt diagnose --metrics /var/lib/prometheus/node-exporter/porepair.prom`,
		Description: fmt.Sprintf(`Reads the postoffice and reports every finding porepair knows (docs/format.md lists them), with the KB articles behind it. It never writes a byte to the postoffice.

It counts every outbound queue (each gateway record's queue and each external postoffice's mailbag): the messages waiting (KEY bit clear), their size, and the age of the oldest. %s (warning) says that a queue's oldest message has waited longer than --stalled-after (default 2h; 0 turns it off): mail that nothing moves, the silent failure of Q135031. MBG dates carry no time zone: they are read in the host's local zone, or in --tz ZONE (an IANA name such as Europe/Berlin). A date that cannot be a date is shown as stored and never ages.

--metrics FILE writes Prometheus metrics (queue sizes and ages, findings by code and severity, when the run was and whether it succeeded) for node_exporter's textfile collector, replacing FILE atomically; a fleet writes one file. See docs/monitoring.md.`, diagnose.QueueStalled),
		Flags: []cli.Flag{jsonFlag(), parallelFlag(), manifestFlag(),
			&cli.DurationFlag{Name: "stalled-after", Value: 2 * time.Hour, Usage: "report " + diagnose.QueueStalled.String() + " when a queue's oldest message waited longer than `DURATION` (0: never)"},
			&cli.StringFlag{Name: "tz", Usage: "read MBG dates in time zone `ZONE` (IANA name) instead of the host's"},
			&cli.StringFlag{Name: "metrics", Usage: "write Prometheus metrics to `FILE` (text format, replaced atomically)", TakesFile: true},
		},
		Action: func(c *cli.Context) error { return e.diagnose(c) },
	}
}

func (e *env) diagnose(c *cli.Context) error {
	if c.Args().Present() {
		return usagef("diagnose takes no arguments")
	}
	ms, _, err := manifests(c)
	if err != nil {
		return err
	}
	clock, err := clockOf(c)
	if err != nil {
		return err
	}
	var then func([]result) error
	if file := c.String("metrics"); file != "" {
		then = func(rs []result) error { return writeMetrics(file, clock.Now, rs) }
	}
	st := e.style(jsonOut(c))
	return e.perPOThen(c, func(dir string) result { return diagnoseOne(dir, ms, clock, st) }, then)
}

// clockOf reads --stalled-after and --tz; the time is now.
func clockOf(c *cli.Context) (diagnose.Clock, error) {
	after := c.Duration("stalled-after")
	if after < 0 {
		return diagnose.Clock{}, usagef("--stalled-after %s: must not be negative", after)
	}
	loc := time.Local
	if tz := c.String("tz"); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return diagnose.Clock{}, usagef("--tz %s: %v", tz, err)
		}
		loc = l
	}
	return diagnose.Clock{Now: time.Now(), Location: loc, StalledAfter: after}, nil
}

func diagnoseOne(dir string, ms []diagnose.Manifest, clock diagnose.Clock, st style) result {
	p, err := openPO(dir)
	if err != nil {
		r := failed(dir, repair.StatusError, nil, err)
		r.doc = &failureJSON{Errors: []string{r.reason}, Findings: &[]diagnose.Finding{}, Status: repair.StatusError}
		return r
	}
	r := diagnose.Run(p, ms, clock)
	var b bytes.Buffer
	writeReport(&b, r, st.paint)
	status := repair.StatusHealthy
	if r.Problems() {
		status = repair.StatusProblems
	}
	return result{po: dir, root: p.Root, code: status.Code(), status: status, reason: reportCounts(r), doc: r, text: b.String(), report: r}
}

// writeMetrics writes one file for the whole fleet; a postoffice that
// could not be diagnosed counts as a failed run.
func writeMetrics(file string, at time.Time, rs []result) error {
	runs := make([]metrics.Run, len(rs))
	for i, r := range rs {
		runs[i] = metrics.Run{PO: r.po, Report: r.report}
	}
	if err := metrics.Write(file, at, runs); err != nil {
		return fmt.Errorf("--metrics: %w", err)
	}
	return nil
}
