package postoffice_test

import (
	"testing"

	"github.com/porepair/porepair/postoffice"
)

// BenchmarkDecodeMBGFull decodes a full mailbag: 4,096 headers.
func BenchmarkDecodeMBGFull(b *testing.B) {
	var r postoffice.MBGRecord
	r.SetMAI(0x62)
	buf := make([]byte, 0, postoffice.MaxHeaders*postoffice.MBGRecordSize)
	for range postoffice.MaxHeaders {
		buf = append(buf, r[:]...)
	}
	b.SetBytes(int64(len(buf)))
	for range b.N {
		recs, _ := postoffice.DecodeMBG(buf)
		if len(recs) != postoffice.MaxHeaders {
			b.Fatal(len(recs))
		}
	}
}
