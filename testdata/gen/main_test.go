package main

import (
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/porepair/porepair/testdata/fixture"
)

// gen -h names every scenario -scenario takes.
func TestHelpListsScenarios(t *testing.T) {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	var b strings.Builder
	fs.SetOutput(&b)
	define(fs, &fixture.Spec{})
	fs.PrintDefaults()
	_, list, ok := strings.Cut(b.String(), "scenario: one of ")
	list, _, _ = strings.Cut(list, " (default")
	if got := strings.Split(strings.TrimSpace(list), ", "); !ok || !slices.Equal(got, fixture.Scenarios) {
		t.Errorf("gen -h lists the scenarios %q, want %q:\n%s", got, fixture.Scenarios, b.String())
	}
}
