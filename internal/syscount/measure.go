package syscount

import (
	"fmt"
	"os"
	"os/exec"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
)

// Args are each counted command's arguments after `porepair --po DIR`:
// what make bench counts and TestSyscallBounds bounds.
var Args = map[string][]string{"diagnose": {"diagnose"}, "plan": {"plan"},
	"repair": {"repair", "--yes"}, "rollback": {"rollback", "--yes", "--snapshot", "latest"}}

// Measured is one command's calls, the fewest its plan allows, and its
// exit code (not judged here: diagnose exits 3 when it finds problems).
type Measured struct {
	Got, Minimum Counts
	Exit         int
}

// Measure saves po's plan with bin into planFile, then runs each of
// Commands under strace, in order: the rollback undoes the repair,
// leaving po as it was but for its snapshot. Each minimum includes the
// start of a Go program as GoStart measures it here.
func Measure(strace, bin, po, planFile string) (map[string]Measured, error) {
	if b, err := exec.Command(bin, "--po", po, "plan", "--out", planFile).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("plan --out: %v\n%s", err, b)
	}
	f, err := os.Open(planFile)
	if err != nil {
		return nil, err
	}
	p, err := plan.Load(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	swept, err := sweptAt(po)
	if err != nil {
		return nil, err
	}
	start, err := GoStart(strace)
	if err != nil {
		return nil, err
	}
	out := map[string]Measured{}
	for _, cmd := range Commands {
		c, code, err := Run(strace, append([]string{bin, "--po", po}, Args[cmd]...))
		if err != nil {
			return nil, err
		}
		out[cmd] = Measured{Got: c, Minimum: Minimum(cmd, p, swept).Plus(start), Exit: code}
	}
	return out, nil
}

// sweptAt is the files diagnose's size sweep sizes on the postoffice at
// po, before any command changed it.
func sweptAt(po string) ([]string, error) {
	p, err := postoffice.Open(po)
	if err != nil {
		return nil, fmt.Errorf("count the size sweep: %w", err)
	}
	return diagnose.Swept(p), nil
}
