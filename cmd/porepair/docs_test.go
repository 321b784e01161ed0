//go:build unix

package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The man page's section is the one its file is named for in README.md
// and installed under by make install; it has the sections urfave/cli
// leaves out, and its ENVIRONMENT lists every variable the module's code
// reads (envReads) but those notInManPage excuses.
func TestManPage(t *testing.T) {
	t.Parallel()
	code, out, errs := runHere("docs", "--man")
	if code != 0 {
		t.Fatalf("docs --man: exit %d\n%s", code, errs)
	}
	if want := fmt.Sprintf(".TH porepair %d\n", manSection); !strings.Contains(out, want) {
		t.Errorf("man page lacks %q", want)
	}
	for _, sec := range []string{".SH EXIT STATUS", ".SH ENVIRONMENT", ".SH FILES", ".B POREPAIR_PO", ".I MAILDATA/POREPAIR/JOURNAL", ".I MAILDATA/POREPAIR/HOLDER/"} {
		if !strings.Contains(out, sec+"\n") {
			t.Errorf("man page lacks %q", sec)
		}
	}
	_, environment, _ := strings.Cut(out, ".SH ENVIRONMENT\n")
	environment, _, _ = strings.Cut(environment, ".SH ")
	for name, where := range envReads(t, filepath.Join("..", "..")) {
		if _, excused := notInManPage[name]; !excused && !strings.Contains(environment, ".B "+name+"\n") {
			t.Errorf("%s reads %s, which the man page's ENVIRONMENT (manEnvironment) does not list", where, name)
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

// notInManPage are the variables the module's code reads that the man
// page's ENVIRONMENT leaves out, each with why: no porepair an
// administrator runs reads them.
var notInManPage = map[string]string{
	"POREPAIR_SHARES_REPORT": "internal/sharetest, a package of the tests: where make test's real-share suites report",
}

// envReads are the variables the module's non-test code (testdata and
// _test.go files left out) reads, each with where: the names given to
// os.Getenv and os.LookupEnv, and to a function of the package that
// os.Getenv is handed to (colorAllowed(os.Getenv)), as string literals or
// constants. A name it cannot tell fails t.
func envReads(t *testing.T, root string) map[string]string {
	t.Helper()
	pkgs := map[string][]*ast.File{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata"):
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go"):
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		pkgs[filepath.Dir(p)] = append(pkgs[filepath.Dir(p)], f)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	reads := map[string]string{}
	for _, files := range pkgs {
		pkgEnvReads(t, fset, files, reads)
	}
	if len(reads) == 0 {
		t.Fatal("found no os.Getenv in the module: the scan is broken")
	}
	return reads
}

// pkgEnvReads adds the variables one package's files read to reads.
func pkgEnvReads(t *testing.T, fset *token.FileSet, files []*ast.File, reads map[string]string) {
	t.Helper()
	consts := map[string]string{}
	getters := map[string]bool{"os.Getenv": true, "os.LookupEnv": true}
	for _, f := range files {
		for _, spec := range constSpecs(f) {
			for i, n := range spec.Names {
				if lit, ok := spec.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					consts[n.Name], _ = strconv.Unquote(lit.Value)
				}
			}
		}
	}
	// A function os.Getenv is handed to reads through its parameter.
	handedTo := map[string]int{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				for i, a := range call.Args {
					if getters[calledName(a)] {
						handedTo[calledName(call.Fun)] = i
					}
				}
			}
			return true
		})
	}
	for _, f := range files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				if i, ok := handedTo[fd.Name.Name]; ok {
					getters[paramName(fd, i)] = true
				}
			}
		}
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || !getters[calledName(call.Fun)] || len(call.Args) != 1 {
				return true
			}
			where := fset.Position(call.Pos()).String()
			name, ok := consts[calledName(call.Args[0])]
			if lit, isLit := call.Args[0].(*ast.BasicLit); isLit && lit.Kind == token.STRING {
				name, _ = strconv.Unquote(lit.Value)
				ok = true
			}
			if !ok {
				t.Errorf("%s: cannot tell which variable it reads: give it a string constant", where)
			}
			reads[name] = where
			return true
		})
	}
}

// constSpecs are a file's top-level constant declarations.
func constSpecs(f *ast.File) []*ast.ValueSpec {
	var out []*ast.ValueSpec
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
			for _, s := range g.Specs {
				if v := s.(*ast.ValueSpec); len(v.Values) == len(v.Names) {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// paramName is the name of a function's i-th parameter.
func paramName(fd *ast.FuncDecl, i int) string {
	for _, field := range fd.Type.Params.List {
		for _, n := range field.Names {
			if i == 0 {
				return n.Name
			}
			i--
		}
	}
	return ""
}

// completionCase is a line typed, the last word being completed, with
// words the completion must offer and words it must not.
type completionCase struct {
	line      string
	want, not []string
}

// bash, given porepair's completion script, completes commands, inspect's
// views, the snapshot ids of the postoffice on the line, flags, and the
// values of flags: directories, files or snapshot ids. zsh's and fish's
// scripts are checked by those shells when they are installed
// (checkZshCompletion, checkFishCompletion).
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
	parent := filepath.Dir(dir)
	list := filepath.Join(parent, "fleet.txt")
	if err := os.WriteFile(list, []byte(dir+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	views := []string{"routes", "network", "xtn", "mailbag", "master", "control"}
	onePO := []string{dir}
	cases := []completionCase{
		{"porepair --po " + dir + " inspect ", views, nil},
		{"porepair --po " + dir + " inspect m", []string{"mailbag", "master"}, nil},
		{"porepair --po " + dir + " inspect --json ", views, nil},
		{"porepair --po " + dir + " snapshots verify ", []string{"latest", id}, nil},
		{"porepair --po " + dir + " snapshots ", []string{"list", "show", "verify", "prune"}, nil},
		{"porepair diagnose --stalled", []string{"--stalled-after"}, nil},
		{"porepair --po " + parent + "/", onePO, []string{list}},
		{"porepair diagnose --snapshot-dir " + parent + "/", onePO, []string{list}},
		{"porepair plan --media " + parent + "/", onePO, []string{list}},
		{"porepair --po-list " + parent + "/", []string{list}, nil},
		{"porepair --log-file " + parent + "/f", []string{list}, nil},
		{"porepair repair --plan " + parent + "/f", []string{list}, nil},
		{"porepair diagnose --manifest " + parent + "/f", []string{list}, nil},
		{"porepair --po " + dir + " rollback --snapshot ", []string{"latest", id}, nil},
		{"porepair help ", []string{"diagnose", "rollback", "snapshots"}, []string{"help", "h"}},
		{"porepair help snapshots ", []string{"list", "prune"}, []string{"help", "h"}},
		{"porepair rollback ", nil, []string{"help", "h"}},
	}
	bin := filepath.Dir(binary(t))
	// One process of each shell completes every case, the three shells at
	// once: a shell and a porepair per case, one after another, was a
	// minute of make test.
	for shell, check := range map[string]func(*testing.T, string, []completionCase){
		"bash": checkBashCompletion, "zsh": checkZshCompletion, "fish": checkFishCompletion,
	} {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			check(t, bin, cases)
		})
	}
}

// caseEnd separates the cases' answers in one shell's output.
const caseEnd = "--porepair-case-end--"

// runCases runs prog, one shell process that answers every case in turn,
// each answer followed by a line caseEnd, with porepair on PATH in bin,
// and checks each answer (its words, split by split).
func runCases(t *testing.T, shell, bin string, cases []completionCase, split func(string) []string, cmd *exec.Cmd) {
	t.Helper()
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", shell, err, out)
	}
	answers := strings.Split(string(out), caseEnd+"\n")
	if len(answers) != len(cases)+1 {
		t.Fatalf("%s answered %d cases of %d:\n%s", shell, len(answers)-1, len(cases), out)
	}
	for i, c := range cases {
		checkCompletion(t, shell, c, strings.Join(split(answers[i]), " "))
	}
}

// quoted is s in single quotes, for bash, zsh and fish alike (the cases'
// words hold no quote).
func quoted(s string) string { return "'" + s + "'" }

// checkCompletion fails t unless got, the words a shell offered for c's
// line, has every word c wants and none it does not.
func checkCompletion(t *testing.T, shell string, c completionCase, got string) {
	t.Helper()
	for _, w := range c.want {
		if !strings.Contains(" "+got+" ", " "+w+" ") {
			t.Errorf("%s: %q completes to %q, want %q among them", shell, c.line, got, w)
		}
	}
	for _, w := range c.not {
		if strings.Contains(" "+got+" ", " "+w+" ") {
			t.Errorf("%s: %q completes to %q, %q among them", shell, c.line, got, w)
		}
	}
}

// needShell is the path of shell, or skips t, saying why, when it is not
// installed.
func needShell(t *testing.T, shell string) string {
	t.Helper()
	path, err := exec.LookPath(shell)
	if err != nil {
		t.Skipf("%s is not installed (apt-get install %s): its completion script is not checked", shell, shell)
	}
	return path
}

// zsh autoloads the script from $fpath as _porepair: it starts with
// #compdef porepair, parses, and ends by calling _porepair, which asks
// porepair for the words (compadd) or completes paths (_files, stubbed
// here: compsys runs only in an interactive shell).
func checkZshCompletion(t *testing.T, bin string, cases []completionCase) {
	zsh := needShell(t, "zsh")
	script := writeScript(t, "zsh-completion")
	b, _ := os.ReadFile(script)
	if s := string(b); !strings.HasPrefix(s, "#compdef porepair\n") || !strings.HasSuffix(s, "\n_porepair \"$@\"\n") {
		t.Errorf("docs --zsh-completion does not start with #compdef porepair and end calling _porepair \"$@\":\n%s", s)
	}
	shellSyntax(t, zsh, script)
	var prog strings.Builder
	prog.WriteString(`compadd() { print -rl -- ${(P)2} }
_files() { if [[ $1 == -/ ]]; then print -rl -- $PREFIX*(N/); else print -rl -- $PREFIX*(N); fi }
`)
	for _, c := range cases {
		var q []string
		for _, w := range strings.Split(c.line, " ") {
			q = append(q, quoted(w))
		}
		fmt.Fprintf(&prog, "set -- %s; words=(\"$@\"); CURRENT=$#; PREFIX=${words[CURRENT]}; source %s; print -r -- %s\n",
			strings.Join(q, " "), quoted(script), caseEnd)
	}
	runCases(t, "zsh", bin, cases, strings.Fields, exec.Command(zsh, "-f", "-c", prog.String()))
}

// fish completes every case as its own completion would (complete -C),
// paths too, which its -f turns off for the rest.
func checkFishCompletion(t *testing.T, bin string, cases []completionCase) {
	fish := needShell(t, "fish")
	script := writeScript(t, "fish-completion")
	shellSyntax(t, fish, script)
	prog := "source " + quoted(script)
	for _, c := range cases {
		prog += "; complete -C " + quoted(c.line) + "; echo " + caseEnd
	}
	runCases(t, "fish", bin, cases, fishWords, exec.Command(fish, "--no-config", "-c", prog))
}

// fishWords are the words of fish's completions, one a line, each
// perhaps followed by a tab and a description.
func fishWords(answer string) []string {
	var words []string
	for _, line := range strings.Split(strings.TrimSpace(answer), "\n") {
		w, _, _ := strings.Cut(line, "\t")
		words = append(words, strings.TrimSuffix(w, "/"))
	}
	return words
}

// writeScript writes what docs --FORMAT prints to a file of the test's.
func writeScript(t *testing.T, format string) string {
	t.Helper()
	code, s, errs := runHere("docs", "--"+format)
	if code != 0 || !strings.Contains(s, completionFlag) {
		t.Fatalf("docs --%s: exit %d, does not ask porepair for the words:\n%s%s", format, code, s, errs)
	}
	file := filepath.Join(t.TempDir(), "porepair."+format)
	if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// shellSyntax fails t unless shell -n (parse, do not run) accepts script.
func shellSyntax(t *testing.T, shell, script string) {
	t.Helper()
	if out, err := exec.Command(shell, "-n", script).CombinedOutput(); err != nil {
		t.Errorf("%s -n %s: %v\n%s", shell, filepath.Base(script), err, out)
	}
}

// checkBashCompletion completes every case with bash's completion
// script, as bash would at the end of the line.
func checkBashCompletion(t *testing.T, bin string, cases []completionCase) {
	_, script, _ := runHere("docs", "--bash-completion")
	var prog strings.Builder
	prog.WriteString(script + "\n")
	for _, c := range cases {
		words := strings.Split(c.line, " ")
		for i, w := range words {
			words[i] = quoted(w)
		}
		fmt.Fprintf(&prog, "COMP_WORDS=(%s); COMP_CWORD=%d; COMPREPLY=(); _porepair_complete; echo \"${COMPREPLY[*]}\"; echo %s\n",
			strings.Join(words, " "), len(words)-1, caseEnd)
	}
	runCases(t, "bash", bin, cases, strings.Fields, exec.Command("bash", "-c", prog.String()))
}
