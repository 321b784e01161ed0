package backup

import (
	"encoding/json"
	"fmt"
)

// State is what a listed snapshot is now: whether it can still undo its
// repair, was used already, or cannot be read. One set, spelled in the
// vocabulary of the statuses (package repair): a snapshot whose repair was
// undone is rolled-back, as that repair's status is.
type State uint8

const (
	// StateComplete: made whole and never used; it can undo its repair.
	StateComplete State = iota + 1
	// StateRolledBack: restored already (by a rollback, or by its own
	// repair that failed); nothing is left for it to undo.
	StateRolledBack
	// StateInterrupted: the snapshot of the repair or rollback an
	// unfinished journal records (set by package repair, which reads the
	// journal); rollback restores it.
	StateInterrupted
	// StateIncomplete: no manifest; the repair stopped while making it.
	StateIncomplete
	// StateDamaged: a manifest, or its rolled-back mark, that cannot be read.
	StateDamaged
)

// states is the one table of each state's word and meaning (README.md's
// table of snapshot states and snapshots list's help are made from it,
// and a test keeps the README so). whole is the JSON field complete: the
// snapshot was made whole and can be read, whatever became of it since;
// undoes is whether it can still undo a repair, which prune keeps.
var states = map[State]struct {
	name    string
	whole   bool
	undoes  bool
	meaning string
}{
	StateComplete:    {"complete", true, true, "made whole and never used: it can undo its repair (the newest is the undo of the repair in effect)"},
	StateRolledBack:  {"rolled-back", true, false, "restored already, by a rollback or by its own repair that failed: nothing left to undo"},
	StateInterrupted: {"interrupted", true, true, "the snapshot of a repair or rollback that did not finish: rollback restores it"},
	StateIncomplete:  {"incomplete", false, false, "no manifest: a crash while it was being made; the next rollback or prune removes it"},
	StateDamaged:     {"damaged", false, false, "its manifest or its rolled-back mark cannot be read: kept for a person to look at"},
}

// States lists every state, in their order of definition.
func States() []State {
	out := make([]State, 0, len(states))
	for s := StateComplete; int(s) <= len(states); s++ {
		out = append(out, s)
	}
	return out
}

func (s State) String() string {
	if i, ok := states[s]; ok {
		return i.name
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// Meaning says what the state means, in the words of the docs.
func (s State) Meaning() string { return states[s].meaning }

// Whole reports whether a snapshot in this state was made whole and can
// be read: the JSON field complete, which a rolled-back snapshot keeps.
func (s State) Whole() bool { return states[s].whole }

// Undoes reports whether a snapshot in this state can still undo a repair.
func (s State) Undoes() bool { return states[s].undoes }

// MarshalJSON spells the state by name.
func (s State) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }
