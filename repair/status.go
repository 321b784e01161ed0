package repair

import (
	"encoding/json"
	"fmt"

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

// statuses is the one table of each status's name and exit code.
var statuses = map[Status]struct {
	name string
	code int
}{
	StatusRepaired:          {"repaired", exitcode.OK},
	StatusNothingToDo:       {"nothing-to-do", exitcode.OK},
	StatusRefused:           {"refused", exitcode.Usage},
	StatusRolledBack:        {"rolled-back", exitcode.Failed},
	StatusRestoreFailed:     {"restore-failed", exitcode.RestoreFailed},
	StatusBusy:              {"busy", exitcode.Busy},
	StatusRestored:          {"restored", exitcode.OK},
	StatusNothingToRollBack: {"nothing-to-roll-back", exitcode.OK},
	StatusHealthy:           {"healthy", exitcode.OK},
	StatusProblems:          {"problems", exitcode.Problems},
	StatusPlanned:           {"plan", exitcode.OK},
	StatusError:             {"error", exitcode.Usage},
}

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
