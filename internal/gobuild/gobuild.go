// Package gobuild builds porepair as a release is built (make build, make
// install): static, with cgo off. porepair needs no C library (it looks up
// no user and resolves no host name), so a static binary runs on any
// Linux of its architecture, whatever its C library, and each run skips
// the dynamic loader's opens and stats (three of each: ld.so.cache, libc,
// /proc/self/maps), one network round trip or more each where the binary
// itself sits on a share. The tests and make bench build through here so
// that what they run and count is what an administrator runs.
package gobuild

import (
	"os"
	"os/exec"
)

// Env is the environment of a release build: cgo off. make build, make
// install and make test's porepair binary set the same.
const Env = "CGO_ENABLED=0"

// Command is `go build flags... -o out pkg` with the release build's
// environment.
func Command(pkg, out string, flags ...string) *exec.Cmd {
	args := append(append([]string{"build"}, flags...), "-o", out, pkg)
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), Env)
	return cmd
}
