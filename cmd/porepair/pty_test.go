//go:build unix

package main

import (
	"os/exec"
	"strings"
	"testing"
)

// On a real terminal, repair shows the plan and asks; "n" writes nothing,
// "y" repairs.
func TestConfirmOnTerminal(t *testing.T) {
	t.Parallel()
	for _, answer := range []string{"n", "y"} {
		t.Run(answer, func(t *testing.T) {
			dir, before := stalePO(t)
			code, out := onTTY(t, exec.Command(binary(t), "--po", dir, "repair"), map[string]string{"[y/N] ": answer + "\r"})
			if !strings.Contains(out, "remove (INSTALL -R)") || !strings.Contains(out, "[y/N]") {
				t.Fatalf("the terminal did not show the plan and the question:\n%s", out)
			}
			if answer == "n" {
				if code != 2 {
					t.Fatalf("exit %d after n, want 2:\n%s", code, out)
				}
				sameTree(t, dir, before, "answered n")
				return
			}
			if code != 0 || !strings.Contains(out, "repaired") {
				t.Fatalf("exit %d after y:\n%s", code, out)
			}
		})
	}
}
