package exitcode_test

import (
	"testing"

	"github.com/porepair/porepair/internal/exitcode"
)

func TestWorseOrder(t *testing.T) {
	want := []int{5, 1, 4, 2, 3, 0}
	for i, a := range want {
		for _, b := range want[i:] {
			if exitcode.Worse(a, b) != a || exitcode.Worse(b, a) != a {
				t.Errorf("Worse(%d, %d) = %d, want %d", a, b, exitcode.Worse(a, b), a)
			}
		}
	}
	if exitcode.Worse(0, 99) != 99 {
		t.Error("an undefined code is not the worst")
	}
}
