// Package po holds the checked-in fixture postoffices, written by
// `go run ./testdata/gen -golden` from the fixture builder (a test keeps
// them equal), and embeds the stale-route one for `porepair demo`.
package po

import "embed"

// Stale is the stale-route scenario (KB Q135031), rooted at "stale".
//
//go:embed stale
var Stale embed.FS
