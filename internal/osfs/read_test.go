package osfs_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/porepair/porepair/internal/osfs"
)

// countingReader counts the reads made of it.
type countingReader struct {
	r     io.Reader
	reads int
}

func (c *countingReader) Read(b []byte) (int, error) {
	c.reads++
	return c.r.Read(b)
}

// ReadSized reads a file of the size its stat gave in two reads (the
// bytes, then the end), and all of one that grew or shrank since.
func TestReadSized(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("0123456789"), 1000)
	for _, c := range []struct {
		size      int64
		wantReads int
	}{{10000, 2}, {0, 0}, {-1, 0}, {4000, 0}, {20000, 2}} {
		cr := &countingReader{r: bytes.NewReader(data)}
		got, err := osfs.ReadSized(cr, c.size)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("size %d: read %d bytes, %v; want all %d", c.size, len(got), err, len(data))
		}
		if c.wantReads > 0 && cr.reads != c.wantReads {
			t.Errorf("size %d: %d reads, want %d", c.size, cr.reads, c.wantReads)
		}
	}
}
