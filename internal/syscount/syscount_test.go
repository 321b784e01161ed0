package syscount

import (
	"testing"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/plan"
)

func TestParse(t *testing.T) {
	in := []byte(`syscall                calls
------------------ ---------
futex                     32
openat                    30
newfstatat                47
fstat                     15
getdents64                20
read                      40
pwrite64                   6
fsync                      3
renameat                   2
renameat2                  1
unlinkat                   1
------------------ ---------
total                    197
`)
	got, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Counts{30, 62, 20, 46, 3, 3, 1}); got != want {
		t.Errorf("Parse = %v, want %v", got, want)
	}
	if _, err := Parse([]byte("strace: exec: No such file\n")); err == nil {
		t.Error("Parse of a summary without a total: no error")
	}
}

// TestMinimum checks the derivation on a plan of one patch and one move
// in two directories, reading four files in three: one of them the
// component's installation media, which a diagnosis does not read.
func TestMinimum(t *testing.T) {
	fp := &plan.Fingerprint{Size: 1}
	p := &plan.Plan{
		Manifest: diagnose.Manifest{Files: []diagnose.ManifestFile{{Path: "TPL/SMTP.TPL", Kind: diagnose.Media}, {Path: "GLB/SMTP.GLB", Kind: diagnose.Keep}}},
		Reads:    []plan.Fingerprint{{File: "GLB/CONTROL.GLB"}, {File: "GLB/NETWORK.GLB"}, {File: "MBG/0000000A.MBG"}, {File: "TPL/SMTP.TPL"}},
		Changes: []plan.Change{{Op: plan.OpPatch, File: "GLB/CONTROL.GLB", Before: fp},
			{Op: plan.OpMove, File: "MBG/0000000A.MBG", To: "MBG/00000031.MBG", Before: fp}},
	}
	// The size sweep: two of the plan's reads (sized by their fstat) and
	// two files it does not read, a stat each for diagnose alone.
	swept := []string{"GLB/control.glb", "MBG/0000000A.MBG", "GLB/FLAG.GLB", "KEY/00000005.KEY"}
	for cmd, want := range map[string]Counts{
		// Three reads (not the media); five directories listed (the
		// root, GLB, MBG, TPL and the sweep's KEY), an open and two
		// getdents64 each; the two unread files swept; a look at LOCK
		// and HOLDER.
		"diagnose": {3 + 5 + 2, 3 + 2, 10, 6, 0, 0, 0},
		// The four reads in four directories (the root, GLB, MBG, TPL),
		// and the look; no sweep of its own.
		"plan": {4 + 4 + 2, 4, 8, 8, 0, 0, 0},
		// The reads twice (planned, verified); then the journal, the
		// copy of CONTROL.GLB, the manifest and the temp of the patch;
		// dirs: GLB, MBG and three of porepair's; steps: 4; the lock:
		// LOCK, FLAG.GLB and HOLDER (its RUN written and fsynced, the
		// directory fsynced, both removed).
		"repair": {16 + 1 + 1 + 1 + 1 + 5 + 4, 8, 16, 16 + 4 + 1 + 1 + 1 + 1, 4 + 1 + 1 + 1 + 5 + 2, 1 + 1 + 1, 2},
		// Stats: the journal, the manifest, the two changed files and
		// the copy, each checked on its handle.
		"rollback": {2 + 2 + 2 + 3 + 4, 5, 0, 4 + 2 + 2 + 4 + 1, 1 + 4 + 3 + 2, 2, 2},
	} {
		if got := Minimum(cmd, p, swept); got != want {
			t.Errorf("Minimum(%s) = %v, want %v", cmd, got, want)
		}
	}
}
