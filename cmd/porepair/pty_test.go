//go:build unix

package main

import (
	"bufio"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// On a real terminal, repair shows the plan and asks; "n" writes nothing,
// "y" repairs.
func TestConfirmOnTerminal(t *testing.T) {
	for _, answer := range []string{"n", "y"} {
		t.Run(answer, func(t *testing.T) {
			dir, before := stalePO(t)
			cmd := exec.Command(binary(t), "--po", dir, "repair")
			tty, err := pty.Start(cmd)
			if err != nil {
				t.Skipf("no pseudo-terminal here: %v", err)
			}
			defer tty.Close()
			seen := make(chan string, 1)
			go func() {
				r := bufio.NewReader(tty)
				var all strings.Builder
				for {
					b, err := r.ReadByte()
					if err != nil {
						seen <- all.String()
						return
					}
					all.WriteByte(b)
					if strings.HasSuffix(all.String(), "[y/N] ") {
						tty.Write([]byte(answer + "\r"))
					}
				}
			}()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var werr error
			select {
			case werr = <-done:
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				t.Fatal("repair did not finish on the terminal")
			}
			code := 0
			var ee *exec.ExitError
			if errors.As(werr, &ee) {
				code = ee.ExitCode()
			}
			tty.Close()
			out := <-seen
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
