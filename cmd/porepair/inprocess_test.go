package main

import (
	"strings"
	"sync"
)

// inProcess serialises the in-process runs of porepair: each sets the
// process's working directory, os.Args and the variables porepair reads
// to its script's, and puts them back after; and urfave/cli writes
// its shared help and version flags on every run (a data race when two
// runs overlap).
var inProcess sync.Mutex

// runHere runs porepair in this process and returns its exit code and
// output; in-process runs take turns (inProcess).
func runHere(args ...string) (int, string, string) {
	inProcess.Lock()
	defer inProcess.Unlock()
	var out, errs strings.Builder
	code := run(append([]string{"porepair"}, args...), strings.NewReader(""), &out, &errs)
	return code, out.String(), errs.String()
}

// scriptEnv is every variable porepair reads besides POREPAIR_FAULT and
// TZ (needsProcess).
var scriptEnv = []string{"POREPAIR_PO", "NO_COLOR"}
