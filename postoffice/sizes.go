package postoffice

import (
	"path"
	"strconv"
	"strings"
)

// SizeRule is what MAILINT's File Integrity Check demands of a file's size
// [KB Q77926, Q132744]: a fixed size, or (size - Header) a multiple of Record.
type SizeRule struct {
	Fixed  int // exact size, when > 0
	Record int // record size, when > 0
	Header int // bytes before the first record
}

// Check reports whether size satisfies the rule.
func (r SizeRule) Check(size int64) bool {
	if r.Fixed > 0 {
		return size == int64(r.Fixed)
	}
	body := size - int64(r.Header)
	return body >= 0 && body%int64(r.Record) == 0
}

func (r SizeRule) String() string {
	switch {
	case r.Fixed > 0:
		return strconv.Itoa(r.Fixed) + " bytes"
	case r.Header > 0:
		return "(size - " + strconv.Itoa(r.Header) + ") a multiple of " + strconv.Itoa(r.Record)
	}
	return "a multiple of " + strconv.Itoa(r.Record)
}

// glbSizes are the GLB files with a known size [KB Q77926].
var glbSizes = map[string]SizeRule{
	"CONTROL.GLB": {Fixed: ControlSize},
	"MASTER.GLB":  {Fixed: MasterSize},
	"FLAG.GLB":    {Fixed: FlagSize},
	"GLOBAL.GLB":  {Fixed: 512},
	"REQCONF.GLB": {Fixed: 512},
	"TID.GLB":     {Fixed: 4},
	"NETWORK.GLB": {Record: NetRecordSize},
	"ACCESS.GLB":  {Record: 586},
	"ACCESS2.GLB": {Record: 69},
	"ACCESS3.GLB": {Record: 512},
	"GROUP.GLB":   {Record: 51, Header: 4},
	"GRPMEM.GLB":  {Record: 128, Header: 4},
	"NETPO.GLB":   {Record: 43, Header: 4},
	"PROCESS.GLB": {Record: 197, Header: 512},
}

// extSizes are the per-directory files with a known record size [KB Q77926].
var extSizes = map[string]SizeRule{
	"KEY/.KEY": {Fixed: KeySize},
	"MBG/.MBG": {Record: MBGRecordSize},
	"XTN/.XTN": {Record: XTNRecordSize},
	"NME/.NME": {Record: 45},
	"USR/.USR": {Record: 53},
}

// SizeRuleFor returns the rule for a path relative to the PO root, in any
// case; ok is false for files whose size is not checked.
func SizeRuleFor(rel string) (SizeRule, bool) {
	u := strings.ToUpper(rel)
	dir, name := path.Split(u)
	if dir == "GLB/" {
		if r, ok := glbSizes[name]; ok {
			return r, true
		}
	}
	r, ok := extSizes[dir+path.Ext(name)]
	return r, ok
}
