// Package metrics turns diagnose reports into Prometheus metrics, written
// in the text exposition format for node_exporter's textfile collector:
// a cron job or timer runs `porepair diagnose --metrics FILE`, node_exporter
// serves the file, and an alert fires when a queue stalls (docs/monitoring.md).
package metrics
