package plan

import "fmt"

// Phase is the part of a reinstall an action belongs to.
type Phase uint8

const (
	PhaseRemove  Phase = iota + 1 // what INSTALL -R does
	PhaseInstall                  // what INSTALL does
	PhaseVerify                   // what porepair checks afterwards
)

// Kind is what an action does.
type Kind uint8

const (
	KindSetField Kind = iota + 1
	KindAllocateID
	KindDeleteFile
	KindPutFile
	KindCreateFile
	KindMoveFile
	KindVerify
)

// Op is one file's change as the executor carries it out: each file is
// written at most once, with its final bytes.
type Op uint8

const (
	OpPatch  Op = iota + 1 // write Patches over the current bytes
	OpWrite                // write Data whole (a new file or other bytes)
	OpDelete               // remove the file
	OpMove                 // rename File to To, never replacing a file
)

var (
	phaseNames = []string{PhaseRemove: "remove", PhaseInstall: "install", PhaseVerify: "verify"}
	kindNames  = []string{KindSetField: "set-field", KindAllocateID: "allocate-id", KindDeleteFile: "delete-file",
		KindPutFile: "put-file", KindCreateFile: "create-file", KindMoveFile: "move-file", KindVerify: "verify"}
	opNames = []string{OpPatch: "patch", OpWrite: "write", OpDelete: "delete", OpMove: "move"}
)

// name spells v from its table, or "what(N)" for a value not in it.
func name[T ~uint8](names []string, v T, what string) string {
	if int(v) < len(names) && names[v] != "" {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", what, uint8(v))
}

// parse finds text in a table; a saved plan with anything else is refused.
func parse[T ~uint8](names []string, text []byte, what string) (T, error) {
	for i, n := range names {
		if n != "" && n == string(text) {
			return T(i), nil
		}
	}
	return 0, fmt.Errorf("unknown %s %q", what, text)
}

func (p Phase) String() string { return name(phaseNames, p, "phase") }
func (k Kind) String() string  { return name(kindNames, k, "kind") }
func (o Op) String() string    { return name(opNames, o, "op") }

// The text forms are what plans show and save.
func (p Phase) MarshalText() ([]byte, error) { return []byte(p.String()), nil }
func (k Kind) MarshalText() ([]byte, error)  { return []byte(k.String()), nil }
func (o Op) MarshalText() ([]byte, error)    { return []byte(o.String()), nil }

func (p *Phase) UnmarshalText(b []byte) error {
	x, err := parse[Phase](phaseNames, b, "phase")
	if err == nil {
		*p = x
	}
	return err
}

func (k *Kind) UnmarshalText(b []byte) error {
	x, err := parse[Kind](kindNames, b, "kind")
	if err == nil {
		*k = x
	}
	return err
}

func (o *Op) UnmarshalText(b []byte) error {
	x, err := parse[Op](opNames, b, "op")
	if err == nil {
		*o = x
	}
	return err
}
