//go:build unix

package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/porepair/porepair/testdata/fixture"
)

// killOutcomes counts how the runs of the random-kill campaign ended.
type killOutcomes struct {
	kills      int // SIGKILLs delivered to a running porepair
	finished   int // the run ended before the kill came
	before     int // killed, the PO held exactly the bytes before, nothing flagged
	after      int // killed, the PO held exactly the bytes after, nothing flagged
	flagged    int // killed, INTERRUPTED_REPAIR, recovered by plain rollbacks
	recoveries int // rollbacks run (and maybe killed) to recover a flagged PO
	unlocks    int // porepair unlock of a lock a run killed before it named itself
}

func (k killOutcomes) String() string {
	return fmt.Sprintf("%d kills: %d left the exact before bytes, %d the exact after bytes, %d flagged and recovered without --force (%d recovery rollbacks, kills among them counted; %d unlocks of a lock that named no run); %d runs finished before their kill",
		k.kills, k.before, k.after, k.flagged, k.recoveries, k.unlocks, k.finished)
}

// A random-SIGKILL campaign over repair and over rollback: each run is
// killed at a random moment, and every end state must be the exact bytes
// before or after, or be flagged INTERRUPTED_REPAIR and then recovered by
// rollbacks without --force (themselves killed at random too) to the
// exact bytes before. A handful of kills in every test run; under make
// stress (POREPAIR_STRESS=1) at least 200. POREPAIR_STRESS_SEED repeats a
// campaign.
func TestRandomKillCampaign(t *testing.T) {
	t.Parallel()
	runs := 3
	if os.Getenv("POREPAIR_STRESS") != "" {
		runs = 200
	}
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("POREPAIR_STRESS_SEED"), 10, 64); err == nil {
		seed = s
	}
	rep, rb := killCampaign(t, "", seed, runs)
	if os.Getenv("POREPAIR_STRESS") != "" && rep.kills+rb.kills < 200 {
		t.Errorf("only %d kills; the campaign promises at least 200", rep.kills+rb.kills)
	}
}

// killCampaign kills runs repairs and runs rollbacks of postoffices made
// below where ("": a temporary directory) and returns the outcomes.
func killCampaign(t *testing.T, where string, seed uint64, runs int) (rep, rb killOutcomes) {
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	after := repairedTree(t, where)
	span := calibrate(t, where)
	for i := 0; i < runs; i++ {
		killRepair(t, rng, span, where, after, &rep)
		killRollback(t, rng, span, where, after, &rb)
	}
	t.Logf("repair: %v", rep)
	t.Logf("rollback: %v", rb)
	return rep, rb
}

// stressDelay slows every durable write so that a random moment falls
// between writes as often as in them.
const stressDelay = "POREPAIR_FAULT=delay:4"

// repairedTree is the stale fixture as a completed repair leaves it.
func repairedTree(t *testing.T, where string) map[string]string {
	t.Helper()
	dir, _ := scenarioPOIn(t, where, "stale")
	if code, _, errs := porepair(t, nil, "--po", dir, "repair", "--yes"); code != 0 {
		t.Fatalf("repair: exit %d\n%s", code, errs)
	}
	tree, err := treeOf(dir)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// calibrate times a slowed repair: kills are spread over that span.
func calibrate(t *testing.T, where string) time.Duration {
	t.Helper()
	dir, _ := scenarioPOIn(t, where, "stale")
	start := time.Now()
	if code, _, errs := porepair(t, []string{stressDelay}, "--po", dir, "repair", "--yes"); code != 0 {
		t.Fatalf("calibration repair: exit %d\n%s", code, errs)
	}
	return time.Since(start) * 6 / 5
}

// killAt starts porepair and SIGKILLs it after d; it reports whether the
// kill came before the run ended, and the exit code otherwise.
func killAt(t *testing.T, d time.Duration, args ...string) (killed bool, code int) {
	t.Helper()
	cmd := porepairCmd(t, []string{stressDelay}, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return false, exitCode(err)
	case <-time.After(d):
	}
	cmd.Process.Signal(syscall.SIGKILL)
	err := <-done
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		return true, -1
	}
	return false, exitCode(err)
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// killRepair kills one repair at a random moment and checks its end state.
func killRepair(t *testing.T, rng *rand.Rand, span time.Duration, where string, after map[string]string, k *killOutcomes) {
	t.Helper()
	dir, before := scenarioPOIn(t, where, "stale")
	killed, code := killAt(t, randDur(rng, span), "--po", dir, "repair", "--yes")
	if !killed {
		k.finished++
		if code != 0 {
			t.Fatalf("an unkilled repair exit %d", code)
		}
		sameTree(t, dir, after, "repair finished before its kill")
		return
	}
	k.kills++
	endState(t, rng, span, dir, before, after, k, "killed repair")
}

// killRollback repairs, then kills the rollback at a random moment.
func killRollback(t *testing.T, rng *rand.Rand, span time.Duration, where string, after map[string]string, k *killOutcomes) {
	t.Helper()
	dir, before := scenarioPOIn(t, where, "stale")
	if code, _, errs := porepair(t, nil, "--po", dir, "repair", "--yes"); code != 0 {
		t.Fatalf("repair: exit %d\n%s", code, errs)
	}
	killed, code := killAt(t, randDur(rng, span/2), "--po", dir, "rollback", "--yes")
	if !killed {
		k.finished++
		if code != 0 {
			t.Fatalf("an unkilled rollback exit %d", code)
		}
		sameTree(t, dir, before, "rollback finished before its kill")
		return
	}
	k.kills++
	endState(t, rng, span, dir, before, after, k, "killed rollback")
}

// unlockUnknown removes, as an administrator would, a lock that diagnose
// says an unknown run holds: one killed between making POREPAIR/HOLDER
// and writing who it is.
func unlockUnknown(t *testing.T, dir string, k *killOutcomes) {
	t.Helper()
	_, out, _ := porepair(t, nil, "--po", dir, "diagnose")
	if !strings.Contains(out, "REPAIR_RUNNING") || !strings.Contains(out, "unknown run") {
		return
	}
	if !strings.Contains(out, "porepair unlock") {
		t.Fatalf("diagnose does not say how to remove the lock of an unknown run:\n%s", out)
	}
	if code, out, errs := porepair(t, nil, "--po", dir, "unlock", "--yes"); code != 0 {
		t.Fatalf("unlock of an unknown run's lock: exit %d\n%s%s", code, out, errs)
	}
	k.unlocks++
}

// interrupted reports whether diagnose flags an unfinished repair or rollback.
func interrupted(t *testing.T, dir string) bool {
	t.Helper()
	_, out, _ := porepair(t, nil, "--po", dir, "diagnose")
	return strings.Contains(out, "INTERRUPTED_REPAIR")
}

func randDur(rng *rand.Rand, span time.Duration) time.Duration {
	return time.Duration(rng.Int64N(int64(span)))
}

// endState checks a killed run's postoffice: the exact bytes before or
// after with nothing flagged, or flagged and recovered to before by
// rollbacks without --force, each of which may be killed again.
func endState(t *testing.T, rng *rand.Rand, span time.Duration, dir string, before, after map[string]string, k *killOutcomes, what string) {
	t.Helper()
	_, out, _ := porepair(t, nil, "--po", dir, "diagnose")
	if !strings.Contains(out, "INTERRUPTED_REPAIR") {
		got, err := treeOf(dir)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case len(fixture.DiffTrees(before, got)) == 0:
			k.before++
		case len(fixture.DiffTrees(after, got)) == 0:
			k.after++
		default:
			t.Fatalf("%s: neither the bytes before nor after, and nothing flagged: before differs at %v, after at %v\n%s",
				what, fixture.DiffTrees(before, got), fixture.DiffTrees(after, got), out)
		}
		return
	}
	k.flagged++
	for try := 0; ; try++ {
		// A recovery killed between taking the share's lock and naming
		// itself in it leaves a lock of an unknown run, which only
		// porepair unlock removes, as diagnose says (docs/reliability.md).
		unlockUnknown(t, dir, k)
		// A recovery killed as it exited may have finished its work: then
		// there is nothing left to recover.
		if try > 0 && !interrupted(t, dir) {
			break
		}
		k.recoveries++
		if try < 5 && rng.IntN(2) == 0 {
			killed, code := killAt(t, randDur(rng, span/2), "--po", dir, "rollback", "--yes")
			if killed {
				k.kills++
				continue
			}
			if code != 0 {
				_, again, errs := porepair(t, nil, "--po", dir, "rollback", "--yes")
				t.Fatalf("%s: recovery rollback exit %d after try %d; diagnose had said:\n%s\nrun again it says:\n%s%s", what, code, try, out, again, errs)
			}
			break
		}
		if code, out, errs := porepair(t, nil, "--po", dir, "rollback", "--yes"); code != 0 {
			t.Fatalf("%s: recovery rollback exit %d\n%s%s", what, code, out, errs)
		}
		break
	}
	sameTree(t, dir, before, what+", recovered")
	if ppt, _ := filepath.Glob(filepath.Join(dir, "*", "*.PPT")); len(ppt) > 0 {
		t.Fatalf("%s: temp files left after recovery: %v", what, ppt)
	}
}
