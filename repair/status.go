package repair

import (
	"encoding/json"
	"fmt"

	"github.com/porepair/porepair/internal/exitcode"
)

// Status is the outcome of a repair or a rollback.
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
