package winetest

import (
	"errors"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

var wineVersion = sync.OnceValues(func() (string, bool) {
	proc := windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version")
	if proc.Find() != nil {
		return "", false
	}
	// const char *wine_get_version(void): a string in ntdll's data.
	p, _, _ := proc.Call()
	if p == 0 {
		return "(unknown version)", true
	}
	return windows.BytePtrToString(*(**byte)(unsafe.Pointer(&p))), true
})

// Version reports Wine's version when this process runs under Wine.
func Version() (string, bool) { return wineVersion() }

func symlinkUnavailable(err error) bool { return errors.Is(err, windows.ERROR_PRIVILEGE_NOT_HELD) }
