//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The man page's section is the one its file is named for in README.md
// and installed under by make install; it has the sections urfave/cli
// leaves out.
func TestManPage(t *testing.T) {
	t.Parallel()
	code, out, errs := runHere("docs", "--man")
	if code != 0 {
		t.Fatalf("docs --man: exit %d\n%s", code, errs)
	}
	if want := fmt.Sprintf(".TH porepair %d\n", manSection); !strings.Contains(out, want) {
		t.Errorf("man page lacks %q", want)
	}
	for _, sec := range []string{".SH EXIT STATUS", ".SH ENVIRONMENT", ".SH FILES", ".B POREPAIR_PO", ".I MAILDATA/POREPAIR/JOURNAL"} {
		if !strings.Contains(out, sec+"\n") {
			t.Errorf("man page lacks %q", sec)
		}
	}
	for name, want := range map[string]string{
		"README.md": fmt.Sprintf("porepair docs --man > porepair.%d", manSection),
		"Makefile":  fmt.Sprintf("man%d/porepair.%d", manSection, manSection),
	} {
		b, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s does not say %q (%v)", name, want, err)
		}
	}
}

// bash, given porepair's completion script, completes inspect's views,
// the snapshot ids of the postoffice on the line, and flags; the zsh and
// fish scripts ask porepair the same way.
func TestCompletion(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal("bash is needed to test its completion script")
	}
	dir, _ := stalePO(t)
	code, out, errs := porepair(t, nil, "--po", dir, "--json", "repair", "--yes")
	if code != 0 {
		t.Fatalf("repair: exit %d\n%s%s", code, out, errs)
	}
	id := snapshotOf(t, out)
	bin := filepath.Dir(binary(t))
	for _, c := range []struct {
		line string // the words typed, the last one being completed
		want []string
	}{
		{"porepair --po " + dir + " inspect ", []string{"routes", "network", "xtn", "mailbag", "master", "control"}},
		{"porepair --po " + dir + " inspect m", []string{"mailbag", "master"}},
		{"porepair --po " + dir + " snapshots verify ", []string{"latest", id}},
		{"porepair --po " + dir + " snapshots ", []string{"list", "show", "verify", "prune"}},
		{"porepair diagnose --stalled", []string{"--stalled-after"}},
	} {
		got := bashComplete(t, bin, c.line)
		for _, w := range c.want {
			if !strings.Contains(" "+got+" ", " "+w+" ") {
				t.Errorf("%q completes to %q, want %q among them", c.line, got, w)
			}
		}
	}
	for _, f := range []string{"zsh-completion", "fish-completion"} {
		_, s, _ := runHere("docs", "--"+f)
		if !strings.Contains(s, "--generate-bash-completion") {
			t.Errorf("docs --%s does not ask porepair for the words", f)
		}
	}
}

// bashComplete is what bash's completion offers for line, porepair being
// found on PATH in bin.
func bashComplete(t *testing.T, bin, line string) string {
	t.Helper()
	_, script, _ := runHere("docs", "--bash-completion")
	words := strings.Split(line, " ")
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = "'" + w + "'"
	}
	prog := fmt.Sprintf("%s\nCOMP_WORDS=(%s); COMP_CWORD=%d; _porepair_complete; echo \"${COMPREPLY[*]}\"",
		script, strings.Join(quoted, " "), len(words)-1)
	cmd := exec.Command("bash", "-c", prog)
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}
