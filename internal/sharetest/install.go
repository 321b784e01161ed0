//go:build unix

package sharetest

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"sync"
)

var installMu sync.Mutex

// Install runs apt-get for the Debian packages pkgs (each once), under a
// lock file: several test binaries (this package's, cmd/porepair's share
// and monitoring tests) may find a tool missing at once, and a second
// apt-get would fail on dpkg's own lock rather than wait for it.
func Install(pkgs ...string) error {
	installMu.Lock()
	defer installMu.Unlock()
	pkgs = slices.Compact(slices.Sorted(slices.Values(pkgs)))
	script := `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 "$@"`
	args := append([]string{installLock, "sh", "-c", script, "sh"}, pkgs...)
	out, err := exec.Command("flock", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("apt-get install of Debian's %s (missing) failed: %v\n%s", strings.Join(pkgs, ", "), err, out)
	}
	return nil
}

// installLock is the file every Install, in any process, waits for.
const installLock = "/tmp/porepair-apt.lock"
