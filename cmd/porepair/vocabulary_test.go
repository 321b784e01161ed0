package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
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
// JSON, the log and the docs use. Prose that mentions a code (help text)
// is not a spelling of it: only a literal that is the word is.
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
		words[c.String()] = "diagnose/finding.go"
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
		bad = append(bad, strayWords(t, path, rel, words, others)...)
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

// strayWords lists the literals of one file that spell a word of the
// vocabulary outside its table, and the exit codes given as numbers.
// others are the words (or "FILE word", in that file only) that are
// spelled elsewhere meaning something else.
func strayWords(t *testing.T, path, rel string, words map[string]string, others map[string]bool) []string {
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
			if home, ok := words[s]; ok && home != rel && !others[s] && !others[rel+" "+s] {
				bad = append(bad, rel+": "+fset.Position(n.Pos()).String()+": "+strconv.Quote(s)+" is spelled in "+home)
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
