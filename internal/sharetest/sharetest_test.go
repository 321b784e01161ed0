//go:build linux

package sharetest

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestMounts proves each file system of the test bed is the real one, with
// the flaws the suites rely on finding: FAT keeps no owner and will not let
// an existing file grow; the SMB client refuses O_WRONLY|O_APPEND.
func TestMounts(t *testing.T) {
	for _, k := range Kinds {
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			m := New(t, k)
			p := filepath.Join(m.Dir, "A.TXT")
			if err := os.WriteFile(p, []byte("abc"), 0o644); err != nil {
				t.Fatal(err)
			}
			err := os.Chown(p, 1000, 1000)
			if k == FAT && !errors.Is(err, syscall.ENOSYS) {
				t.Errorf("chown on fusefat: %v, want ENOSYS", err)
			}
			if k != FAT && err != nil {
				t.Errorf("chown: %v", err)
			}
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			if err == nil {
				_, err = f.Write([]byte("d"))
				f.Close()
			}
			if (k == NTFS) != (err == nil) {
				t.Errorf("O_APPEND write on %s: %v", k, err)
			}
			if m.Local != "" {
				if b, err := os.ReadFile(filepath.Join(m.Local, "A.TXT")); err != nil || string(b[:3]) != "abc" {
					t.Errorf("server side of the share: %q, %v", b, err)
				}
			}
		})
	}
}

// TestHoldOpen proves a no-sharing open by one SMB session makes another
// client's open of the file fail, as ADMIN's open of FLAG.GLB does, and a
// second client sees the first one's files.
func TestHoldOpen(t *testing.T) {
	t.Parallel()
	s := StartSamba(t)
	m := s.Client(t)
	other := s.On(t, m)
	p := filepath.Join(m.Dir, "FLAG.GLB")
	if err := os.WriteFile(p, []byte{0, 0}, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(other.Dir, "FLAG.GLB")); err != nil || len(b) != 2 {
		t.Fatalf("second client: %q, %v", b, err)
	}
	release := s.HoldOpen(t, filepath.Join(m.Local, "FLAG.GLB"))
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err == nil {
		f.Close()
		t.Fatal("opened a file another session holds with no sharing")
	}
	t.Logf("open while held: %v", err)
	release()
}
