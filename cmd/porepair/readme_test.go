package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README tells how to install porepair before it first shows a
// porepair command to type (issue 13 item 14).
func TestReadmeInstallFirst(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	install, example := 0, 0
	fenced := false
	sc := bufio.NewScanner(f)
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
