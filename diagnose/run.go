package diagnose

import (
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/postoffice"
)

// Run is the diagnosis the diagnose command reports: the files' findings,
// every outbound queue aged by c, and what porepair's own records say. An
// unfinished journal is INTERRUPTED_REPAIR. A repair or rollback still
// running (its lock held, before or after the files were read) is
// REPAIR_RUNNING instead of what it is half-way through: between its
// renames the queue may be briefly missing, which is not a finding, and
// queues counted then are not to be graphed.
func Run(p *postoffice.PO, ms []Manifest, c Clock) *Report {
	h, running := journal.Running(p.Root)
	r := aged(p, ms, c)
	if !running {
		h, running = journal.Running(p.Root)
	}
	if running {
		what := "diagnose again when it has finished"
		if h.Unreadable {
			// A run killed between making the lock and writing who it is
			// leaves one no run can be told by: only a person can.
			what = "if it is not still starting and no porepair runs on any host, it was killed before it named itself: `porepair unlock` removes the lock, then diagnose again"
		}
		r.Findings = []Finding{NewFinding(RepairRunning, journal.LockName,
			"a porepair repair or rollback is running on this postoffice (porepair on %s); %s", h, what)}
		r.Queues = []Queue{}
		return r
	}
	if err := journal.Interrupted(p.Root); err != nil {
		r.Findings = append(r.Findings, NewFinding(InterruptedRepair, journal.Name, "%v", err))
		r.Sort()
	}
	return r
}
