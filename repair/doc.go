// Package repair carries out a plan: it locks the postoffice, journals and
// snapshots before the first change, writes each file durably, verifies,
// and restores the snapshot on any failure, signal or crash. It knows
// order, durability and undo; what should change is package plan's.
//
// The lock (Acquire) is three: POREPAIR/LOCK, locked for the processes of
// this host; the directory POREPAIR/HOLDER, made by mkdir (which the
// server decides, where a FUSE client's O_EXCL create is not exclusive
// across clients) with a RUN naming the holder's host, pid, start time and
// postoffice id, for every client of a share (a FUSE client keeps fcntl
// locks on its own host); and GLB/FLAG.GLB, held open
// and locked as ADMIN holds it. A HOLDER left by a dead run is removed
// only by Unlock or by a rollback of that run's own journal on its host.
// Snapshots are found by the postoffice's identity from any mount of it
// (locate.go).
package repair
