package textfmt

import (
	"testing"
	"time"
)

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 errors", 1: "1 error", 2: "2 errors"} {
		if got := Plural(n, "error"); got != want {
			t.Errorf("Plural(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestTime(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	at := time.Date(2026, 12, 3, 1, 2, 3, 456789, tokyo)
	if got := Time(at); got != "2026-12-02T16:02:03Z" {
		t.Errorf("Time = %q", got)
	}
	if got := Stamp("2026-12-02T16:02:03.000456789Z"); got != "2026-12-02T16:02:03Z" {
		t.Errorf("Stamp = %q", got)
	}
	if got := Stamp(""); got != "" {
		t.Errorf("Stamp(\"\") = %q", got)
	}
}
