package syscount

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Bounds are the counts recorded for each command on the stale fixture
// (cmd/porepair/testdata/syscalls.txt): "command opens stats dirreads rw
// fsyncs renames unlinks" a line, # starting a comment.
type Bounds map[string]Counts

// Commands are the ones counted, in the order reports show them.
var Commands = []string{"diagnose", "plan", "repair", "rollback"}

// LoadBounds reads a bounds file.
func LoadBounds(file string) (Bounds, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	bs := Bounds{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 1+int(NKinds) {
			return nil, fmt.Errorf("%s:%d: want a command and %d counts", file, n, NKinds)
		}
		var c Counts
		for i := range c {
			if c[i], err = strconv.Atoi(f[1+i]); err != nil {
				return nil, fmt.Errorf("%s:%d: %v", file, n, err)
			}
		}
		bs[f[0]] = c
	}
	return bs, sc.Err()
}

// Allowed is the most a count may be against its recorded value: 10%
// more, and at least 2 more, so that the Go runtime (a signal handler,
// one more read of /proc on a slow start) does not fail a test; a real
// regression, a call more per file, exceeds it.
func Allowed(recorded int) int { return recorded + max(recorded/10, 2) }
