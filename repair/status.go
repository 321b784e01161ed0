package repair

import (
	"encoding/json"
	"fmt"

	"github.com/porepair/porepair/backup"
	"github.com/porepair/porepair/internal/exitcode"
)

// Status is the outcome of a command on one postoffice: a repair's or a
// rollback's, and the diagnose and plan commands' too, so that one table
// holds every status word the text, the JSON, the log and the docs use.
type Status uint8

const (
	StatusRepaired Status = iota + 1
	StatusNothingToDo
	StatusRefused
	StatusRolledBack
	StatusRestoreFailed
	StatusBusy
	StatusRestored
	// StatusNothingToRollBack: the snapshot was rolled back already, or
	// the postoffice has none (never repaired): exit 0 either way.
	StatusNothingToRollBack
	// StatusHealthy and StatusProblems are diagnose's: no finding above
	// info, or an error or warning.
	StatusHealthy
	StatusProblems
	// StatusPlanned is a plan made (to carry out, or nothing to do when
	// it says so: StatusNothingToDo).
	StatusPlanned
	// StatusError: the command could not work on the postoffice (not one,
	// unreadable, or its output could not be written); nothing written.
	StatusError
)

// statuses is the one table of each status's name, exit code and
// meaning (README.md's table of statuses and the man page's STATUS are
// made from it, and a test keeps them so). A repair undone is one word
// for the repair and for its snapshot: the status takes the state's.
var statuses = map[Status]struct {
	name    string
	code    int
	meaning string
}{
	StatusRepaired:          {"repaired", exitcode.OK, "the repair was carried out and verified"},
	StatusNothingToDo:       {"nothing-to-do", exitcode.OK, "no error or warning finding about the component: nothing planned or changed"},
	StatusRefused:           {"refused", exitcode.Usage, "a precondition failed (the reason, and the finding codes behind it, are given): nothing written"},
	StatusRolledBack:        {backup.StateRolledBack.String(), exitcode.Failed, "the repair failed and its snapshot was restored: the postoffice is as it was"},
	StatusRestoreFailed:     {"restore-failed", exitcode.RestoreFailed, "the repair or rollback failed and so did the restore: the message names the snapshot to roll back"},
	StatusBusy:              {"busy", exitcode.Busy, "ADMIN, EXTERNAL or another porepair holds the postoffice: nothing written"},
	StatusRestored:          {"restored", exitcode.OK, "a rollback restored the snapshot"},
	StatusNothingToRollBack: {"nothing-to-roll-back", exitcode.OK, "the postoffice was never repaired, or its last repair was rolled back already"},
	StatusHealthy:           {"healthy", exitcode.OK, "diagnose found no error or warning"},
	StatusProblems:          {"problems", exitcode.Problems, "diagnose found an error or a warning"},
	StatusPlanned:           {"plan", exitcode.OK, fmt.Sprintf("a plan was made (plan --detailed-exitcode exits %d when it has changes)", exitcode.Planned)},
	StatusError:             {"error", exitcode.Usage, "the postoffice could not be worked on (not one, unreadable, or the output could not be written): nothing written"},
}

// Statuses lists every status, in their order of definition.
func Statuses() []Status {
	out := make([]Status, 0, len(statuses))
	for s := StatusRepaired; int(s) <= len(statuses); s++ {
		out = append(out, s)
	}
	return out
}

// Meaning says what the status means, in the words of the docs.
func (s Status) Meaning() string { return statuses[s].meaning }

func (s Status) String() string {
	if i, ok := statuses[s]; ok {
		return i.name
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Code is the exit code of the status.
func (s Status) Code() int {
	if i, ok := statuses[s]; ok {
		return i.code
	}
	return exitcode.Usage
}

// MarshalJSON spells the status by name.
func (s Status) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }
