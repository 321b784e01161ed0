package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/osfs"
	"github.com/porepair/porepair/journal"
	"github.com/porepair/porepair/repair"
)

func unlockCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "unlock",
		Usage: "remove the server lock (POREPAIR/HOLDER) a porepair that died left behind",
		UsageText: `porepair --po DIR unlock
porepair --po DIR unlock --yes`,
		Description: fmt.Sprintf(`A repair, rollback or prune holds the postoffice with POREPAIR/HOLDER, a
file every client of a share sees, naming its host, pid and start time. A
run killed on its host (a crash, kill -9, a power cut) leaves it, and every
later run exits %d naming it. A rollback of that run's own journal from the
same host breaks it; unlock removes it otherwise. It shows the holder and
asks on a terminal (--yes without one), and refuses while the holder still
runs on this host. Make sure no porepair on the holder's host still runs
before unlocking: a lock held elsewhere cannot be checked from here. Run
diagnose afterwards: %s means rollback is next.`, exitBusy, diagnose.InterruptedRepair),
		Flags: []cli.Flag{yesFlag(), jsonFlag()},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("unlock takes no arguments")
			}
			if err := e.needYes(c); err != nil {
				return err
			}
			root, err := onePO(c)
			if err != nil {
				return err
			}
			return e.unlock(c, root)
		},
	}
}

// unlock shows the holder, asks, and removes the HOLDER it showed.
func (e *env) unlock(c *cli.Context, root string) error {
	h, err := journal.ReadHolder(root)
	if err != nil {
		return exit(exitUsage, err)
	}
	head := snapLead(c, root, exitOK)
	if h == nil {
		return e.render(c, head, unlocked{root: root, message: "not locked: nothing to do"})
	}
	if !c.Bool("yes") {
		writeUnlockQuestion(e.stderr, root, h)
		if !e.confirm("Remove the lock?") {
			return usagef("not confirmed: lock kept")
		}
	}
	if st, err := repair.Unlock(root, h); err != nil {
		e.log.Error("unlock failed", "po", osfs.Abs(root), "status", st.String(), "exit", st.Code(), "reason", err.Error())
		return exit(st.Code(), err)
	}
	e.log.Info("unlocked", "command", "unlock", "po", osfs.Abs(root), "holder", h.String())
	return e.render(c, head, unlocked{root: root, holder: h, message: "unlocked: removed the lock of porepair on " + h.String()})
}

// unlocked is unlock's outcome: the lock it removed (nil when there was
// none) and what it did, in words.
type unlocked struct {
	root    string
	holder  *journal.Holder
	message string
}
