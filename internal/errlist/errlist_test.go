package errlist_test

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/hashicorp/go-multierror"

	"github.com/porepair/porepair/internal/errlist"
)

func TestJoin(t *testing.T) {
	if errlist.Join(nil, nil) != nil {
		t.Fatal("nothing joined is not nil")
	}
	inner := errlist.Join(errors.New("a"), fs.ErrNotExist)
	err := errlist.Join(inner, nil, errors.New("c"))
	var me *multierror.Error
	if !errors.As(err, &me) || len(me.Errors) != 3 {
		t.Fatalf("not one flat multierror: %#v", err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("errors.Is does not see a joined error")
	}
	if err.Error() != "a; file does not exist; c" {
		t.Errorf("message %q", err)
	}
}

func TestErrors(t *testing.T) {
	a, b, c := errors.New("a"), errors.New("b"), errors.New("c")
	got := errlist.Errors(errlist.Join(a, errlist.Join(b, c)))
	if len(got) != 3 || got[0] != a || got[1] != b || got[2] != c {
		t.Errorf("Errors = %v", got)
	}
	if len(errlist.Errors(nil)) != 0 || len(errlist.Errors(a)) != 1 {
		t.Error("nil or a single error listed wrongly")
	}
}
