package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A --po-list written on Windows (Notepad's CRLF line ends): UNC and
// drive-letter paths are kept as they are, a relative one is relative to
// the list's directory.
func TestPOListWindowsPaths(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "postoffices.txt")
	body := "# the fleet\r\n" +
		`\\server\share\MAILDATA` + "\r\n" +
		`\\?\UNC\server\share\HQ` + "\r\n" +
		`D:\MAIL\BRANCH  # a comment` + "\r\n" +
		`EAST\MAILDATA` + "\r\n"
	if err := os.WriteFile(list, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readList(list)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`\\server\share\MAILDATA`, `\\?\UNC\server\share\HQ`, `D:\MAIL\BRANCH`, filepath.Join(dir, `EAST\MAILDATA`)}
	if !slices.Equal(got, want) {
		t.Errorf("readList = %q, want %q", got, want)
	}
	for _, p := range want[:3] {
		if !filepath.IsAbs(p) {
			t.Errorf("%s is not absolute to Windows", p)
		}
	}
}
