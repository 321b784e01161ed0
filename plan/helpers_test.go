package plan_test

import (
	"testing"

	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

// build writes a scenario into a temp dir and opens it.
func build(t testing.TB, scenario string) *postoffice.PO { return fixture.Open(t, scenario) }
