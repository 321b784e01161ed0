package postoffice_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/porepair/porepair/postoffice"
	"github.com/porepair/porepair/testdata/fixture"
)

// seeds are the KB dumps, fixture files and their truncations.
func seeds(f *testing.F, files ...string) {
	if b, err := fixture.DumpBytes("Q148666.dump", 0x63E, 0x6B8); err == nil {
		f.Add(b)
	}
	if b, err := fixture.DumpBytes("Q108027.dump", 0x100, 0x200); err == nil {
		f.Add(b)
		f.Add(b[:117])
	}
	dir := f.TempDir()
	if err := fixture.Build(dir, "stale"); err != nil {
		f.Fatal(err)
	}
	for _, rel := range files {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte{})
}

func FuzzDecoders(f *testing.F) {
	seeds(f, "GLB/NETWORK.GLB", "XTN/00000001.XTN", "MBG/0000000A.MBG", "GLB/MASTER.GLB", "GLB/CONTROL.GLB")
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, tail := postoffice.DecodeNetwork(b)
		if len(recs)*postoffice.NetRecordSize+tail != len(b) {
			t.Fatal("network records and tail do not add up")
		}
		for i := range recs {
			r := &recs[i]
			_, _, _ = r.XTN()
			_, _, _ = r.Mailbag()
			_ = r.Indirect()
			_ = postoffice.Printable(r.Name() + r.PO() + r.Route().String() + r.Type().String() + r.Status().String())
			if r.Type().KeepsXTN() && r.Type().HasQueue() {
				t.Fatalf("type %d keeps both an XTN and a queue", r.Type())
			}
		}
		xs, tail := postoffice.DecodeXTN(b)
		if len(xs)*postoffice.XTNRecordSize+tail != len(b) {
			t.Fatal("xtn records and tail do not add up")
		}
		for i := range xs {
			_, _, _ = xs[i].Mailbag()
			_ = xs[i].Name() + xs[i].Route().String()
			_ = xs[i].Hub()
			_ = xs[i].Indirect()
		}
		ms, _ := postoffice.DecodeMBG(b)
		for i := range ms {
			_, _, _ = ms[i].MAI()
			_ = ms[i].Sender() + ms[i].Subject() + ms[i].Date().String() + ms[i].Priority()
			_ = ms[i].Date().Valid()
			_ = uint64(ms[i].Size()) + uint64(ms[i].Attachments()) + uint64(ms[i].Retries())
		}
		if c, err := postoffice.DecodeControl(b); err == nil {
			_ = c.NMailbag() + c.NLetter()
		} else if len(b) == postoffice.ControlSize {
			t.Fatal("an 8-byte CONTROL.GLB was refused")
		}
		k, err := postoffice.DecodeKey(b)
		if (err == nil) != (len(b) == postoffice.KeySize) {
			t.Fatalf("DecodeKey of %d bytes: %v", len(b), err)
		}
		if err == nil {
			deleted := 0
			for i := 0; i < postoffice.MaxHeaders+2; i++ {
				if k.Deleted(i) {
					deleted++
				}
			}
			if p := k.Pending(postoffice.MaxHeaders + 2); p+deleted != postoffice.MaxHeaders+2 {
				t.Fatalf("pending %d + deleted %d", p, deleted)
			}
		}
		if _, err := postoffice.DecodeFlag(b); (err == nil) != (len(b) == postoffice.FlagSize) {
			t.Fatalf("DecodeFlag of %d bytes: %v", len(b), err)
		}
		if m, err := postoffice.DecodeMaster(b); err == nil {
			_ = m.Network() + m.Postoffice()
			if m.Workgroup() && m.Bit(0x0200) {
				t.Fatal("a workgroup postoffice reported a gateway bit")
			}
		}
		if id, err := postoffice.ParseID(string(b)); err == nil && id.String() != string(b) && len(b) != 8 {
			t.Fatalf("ParseID accepted %q", b)
		}
	})
}

// FuzzOpen mutates one file of a real tree and reads the postoffice.
func FuzzOpen(f *testing.F) {
	files := []string{"GLB/NETWORK.GLB", "XTN/00000001.XTN", "MBG/0000000A.MBG", "GLB/CONTROL.GLB", "GLB/MASTER.GLB", "XTN/00000003.XTN"}
	seeds(f, files...)
	dir := f.TempDir()
	if err := fixture.Build(dir, "stale"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		restore, err := fixture.Swap(filepath.Join(dir, files[len(b)%len(files)]), b)
		if err != nil {
			t.Fatal(err)
		}
		defer restore()
		p, err := postoffice.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		_, _, _ = p.Control()
		_, _, _ = p.Master()
		n, err := p.Network()
		if err != nil {
			return
		}
		for i := range n.Records {
			if id, ok, err := n.Records[i].XTN(); ok && err == nil {
				if x, err := p.XTN(id); err == nil {
					for j := range x.Records {
						if mid, ok, err := x.Records[j].Mailbag(); ok && err == nil {
							_, _ = p.ReadQueue(mid)
						}
					}
				}
			}
			if id, ok, err := n.Records[i].Mailbag(); ok && err == nil {
				if q, err := p.ReadQueue(id); err == nil && q.Pending+q.Deleted != q.Headers {
					t.Fatalf("queue %s: pending %d + deleted %d != %d", id, q.Pending, q.Deleted, q.Headers)
				}
			}
		}
	})
}
