package syscount

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// startProgram is the least a Go program can be: it returns from main.
const startProgram = "package main\n\nfunc main() {}\n"

// GoStart counts, under strace, the calls any Go program makes before and
// after main on this machine: an empty main built statically
// (CGO_ENABLED=0, so no dynamic loader), run once. The runtime reads
// transparent_hugepage's page size and the cgroup files that set
// GOMAXPROCS; how many depends on the kernel and the cgroup version, which
// is why it is measured rather than written down. Minimum counts it in
// every command: no Go program does without it. What porepair's own start
// adds (the dynamic loader that the net package's cgo brings, the
// metrics library's protobuf hashing the binary, /etc/localtime) is not
// counted: it is porepair's cost, not any Go program's.
func GoStart(strace string) (Counts, error) {
	dir, err := os.MkdirTemp("", "porepair-gostart-")
	if err != nil {
		return Counts{}, err
	}
	defer os.RemoveAll(dir)
	for name, body := range map[string]string{"main.go": startProgram, "go.mod": "module gostart\n\ngo 1.21\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return Counts{}, err
		}
	}
	bin := filepath.Join(dir, "gostart")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		return Counts{}, fmt.Errorf("build the empty Go program: %v\n%s", err, out)
	}
	c, _, err := Run(strace, []string{bin})
	return c, err
}

// Plus is c with d added, kind by kind.
func (c Counts) Plus(d Counts) Counts {
	for k := range c {
		c[k] += d[k]
	}
	return c
}
