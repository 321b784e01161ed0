// Package errlist gathers several errors into one value of one type,
// go-multierror's, everywhere in porepair: a failed repair reports every
// error it met (the original and any from its restore) together, and a
// caller can still ask errors.Is and errors.As about each.
package errlist

import (
	"strings"

	"github.com/hashicorp/go-multierror"
)

// Join returns nil when every err is nil, else one *multierror.Error
// holding the others, nested lists flattened. Its message is one line,
// the errors separated by "; ", so that it prints as one line a person
// can act on.
func Join(errs ...error) error {
	var all *multierror.Error
	for _, err := range errs {
		if err != nil {
			all = multierror.Append(all, err)
		}
	}
	if all == nil {
		return nil
	}
	all.ErrorFormat = oneLine
	return all
}

func oneLine(errs []error) string {
	parts := make([]string, len(errs))
	for i, err := range errs {
		parts[i] = err.Error()
	}
	return strings.Join(parts, "; ")
}

// Errors lists the errors err holds, one by one: the members of a list
// (nested lists flattened), or err alone; none for nil.
func Errors(err error) []error {
	me, ok := err.(*multierror.Error)
	if !ok {
		if err == nil {
			return nil
		}
		return []error{err}
	}
	var out []error
	for _, e := range me.Errors {
		out = append(out, Errors(e)...)
	}
	return out
}
