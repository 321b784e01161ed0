// Package sample is the postoffice `porepair demo` repairs: the
// stale-route scenario of KB Q135031 (the gateway postoffice ACME/HQ
// deleted and re-added, the SMTP record still naming its old mailbag id),
// as the fixture builder writes it. It lives here rather than beside the
// other checked-in trees in testdata/ so that the release binary is built
// from no test data; `go run ./testdata/gen -golden` rewrites it and a test
// keeps it equal to the builder's.
package sample

import (
	"embed"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/porepair/porepair/postoffice"
)

// Scenario is the fixture scenario the sample is.
const Scenario = "stale"

//go:embed stale
var tree embed.FS

// Write writes the sample into dir (a directory of the caller's, not a
// postoffice in service), with the empty directories git does not keep.
func Write(dir string) error {
	for _, d := range postoffice.StandardDirs {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	return fs.WalkDir(tree, Scenario, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(Scenario, p)
		data, err := tree.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
}
