// Package exitcode is the one place porepair's exit codes are defined:
// what each means, and which wins when a fleet of postoffices ends with
// several. README.md lists them for users.
package exitcode

import "slices"

const (
	OK            = 0 // done, or healthy (info findings only)
	Failed        = 1 // the repair failed and the postoffice was restored
	Usage         = 2 // usage or input error, or a postoffice the plan refuses: nothing written
	Problems      = 3 // diagnose found an error or a warning
	Busy          = 4 // postoffice in use (a lock is held)
	RestoreFailed = 5 // the repair failed and the restore failed too

	// Planned is plan --detailed-exitcode's "there are changes to carry
	// out". It shares 3 with Problems, which plan never returns: 4 is
	// taken by Busy, 1 and 2 by a failure and a refusal.
	Planned = Problems
)

// Meanings says what each code means, in the words README.md's table of
// exit codes and the man page's EXIT STATUS use (a test keeps the README
// equal to it), and in the few words of porepair --help's one line.
var Meanings = []struct {
	Code    int
	Meaning string
	Short   string
}{
	{OK, "done, or healthy (info findings only)", "done/healthy"},
	{Failed, "the repair failed and the postoffice was restored", "failed and restored"},
	{Usage, "usage or input error, or a postoffice the plan refuses: nothing written", "usage error or refused"},
	{Problems, "diagnose found an error or a warning; `snapshots verify` found a damaged copy", "problems found"},
	{Busy, "postoffice in use (ADMIN, EXTERNAL or another porepair holds the lock)", "postoffice in use"},
	{RestoreFailed, "the repair failed and the restore failed too: the message names the snapshot", "failed and the restore failed too"},
}

// order ranks the codes for a fleet, worst first.
var order = []int{RestoreFailed, Failed, Busy, Usage, Problems, OK}

// Order lists the codes worst first: a fleet exits with the first of
// them any postoffice ended with.
func Order() []int { return slices.Clone(order) }

// Worse returns the worse of two codes for a fleet's exit: 5, 1, 4, 2, 3,
// then 0. A code porepair does not define is worse than any it does.
func Worse(a, b int) int {
	ia, ib := slices.Index(order, a), slices.Index(order, b)
	switch {
	case ia < 0:
		return a
	case ib < 0:
		return b
	case ia < ib:
		return a
	}
	return b
}
