package plan

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/textfmt"
	"github.com/porepair/porepair/postoffice"
)

// What only the whole list of a saved plan's actions shows, checked when
// it is loaded (agree): the steps in their order, every file's step
// there once, and the queue moved (or replaced) between the ids the plan
// names. A plan with a delete or put-back dropped, doubled or moved, or
// whose queue ids say other than its steps, is not one porepair made.

// stepOf is the number of a step ("Step 7: ..."); the verify checks come
// after step 10.
func stepOf(desc string) int {
	rest, ok := strings.CutPrefix(desc, "Step ")
	if !ok {
		return 11
	}
	n, _ := strconv.Atoi(rest[:strings.IndexByte(rest+":", ':')])
	return n
}

// stepsInOrder checks that the steps come as a reinstall takes them:
// remove, then install, then verify, by step number within.
func (p *Plan) stepsInOrder() error {
	last, lastPhase := 0, Phase(0)
	for i, a := range p.Actions {
		n := stepOf(a.Description)
		if a.Phase < lastPhase || n < last {
			return fmt.Errorf("action %d (%s, step %d) comes after step %d of %s", i+1, a.Phase, n, last, lastPhase)
		}
		last, lastPhase = n, a.Phase
	}
	return nil
}

// fresh reports whether the plan installs the component afresh: no
// record of it to remove (no step 1).
func (p *Plan) fresh() bool {
	for _, a := range p.Actions {
		if a.Phase == PhaseRemove {
			return false
		}
	}
	return true
}

// readAs is file as the plan spells it where it read it (the case on
// disk), and whether it read it (the file was there).
func (p *Plan) readAs(file string) (string, bool) {
	for _, r := range p.Reads {
		if strings.EqualFold(r.File, file) {
			return r.File, true
		}
	}
	return file, false
}

// wholeFileSteps counts the whole-file actions by phase, kind and file.
func (p *Plan) wholeFileSteps() map[string]int {
	n := map[string]int{}
	for _, a := range p.Actions {
		if a.File != nil && !isField(a) {
			n[stepKey(a.Phase, a.Kind, *a.File)]++
		}
	}
	return n
}

func stepKey(ph Phase, k Kind, file string) string {
	return ph.String() + " " + k.String() + " " + strings.ToUpper(file)
}

// filesShown checks that each file of the component is put back once
// (step 10) and, unless the plan installs afresh, deleted once before it
// when it was there (step 4), and that the queue pair's steps are those
// of step 6 between old_queue and new_queue; nothing else, nothing twice.
func (p *Plan) filesShown() error {
	want := map[string]int{}
	fresh := p.fresh()
	for _, f := range p.Manifest.Files {
		file, read := p.readAs(f.Path)
		if !fresh && read {
			want[stepKey(PhaseRemove, KindDeleteFile, file)]++
		}
		kind := KindPutFile
		if !read && f.Kind == diagnose.Keep {
			kind = KindCreateFile
		}
		want[stepKey(PhaseInstall, kind, file)]++
	}
	if err := p.queueSteps(want); err != nil {
		return err
	}
	got := p.wholeFileSteps()
	for k, n := range got {
		if want[k] != n {
			return fmt.Errorf("the plan shows %s %s; a reinstall takes it %s", k, textfmt.Plural(n, "time"), textfmt.Plural(want[k], "time"))
		}
	}
	for k, n := range want {
		if got[k] != n {
			return fmt.Errorf("the plan shows %s %s; a reinstall takes it %s", k, textfmt.Plural(got[k], "time"), textfmt.Plural(n, "time"))
		}
	}
	return nil
}

// queueSteps adds to want step 6 for each file of the pair: the old file
// moved to the new id (old_queue), or with discard_queue deleted, and a
// new empty one created where none is moved; new_queue is the id step 5
// takes.
func (p *Plan) queueSteps(want map[string]int) error {
	newQ, err := postoffice.ParseID(p.NewQueue)
	if err != nil {
		return fmt.Errorf("new_queue %q: %w", p.NewQueue, err)
	}
	for _, a := range p.Actions {
		if a.Kind == KindAllocateID && (a.Before == nil || *a.Before != newQ.String()) {
			return fmt.Errorf("new_queue is %s, but step 5 takes %s", newQ, spelled(a.Before))
		}
	}
	if p.DiscardQueue && p.OldQueue != "" {
		return fmt.Errorf("old_queue %s is moved, but discard_queue says the queue is not", p.OldQueue)
	}
	var oldQ postoffice.ID
	if p.OldQueue != "" {
		if oldQ, err = postoffice.ParseID(p.OldQueue); err != nil {
			return fmt.Errorf("old_queue %q: %w", p.OldQueue, err)
		}
	}
	for _, pair := range []func(postoffice.ID) string{postoffice.MBGPath, postoffice.KeyPath} {
		p.queueStep(want, pair, oldQ, newQ)
	}
	return nil
}

// queueStep is queueSteps for one file of the pair, named by file.
func (p *Plan) queueStep(want map[string]int, file func(postoffice.ID) string, oldQ, newQ postoffice.ID) {
	to := file(newQ)
	switch {
	case p.OldQueue != "":
		from, _ := p.readAs(file(oldQ))
		want[stepKey(PhaseInstall, KindMoveFile, from)]++
		return
	case p.DiscardQueue:
		// The old pair, which the plan read (fingerprinted) to delete it:
		// the only mailbag and KEY a plan reads.
		for _, r := range p.Reads {
			if strings.EqualFold(path.Dir(r.File), path.Dir(to)) {
				want[stepKey(PhaseInstall, KindDeleteFile, r.File)]++
			}
		}
	}
	want[stepKey(PhaseInstall, KindCreateFile, to)]++
}

// movesTo checks that the queue moves to new_queue's names.
func (p *Plan) movesTo() error {
	newQ, _ := postoffice.ParseID(p.NewQueue)
	for _, a := range p.Actions {
		if a.Kind != KindMoveFile {
			continue
		}
		to := postoffice.MBGPath(newQ)
		if strings.EqualFold(path.Dir(*a.File), "KEY") {
			to = postoffice.KeyPath(newQ)
		}
		// The name upper case, the directory as spelled on disk.
		if path.Base(*a.To) != path.Base(to) || !strings.EqualFold(path.Dir(*a.To), path.Dir(to)) {
			return fmt.Errorf("step 6 moves %s to %s, not to new_queue's %s", *a.File, *a.To, to)
		}
	}
	return nil
}
