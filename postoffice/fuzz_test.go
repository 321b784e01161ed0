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
			_, _, _ = r.Pointer()
			_, _, _ = r.Mbg2()
			_, _, _ = r.ViaMbg()
			_ = postoffice.Printable(r.Name() + r.ViaNet() + r.ViaPO() + r.Type().String() + r.Status().String())
			if f, ok := r.Type().Queue(); ok {
				_, _, _ = postoffice.IDOf(f.Of(r[:]))
			}
		}
		xs, tail := postoffice.DecodeXTN(b)
		if len(xs)*postoffice.XTNRecordSize+tail != len(b) {
			t.Fatal("xtn records and tail do not add up")
		}
		for i := range xs {
			_, _, _ = xs[i].Mbg()
			_ = xs[i].Name() + xs[i].ViaNet() + xs[i].ViaPO() + xs[i].Route().String()
			_ = xs[i].Hub()
		}
		ms, _ := postoffice.DecodeMBG(b)
		for i := range ms {
			_, _, _ = ms[i].MAI()
			_ = ms[i].Sender() + ms[i].Subject() + ms[i].Date().String()
		}
		if c, err := postoffice.DecodeControl(b); err == nil {
			_ = c.NMailbag() + c.NLetter()
		} else if len(b) == postoffice.ControlSize {
			t.Fatal("an 8-byte CONTROL.GLB was refused")
		}
		if _, err := postoffice.DecodeKey(b); (err == nil) != (len(b) == postoffice.KeySize) {
			t.Fatalf("DecodeKey of %d bytes: %v", len(b), err)
		}
		if _, err := postoffice.DecodeFlag(b); (err == nil) != (len(b) == postoffice.FlagSize) {
			t.Fatalf("DecodeFlag of %d bytes: %v", len(b), err)
		}
		if m, err := postoffice.DecodeMaster(b); err == nil {
			_ = m.Network() + m.Postoffice()
			_ = m.Bit(0x02)
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
			if id, ok, err := n.Records[i].Pointer(); ok && err == nil {
				if x, err := p.XTN(id); err == nil {
					for j := range x.Records {
						if mid, ok, err := x.Records[j].Mbg(); ok && err == nil {
							_, _ = p.Mailbag(mid)
						}
					}
				}
				_, _ = p.Mailbag(id)
			}
		}
	})
}
