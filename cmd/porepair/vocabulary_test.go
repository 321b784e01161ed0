package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/porepair/porepair/backup"
	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/osfs/winetest"
	"github.com/porepair/porepair/repair"
)

// One vocabulary: a status word, a snapshot state or a finding code is
// spelled once, in its table (repair/status.go, backup/state.go,
// diagnose/finding.go), and an exit code is a name from package exitcode. A literal "refused" compared, or an
// exit(2, …), elsewhere in porepair's code would drift from the table the
// JSON, the log and the docs use. Prose that mentions a status word is
// not a spelling of it: only a literal that is the word is. Prose that
// names a finding code or an exit code (help text, a refusal's message)
// is: it formats the code from its definition, so that renaming or
// renumbering it changes every text (strayProse).
func TestOneVocabulary(t *testing.T) {
	t.Parallel()
	winetest.Skip(t, "reads the module's source tree")
	words := map[string]string{}
	for _, s := range repair.Statuses() {
		words[s.String()] = "repair/status.go"
	}
	// After the statuses: rolled-back, a repair's status and its
	// snapshot's state, is spelled in the states' table.
	for _, s := range backup.States() {
		words[s.String()] = "backup/state.go"
	}
	for _, c := range diagnose.Codes() {
		words[c.String()] = findingHome
	}
	// "plan" is also the plan command's name, "error" slog's key for an
	// error, and "complete" a journal record's op (its on-disk format):
	// those spellings name something else.
	others := map[string]bool{"error": true, "journal/journal.go complete": true}
	for _, c := range newApp(&env{}).Commands {
		others[c.Name] = true
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	v := vocabulary{words: words, others: others, codes: codeNames()}
	var bad []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, "testdata/") || strings.HasPrefix(rel, "scripts/") {
			return nil // test tools: their words are a fixture's, not output
		}
		bad = append(bad, strayWords(t, path, rel, v)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Error(b)
	}
	if len(words) < 20 {
		t.Fatalf("only %d words found in the tables: the test reads nothing", len(words))
	}
}

// vocabulary is what TestOneVocabulary looks for. words are the words of
// the tables, by the file that spells them; others are the words (or
// "FILE word", in that file only) that are spelled elsewhere meaning
// something else; codes matches a finding code's name within a text.
type vocabulary struct {
	words  map[string]string
	others map[string]bool
	codes  *regexp.Regexp
}

// codeNames matches the name of any finding code, as a whole word.
func codeNames() *regexp.Regexp {
	var names []string
	for _, c := range diagnose.Codes() {
		names = append(names, regexp.QuoteMeta(c.String()))
	}
	return regexp.MustCompile(`\b(` + strings.Join(names, "|") + `)\b`)
}

// exitNumber matches an exit code written as a number in prose: "exit
// 3", "exits 4", "(exit 2)", "Exit codes: 0 …". Formatted ("exit %d"
// with a constant of package exitcode) it follows a renumbering.
var exitNumber = regexp.MustCompile(`(?i)\bexit(s|ed)?( codes?:?)? [0-9]`)

// The one definition of each: the codes' own files may spell them.
const (
	exitcodeHome = "internal/exitcode/exitcode.go"
	findingHome  = "diagnose/finding.go"
)

// strayProse says what a string literal of file rel spells in prose that
// only its definition may: an exit code as a number, a finding code's
// name.
func strayProse(s, rel string, v vocabulary) []string {
	var bad []string
	if m := exitNumber.FindString(s); m != "" && rel != exitcodeHome {
		bad = append(bad, strconv.Quote(m)+": format the exit code from package exitcode's constant")
	}
	if m := v.codes.FindString(s); m != "" && rel != findingHome {
		bad = append(bad, m+" in prose: format it from the diagnose.Code's String")
	}
	return bad
}

// strayProse sees the forms help text wrote exit and finding codes in,
// and not the formatted ones, in any file but their definitions'.
func TestStrayProse(t *testing.T) {
	t.Parallel()
	v := vocabulary{codes: codeNames()}
	for _, c := range []struct {
		s, rel string
		stray  bool
	}{
		{"refuses (exit 2) unless --force", "cmd/porepair/cmd_rollback.go", true},
		{"every later run exits 4 naming it", "cmd/porepair/cmd_unlock.go", true},
		{"Exit codes: 0 done/healthy", "cmd/porepair/main.go", true},
		{"report QUEUE_STALLED when", "cmd/porepair/cmd_diagnose.go", true},
		{"(exit %d on errors or warnings)", "cmd/porepair/cmd_diagnose.go", false},
		{"QUEUE_STALLED_SINCE", "cmd/porepair/cmd_diagnose.go", false},
		{"QUEUE_STALLED", findingHome, false},
	} {
		if got := len(strayProse(c.s, c.rel, v)) > 0; got != c.stray {
			t.Errorf("strayProse(%q) in %s finds a stray code: %v, want %v", c.s, c.rel, got, c.stray)
		}
	}
}

// strayWords lists the literals of one file that spell a word of the
// vocabulary outside its table, the exit codes given as numbers, and the
// finding and exit codes its prose spells (strayProse).
func strayWords(t *testing.T, path, rel string, v vocabulary) []string {
	words, others := v.words, v.others
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit:
			s, err := strconv.Unquote(n.Value)
			if n.Kind != token.STRING || err != nil {
				return true
			}
			at := fset.Position(n.Pos()).String()
			if home, ok := words[s]; ok && home != rel && !others[s] && !others[rel+" "+s] {
				bad = append(bad, rel+": "+at+": "+strconv.Quote(s)+" is spelled in "+home)
			} else {
				for _, b := range strayProse(s, rel, v) {
					bad = append(bad, rel+": "+at+": "+b)
				}
			}
		case *ast.CallExpr:
			if name := calledName(n.Fun); slices.Contains([]string{"exit", "os.Exit"}, name) && len(n.Args) > 0 {
				if lit, ok := n.Args[0].(*ast.BasicLit); ok && lit.Kind == token.INT {
					bad = append(bad, rel+": "+fset.Position(n.Pos()).String()+": "+name+"("+lit.Value+"): name the code from package exitcode")
				}
			}
		}
		return true
	})
	return bad
}

// calledName is an identifier's name or a selector's pkg.Name; "" for
// anything else.
func calledName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok {
			return x.Name + "." + e.Sel.Name
		}
	}
	return ""
}
