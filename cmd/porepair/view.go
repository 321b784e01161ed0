package main

import (
	"io"

	"github.com/urfave/cli/v2"
)

// view is a typed result a command gathers about one postoffice, as both
// views render it: writeText (view_text*.go) for a person, document
// (view_json.go) for --json, led by the postoffice and exit code. The
// command builds the value and hands it to render; it writes no output
// of its own.
type view interface {
	writeText(w io.Writer)
	document(head lead) any
}

// render prints v on stdout by its text view or, with --json, by its
// JSON document under head.
func (e *env) render(c *cli.Context, head lead, v view) error {
	if jsonOut(c) {
		return writeJSON(e.stdout, v.document(head))
	}
	v.writeText(e.stdout)
	return nil
}
