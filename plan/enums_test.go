package plan_test

import (
	"encoding/json"
	"testing"

	"github.com/porepair/porepair/plan"
)

// Every op, phase and kind spells itself, reads back from its spelling,
// and nothing else reads as one.
func TestEnumsRoundTrip(t *testing.T) {
	t.Parallel()
	check := func(v interface {
		String() string
	}, ptr any, want string) {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil || string(b) != `"`+want+`"` || v.String() != want {
			t.Errorf("%v marshals to %s, %v", v, b, err)
		}
		if err := json.Unmarshal(b, ptr); err != nil {
			t.Errorf("%s does not read back: %v", b, err)
		}
		if err := json.Unmarshal([]byte(`"chmod"`), ptr); err == nil {
			t.Errorf("%T read an unknown name", ptr)
		}
	}
	var o plan.Op
	var p plan.Phase
	var k plan.Kind
	check(plan.OpMove, &o, "move")
	check(plan.PhaseInstall, &p, "install")
	check(plan.KindAllocateID, &k, "allocate-id")
	if o != plan.OpMove || p != plan.PhaseInstall || k != plan.KindAllocateID {
		t.Errorf("read back %v %v %v", o, p, k)
	}
	if plan.Op(0).String() != "op(0)" || plan.Kind(99).String() != "kind(99)" {
		t.Error("a value outside the table is not spelled as a number")
	}
}
