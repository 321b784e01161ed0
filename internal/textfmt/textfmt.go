// Package textfmt holds the few rules every part of porepair's output
// shares, so that a log line, a text report and a JSON document agree: one
// pluraliser and one timestamp format.
package textfmt

import (
	"fmt"
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
