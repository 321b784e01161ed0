package plan_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/plan"
	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

func smtp(t testing.TB) diagnose.Manifest {
	m, ok := diagnose.Find(diagnose.Builtin, "smtp")
	if !ok {
		t.Fatal("no smtp manifest")
	}
	return m
}

func mustPlan(t *testing.T, p *postoffice.PO, opt plan.Options) *plan.Plan {
	t.Helper()
	opt.Component = smtp(t)
	pl, err := plan.Build(p, opt)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return pl
}

func effect(pl *plan.Plan, file, field string) (string, string, bool) {
	for _, e := range pl.NetEffect {
		if e.File == file && e.Field == field {
			b, a := "<nil>", "<nil>"
			if e.Before != nil {
				b = *e.Before
			}
			if e.After != nil {
				a = *e.After
			}
			return b, a, true
		}
	}
	return "", "", false
}

func TestPlanStale(t *testing.T) {
	t.Parallel()
	p := build(t, "stale")
	before, _ := fixture.Tree(p.Root)
	pl := mustPlan(t, p, plan.Options{})
	// Phases in order, never back.
	order := map[plan.Phase]int{plan.PhaseRemove: 0, plan.PhaseInstall: 1, plan.PhaseVerify: 2}
	seen := map[string]bool{}
	for i := 1; i < len(pl.Actions); i++ {
		if order[pl.Actions[i].Phase] < order[pl.Actions[i-1].Phase] {
			t.Fatalf("action %d goes back from %s to %s", i, pl.Actions[i-1].Phase, pl.Actions[i].Phase)
		}
	}
	for _, a := range pl.Actions {
		seen[a.Phase.String()] = true
		if a.File != nil {
			seen[*a.File] = true
		}
		if a.To != nil {
			seen[*a.To] = true
		}
		if len(a.KB) == 0 || a.Description == "" {
			t.Errorf("action without KB or description: %+v", a)
		}
	}
	for _, want := range []string{"remove", "install", "verify", "GLB/NETWORK.GLB", "XTN/00000001.XTN", "GLB/CONTROL.GLB",
		"GLB/MASTER.GLB", "MBG/0000000A.MBG", "KEY/0000000A.KEY", "MBG/00000031.MBG", "KEY/00000031.KEY",
		"TPL/SMTP.TPL", "TPL/SMTPSTD.TPL", "TPL/SMTPABT.TPL", "TPL/SMTPCFG.TPL", "HLP/SMTP.HLP", "GLB/SMTP.GLB", "NME/SMTP.NME"} {
		if !seen[want] {
			t.Errorf("no action on %s", want)
		}
	}
	for field, want := range map[string][2]string{
		"SMTP.indirect_mailbag": {"00000004", "00000030"}, // the gateway's current mailbag id
		"SMTP.mailbag":          {"0000000A", "00000031"}, // the new queue id
	} {
		if b, a, ok := effect(pl, "GLB/NETWORK.GLB", field); !ok || b != want[0] || a != want[1] {
			t.Errorf("net effect %s = %s → %s (%v), want %v", field, b, a, ok, want)
		}
	}
	if b, a, ok := effect(pl, "XTN/00000001.XTN", "HQ.hub"); !ok || b != "1" || a != "2" {
		t.Errorf("hub effect = %s → %s", b, a)
	}
	if b, a, ok := effect(pl, "GLB/CONTROL.GLB", "nmailbag"); !ok || b != "00000031" || a != "00000032" {
		t.Errorf("nmailbag effect = %s → %s", b, a)
	}
	// A stale route gives nothing back (step 2 not listed); MASTER's bit and
	// the component files end as they were, so they are not changed.
	for _, a := range pl.Actions {
		if a.Phase == plan.PhaseRemove && a.File != nil && strings.HasPrefix(*a.File, "XTN/") {
			t.Errorf("stale route decremented a hub counter: %+v", a)
		}
	}
	var files []string
	for _, c := range pl.Changes {
		files = append(files, c.Op.String()+" "+c.File)
	}
	want := []string{"patch GLB/CONTROL.GLB", "patch GLB/NETWORK.GLB", "move KEY/0000000A.KEY", "move MBG/0000000A.MBG", "patch XTN/00000001.XTN"}
	if !slices.Equal(files, want) {
		t.Errorf("changes = %v, want %v", files, want)
	}
	// Same postoffice, same plan, byte for byte; and nothing written.
	a, _ := json.Marshal(pl)
	b, _ := json.Marshal(mustPlan(t, p, plan.Options{}))
	if !bytes.Equal(a, b) {
		t.Error("two plans of one postoffice differ")
	}
	after, _ := fixture.Tree(p.Root)
	if d := fixture.DiffTrees(before, after); len(d) > 0 {
		t.Errorf("plan wrote: %v", d)
	}
}

// The NETWORK.GLB patch touches only the fields it names: the reserved
// bytes of the SMTP record survive.
func TestPlanPatchesOnlyNamedFields(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, build(t, "stale"), plan.Options{})
	for _, c := range pl.Changes {
		if c.File != "GLB/NETWORK.GLB" {
			continue
		}
		rec := int64(3 * postoffice.NetRecordSize)
		for _, pt := range c.Patches {
			start, end := pt.Offset-rec, pt.Offset-rec+int64(len(pt.Data))
			inside := func(f postoffice.Field) bool { return start >= int64(f.Off) && end <= int64(f.Off+f.Len) }
			route := start >= int64(postoffice.NetIndirect.Off) && end <= int64(postoffice.NetIndMailbag.End())
			if !inside(postoffice.NetMailbag) && !route {
				t.Errorf("patch at record offset %#x..%#x is outside 0x21 and the route 0x4B-0x6A", start, end)
			}
		}
	}
}

func refusal(t *testing.T, scenario string, opt plan.Options, wants ...string) {
	t.Helper()
	p := build(t, scenario)
	before, _ := fixture.Tree(p.Root)
	opt.Component = smtp(t)
	_, err := plan.Build(p, opt)
	if !plan.IsRefusal(err) {
		t.Fatalf("%s: err = %v, want a refusal", scenario, err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: refusal %q does not say %q", scenario, err, w)
		}
	}
	after, _ := fixture.Tree(p.Root)
	if d := fixture.DiffTrees(before, after); len(d) > 0 {
		t.Errorf("refused plan wrote: %v", d)
	}
}

func TestPlanRefusals(t *testing.T) {
	t.Parallel()
	refusal(t, "gateway-gone", plan.Options{}, "ACME/HQ", "--gateway", "ACME/WAREHSE", "PARTNER/PARTPO")
	refusal(t, "gateway-indirect", plan.Options{}, "indirect", "Q123825")
	refusal(t, "damaged", plan.Options{}, "GLB/NETWORK.GLB", "bytes")
	refusal(t, "counter-behind", plan.Options{}, "nmailbag")
	refusal(t, "not-installed", plan.Options{}, "not installed", "--gateway")
	refusal(t, "not-installed", plan.Options{Gateway: "ACME/HQ"}, "--media")
	refusal(t, "queue-missing", plan.Options{}, "MBG/0000000A.MBG", "--discard-queue")
	refusal(t, "stale", plan.Options{Gateway: "ACME/REMOTE"}, "indirect")
	refusal(t, "stale", plan.Options{Gateway: "NOPE/HQ"}, "NOPE")
	refusal(t, "stale", plan.Options{Gateway: "ACME"}, "NET/PO")
	refusal(t, "files-missing", plan.Options{}, "HLP/SMTP.HLP", "--media")
	refusal(t, "workgroup", plan.Options{Force: true, Gateway: "NETWORK/POSTOFFICE"}, "workgroup postoffice", "upgrade")
	refusal(t, "type-mismatch", plan.Options{}, "SNADS", "by hand")
	refusal(t, "gateway-here", plan.Options{Force: true}, "gateway runs on this postoffice")
	refusal(t, "overfull", plan.Options{}, "4097 headers", "--discard-queue")
}

// The preconditions come in order: a workgroup postoffice is refused
// first, whatever else is wrong with it.
func TestPlanWorkgroupFirst(t *testing.T) {
	t.Parallel()
	p := build(t, "workgroup")
	if err := os.WriteFile(filepath.Join(p.Root, "GLB/NETWORK.GLB"), []byte("ragged"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, _ = postoffice.Open(p.Root)
	_, err := plan.Build(p, plan.Options{Component: smtp(t)})
	if !plan.IsRefusal(err) || !strings.Contains(err.Error(), "workgroup") {
		t.Fatalf("err = %v", err)
	}
}

// --discard-queue replaces an overfull queue with an empty one.
func TestPlanOverfullDiscard(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, build(t, "overfull"), plan.Options{DiscardQueue: true})
	var ops []string
	for _, c := range pl.Changes {
		if strings.HasPrefix(c.File, "MBG/") || strings.HasPrefix(c.File, "KEY/") {
			ops = append(ops, c.Op.String()+" "+c.File)
		}
	}
	want := []string{"delete KEY/0000000A.KEY", "write KEY/00000030.KEY", "delete MBG/0000000A.MBG", "write MBG/00000030.MBG"}
	if !slices.Equal(ops, want) {
		t.Errorf("queue changes = %v, want %v", ops, want)
	}
}

// A queue of the wrong size is not carried over as it is.
func TestPlanRefusesDamagedQueue(t *testing.T) {
	t.Parallel()
	p := build(t, "stale")
	key := filepath.Join(p.Root, "KEY/0000000A.KEY")
	if err := os.Truncate(key, 500); err != nil {
		t.Fatal(err)
	}
	p, _ = postoffice.Open(p.Root)
	_, err := plan.Build(p, plan.Options{Component: smtp(t)})
	if !plan.IsRefusal(err) || !strings.Contains(err.Error(), "--discard-queue") {
		t.Fatalf("err = %v", err)
	}
	if _, err := plan.Build(p, plan.Options{Component: smtp(t), DiscardQueue: true}); err != nil {
		t.Fatalf("--discard-queue: %v", err)
	}
}

func TestPlanGatewayGoneWithGateway(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, build(t, "gateway-gone"), plan.Options{Gateway: "acme/warehse"})
	if pl.Gateway != "ACME/WAREHSE" {
		t.Errorf("gateway = %s", pl.Gateway)
	}
	if _, a, ok := effect(pl, "GLB/NETWORK.GLB", "SMTP.indirect_po"); !ok || a != "WAREHSE" {
		t.Errorf("indirect_po → %s", a)
	}
	if _, a, ok := effect(pl, "GLB/NETWORK.GLB", "SMTP.indirect_mailbag"); !ok || a != "00000005" {
		t.Errorf("indirect_mailbag → %s", a)
	}
	if b, a, ok := effect(pl, "XTN/00000001.XTN", "WAREHSE.hub"); !ok || b != "0" || a != "1" {
		t.Errorf("WAREHSE hub %s → %s", b, a)
	}
}

func TestPlanHealthy(t *testing.T) {
	t.Parallel()
	p := build(t, "healthy")
	pl := mustPlan(t, p, plan.Options{})
	if !pl.NothingToDo || len(pl.Actions) != 0 || len(pl.Changes) != 0 {
		t.Fatalf("healthy plan: %+v", pl)
	}
	js, _ := json.Marshal(pl)
	if !bytes.Contains(js, []byte(`"actions":[]`)) || !bytes.Contains(js, []byte(`"nothing_to_do":true`)) {
		t.Errorf("JSON = %s", js)
	}
	// --force: a registered route gives its count back (step 2) and step 8
	// counts it again: the XTN ends as it was and is not written.
	pl = mustPlan(t, p, plan.Options{Force: true})
	var gaveBack bool
	for _, a := range pl.Actions {
		if a.Phase == plan.PhaseRemove && a.Field != nil && *a.Field == "HQ.hub" && *a.Before == "2" && *a.After == "1" {
			gaveBack = true
		}
	}
	if !gaveBack {
		t.Error("forced reinstall did not list step 2")
	}
	for _, c := range pl.Changes {
		if strings.HasPrefix(c.File, "XTN/") || c.File == "GLB/MASTER.GLB" {
			t.Errorf("unchanged file planned for writing: %s", c.File)
		}
	}
	if _, _, ok := effect(pl, "XTN/00000001.XTN", "HQ.hub"); ok {
		t.Error("hub counter in the net effect though it ends as it was")
	}
}

func TestPlanHubWrong(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, build(t, "hub-wrong"), plan.Options{})
	if b, a, ok := effect(pl, "XTN/00000001.XTN", "HQ.hub"); !ok || b != "7" || a != "2" {
		t.Errorf("hub effect %s → %s", b, a)
	}
}

func TestPlanFreshInstall(t *testing.T) {
	t.Parallel()
	media := t.TempDir()
	if err := fixture.BuildMedia(media, ""); err != nil {
		t.Fatal(err)
	}
	pl := mustPlan(t, build(t, "not-installed"), plan.Options{Gateway: "ACME/HQ", MediaDir: media})
	for _, a := range pl.Actions {
		if a.Phase != plan.PhaseInstall && a.Phase != plan.PhaseVerify {
			t.Fatalf("fresh install has a %s action", a.Phase)
		}
	}
	var net *plan.Change
	created := map[string]int64{}
	for i, c := range pl.Changes {
		if c.File == "GLB/NETWORK.GLB" {
			net = &pl.Changes[i]
		}
		if c.Op == plan.OpWrite && c.Before == nil {
			created[c.File] = c.AfterSize
		}
	}
	if net == nil || net.AfterSize != 13*postoffice.NetRecordSize {
		t.Fatalf("NETWORK.GLB change = %+v", net)
	}
	want := map[string]int64{"MBG/00000030.MBG": 0, "KEY/00000030.KEY": 560, "GLB/SMTP.GLB": 0, "NME/SMTP.NME": 0,
		"TPL/SMTP.TPL": 28, "TPL/SMTPSTD.TPL": 54, "TPL/SMTPABT.TPL": 112, "TPL/SMTPCFG.TPL": 144, "HLP/SMTP.HLP": 8446}
	for f, size := range want {
		if got, ok := created[f]; !ok || got != size {
			t.Errorf("%s created with %d bytes (%v), want %d", f, got, ok, size)
		}
	}
}

func TestPlanDiscardQueue(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, build(t, "queue-missing"), plan.Options{DiscardQueue: true})
	var ops []string
	for _, c := range pl.Changes {
		if strings.HasPrefix(c.File, "MBG/") || strings.HasPrefix(c.File, "KEY/") {
			ops = append(ops, c.Op.String()+" "+c.File)
		}
	}
	want := []string{"delete KEY/0000000A.KEY", "write KEY/00000030.KEY", "write MBG/00000030.MBG"}
	if !slices.Equal(ops, want) {
		t.Errorf("queue changes = %v, want %v", ops, want)
	}
}

func TestPlanMedia(t *testing.T) {
	t.Parallel()
	media := t.TempDir()
	if err := fixture.BuildMedia(media, "v3.5"); err != nil {
		t.Fatal(err)
	}
	pl := mustPlan(t, build(t, "stale"), plan.Options{MediaDir: media})
	written := map[string]bool{}
	for _, c := range pl.Changes {
		if c.Op == plan.OpWrite {
			written[c.File] = true
		}
	}
	for _, f := range []string{"TPL/SMTP.TPL", "HLP/SMTP.HLP"} {
		if !written[f] {
			t.Errorf("--media with new bytes did not write %s", f)
		}
	}
	if written["NME/SMTP.NME"] || written["GLB/SMTP.GLB"] {
		t.Error("keep files were replaced")
	}
}

func TestManifestFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "x400.json")
	os.WriteFile(good, []byte(`{"name":"x400","record":"X400","type":8,"installed_bit":2048,"files":[{"path":"TPL/X400.TPL","kind":"media"},{"path":"NME/X400.NME","kind":"keep"}]}`), 0o644)
	m, err := diagnose.LoadManifest(good)
	if err != nil || m.NetType() != postoffice.TypeX400 || len(m.Files) != 2 {
		t.Fatalf("manifest = %+v, %v", m, err)
	}
	for _, bad := range []string{
		`{"name":"x","record":"X","type":8,"installed_bit":3,"files":[]}`,
		`{"name":"x","record":"X","type":8,"installed_bit":8,"files":[{"path":"../../etc/passwd","kind":"keep"}]}`,
		`{"name":"x","record":"X","type":8,"installed_bit":8,"files":[{"path":"TPL/A.TPL","kind":"other"}]}`,
		`{"name":"x","record":"WAYTOOLONGNAME","type":8,"installed_bit":8,"files":[]}`,
		`{"name":"x","record":"X","type":0,"installed_bit":8,"files":[]}`,
		`{"name":"x","record":"X","type":5,"installed_bit":8,"files":[]}`,
		`{"name":"x","record":"X","type":100,"installed_bit":8,"files":[]}`,
		`{"name":"x","record":"X","type":8,"master_bit":8,"files":[]}`,
		`{"name":"x","unknown":1}`,
		`{"name":"x","record":"X","type":8,"installed_bit":8,"files":[{"path":"GLB/NETWORK.GLB","kind":"keep"}]}`,
		`{"name":"x","record":"X","type":8,"installed_bit":8,"files":[{"path":"POREPAIR/ID","kind":"keep"}]}`,
		`{"name":"x","record":"X","type":8,"installed_bit":8,"files":[{"path":"MBG/0000000A.MBG","kind":"keep"}]}`,
		`{"name":"x","record":"X","type":8,"installed_bit":512,"files":[]}`,
		`{"name":"x","record":"SMTP","type":12,"installed_bit":8,"files":[]}`,
		`{"name":"x","record":"X","type":8,"installed_bit":4096,"files":[]}`,
	} {
		f := filepath.Join(dir, "bad.json")
		os.WriteFile(f, []byte(bad), 0o644)
		if _, err := diagnose.LoadManifest(f); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

// A field rewritten whole clears bytes after its text's NUL: the plan
// lists that change instead of hiding it behind equal text.
func TestPlanListsHiddenBytes(t *testing.T) {
	t.Parallel()
	p := build(t, "stale")
	net := filepath.Join(p.Root, "GLB/NETWORK.GLB")
	b, _ := os.ReadFile(net)
	copy(b[3*postoffice.NetRecordSize+postoffice.NetIndPO.Off:], "HQ\x00ZZZZZZZZ")
	os.WriteFile(net, b, 0o644)
	p, _ = postoffice.Open(p.Root)
	pl := mustPlan(t, p, plan.Options{})
	bv, av, ok := effect(pl, "GLB/NETWORK.GLB", "SMTP.indirect_po")
	if !ok || av != "HQ" || !strings.Contains(bv, "hidden bytes 48 51 00 5A") {
		t.Errorf("indirect_po effect %q → %q (%v)", bv, av, ok)
	}
}

// A record of a type porepair does not know still counts toward a hub,
// but its route is not checked.
func TestUnknownTypeRouteNotChecked(t *testing.T) {
	t.Parallel()
	p := build(t, "healthy")
	net := filepath.Join(p.Root, "GLB/NETWORK.GLB")
	b, _ := os.ReadFile(net)
	r := (*postoffice.NetRecord)(b[4*postoffice.NetRecordSize:][:postoffice.NetRecordSize])
	r.SetType(50)
	if err := r.SetRoute("ACME", "NOPE", 0x99); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(net, b, 0o644)
	p, _ = postoffice.Open(p.Root)
	rep := diagnose.Files(p, diagnose.Builtin)
	if rep.Has(diagnose.IndirectRouteBroken) || rep.Problems() {
		t.Errorf("findings = %v", rep.Findings)
	}
}

// The gateway postoffice's own mailbag pair missing is the component's
// problem, but no reinstall mends it: refused, saying so.
func TestPlanRefusesGatewayWithoutMailbag(t *testing.T) {
	t.Parallel()
	p := build(t, "stale")
	os.Remove(filepath.Join(p.Root, "MBG/00000030.MBG"))
	p, _ = postoffice.Open(p.Root)
	_, err := plan.Build(p, plan.Options{Component: smtp(t)})
	if !plan.IsRefusal(err) || !strings.Contains(err.Error(), "cannot mend") {
		t.Fatalf("err = %v", err)
	}
}

// A fresh install over files an earlier install left: the address list is
// kept as it is, a template replaced by the disk's; the plan describes the
// disk, so the executor carries it out.
func TestPlanFreshInstallKeepsLeftFiles(t *testing.T) {
	t.Parallel()
	media := t.TempDir()
	if err := fixture.BuildMedia(media, "v3.5"); err != nil {
		t.Fatal(err)
	}
	p := build(t, "not-installed")
	os.WriteFile(filepath.Join(p.Root, "NME/SMTP.NME"), bytes.Repeat([]byte("A"), 45), 0o644)
	os.WriteFile(filepath.Join(p.Root, "TPL/SMTP.TPL"), []byte("old template"), 0o644)
	p, _ = postoffice.Open(p.Root)
	pl := mustPlan(t, p, plan.Options{Gateway: "ACME/HQ", MediaDir: media})
	for _, c := range pl.Changes {
		switch c.File {
		case "NME/SMTP.NME":
			t.Errorf("the address list is rewritten: %+v", c)
		case "TPL/SMTP.TPL":
			if c.Before == nil || c.Before.Size != int64(len("old template")) {
				t.Errorf("the template is written as if it did not exist: %+v", c.Before)
			}
		}
	}
}

// A refusal carries the codes of the findings that caused it, and only
// those: gateway-gone also has an INDIRECT_ROUTE_BROKEN warning, which is
// not why its plan is refused.
func TestPlanRefusalCodes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		scenario string
		opt      plan.Options
		want     []string
	}{
		{"gateway-gone", plan.Options{}, []string{"GATEWAY_PO_MISSING"}},
		{"gateway-indirect", plan.Options{}, []string{"GATEWAY_PO_INDIRECT"}},
		{"counter-behind", plan.Options{}, []string{"COUNTER_BEHIND"}},
		{"type-mismatch", plan.Options{}, []string{"COMPONENT_TYPE_MISMATCH"}},
		{"workgroup", plan.Options{Force: true}, []string{"WORKGROUP_POSTOFFICE"}},
		{"gateway-here", plan.Options{Force: true}, nil},
	} {
		opt := c.opt
		opt.Component = smtp(t)
		_, err := plan.Build(build(t, c.scenario), opt)
		var got []string
		for _, code := range plan.RefusalCodes(err) {
			got = append(got, code.String())
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: refusal %q has codes %v, want %v", c.scenario, err, got, c.want)
		}
	}
}
