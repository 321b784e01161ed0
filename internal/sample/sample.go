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
	"os"
	"path/filepath"

	cp "github.com/otiai10/copy"

	"github.com/porepair/porepair/postoffice"
)

// Scenario is the fixture scenario the sample is.
const Scenario = "stale"

//go:embed stale
var tree embed.FS

// Write writes the sample into dir (a directory of the caller's, not a
// postoffice in service), with the empty directories git does not keep.
// The embedded tree is copied with otiai10/copy, whose fs.FS source is
// made for it; embed.FS reads as read-only (0444), and the owner's write
// bit is added, as a postoffice's files have it.
func Write(dir string) error {
	for _, d := range postoffice.StandardDirs {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	return cp.Copy(Scenario, dir, cp.Options{FS: slashFS{tree}, PermissionControl: cp.AddPermission(0o200)})
}
