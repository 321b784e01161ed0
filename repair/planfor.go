package repair

import (
	"errors"
	"fmt"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
)

// Planning is what planning for a postoffice came to, reading only: a
// plan, or the status that says why there is none and, for a refusal,
// the codes of the findings that caused it. The commands read the
// status (and through it the exit code) from here: they never tell a
// refusal from a busy postoffice by an error's type.
type Planning struct {
	// PO is the postoffice opened; nil when dir could not be opened as
	// one (StatusError, and Err says why).
	PO *postoffice.PO
	// Plan is the plan made, when Status is StatusPlanned or
	// StatusNothingToDo.
	Plan *plan.Plan
	// Status is StatusPlanned, StatusNothingToDo, StatusRefused,
	// StatusBusy or StatusError.
	Status Status
	Err    error           // why there is no plan
	Codes  []diagnose.Code // the findings that caused a refusal, and only them
}

// Code is the exit code of the outcome.
func (pg Planning) Code() int { return pg.Status.Code() }

// Fresh plans opt's repair from the postoffice as it is now.
func Fresh(opt plan.Options) Planner {
	return func(po *postoffice.PO) (*plan.Plan, error) { return plan.Build(po, opt) }
}

// PlanFor opens the postoffice at dir and plans for it with planner,
// reading only: the preconditions of planning, checked in one place for
// the plan command and a repair's preview. A workgroup postoffice is
// refused first, whatever else holds; a run in progress is busy; an
// unfinished journal is refused (INTERRUPTED_REPAIR); then planner plans.
// Each status is decided where its check is, not read back from an error.
func PlanFor(dir string, planner Planner) Planning {
	po, err := postoffice.OpenDir(dir)
	if err != nil {
		return Planning{Status: StatusError, Err: err}
	}
	pg := Planning{PO: po}
	if err := plan.Workgroup(po); err != nil {
		return pg.failed(StatusRefused, err)
	}
	if err := inUse(po.Root); err != nil {
		return pg.failed(StatusBusy, err)
	}
	if err := interrupted(po.Root); err != nil {
		return pg.failedUnlessBusy(StatusRefused, err)
	}
	p, err := planner(po)
	if err != nil {
		return pg.failedUnlessBusy(plannerStatus(err), err)
	}
	pg.Plan, pg.Status = p, StatusPlanned
	if p.NothingToDo {
		pg.Status = StatusNothingToDo
	}
	return pg
}

// failed records why there is no plan; a refusal keeps the finding codes
// that caused it, for the log.
func (pg Planning) failed(status Status, err error) Planning {
	pg.Status, pg.Err = status, err
	if status == StatusRefused {
		pg.Codes = plan.RefusalCodes(err)
	}
	return pg
}

// failedUnlessBusy is failed, unless a run took the postoffice since it
// was found free (another host's, whose lock could not be seen a moment
// ago): then what was read was half-made, and it is busy.
func (pg Planning) failedUnlessBusy(status Status, err error) Planning {
	if berr := inUse(pg.PO.Root); berr != nil {
		return pg.failed(StatusBusy, berr)
	}
	return pg.failed(status, err)
}

// plannerStatus is the status of a planner that did not plan: busy when
// a file it must read is held open by another program (ADMIN, EXTERNAL or
// IMPORT: nothing is damaged, and a repair says busy for it too), refused
// when a precondition failed (a plan.Refusal), an error otherwise.
func plannerStatus(err error) Status {
	switch {
	case errors.Is(err, osfs.ErrHeldOpen):
		return StatusBusy
	case plan.IsRefusal(err):
		return StatusRefused
	}
	return StatusError
}

// inUse is the busy answer of planning while a repair or rollback holds
// the postoffice, on this host or another client of its share.
func inUse(root string) error {
	if h, running := journal.Running(root); running {
		return fmt.Errorf("a repair or rollback is running (porepair on %s): %w", h, ErrBusy)
	}
	return nil
}
