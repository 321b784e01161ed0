package diagnose_test

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/internal/osfs/winetest"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

// build writes a scenario into a temp dir and opens it.
func build(t testing.TB, scenario string) *postoffice.PO { return fixture.Open(t, scenario) }

func codes(r *diagnose.Report, min diagnose.Severity) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Severity >= min && !slices.Contains(out, f.Code.String()) {
			out = append(out, f.Code.String())
		}
	}
	slices.Sort(out)
	return out
}

func TestDiagnoseScenarios(t *testing.T) {
	t.Parallel()
	want := map[string][]string{
		"healthy":          nil,
		"not-installed":    nil,
		"stale":            {"HUB_COUNT_MISMATCH", "STALE_GATEWAY_ROUTE"},
		"lower":            {"HUB_COUNT_MISMATCH", "STALE_GATEWAY_ROUTE"},
		"damaged":          {"BAD_FILE_SIZE", "HUB_COUNT_MISMATCH", "STALE_GATEWAY_ROUTE"},
		"gateway-gone":     {"GATEWAY_PO_MISSING", "INDIRECT_ROUTE_BROKEN"},
		"gateway-indirect": {"GATEWAY_PO_INDIRECT"},
		"hub-wrong":        {"HUB_COUNT_MISMATCH"},
		"counter-behind":   {"COUNTER_BEHIND"},
		"xtn-missing":      {"XTN_MISSING"},
		"key-without-mbg":  {"KEY_MBG_UNPAIRED"},
		"queue-missing":    {"KEY_MBG_UNPAIRED", "QUEUE_MISSING"},
		"files-missing":    {"COMPONENT_FILES_MISSING"},
		"indirect-broken":  {"INDIRECT_ROUTE_BROKEN"},
		"type-mismatch":    {"COMPONENT_TYPE_MISMATCH"},
		"gateway-here":     nil,
		"overfull":         {"MAILBAG_OVERFULL"},
		"workgroup":        nil,
	}
	for _, sc := range fixture.Scenarios {
		t.Run(sc, func(t *testing.T) {
			w, ok := want[sc]
			if !ok {
				t.Fatalf("no expectation for scenario %s", sc)
			}
			r := diagnose.Files(build(t, sc), diagnose.Builtin)
			if got := codes(r, diagnose.Warning); !slices.Equal(got, w) {
				t.Errorf("codes = %v, want %v\n%v", got, w, r.Findings)
			}
		})
	}
}

func TestDiagnoseStaleDetails(t *testing.T) {
	t.Parallel()
	r := diagnose.Files(build(t, "stale"), diagnose.Builtin)
	var stale, hub, pending *diagnose.Finding
	for i, f := range r.Findings {
		switch f.Code {
		case diagnose.StaleGatewayRoute:
			stale = &r.Findings[i]
		case diagnose.HubCountMismatch:
			hub = &r.Findings[i]
		case diagnose.QueuePending:
			pending = &r.Findings[i]
		}
	}
	if stale == nil || hub == nil || pending == nil {
		t.Fatalf("missing findings: %v", r.Findings)
	}
	if stale.Severity != diagnose.Error || stale.File != "GLB/NETWORK.GLB" || stale.Component != "smtp" ||
		!slices.Contains(stale.KB, "Q135031") || !strings.Contains(stale.Message, "00000030") {
		t.Errorf("stale finding = %+v", *stale)
	}
	if hub.Gateway != "ACME/HQ" || hub.Severity != diagnose.Warning || !strings.Contains(hub.Message, "hub counter is 1, but 2 routes name it") {
		t.Errorf("hub finding = %+v", *hub)
	}
	// The queue begins with Q108027's headers: 1993-10-08 16:25 is the oldest.
	// Four headers, the fourth deleted in the KEY.
	if pending.Severity != diagnose.Info || !strings.Contains(pending.Message, "3 messages waiting") ||
		!strings.Contains(pending.Message, "1993-10-08T16:25") || !strings.Contains(pending.Message, "1 header deleted") {
		t.Errorf("pending finding = %+v", *pending)
	}
	// Sorted by file, then code.
	for i := 1; i < len(r.Findings); i++ {
		a, b := r.Findings[i-1], r.Findings[i]
		if a.File > b.File || a.File == b.File && a.Code.String() > b.Code.String() {
			t.Errorf("findings out of order: %v before %v", a, b)
		}
	}
}

// Only findings that belong to a code's scope: a broken route that is not
// a component's is a warning about that record, never the component's.
func TestDiagnoseIndirectBroken(t *testing.T) {
	t.Parallel()
	r := diagnose.Files(build(t, "indirect-broken"), diagnose.Builtin)
	f := find(t, r, diagnose.IndirectRouteBroken)
	if f.Component != "" || f.Severity != diagnose.Warning || !strings.Contains(f.Message, "X400 (record 5, type 8 X.400)") ||
		!strings.Contains(f.Message, "00000099") || !strings.Contains(f.Message, "00000005") {
		t.Errorf("finding = %+v", *f)
	}
	if r.Has(diagnose.StaleGatewayRoute) || r.Has(diagnose.HubCountMismatch) {
		t.Errorf("findings = %v", r.Findings)
	}
}

func TestDiagnoseTypeMismatch(t *testing.T) {
	t.Parallel()
	r := diagnose.Files(build(t, "type-mismatch"), diagnose.Builtin)
	f := find(t, r, diagnose.ComponentTypeMismatch)
	if f.Component != "smtp" || f.Severity != diagnose.Error || !strings.Contains(f.Message, "SNADS (type 5)") {
		t.Errorf("finding = %+v", *f)
	}
	// A SNADS record keeps an XTN: it is checked as one, and is no queue.
	if r.Has(diagnose.QueuePending) || r.Has(diagnose.XTNMissing) {
		t.Errorf("findings = %v", r.Findings)
	}
}

// The empty workgroup postoffice: healthy, named NETWORK/POSTOFFICE, and
// its installed value is never read as gateway bits.
func TestDiagnoseWorkgroup(t *testing.T) {
	t.Parallel()
	r := diagnose.Files(build(t, "workgroup"), diagnose.Builtin)
	f := find(t, r, diagnose.WorkgroupPostoffice)
	if r.Network != "NETWORK" || r.Postoffice != "POSTOFFICE" || r.Problems() || len(r.Findings) != 1 ||
		!strings.Contains(f.Message, "NETWORK/POSTOFFICE") || !strings.Contains(f.Message, "14955E5B") {
		t.Errorf("report = %+v", r)
	}
}

func TestDiagnoseOverfull(t *testing.T) {
	t.Parallel()
	r := diagnose.Files(build(t, "overfull"), diagnose.Builtin)
	f := find(t, r, diagnose.MailbagOverfull)
	if f.Component != "smtp" || f.File != "MBG/0000000A.MBG" || !strings.Contains(f.Message, "4097 headers") {
		t.Errorf("finding = %+v", *f)
	}
	p := find(t, r, diagnose.QueuePending)
	if !strings.Contains(p.Message, "4096 messages waiting") {
		t.Errorf("pending = %+v", *p)
	}
}

// Hub counters count every active reference, of any record type and
// whatever mailbag id it carries; and a PO with only a deleted record is
// named as deleted.
func TestDiagnoseGatewayGone(t *testing.T) {
	t.Parallel()
	r := diagnose.Files(build(t, "gateway-gone"), diagnose.Builtin)
	f := find(t, r, diagnose.GatewayPOMissing)
	if f.Component != "smtp" || !strings.Contains(f.Message, "only a deleted record, with mailbag 00000004") {
		t.Errorf("finding = %+v", *f)
	}
}

func find(t *testing.T, r *diagnose.Report, c diagnose.Code) *diagnose.Finding {
	t.Helper()
	for i := range r.Findings {
		if r.Findings[i].Code == c {
			return &r.Findings[i]
		}
	}
	t.Fatalf("no %s in %v", c, r.Findings)
	return nil
}

// DiagnoseChanged, which verify uses, sweeps sizes only in GLB, the
// changed files and the counted queues: on every scenario it finds what
// Diagnose finds about components and external postoffices (what verify
// looks at), the MAILBAG_OVERFULL of a gateway's queue included, and
// counts the same queues.
func TestDiagnoseChangedKeepsComponentFindings(t *testing.T) {
	t.Parallel()
	about := func(r *diagnose.Report, gws map[diagnose.Gateway]bool) []string {
		var out []string
		for _, f := range r.Findings {
			if f.Component != "" || gws[f.Gateway] {
				out = append(out, f.Code.String()+" "+f.File+" "+string(f.Component)+" "+string(f.Gateway)+" "+f.Message)
			}
		}
		return out
	}
	for _, sc := range fixture.Scenarios {
		t.Run(sc, func(t *testing.T) {
			full, m := diagnose.Read(build(t, sc), diagnose.Builtin)
			gws := routed(m)
			changed := diagnose.Changed(build(t, sc), diagnose.Builtin, nil, "")
			if a, b := about(full, gws), about(changed, gws); !slices.Equal(a, b) {
				t.Errorf("component findings differ:\nDiagnose        %v\nDiagnoseChanged %v", a, b)
			}
			if want := queuesOf(full.Queues, gws); !reflect.DeepEqual(want, changed.Queues) {
				t.Errorf("queues differ:\n%+v\n%+v", want, changed.Queues)
			}
		})
	}
	r := diagnose.Changed(build(t, "overfull"), diagnose.Builtin, nil, "")
	if f := find(t, r, diagnose.MailbagOverfull); f.Component != "smtp" {
		t.Errorf("overfull = %+v", *f)
	}
}

// routed holds the gateway postoffices the components route through.
func routed(m *diagnose.Model) map[diagnose.Gateway]bool {
	gws := map[diagnose.Gateway]bool{}
	if m.Network == nil {
		return gws
	}
	for i := range m.Network.Records {
		r := &m.Network.Records[i]
		if !r.Active() || !r.Indirect() {
			continue
		}
		for _, c := range diagnose.Builtin {
			if c.Matches(r) {
				gws[diagnose.GatewayOf(r.Route().Network, r.Route().PO)] = true
			}
		}
	}
	return gws
}

// queuesOf is qs without the outbound queues of the external postoffices
// not in gws: those a scoped diagnosis counts.
func queuesOf(qs []diagnose.Queue, gws map[diagnose.Gateway]bool) []diagnose.Queue {
	out := []diagnose.Queue{}
	for _, q := range qs {
		if name, ok := strings.CutPrefix(q.Owner, "postoffice "); ok {
			if net, po, _ := strings.Cut(name, "/"); !gws[diagnose.GatewayOf(net, po)] {
				continue
			}
		}
		out = append(out, q)
	}
	return out
}

// A planner's diagnosis (ForPlan) sweeps sizes only where a plan reads,
// yet finds everything a plan depends on as the full one does: every
// finding about a component or the postoffice its route names, and every
// size finding on the GLB and XTN files the checks read, the manifests'
// files and a gateway's queue pair (a damaged KEY of the queue to carry
// included); the users' files, the GLB files no check reads and other
// external postoffices' queues go unswept.
func TestForPlanKeepsWhatPlansRead(t *testing.T) {
	t.Parallel()
	planned := func(r *diagnose.Report, gws map[diagnose.Gateway]bool) []string {
		var out []string
		for _, f := range r.Findings {
			u := strings.ToUpper(f.File)
			if f.Component != "" || gws[f.Gateway] || strings.HasPrefix(u, "GLB/") || strings.HasPrefix(u, "XTN/") ||
				u == "MBG/0000000A.MBG" || u == "KEY/0000000A.KEY" || strings.HasSuffix(u, "SMTP.NME") {
				out = append(out, f.Code.String()+" "+f.File+" "+string(f.Component)+" "+string(f.Gateway)+" "+f.Message)
			}
		}
		return out
	}
	damagedKey := func(p *postoffice.PO) {
		if err := os.Truncate(filepath.Join(p.Root, "KEY", "0000000A.KEY"), 559); err != nil {
			t.Fatal(err)
		}
	}
	cases := map[string]func(*postoffice.PO){"stale with a damaged queue KEY": damagedKey}
	for _, sc := range fixture.Scenarios {
		cases[sc] = nil
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			p := build(t, strings.Fields(name)[0])
			if damage != nil {
				damage(p)
			}
			full, m := diagnose.Read(p, diagnose.Builtin)
			forPlan, _ := diagnose.ForPlan(p, diagnose.Builtin, "")
			gws := routed(m)
			if a, b := planned(full, gws), planned(forPlan, gws); !slices.Equal(a, b) {
				t.Errorf("findings a plan reads differ:\nFiles   %v\nForPlan %v", a, b)
			}
			if damage != nil && !slices.ContainsFunc(forPlan.Findings, func(f diagnose.Finding) bool {
				return f.Code == diagnose.BadFileSize && f.File == "KEY/0000000A.KEY"
			}) {
				t.Errorf("the damaged queue KEY is not found: %v", planned(forPlan, gws))
			}
		})
	}
}

// A planning or verifying diagnosis makes the same file-system calls on a
// postoffice with 300 users and 200 external postoffices as on one with
// none (issue 20: nothing grows with them but the queue carried), while
// the full diagnosis sizes every user's files and counts every queue.
func TestScopedDoesNotGrow(t *testing.T) {
	t.Parallel()
	big := filepath.Join(t.TempDir(), "MAILDATA")
	if err := fixture.BuildSpec(big, fixture.Spec{Scenario: "stale", Users: 300, Networks: 4, POs: 200, NoMAI: true}); err != nil {
		t.Fatal(err)
	}
	open := func(dir string) *postoffice.PO {
		p, err := postoffice.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	small := build(t, "stale")
	for name, run := range map[string]func(p *postoffice.PO) *diagnose.Report{
		"ForPlan": func(p *postoffice.PO) *diagnose.Report { r, _ := diagnose.ForPlan(p, diagnose.Builtin, ""); return r },
		"Changed": func(p *postoffice.PO) *diagnose.Report {
			return diagnose.Changed(p, diagnose.Builtin, []string{"GLB/NETWORK.GLB"}, "")
		},
	} {
		a, b := run(small), run(open(big))
		if len(a.Queues) != len(b.Queues) {
			t.Errorf("%s counted %d queues on the big postoffice, %d on the small one", name, len(b.Queues), len(a.Queues))
		}
	}
	if full := diagnose.Files(open(big), diagnose.Builtin); len(full.Queues) < 200 {
		t.Errorf("the full diagnosis counted only %d queues of 200 external postoffices", len(full.Queues))
	}
}

// A directory of many files is size-checked through one open of it and
// several lstats at once (sizeDir): a mailbag of the wrong size and a
// symbolic link among 150 users' files are found as one at a time finds
// them, and each only once.
func TestSizeSweepOfABigDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := fixture.BuildSpec(dir, fixture.Spec{Scenario: "healthy", Users: 150}); err != nil {
		t.Fatal(err)
	}
	mbgs, _ := filepath.Glob(filepath.Join(dir, "MBG", "*.MBG"))
	if len(mbgs) < 100 {
		t.Fatalf("%d mailbags: not a big directory", len(mbgs))
	}
	bad := mbgs[len(mbgs)/2]
	if err := os.WriteFile(bad, []byte("torn"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := mbgs[len(mbgs)/3]
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	noLink := winetest.TrySymlink(t, bad, link)
	if noLink != "" {
		t.Logf("no symbolic-link case: %s", noLink)
	}
	p, err := postoffice.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := diagnose.Files(p, diagnose.Builtin)
	var sizes, unreadable []string
	for _, f := range r.Findings {
		switch f.Code {
		case diagnose.BadFileSize:
			sizes = append(sizes, f.File)
		case diagnose.UnreadableFile:
			unreadable = append(unreadable, f.File)
		}
	}
	wantBad := "MBG/" + filepath.Base(bad)
	wantLink := "MBG/" + filepath.Base(link)
	if !slices.Equal(sizes, []string{wantBad}) || (noLink == "" && !slices.Contains(unreadable, wantLink)) {
		t.Errorf("BAD_FILE_SIZE on %v (want %s), UNREADABLE_FILE on %v (want %s)", sizes, wantBad, unreadable, wantLink)
	}
}
