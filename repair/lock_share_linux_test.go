package repair_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/porepair/porepair/internal/sharetest"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/repair"
	"github.com/porepair/porepair/testdata/fixture"
)

// Two administration hosts (two smbnetfs clients of one Samba share)
// taking one postoffice at the same instant, round after round: never
// both. Each client's LOCK is its own host's (a FUSE client keeps fcntl
// locks to itself), so the HOLDER alone decides; an O_EXCL create of it
// let both through in about half the rounds, since smbnetfs creates a
// file that the other client has just created.
func TestShareAcquireExclusive(t *testing.T) {
	t.Parallel()
	s := sharetest.StartSamba(t)
	one := s.Client(t)
	two := s.On(t, one)
	if err := fixture.BuildSpec(one.Local, fixture.Spec{Scenario: "healthy"}); err != nil {
		t.Fatal(err)
	}
	var pos [2]*postoffice.PO
	for i, m := range []*sharetest.Mount{one, two} {
		p, err := postoffice.Open(m.Dir)
		if err != nil {
			t.Fatal(err)
		}
		pos[i] = p
	}
	// An O_EXCL HOLDER lost about half the rounds: 30 let such a race
	// through with a chance of one in a billion; make stress tries 300.
	rounds := 30
	if os.Getenv("POREPAIR_STRESS") != "" {
		rounds = 300
	}
	won := 0
	for round := range rounds {
		var locks [2]*repair.Lock
		var errs [2]error
		var wg sync.WaitGroup
		for i := range pos {
			wg.Go(func() { locks[i], errs[i] = repair.Acquire(pos[i]) })
		}
		wg.Wait()
		both := locks[0] != nil && locks[1] != nil
		for i, l := range locks {
			if l != nil {
				won++
				// Released before any Fatal (a held mount stays busy); a
				// reader of the RUN on the other client is waited for.
				if err := l.Release(); err != nil {
					t.Errorf("round %d, client %d: %v", round, i+1, err)
				}
			} else if !errors.Is(errs[i], repair.ErrBusy) {
				t.Fatalf("round %d, client %d: %v, want busy", round, i+1, errs[i])
			}
		}
		if both {
			t.Fatalf("round %d: both clients held the postoffice", round)
		}
	}
	if won < rounds/2 {
		t.Errorf("%d of %d rounds had a winner", won, rounds)
	}
	if _, err := os.Lstat(filepath.Join(one.Local, postoffice.HolderPath)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("HOLDER after the last release: %v", err)
	}
}
