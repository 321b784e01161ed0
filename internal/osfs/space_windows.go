package osfs

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// FreeSpace is how many bytes the caller may still write to the volume
// holding dir (the quota-aware figure). known is false where the volume
// reports a size of zero.
func FreeSpace(dir string) (free uint64, known bool, err error) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0, false, err
	}
	var avail, total, totalFree uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &totalFree); err != nil {
		return 0, false, fmt.Errorf("free space of %s: %w", dir, err)
	}
	return avail, total != 0, nil
}
