package postoffice

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/porepair/porepair/internal/osfs"
)

// OpenError says in a person's words why a directory cannot be opened as
// a postoffice (no such directory, a file, not a postoffice, and where
// the postoffice is when a subdirectory is one), in place of the system
// call's (lstat …); the error it explains stays reachable for errors.Is.
type OpenError struct {
	Dir string
	msg string
	err error
}

func (e *OpenError) Error() string { return e.msg }
func (e *OpenError) Unwrap() error { return e.err }

// OpenDir is Open whose error is an *OpenError: what every command says
// of a directory that is not a postoffice it can open.
func OpenDir(dir string) (*PO, error) {
	p, err := Open(dir)
	if err != nil {
		return nil, explain(dir, err)
	}
	return p, nil
}

// explain is the OpenError of dir for err, Open's.
func explain(dir string, err error) *OpenError {
	fi, serr := os.Stat(dir)
	var msg string
	switch {
	case errors.Is(serr, fs.ErrNotExist):
		msg = fmt.Sprintf("%s: no such directory", dir)
	case errors.Is(serr, fs.ErrPermission) || errors.Is(err, fs.ErrPermission):
		msg = fmt.Sprintf("%s: permission denied", dir)
	case serr == nil && !fi.IsDir():
		msg = fmt.Sprintf("%s: a file, not a postoffice directory", dir)
	case errors.Is(err, ErrNotPostoffice):
		msg = fmt.Sprintf("%s: %v", dir, ErrNotPostoffice)
		if sub := childPO(dir); sub != "" {
			msg = fmt.Sprintf("%s: not a postoffice; %s is a postoffice: use --po %s", dir, sub, sub)
		}
	default:
		msg = fmt.Sprintf("%s: %s", dir, osfs.Reason(err))
	}
	return &OpenError{Dir: dir, msg: msg, err: err}
}

// childPO is a subdirectory of dir that is a postoffice (MAILDATA first),
// or "": administrators often name the share above it.
func childPO(dir string) string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	slices.SortStableFunc(ents, func(a, b fs.DirEntry) int {
		return cmp.Compare(maildataRank(a.Name()), maildataRank(b.Name()))
	})
	for _, e := range ents {
		sub := filepath.Join(dir, e.Name())
		if fi, err := os.Stat(sub); err == nil && fi.IsDir() {
			if _, err := Open(sub); err == nil {
				return sub
			}
		}
	}
	return ""
}

// maildataRank puts MAILDATA, the usual name of a postoffice, first.
func maildataRank(name string) int {
	if strings.EqualFold(name, "MAILDATA") {
		return 0
	}
	return 1
}
