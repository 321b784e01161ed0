package repair

import "github.com/porepair/porepair/journal"

// The journal lives in package journal, below the executor; these names
// keep repair's own code short.
type (
	Journal = journal.Journal
	Record  = journal.Record
)

const (
	Dir          = journal.Dir
	JournalName  = journal.Name
	KindRepair   = journal.KindRepair
	KindRollback = journal.KindRollback
)
