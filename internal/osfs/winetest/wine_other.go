//go:build !windows

package winetest

// Version reports Wine's version when this process runs under Wine: only
// a Windows program can.
func Version() (string, bool) { return "", false }

// symlinkUnavailable: every Unix user may make symbolic links.
func symlinkUnavailable(error) bool { return false }
