package postoffice

import (
	"fmt"
	"path"
	"strings"
)

// CleanRel confines a path that came from a file (a saved plan, a
// snapshot manifest, a journal, a component manifest) to the postoffice:
// it must be relative, slash-separated, already clean, and free of "..",
// backslashes, drive letters and NUL bytes. It is the one place porepair
// decides whether such a path may become a file name.
func CleanRel(rel string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("path %q %s", Printable(rel), why)
	}
	switch {
	case rel == "":
		return bad("is empty")
	case strings.ContainsAny(rel, "\\\x00:"):
		return bad("holds a backslash, a colon or a NUL byte")
	case path.IsAbs(rel):
		return bad("is absolute")
	case path.Clean(rel) != rel:
		return bad("is not clean")
	case rel == ".." || strings.HasPrefix(rel, "../"):
		return bad("leaves the postoffice")
	case rel == ".":
		return bad("names the postoffice itself")
	}
	return rel, nil
}
