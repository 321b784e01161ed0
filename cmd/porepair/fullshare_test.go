//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/porepair/porepair/internal/sharetest"
)

// A repair on a nearly full share (a small NTFS or FAT image left with 20–28 KB
// free: less than a journal, a snapshot and the temp files need) is
// refused before its first write, saying how much it needs (exit 2), or
// ends with the postoffice byte-identical (rolled back, exit 1) or
// repaired (exit 0): never half-repaired, never stuck.
func TestFullShare(t *testing.T) {
	// FAT16 needs at least 4,085 clusters: mkfs.vfat refuses 8 MB.
	for k, size := range map[sharetest.Kind]int64{sharetest.NTFS: 8 << 20, sharetest.FAT: 16 << 20} {
		t.Run(k.String(), func(t *testing.T) {
			t.Parallel()
			fullShare(t, sharetest.NewSized(t, k, size).Dir)
		})
	}
}

func fullShare(t *testing.T, where string) {
	dir, before := scenarioPOIn(t, where, "stale")
	free := fillTo(t, where, 20<<10, 28<<10)
	t.Logf("%d bytes free on the share", free)
	code, out, errs := porepair(t, nil, "--po", dir, "--json", "repair", "--yes")
	t.Logf("repair: exit %d\n%s%s", code, out, errs)
	switch code {
	case 2:
		if !strings.Contains(strings.ToLower(out+errs), "need") {
			t.Errorf("refused without saying how much it needs:\n%s%s", out, errs)
		}
		sameTree(t, dir, before, "refused on a full share")
		if _, err := os.Stat(filepath.Join(dir, "POREPAIR/JOURNAL")); err == nil {
			t.Error("a refused repair left a journal")
		}
	case 1:
		sameTree(t, dir, before, "rolled back on a full share")
	case 0:
		sameTree(t, dir, repairedTreeOf(t, "stale"), "repaired on a full share")
	default:
		t.Fatalf("repair on a share with %d bytes free: exit %d\n%s%s", free, code, out, errs)
	}
	if code, out, _ := porepair(t, nil, "--po", dir, "diagnose"); strings.Contains(out, "INTERRUPTED_REPAIR") {
		t.Fatalf("after the repair on a full share: diagnose exit %d\n%s", code, out)
	}
}

// fillTo writes filler files into dir until the file system has between
// low and high bytes free, and returns what is free.
func fillTo(t *testing.T, dir string, low, high int64) int64 {
	t.Helper()
	target := (low + high) / 2
	for i := 0; i < 20; i++ {
		free := freeBytes(t, dir)
		if free >= low && free <= high {
			return free
		}
		name := filepath.Join(dir, "FILL"+strconvI(i))
		if free < low {
			// Metadata took more than was left: give a cluster or two back.
			name = filepath.Join(dir, "FILL0")
			fi, err := os.Stat(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(name, fi.Size()-(target-free)); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(name, make([]byte, free-target), 0o644); err != nil {
			t.Fatalf("fill the share: %v", err)
		}
	}
	t.Fatalf("could not leave %d–%d bytes free on %s: %d free", low, high, dir, freeBytes(t, dir))
	return 0
}

func freeBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize
}
