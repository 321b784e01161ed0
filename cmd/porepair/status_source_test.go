package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/porepair/porepair/internal/osfs/winetest"
)

// The status of a postoffice a command could not plan for comes from the
// domain (repair.PlanFor's Planning, repair.Repair's Result), and so do
// the preconditions of planning and the finding codes of a refusal: cmd
// renders them. It neither checks a precondition itself (a workgroup, a
// run in progress, an unfinished journal) nor tells a refusal, a busy
// postoffice and an error apart by an error's type or the exit code it
// carries.
func TestStatusFromTheDomain(t *testing.T) {
	t.Parallel()
	winetest.Skip(t, "reads the package's source")
	banned := map[string]string{
		"plan.IsRefusal":      "a refusal told by the error's type",
		"plan.RefusalCodes":   "a refusal's codes read back from the error",
		"plan.RefusalOf":      "a refusal made in cmd",
		"plan.Refusal":        "a refusal told by the error's type",
		"plan.Workgroup":      "a precondition of planning checked in cmd",
		"journal.Running":     "a run in progress checked in cmd",
		"journal.InProgress":  "a run in progress checked in cmd",
		"journal.Interrupted": "an unfinished journal checked in cmd",
		"codeOf":              "a status told by the exit code an error carries",
		"planFailed":          "a status told by the error's type",
		"repair.ErrBusy":      "busy told by the error's kind, not the status the domain gave",
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		seen++
		ast.Inspect(f, func(n ast.Node) bool {
			name := ""
			switch n := n.(type) {
			case *ast.SelectorExpr:
				name = calledName(n)
			case *ast.Ident:
				name = n.Name
			}
			if why, ok := banned[name]; ok {
				t.Errorf("%s: %s: %s", fset.Position(n.Pos()), name, why)
			}
			return true
		})
	}
	if seen < 10 {
		t.Fatalf("only %d source files read: the test reads nothing", seen)
	}
}
