package diagnose

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Severity of a finding.
type Severity uint8

const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", uint8(s))
}

// MarshalJSON spells the severity by name.
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Code names a kind of finding; docs/format.md lists them.
type Code uint8

const (
	StaleGatewayRoute Code = iota + 1
	GatewayPOMissing
	GatewayPOIndirect
	HubCountMismatch
	QueueMissing
	KeyMBGUnpaired
	BadFileSize
	CounterBehind
	XTNMissing
	ComponentFilesMissing
	MasterFlagMismatch
	QueuePending
	InterruptedRepair
	// UnreadableFile: a file diagnosis must read is a symbolic link, not a
	// regular file or not readable. Reported rather than failing, so the
	// other checks still run.
	UnreadableFile
	ComponentTypeMismatch
	IndirectRouteBroken
	MailbagOverfull
	WorkgroupPostoffice
	// QueueStalled: an outbound queue's oldest pending message waited
	// longer than diagnose --stalled-after. Only the diagnose command
	// checks it (it needs a clock); planning never sees it.
	QueueStalled
	// RepairRunning: porepair's lock is held; what diagnose read may be
	// half-way through a repair.
	RepairRunning
	// ComponentRecordMissing: a component's files are on the postoffice
	// but NETWORK.GLB holds no active record of it (cut, emptied or
	// overwritten): nothing addresses or serves its queue.
	ComponentRecordMissing
)

type codeInfo struct {
	name     string
	severity Severity
	kb       []string
}

var codes = map[Code]codeInfo{
	StaleGatewayRoute:     {"STALE_GATEWAY_ROUTE", Error, []string{"Q135031", "Q118561"}},
	GatewayPOMissing:      {"GATEWAY_PO_MISSING", Error, []string{"Q135031", "Q118561"}},
	GatewayPOIndirect:     {"GATEWAY_PO_INDIRECT", Error, []string{"Q123825"}},
	HubCountMismatch:      {"HUB_COUNT_MISMATCH", Warning, []string{"Q86625"}},
	QueueMissing:          {"QUEUE_MISSING", Error, []string{"Q104279", "Q87028"}},
	KeyMBGUnpaired:        {"KEY_MBG_UNPAIRED", Warning, []string{"Q132744"}},
	BadFileSize:           {"BAD_FILE_SIZE", Error, []string{"Q77926", "Q128243", "Q95961"}},
	CounterBehind:         {"COUNTER_BEHIND", Error, []string{"Q87388", "Q112894"}},
	XTNMissing:            {"XTN_MISSING", Error, []string{"Q112906"}},
	ComponentFilesMissing: {"COMPONENT_FILES_MISSING", Warning, nil},
	// No KB article describes a lost record (inferred): the finding
	// carries the component manifest's references instead.
	ComponentRecordMissing: {"COMPONENT_RECORD_MISSING", Warning, nil},
	MasterFlagMismatch:     {"MASTER_FLAG_MISMATCH", Info, []string{"Q141583", "Q264265"}},
	QueuePending:           {"QUEUE_PENDING", Info, []string{"Q135031", "Q108027"}},
	InterruptedRepair:      {"INTERRUPTED_REPAIR", Error, nil},
	UnreadableFile:         {"UNREADABLE_FILE", Error, []string{"Q77926"}},
	RepairRunning:          {"REPAIR_RUNNING", Warning, nil},
	ComponentTypeMismatch:  {"COMPONENT_TYPE_MISMATCH", Error, []string{"Q87030", "Q148666"}},
	IndirectRouteBroken:    {"INDIRECT_ROUTE_BROKEN", Warning, []string{"Q118561"}},
	MailbagOverfull:        {"MAILBAG_OVERFULL", Error, []string{"Q77926"}},
	WorkgroupPostoffice:    {"WORKGROUP_POSTOFFICE", Info, []string{"Q110225"}},
	QueueStalled:           {"QUEUE_STALLED", Warning, []string{"Q135031"}},
}

// Codes lists every finding code, ordered by name.
func Codes() []Code {
	out := make([]Code, 0, len(codes))
	for c := range codes {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func (c Code) String() string {
	if i, ok := codes[c]; ok {
		return i.name
	}
	return fmt.Sprintf("code(%d)", uint8(c))
}

// Severity is the code's fixed severity.
func (c Code) Severity() Severity { return codes[c].severity }

// MarshalJSON spells the code by name.
func (c Code) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// Finding is one problem (or, with Info, one fact) about a postoffice.
type Finding struct {
	Code     Code     `json:"code"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	KB       []string `json:"kb"`
	File     string   `json:"file"`

	// Component is the manifest name a finding is about: its record, its
	// queue, its files or its MASTER.GLB bit. Empty when it is about no
	// component.
	Component ComponentName `json:"-"`
	// Gateway is set on findings about an external postoffice's XTN
	// record: a reinstall through that postoffice mends them too.
	Gateway Gateway `json:"-"`
	// Err is the read error behind an UNREADABLE_FILE finding, so that a
	// file another program holds open (osfs.ErrHeldOpen) makes a repair busy,
	// not refused.
	Err error `json:"-"`
}

// NewFinding makes a finding with the code's severity and KB references.
func NewFinding(c Code, file, format string, args ...any) Finding {
	kb := codes[c].kb
	if kb == nil {
		kb = []string{}
	}
	return Finding{Code: c, Severity: c.Severity(), Message: fmt.Sprintf(format, args...), KB: kb, File: file}
}

// Report is the result of a diagnosis.
type Report struct {
	PO string `json:"po"`
	// Network and Postoffice are the names MASTER.GLB gives this
	// postoffice ("" when it cannot be read).
	Network    string    `json:"network"`
	Postoffice string    `json:"postoffice"`
	Findings   []Finding `json:"findings"`
	// Queues are the outbound queues: each active gateway record's queue,
	// then each active external postoffice's mailbag, in file order; then,
	// when a component's record is missing, the unclaimed mailbags that
	// hold mail (UnclaimedOwner), by id.
	Queues []Queue `json:"queues"`
}

// Sort orders findings by file, then code, then message.
func (r *Report) Sort() {
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Code.String() != b.Code.String() {
			return a.Code.String() < b.Code.String()
		}
		return a.Message < b.Message
	})
}

// Worst is the highest severity found; ok is false when there are none.
func (r *Report) Worst() (s Severity, ok bool) {
	for _, f := range r.Findings {
		if !ok || f.Severity > s {
			s, ok = f.Severity, true
		}
	}
	return s, ok
}

// Problems reports whether any finding is an error or a warning.
func (r *Report) Problems() bool {
	s, ok := r.Worst()
	return ok && s >= Warning
}

// About are the errors and warnings a reinstall of component comp
// through gateway postoffice g is for: those about the component (its
// record, queue, files or MASTER.GLB bit) and those about the postoffice
// its mail goes through. The planner asks it to decide whether there is
// anything to do, a repair's verify to decide whether it did it.
func (r *Report) About(comp ComponentName, g Gateway) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity >= Warning && ((comp != "" && f.Component == comp) || (g != "" && f.Gateway == g)) {
			out = append(out, f)
		}
	}
	return out
}

// First is the first finding with code c about component comp ("" for
// any, or for none), or nil.
func (r *Report) First(c Code, comp ComponentName) *Finding {
	for i, f := range r.Findings {
		if f.Code == c && (comp == "" || f.Component == comp) {
			return &r.Findings[i]
		}
	}
	return nil
}

// Has reports whether the report holds a finding with code c.
func (r *Report) Has(c Code) bool { return r.First(c, "") != nil }
