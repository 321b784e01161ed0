package main

import (
	"slices"
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

// processEnv are the variables porepair reads that a run in this process
// cannot take from its script (needsProcess): the fault hook and the
// zone are read once, when a process starts, and POREPAIR_HELD_RETRY
// would stay set for the runs after.
var processEnv = []string{"POREPAIR_FAULT", "TZ", heldRetryEnv}

// scriptEnv are the other variables porepair reads (the man page's
// ENVIRONMENT), which a run in this process takes from its script.
var scriptEnv = func() []string {
	var out []string
	for _, v := range manEnvironment {
		if !slices.Contains(processEnv, v[0]) {
			out = append(out, v[0])
		}
	}
	return out
}()
