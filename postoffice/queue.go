package postoffice

import (
	"errors"
	"fmt"
	"io/fs"
)

// Queue is what a mailbag holds, counted the way a report needs it:
// headers whose deleted bit (in the KEY of the same id) is clear are
// pending; the rest were delivered or deleted.
type Queue struct {
	ID      ID
	MBG     string // as spelled on disk
	Headers int    // whole headers in the MBG
	Tail    int64  // bytes of a ragged tail, not parsed
	Pending int
	Deleted int
	// PendingBytes adds up the size field of the pending headers.
	PendingBytes uint64
	// Oldest is the pending header with the earliest date that can be a
	// date (or, when none can, the earliest as stored); valid when
	// Pending > 0.
	Oldest      MBGRecord
	OldestIndex int
	// KeyProblem is set when the KEY is missing, unreadable or not 560
	// bytes: then it cannot tell, and every whole header counts as pending.
	KeyProblem string
}

// ReadQueue streams MBG/<id>.MBG and reads its KEY. A missing MBG wraps
// fs.ErrNotExist.
func (p *PO) ReadQueue(id ID) (*Queue, error) { return p.readQueue(id, false) }

// ReadQueueHashed is ReadQueue that also keeps the mailbag's SHA-256,
// taken as it is read (Hashed): for a gateway's queue, which a plan
// fingerprints and carries.
func (p *PO) ReadQueueHashed(id ID) (*Queue, error) { return p.readQueue(id, true) }

func (p *PO) readQueue(id ID, hashed bool) (*Queue, error) {
	q := &Queue{ID: id, OldestIndex: -1}
	var key *Key
	oldestValid := false
	actual, n, tail, err := p.scanMailbag(id, func(i int, r *MBGRecord) {
		// The KEY is read at the first header: an empty mailbag (most
		// external postoffices' are) needs none, and a hub has thousands.
		if i == 0 {
			key, q.KeyProblem = p.readKey(id)
		}
		if key != nil && key.Deleted(i) {
			q.Deleted++
			return
		}
		q.Pending++
		q.PendingBytes += uint64(r.Size())
		d := r.Date()
		switch valid := d.Valid(); {
		case q.OldestIndex < 0, valid && !oldestValid, valid == oldestValid && d.Before(q.Oldest.Date()):
			q.Oldest, q.OldestIndex, oldestValid = *r, i, valid
		}
	}, hashed)
	q.MBG, q.Headers, q.Tail = actual, n, tail
	if err != nil {
		return q, err
	}
	return q, nil
}

// readKey reads KEY/<id>.KEY; a nil Key comes with the reason it cannot
// tell which headers are deleted.
func (p *PO) readKey(id ID) (*Key, string) {
	b, actual, err := p.ReadFile(KeyPath(id))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Sprintf("%s is missing", actual)
	case err != nil:
		return nil, fmt.Sprintf("%s cannot be read", actual)
	}
	k, err := DecodeKey(b)
	if err != nil {
		return nil, fmt.Sprintf("%s is %d bytes, not %d", actual, len(b), KeySize)
	}
	return &k, ""
}
