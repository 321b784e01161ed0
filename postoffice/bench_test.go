package postoffice_test

import (
	"testing"

	"github.com/porepair/porepair/postoffice"
)

func BenchmarkDecodeMBG50000(b *testing.B) {
	var r postoffice.MBGRecord
	r.SetMAI(0x62)
	buf := make([]byte, 0, 50000*postoffice.MBGRecordSize)
	for range 50000 {
		buf = append(buf, r[:]...)
	}
	b.SetBytes(int64(len(buf)))
	for range b.N {
		recs, _ := postoffice.DecodeMBG(buf)
		if len(recs) != 50000 {
			b.Fatal(len(recs))
		}
	}
}
