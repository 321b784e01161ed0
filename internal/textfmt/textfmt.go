// Package textfmt holds the few rules every part of porepair's output
// shares, so that a log line, a text report and a JSON document agree: one
// pluraliser, one timestamp format, one way to quote a path in a command
// to copy.
package textfmt

import (
	"fmt"
	"strings"
	"time"
)

// Plural is "1 postoffice", "3 postoffices", "0 errors": every count
// porepair prints takes a regular plural.
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// TimeLayout is the one timestamp format of porepair's output: RFC 3339
// in UTC, to the second, so that lines from hosts in different zones
// compare and sort as text.
const TimeLayout = "2006-01-02T15:04:05Z"

// Time is t in TimeLayout.
func Time(t time.Time) string { return t.UTC().Format(TimeLayout) }

// Stamp re-formats a stored RFC 3339 timestamp (a snapshot manifest keeps
// nanoseconds, to order snapshots made within one second) in TimeLayout;
// anything else is returned as it is.
func Stamp(s string) string {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return Time(t)
	}
	return s
}

// Threshold spells a threshold as given: 2h, 90m as 1h30m, 1m30s.
func Threshold(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Age spells an age to the minute, or in days past two days.
func Age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	h, m := d/time.Hour, d%time.Hour/time.Minute
	if h == 0 {
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}

// ShellQuote quotes a path for a command line to copy, when it needs it.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == ',' || r == ':' || r == '+' ||
			(r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
