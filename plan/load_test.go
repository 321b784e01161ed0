package plan_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/porepair/porepair/plan"
)

// A saved plan loads back whole; an edited one is refused with the reason.
func TestLoadRefusesEditedPlans(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, build(t, "stale"), plan.Options{})
	saved := encoded(t, pl)
	// What makes the saved po absolute: "/" on Unix, the drive on Windows.
	absPO := regexp.MustCompile(`"po": "([A-Za-z]:|/)`)
	if got, err := plan.Load(strings.NewReader(saved)); err != nil || got.Digest() != pl.Digest() {
		t.Fatalf("round trip: %v", err)
	}
	for name, edit := range map[string][2]string{
		"unknown op":        {`"op": "move"`, `"op": "chmod"`},
		"path outside":      {`"file": "GLB/CONTROL.GLB"`, `"file": "../../etc/passwd"`},
		"absolute path":     {`"to": "MBG/00000031.MBG"`, `"to": "/etc/MBG"`},
		"unknown field":     {`"version": 2,`, `"version": 2, "extra": 1,`},
		"old version":       {`"version": 2,`, `"version": 1,`},
		"bad hash":          {`"sha256": "`, `"sha256": "zz`},
		"bad queue id":      {`"new_queue": "00000031"`, `"new_queue": "../x"`},
		"relative po":       {absPO.FindString(saved), `"po": "`},
		"move changes size": {`"after_size": 560,`, `"after_size": 561,`},
	} {
		if edit[0] == "" || !strings.Contains(saved, edit[0]) {
			t.Fatalf("%s: the saved plan has no %s", name, edit[0])
		}
		_, err := plan.Load(strings.NewReader(strings.Replace(saved, edit[0], edit[1], 1)))
		if err == nil {
			t.Errorf("%s: an edited plan loaded", name)
		}
	}
}

// A plan saved before plans carried a version is refused, saying why.
func TestLoadRefusesUnversionedPlan(t *testing.T) {
	t.Parallel()
	_, err := plan.Load(strings.NewReader(`{"po": "/mnt/mail", "component": "smtp", "actions": []}`))
	if err == nil || !strings.Contains(err.Error(), "older porepair") {
		t.Fatalf("err = %v", err)
	}
}
