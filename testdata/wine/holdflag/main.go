//go:build windows

// Command holdflag plays ADMIN.EXE for the Wine scenarios (cmd_test.go):
// it opens FLAG.GLB the way ADMIN, EXTERNAL and IMPORT do, with no
// sharing (KB Q131670).
//
//	holdflag hold FILE   open FILE with no sharing, print "locked", keep it
//	                     open until standard input closes
//	holdflag probe FILE  open FILE once as a reader would, sharing read and
//	                     write: exit 0 if it opened, 4 with "FLAG.GLB is
//	                     locked open" on a sharing violation (a holder that
//	                     shares nothing)
package main

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: holdflag hold|probe FILE")
		os.Exit(2)
	}
	share := uint32(0)
	if os.Args[1] == "probe" {
		share = windows.FILE_SHARE_READ | windows.FILE_SHARE_WRITE
	}
	h, err := open(os.Args[2], share)
	if errors.Is(err, windows.ERROR_SHARING_VIOLATION) {
		fmt.Println("FLAG.GLB is locked open")
		os.Exit(4)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer windows.CloseHandle(h)
	if os.Args[1] == "hold" {
		fmt.Println("locked")
		os.Stdin.Read(make([]byte, 1))
	}
}

func open(path string, share uint32) (windows.Handle, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return 0, err
	}
	return windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE, share, nil,
		windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
}
