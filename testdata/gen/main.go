// Command gen writes fixture postoffices: the checked-in golden trees
// (go run ./testdata/gen -golden) or one postoffice of any scale, for
// benchmarks (go run ./testdata/gen -out DIR -users 3000 ...).
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/porepair/porepair/testdata/fixture"
)

func main() {
	var s fixture.Spec
	out, golden := define(flag.CommandLine, &s)
	flag.Parse()
	if err := run(*golden, *out, s); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// define declares gen's flags on fs; -h lists them, the scenario names
// among them.
func define(fs *flag.FlagSet, s *fixture.Spec) (out *string, golden *bool) {
	out = fs.String("out", "", "directory to write the postoffice into")
	golden = fs.Bool("golden", false, "rewrite the checked-in trees (testdata/po, internal/sample)")
	fs.StringVar(&s.Scenario, "scenario", "stale", "scenario: one of "+strings.Join(fixture.Scenarios, ", "))
	fs.BoolVar(&s.Lower, "lower", false, "lower-case names")
	fs.IntVar(&s.Users, "users", 0, "extra user mailboxes")
	fs.IntVar(&s.Networks, "networks", 0, "extra networks")
	fs.IntVar(&s.POs, "pos", 0, "external POs spread over the extra networks")
	fs.IntVar(&s.QueueHeaders, "queue", 0, "queued SMTP headers beyond the fixture's 4 (a mailbag holds at most 4,096)")
	fs.Int64Var(&s.MAIBytes, "mai-bytes", 0, "total bytes of MAI files")
	return out, golden
}

func run(golden bool, out string, s fixture.Spec) error {
	if golden {
		return fixture.WriteGolden()
	}
	if out == "" {
		return fmt.Errorf("-out or -golden is required")
	}
	return fixture.BuildSpec(out, s)
}
