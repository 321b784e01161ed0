//go:build unix

package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/porepair/porepair/backup"
	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/exitcode"
	"github.com/porepair/porepair/repair"
)

// readme is README.md, read once per test that needs it.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// block is a fenced block of the README: its language and its lines.
type block struct {
	lang  string
	lines []string
}

// blocks are the README's fenced blocks in order.
func blocks(t *testing.T) []block {
	var out []block
	var cur *block
	sc := bufio.NewScanner(strings.NewReader(readme(t)))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```") && cur == nil:
			cur = &block{lang: strings.TrimPrefix(line, "```")}
		case strings.HasPrefix(line, "```"):
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.lines = append(cur.lines, line)
		}
	}
	return out
}

// blockOf is the one block of a language whose text contains marker.
func blockOf(t *testing.T, lang, marker string) block {
	t.Helper()
	var found []block
	for _, b := range blocks(t) {
		if b.lang == lang && strings.Contains(strings.Join(b.lines, "\n"), marker) {
			found = append(found, b)
		}
	}
	if len(found) != 1 {
		t.Fatalf("README.md: %d %s blocks with %q, want 1", len(found), lang, marker)
	}
	return found[0]
}

// commands are a shell block's commands, comments dropped.
func commands(b block) []string {
	var out []string
	for _, l := range b.lines {
		if c, _, _ := strings.Cut(l, "#"); strings.TrimSpace(c) != "" {
			out = append(out, strings.TrimSpace(c))
		}
	}
	return out
}

// The README tells how to install porepair before it first shows a
// porepair command to type (issue 13 item 14).
func TestReadmeInstallFirst(t *testing.T) {
	t.Parallel()
	install, example := 0, 0
	fenced := false
	sc := bufio.NewScanner(strings.NewReader(readme(t)))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if install == 0 && strings.Contains(line, "go install ./cmd/porepair") {
			install = n
		}
		cmd := strings.Contains(line, "`porepair ") || fenced && strings.HasPrefix(strings.TrimSpace(line), "porepair ")
		if example == 0 && cmd {
			example = n
		}
	}
	if install == 0 || example == 0 || install > example {
		t.Fatalf("README.md: install at line %d, first porepair command at line %d", install, example)
	}
}

// The install block's commands work: make install (which runs the go
// install the block shows) puts porepair and its man page where the
// README says.
func TestReadmeInstall(t *testing.T) {
	t.Parallel()
	b := blockOf(t, "sh", "go install ./cmd/porepair")
	if got := commands(b); len(got) != 1 || got[0] != "go install ./cmd/porepair" || !strings.Contains(b.lines[0], "make install") {
		t.Fatalf("README.md's install block is %q: this test runs go install ./cmd/porepair through make install", b.lines)
	}
	dir := t.TempDir()
	cmd := exec.Command("make", "--no-print-directory", "install", "MANDIR="+filepath.Join(dir, "man"))
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "GOBIN="+filepath.Join(dir, "bin"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	if out, err := exec.Command(filepath.Join(dir, "bin", "porepair"), "--version").Output(); err != nil || !strings.HasPrefix(string(out), "porepair version ") {
		t.Errorf("the installed porepair --version: %q %v", out, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "man", "man1", "porepair.1")); err != nil || !strings.Contains(string(b), ".SH EXIT STATUS") {
		t.Errorf("make install wrote no man page: %v", err)
	}
}

// The two set-up commands: the demo runs, and make test is a target (make
// -n: this test runs inside it).
func TestReadmeSetup(t *testing.T) {
	t.Parallel()
	got := commands(blockOf(t, "sh", "make test"))
	if len(got) != 2 || got[0] != "go run ./cmd/porepair demo" || got[1] != "make test" {
		t.Fatalf("README.md's set-up commands are %q: this test knows go run ./cmd/porepair demo and make test", got)
	}
	if code, out, errs := porepair(t, nil, "demo"); code != 0 || !strings.Contains(out, "restored") {
		t.Errorf("porepair demo: exit %d\n%s%s", code, out, errs)
	}
	cmd := exec.Command("make", "-n", "test")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "go run ./scripts/gotest") {
		t.Errorf("make -n test: %v\n%s", err, out)
	}
}

// The manifest example is a manifest porepair accepts.
func TestReadmeManifest(t *testing.T) {
	t.Parallel()
	b := blockOf(t, "json", `"installed_bit"`)
	file := filepath.Join(t.TempDir(), "x400.json")
	if err := os.WriteFile(file, []byte(strings.Join(b.lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := diagnose.LoadManifest(file); err != nil {
		t.Errorf("README.md's manifest: %v", err)
	}
}

// The README's table of exit codes is package exitcode's, and so is its
// order for a fleet.
func TestReadmeExitCodes(t *testing.T) {
	t.Parallel()
	text := readme(t)
	for _, m := range exitcode.Meanings {
		row := "| " + strconvI(m.Code) + " | " + m.Meaning + " |"
		if !strings.Contains(text, row+"\n") {
			t.Errorf("README.md lacks the row %q", row)
		}
	}
	if !strings.Contains(text, "\n"+fleetExit()+"\n") {
		t.Errorf("README.md lacks the line %q", fleetExit())
	}
}

// The README's table of statuses is package repair's.
func TestReadmeStatuses(t *testing.T) {
	t.Parallel()
	text := readme(t)
	for _, s := range repair.Statuses() {
		row := "| `" + s.String() + "` | " + strconvI(s.Code()) + " | " + s.Meaning() + " |"
		if !strings.Contains(text, row+"\n") {
			t.Errorf("README.md lacks the row %q", row)
		}
	}
}

// The README's table of snapshot states is package backup's.
func TestReadmeSnapshotStates(t *testing.T) {
	t.Parallel()
	text := readme(t)
	for _, s := range backup.States() {
		row := "| `" + s.String() + "` | " + strconv.FormatBool(s.Whole()) + " | " + s.Meaning() + " |"
		if !strings.Contains(text, row+"\n") {
			t.Errorf("README.md lacks the row %q", row)
		}
	}
}

// The cron line runs as written, with the files it names made
// temporary: a stale postoffice makes it print the line cron mails, and
// the JSON and the log are written.
func TestReadmeCron(t *testing.T) {
	t.Parallel()
	b := blockOf(t, "cron", "porepair")
	if len(b.lines) != 1 {
		t.Fatalf("README.md's cron block has %d lines, want 1", len(b.lines))
	}
	f := strings.Fields(b.lines[0])
	if len(f) < 6 || strings.Join(f[:5], " ") != "30 2 * * *" {
		t.Fatalf("cron line %q: not 5 time fields and a command", b.lines[0])
	}
	job := strings.Join(f[5:], " ")
	tmp, files := readmeFiles(t)
	job = files.Replace(job)
	out, err := readmeShell(t, job).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "porepair: postoffice problems, see "+tmp) {
		t.Errorf("the cron job %q: %v\n%s", job, err, out)
	}
	if j, err := os.ReadFile(filepath.Join(tmp, "last.json")); err != nil || !strings.Contains(string(j), `"exit_code": 3`) {
		t.Errorf("the cron job's JSON: %v\n%s", err, j)
	}
	if l, err := os.ReadFile(filepath.Join(tmp, "porepair.log")); err != nil || len(l) == 0 {
		t.Errorf("the cron job wrote no log: %v", err)
	}
}

// readmeFiles makes the files the README's examples name, in a temporary
// directory: the list of postoffices (one stale one), the log and the
// JSON; the replacer puts them, and porepair's test build, in a command.
func readmeFiles(t *testing.T) (string, *strings.Replacer) {
	t.Helper()
	po, _ := stalePO(t)
	tmp := t.TempDir()
	list := filepath.Join(tmp, "postoffices")
	if err := os.WriteFile(list, []byte("# the README's example list\n"+po+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return tmp, strings.NewReplacer(
		"/etc/porepair/postoffices", list,
		"/var/log/porepair.log", filepath.Join(tmp, "porepair.log"),
		"/var/lib/porepair/", tmp+"/",
		"/usr/local/bin/porepair", binary(t),
		"%f", po,
	)
}

// readmeShell is sh running a command line with porepair's test build
// first on PATH.
func readmeShell(t *testing.T, line string) *exec.Cmd {
	cmd := exec.Command("sh", "-c", line)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(binary(t))+string(os.PathListSeparator)+os.Getenv("PATH"))
	return cmd
}

// unitHeader starts each unit of the README's systemd block.
var unitHeader = regexp.MustCompile(`^# /etc/systemd/system/(\S+\.(?:service|timer))`)

// The systemd units: every unit OnFailure= names is among them, and the
// instance's path is %f (%I drops its leading slash); systemd-analyze
// verify accepts them (when it is installed); and the two ExecStart
// lines run as written, against a stale postoffice.
func TestReadmeSystemd(t *testing.T) {
	t.Parallel()
	units := map[string][]string{}
	var name string
	for _, l := range blockOf(t, "ini", "ExecStart=").lines {
		if m := unitHeader.FindStringSubmatch(l); m != nil {
			name = m[1]
			continue
		}
		if name != "" && strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "#") {
			units[name] = append(units[name], l)
		}
	}
	for _, want := range []string{"porepair-diagnose.service", "porepair-diagnose.timer", "porepair-repair@.service"} {
		if units[want] == nil {
			t.Fatalf("README.md's systemd block has no %s (has %v)", want, units)
		}
	}
	tmp, files := readmeFiles(t)
	for n, lines := range units {
		for _, l := range lines {
			if strings.Contains(l, "%I") {
				t.Errorf("%s: %q: %%I is the instance without its leading slash; a path is %%f", n, l)
			}
			if target, ok := strings.CutPrefix(l, "OnFailure="); ok {
				tmpl := regexp.MustCompile(`@[^.]*\.`).ReplaceAllString(target, "@.")
				if units[tmpl] == nil {
					t.Errorf("%s: OnFailure=%s, and the README gives no %s", n, target, tmpl)
				}
			}
		}
	}
	verifyUnits(t, units, files)
	for _, n := range []string{"porepair-diagnose.service", "porepair-repair@.service"} {
		for _, l := range units[n] {
			if exe, ok := strings.CutPrefix(l, "ExecStart="); ok {
				out, err := readmeShell(t, files.Replace(exe)).CombinedOutput()
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				}
				if want := map[string]int{"porepair-diagnose.service": exitProblems, "porepair-repair@.service": exitOK}[n]; code != want {
					t.Errorf("%s's ExecStart: exit %d, want %d\n%s", n, code, want, out)
				}
			}
		}
	}
	if l, err := os.ReadFile(filepath.Join(tmp, "porepair.log")); err != nil || len(l) == 0 {
		t.Errorf("the units wrote no log: %v", err)
	}
}

// verifyUnits runs systemd-analyze verify on the units, porepair being
// the test build: a key in the wrong section or a bad specifier is a
// line of its output.
func verifyUnits(t *testing.T, units map[string][]string, files *strings.Replacer) {
	t.Helper()
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Log("systemd-analyze is not installed: the units are checked by this test only")
		return
	}
	dir := t.TempDir()
	var args []string
	for n, lines := range units {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(files.Replace(strings.Join(lines, "\n"))+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(n, "@.service") {
			n = strings.Replace(n, "@.", "@mnt-mail.", 1)
		}
		args = append(args, filepath.Join(dir, n))
	}
	out, err := exec.Command("systemd-analyze", append([]string{"verify", "--man=no"}, args...)...).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
