//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/porepair/porepair/internal/sharetest"
)

// measureLinks times the commands on the local disk, then on a share
// through a latency proxy at each of linkDelays. skipped says why the
// share rows are missing when the machine cannot run the test bed.
func measureLinks(bin string, runs int) (rows []*linkRow, skipped string, err error) {
	work, err := os.MkdirTemp("", "porepair-bench-link-")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(work)
	src := filepath.Join(work, "src")
	if b, err := exec.Command("go", "run", "./testdata/gen", "-out", src, "-scenario", "stale").CombinedOutput(); err != nil {
		return nil, "", fmt.Errorf("gen: %v\n%s", err, b)
	}
	linkFixture = treeSize(src)
	local := &linkRow{where: "local disk", delay: -1}
	if err := local.timeRuns(bin, src, filepath.Join(work, "local"), work, runs); err != nil {
		return nil, "", err
	}
	rows = append(rows, local)
	for _, d := range linkDelays {
		row := &linkRow{where: "SMB share (smbnetfs → proxy → smbd)", delay: d}
		skipped, err = sharetest.Program(func(tb testing.TB) {
			m := sharetest.StartSamba(tb).SlowClient(tb, d)
			if b, err := exec.Command("cp", "-a", src, filepath.Join(m.Local, "MAILDATA")).CombinedOutput(); err != nil {
				tb.Fatalf("copy the postoffice onto the share: %v\n%s", err, b)
			}
			if err := row.runs(bin, filepath.Join(m.Dir, "MAILDATA"), work, runs); err != nil {
				tb.Fatal(err)
			}
		})
		if skipped != "" || err != nil {
			return rows, skipped, err
		}
		rows = append(rows, row)
	}
	return rows, "", nil
}

// timeRuns copies src to po on the local disk and times the commands there.
func (r *linkRow) timeRuns(bin, src, po, work string, runs int) error {
	if b, err := exec.Command("cp", "-a", src, po).CombinedOutput(); err != nil {
		return fmt.Errorf("cp -a: %v\n%s", err, b)
	}
	return r.runs(bin, po, work, runs)
}

// runs times, runs times over, diagnose, repair --yes and rollback of the
// stale postoffice at po (the rollback puts the stale route back for the
// next run), then cp -a of po to a directory on the local disk, as an
// administrator copies MAILDATA off the server to work on it. cp keeps no
// extended attributes: smbnetfs answers cp's listxattr with EIO and the
// files have none to keep.
func (r *linkRow) runs(bin, po, work string, runs int) error {
	dst := filepath.Join(work, "copy")
	for i := 0; i < runs; i++ {
		steps := []struct {
			m    *measure
			args []string
		}{
			{&r.diag, []string{bin, "--po", po, "diagnose"}},
			{&r.rep, []string{bin, "--po", po, "repair", "--yes"}},
			{&r.roll, []string{bin, "--po", po, "rollback", "--yes", "--snapshot", "latest"}},
			{&r.copyA, []string{"cp", "-a", "--no-preserve=xattr", po, dst}},
		}
		for _, s := range steps {
			if err := s.m.add(timed(s.args[0], s.args[1:]...)); err != nil {
				return err
			}
		}
		if err := os.RemoveAll(dst); err != nil {
			return err
		}
	}
	return nil
}
