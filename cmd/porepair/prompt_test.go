//go:build unix

package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// onTTY runs cmd with a pseudo-terminal as its standard streams. Each time
// the output so far ends with a key of answers, the value is typed. It
// returns the exit code and everything the terminal showed.
func onTTY(t *testing.T, cmd *exec.Cmd, answers map[string]string) (int, string) {
	t.Helper()
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
			for prompt, answer := range answers {
				if strings.HasSuffix(all.String(), prompt) {
					tty.Write([]byte(answer))
				}
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
		t.Fatal("porepair did not finish on the terminal")
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		code = ee.ExitCode()
	}
	// The reader sees EIO once the last holder of the terminal exits.
	select {
	case out := <-seen:
		return code, out
	case <-time.After(10 * time.Second):
		tty.Close()
		return code, <-seen
	}
}

// "yes please" is not a yes, and its rest does not reach the shell that
// reads the terminal next: the whole line is the answer.
func TestConfirmReadsWholeLine(t *testing.T) {
	t.Parallel()
	dir, before := stalePO(t)
	sh := exec.Command("sh", "-c", `"$0" --po "$1" repair; echo "exit=$?"; echo NEXT; read rest; echo "shell read [$rest]"`, binary(t), dir)
	code, out := onTTY(t, sh, map[string]string{"[y/N] ": "yes please\r", "NEXT\r\n": "ls\r"})
	if code != 0 || !strings.Contains(out, "exit=2") || !strings.Contains(out, "not confirmed") {
		t.Fatalf("yes please was taken as a yes:\n%s", out)
	}
	if !strings.Contains(out, "shell read [ls]") {
		t.Fatalf("the rest of the answer leaked to the shell:\n%s", out)
	}
	sameTree(t, dir, before, "answered yes please")
}

// Nothing to repair: no question, the outcome says why.
func TestNoQuestionWithNothingToDo(t *testing.T) {
	t.Parallel()
	healthy, _ := scenarioPO(t, "healthy")
	gone, before := scenarioPO(t, "gateway-gone")
	for _, dir := range []string{healthy, gone} {
		code, out := onTTY(t, exec.Command(binary(t), "--po", dir, "repair"), map[string]string{"[y/N] ": "n\r"})
		if strings.Contains(out, "[y/N]") {
			t.Fatalf("asked with nothing to repair:\n%s", out)
		}
		if want := map[string]int{healthy: 0, gone: 2}[dir]; code != want {
			t.Fatalf("exit %d, want %d:\n%s", code, want, out)
		}
	}
	sameTree(t, gone, before, "refused without a question")
}

// A fleet gets a summary, not every plan: how many will be repaired, which
// are refused and why, which have nothing to do. Then, on the terminal, a
// progress bar with the count, the table with reasons and totals, and the
// undo command of each repair.
func TestFleetSummaryBeforeQuestion(t *testing.T) {
	t.Parallel()
	a, _ := stalePO(t)
	b, _ := stalePO(t)
	gone, _ := scenarioPO(t, "gateway-gone")
	healthy, _ := scenarioPO(t, "healthy")
	cmd := exec.Command(binary(t), "--po", a, "--po", gone, "--po", healthy, "--po", b, "repair")
	code, out := onTTY(t, cmd, map[string]string{"[y/N] ": "y\r"})
	for _, want := range []string{
		"2 to repair, 1 refused, 1 with nothing to do",
		"refused  " + gone + ": ",
		"Repair 2 postoffices? [y/N]",
		"POSTOFFICE", "REASON",
		"4 postoffices: repaired 2, refused 1, nothing-to-do 1",
		"undo: porepair --po " + a + " rollback --snapshot ",
		"restart EXTERNAL.EXE",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the terminal did not show %q", want)
		}
	}
	// The progress bar: the postoffice being worked on, and the count.
	if !regexp.MustCompile(`repair /\S+/MAILDATA .*\([0-4]/4\)`).MatchString(out) {
		t.Error("no progress bar with the postoffice and the count")
	}
	if strings.Contains(out, "remove (INSTALL -R)") {
		t.Error("a fleet's plans were shown in full")
	}
	if code != 2 {
		t.Errorf("exit %d, want 2 (one refused)", code)
	}
	if t.Failed() {
		t.Log(out)
	}
}

// Colour on a terminal, none with NO_COLOR.
func TestColourOnTerminalOnly(t *testing.T) {
	t.Parallel()
	dir, _ := stalePO(t)
	for _, noColor := range []string{"", "1"} {
		cmd := exec.Command(binary(t), "--po", dir, "diagnose")
		// TERM=dumb, which some CI runners set, would turn colour off too.
		cmd.Env = append(os.Environ(), "NO_COLOR="+noColor, "TERM=xterm")
		code, out := onTTY(t, cmd, nil)
		if code != 3 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		if colour := strings.Contains(out, "\x1b[31mERROR"); colour != (noColor == "") {
			t.Errorf("NO_COLOR=%q: colour %v:\n%q", noColor, colour, out)
		}
	}
}
