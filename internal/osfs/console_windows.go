package osfs

import (
	"os"

	"golang.org/x/sys/windows"
)

// EnableANSI reports whether ANSI colour escapes written to f show as
// colour. On Windows only a console can, and only one that processes
// virtual-terminal sequences: Windows Terminal does, the classic console
// of Windows 10 does once asked (ENABLE_VIRTUAL_TERMINAL_PROCESSING, asked
// here), older consoles refuse and would print the escapes as text.
func EnableANSI(f *os.File) bool {
	h := windows.Handle(f.Fd())
	var mode uint32
	if windows.GetConsoleMode(h, &mode) != nil {
		return false
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true
	}
	return windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}
