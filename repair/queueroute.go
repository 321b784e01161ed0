package repair

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/porepair/porepair/backup"
	"github.com/porepair/porepair/diagnose"
	"github.com/porepair/porepair/postoffice"
)

// networkMax caps the read of a NETWORK.GLB copy, as porepair caps every
// whole-file read.
const networkMax = 64 << 20

// queueRouted refuses, before any write, a rollback that would move the
// queue pair to a mailbag id no record of NETWORK.GLB routes to, as the
// rollback leaves NETWORK.GLB (its snapshot copy, or the file as it is
// when the snapshot does not restore it). A snapshot made while another
// repair was half-way (two hosts whose locks did not see each other)
// pairs one repair's NETWORK.GLB with the other's queue: restoring it,
// --force or not, would leave the mail unroutable (QUEUE_MISSING).
func queueRouted(po *postoffice.PO, snap *backup.Snapshot) error {
	back, now := movedQueue(snap)
	if back == "" {
		return nil
	}
	data, err := networkAfter(po, snap)
	if err != nil {
		return refused("%w", err)
	}
	recs, _ := postoffice.DecodeNetwork(data)
	for i := range recs {
		id, ok, err := recs[i].Mailbag()
		if ok && err == nil && recs[i].Active() && id.String() == back {
			return nil
		}
	}
	return refused("rolling back snapshot %s would move the queue pair from mailbag %s back to %s, but no record of NETWORK.GLB, as the rollback leaves it, routes through %s: the mail would be unroutable (%s); nothing written, --force or not. The snapshot was made while another repair was half-way; run diagnose, and roll back the later repair first (porepair snapshots list)",
		snap.ID, now, back, back, diagnose.QueueMissing)
}

// movedQueue is the mailbag id a restore moves the queue pair back to, and
// the one it is at now ("" when the snapshot moved no queue).
func movedQueue(snap *backup.Snapshot) (back, now string) {
	for _, e := range snap.Entries {
		if e.MovedTo != "" && strings.EqualFold(filepath.Ext(e.File), ".MBG") {
			return idOfPath(e.File), idOfPath(e.MovedTo)
		}
	}
	return "", ""
}

func idOfPath(rel string) string {
	base := filepath.Base(filepath.FromSlash(rel))
	return strings.ToUpper(strings.TrimSuffix(base, filepath.Ext(base)))
}

// networkAfter is NETWORK.GLB as the rollback leaves it.
func networkAfter(po *postoffice.PO, snap *backup.Snapshot) ([]byte, error) {
	for _, e := range snap.Entries {
		if strings.EqualFold(e.File, postoffice.NetworkPath) && e.Copy != "" {
			b, err := snap.CopyBytes(e, networkMax)
			if err != nil {
				return nil, fmt.Errorf("snapshot %s: %w", snap.ID, err)
			}
			return b, nil
		}
	}
	b, _, err := po.ReadFile(postoffice.NetworkPath)
	return b, err
}
