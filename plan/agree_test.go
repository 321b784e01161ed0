package plan_test

import (
	"bytes"
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

// checkFields runs CheckFields on every file the plan sets fields of,
// against the postoffice's bytes and what its changes make of them.
func checkFields(t *testing.T, p *postoffice.PO, pl *plan.Plan) error {
	t.Helper()
	for _, file := range pl.FieldFiles() {
		orig, err := os.ReadFile(filepath.Join(p.Root, filepath.FromSlash(file)))
		if err != nil {
			t.Fatal(err)
		}
		final := orig
		for _, c := range pl.Changes {
			if c.Op == plan.OpPatch && strings.EqualFold(c.File, file) {
				if final, err = c.Patched(orig); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := pl.CheckFields(file, orig, final); err != nil {
			return err
		}
	}
	return nil
}

// Every plan the builder makes shows what it does: it passes Validate's
// agreement of actions and changes, and CheckFields against the bytes,
// whatever the scenario (a fresh install, hidden bytes, a discarded
// queue, media).
func TestPlansAgreeWithTheirChanges(t *testing.T) {
	t.Parallel()
	media := t.TempDir()
	if err := fixture.BuildMedia(media, ""); err != nil {
		t.Fatal(err)
	}
	cases := map[string]plan.Options{"not-installed": {Gateway: "ACME/HQ", MediaDir: media}}
	for _, s := range fixture.Scenarios {
		if _, ok := cases[s]; !ok {
			cases[s] = plan.Options{Force: true}
		}
	}
	cases["stale discard"] = plan.Options{DiscardQueue: true}
	cases["stale media"] = plan.Options{MediaDir: media}
	built := 0
	for name, opt := range cases {
		scenario, _, _ := strings.Cut(name, " ")
		p := build(t, scenario)
		opt.Component = smtp(t)
		pl, err := plan.Build(p, opt)
		if err != nil || pl.NothingToDo {
			continue // refused: nothing is shown or carried out
		}
		built++
		if err := pl.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if err := checkFields(t, p, pl); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if built < 4 {
		t.Fatalf("only %d scenarios planned a repair", built)
	}
}

// An edited action is refused when the plan is loaded: a moved offset
// (366 → 999), a field no repair sets, a net effect that is
// not the actions', an action dropped or changed in kind, a move to
// another name.
func TestLoadRefusesEditedActions(t *testing.T) {
	t.Parallel()
	saved := encoded(t, mustPlan(t, build(t, "stale"), plan.Options{}))
	for name, edit := range map[string][2]string{
		"offset moved":           {`"offset": 366,`, `"offset": 999,`},
		"offset of other record": {`"offset": 399,`, `"offset": 521,`},
		"field renamed":          {`"field": "SMTP.mailbag"`, `"field": "SMTP.po"`},
		"record renamed":         {`"field": "HQ.hub"`, `"field": "HQ"`},
		"net effect edited":      {`"after": "00000031"`, `"after": "00000099"`},
		"after edited":           {`"after": "2",`, `"after": "7",`},
		"kind edited":            {`"kind": "delete-file"`, `"kind": "verify"`},
		"move elsewhere":         {`"to": "KEY/00000031.KEY"`, `"to": "KEY/00000032.KEY"`},
	} {
		if !strings.Contains(saved, edit[0]) {
			t.Fatalf("%s: the saved plan has no %s", name, edit[0])
		}
		if _, err := plan.Load(strings.NewReader(strings.Replace(saved, edit[0], edit[1], 1))); err == nil {
			t.Errorf("%s: the edited plan loaded", name)
		}
	}
}

// What a plan cannot tell alone, the bytes do: an action saying a field
// holds another value today, or will hold another than its change
// writes, or naming another record, is refused by CheckFields.
func TestCheckFieldsRefusesWrongValues(t *testing.T) {
	t.Parallel()
	p := build(t, "stale")
	for name, edit := range map[string]func(pl *plan.Plan){
		"before": func(pl *plan.Plan) {
			setAction(pl, "SMTP.indirect_mailbag", func(a *plan.Action) { *a.Before = "00000009" })
		},
		"after":   func(pl *plan.Plan) { setAction(pl, "HQ.hub", func(a *plan.Action) { *a.After = "3" }) },
		"record":  func(pl *plan.Plan) { setAction(pl, "HQ.hub", func(a *plan.Action) { *a.Field = "LA.hub" }) },
		"control": func(pl *plan.Plan) { setAction(pl, "nmailbag", func(a *plan.Action) { *a.Before = "00000030" }) },
		"gateway": func(pl *plan.Plan) { pl.Gateway = "ACME/XX" },
		"queue":   func(pl *plan.Plan) { pl.NewQueue = "00000099" },
	} {
		pl := mustPlan(t, p, plan.Options{})
		if err := checkFields(t, p, pl); err != nil {
			t.Fatalf("%s, unedited: %v", name, err)
		}
		edit(pl)
		if err := checkFields(t, p, pl); err == nil {
			t.Errorf("%s: an edited value passed", name)
		}
	}
}

// setAction edits every action on a field.
func setAction(pl *plan.Plan, field string, edit func(a *plan.Action)) {
	for i, a := range pl.Actions {
		if a.Field != nil && *a.Field == field {
			f, b, af := *a.Field, *a.Before, *a.After
			pl.Actions[i].Field, pl.Actions[i].Before, pl.Actions[i].After = &f, &b, &af
			edit(&pl.Actions[i])
		}
	}
}

// FuzzLoad feeds saved plans, a real one edited by the fuzzer, to Load:
// any input is a plan or an error, never a panic, and a plan that loads
// saves and loads back as the same plan.
func FuzzLoad(f *testing.F) {
	p := fixture.Open(f, "stale")
	m, _ := diagnose.Find(diagnose.Builtin, "smtp")
	pl, err := plan.Build(p, plan.Options{Component: m})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(encoded(f, pl)))
	f.Add([]byte(`{"version": 2, "po": "/x", "nothing_to_do": true}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := plan.Load(bytes.NewReader(b))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := got.Encode(&out); err != nil {
			t.Fatal(err)
		}
		again, err := plan.Load(&out)
		if err != nil || again.Digest() != got.Digest() {
			t.Fatalf("a loaded plan does not load back: %v", err)
		}
	})
}

// encoded is a plan as plan --out saves it.
func encoded(t testing.TB, pl *plan.Plan) string {
	t.Helper()
	var buf bytes.Buffer
	if err := pl.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// What a plan says of its actions is checked too: an edited description
// ("keep TPL/SMTP.TPL untouched" over a delete), article list, phase,
// verify step or next step is refused when the plan is loaded.
func TestValidateRefusesEditedText(t *testing.T) {
	t.Parallel()
	p := build(t, "stale")
	for name, edit := range map[string]func(pl *plan.Plan){
		"description": func(pl *plan.Plan) { pl.Actions[2].Description = "Step 4: keep TPL/SMTP.TPL untouched" },
		"kb":          func(pl *plan.Plan) { pl.Actions[0].KB = []string{"Q135031"} },
		"phase":       func(pl *plan.Plan) { pl.Actions[0].Phase = plan.PhaseInstall },
		"put back from": func(pl *plan.Plan) {
			for i, a := range pl.Actions {
				if a.Kind == plan.KindPutFile {
					pl.Actions[i].Description = "Step 10: put back it"
				}
			}
		},
		"verify": func(pl *plan.Plan) { pl.Actions[len(pl.Actions)-1].Description = "Nothing" },
		"next":   func(pl *plan.Plan) { pl.Next = []string{"Nothing to do."} },
		"delete dropped": func(pl *plan.Plan) {
			i := indexOf(pl, plan.KindDeleteFile)
			pl.Actions = slices.Delete(pl.Actions, i, i+1)
		},
		"put-back doubled": func(pl *plan.Plan) {
			i := indexOf(pl, plan.KindPutFile)
			pl.Actions = slices.Insert(pl.Actions, i, pl.Actions[i])
		},
		"steps swapped": func(pl *plan.Plan) {
			i := indexOf(pl, plan.KindMoveFile)
			pl.Actions[i-1], pl.Actions[i] = pl.Actions[i], pl.Actions[i-1]
		},
		"gateway po":    func(pl *plan.Plan) { pl.Gateway = "ACME/XX" },
		"gateway net":   func(pl *plan.Plan) { pl.Gateway = "OTHER/HQ" },
		"new_queue":     func(pl *plan.Plan) { pl.NewQueue = "00000099" },
		"old_queue":     func(pl *plan.Plan) { pl.OldQueue = "0000000B" },
		"discard_queue": func(pl *plan.Plan) { pl.DiscardQueue = true },
	} {
		pl := mustPlan(t, p, plan.Options{})
		if err := pl.Validate(); err != nil {
			t.Fatalf("%s, unedited: %v", name, err)
		}
		loaded, err := plan.Load(strings.NewReader(encoded(t, pl)))
		if err != nil {
			t.Fatal(err)
		}
		edit(loaded)
		if err := loaded.Validate(); err == nil {
			t.Errorf("%s: the edited plan validates", name)
		}
	}
}

// indexOf is the first action of kind k.
func indexOf(pl *plan.Plan, k plan.Kind) int {
	for i, a := range pl.Actions {
		if a.Kind == k {
			return i
		}
	}
	panic("no " + k.String())
}
