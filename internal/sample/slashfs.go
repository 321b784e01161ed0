package sample

import (
	"io/fs"
	"path/filepath"
)

// slashFS gives otiai10/copy the slash-separated names an fs.FS takes:
// it joins the names of an fs.FS source with filepath.Join, which on
// Windows makes "stale\GLB", a name embed.FS does not have.
type slashFS struct{ fs.FS }

func (s slashFS) Open(name string) (fs.File, error) {
	return s.FS.Open(filepath.ToSlash(name))
}
