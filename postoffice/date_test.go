package postoffice

import (
	"testing"
	"time"
)

// A stored date becomes a time only in a zone the caller names, and
// DateOf stores a time back to the minute.
func TestDateTime(t *testing.T) {
	t.Parallel()
	east := time.FixedZone("EAST", 3*3600)
	d := Date{Minute: 25, Hour: 16, Day: 8, Month: 10, Year: 1993} // Q108027's first header
	got, ok := d.Time(east)
	if want := time.Date(1993, 10, 8, 13, 25, 0, 0, time.UTC); !ok || !got.Equal(want) {
		t.Errorf("Time(EAST) = %v, %v; want %v", got, ok, want)
	}
	if back := DateOf(got); back != d {
		t.Errorf("DateOf(%v) = %v, want %v", got, back, d)
	}
	if back := DateOf(time.Date(2026, 2, 28, 23, 59, 59, 0, time.UTC)); back.String() != "2026-02-28T23:59" {
		t.Errorf("DateOf drops seconds: %v", back)
	}
	for _, bad := range []Date{{Month: 13, Day: 1, Year: 1995}, {Month: 2, Day: 29, Year: 1993}, {Hour: 24, Month: 1, Day: 1, Year: 1993}} {
		if _, ok := bad.Time(time.UTC); ok {
			t.Errorf("%v became a time", bad)
		}
	}
}
